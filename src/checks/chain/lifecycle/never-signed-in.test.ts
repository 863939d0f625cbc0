import { describe, expect, it } from 'vitest';
import {
  addAkUser,
  ak,
  changed,
  expectCleanIsQuiet,
  mas,
  masAdmin,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { PROVIDER_ID } from '../../../../test/fixtures/snapshots/clean.js';
import { userNeverSignedIn } from './never-signed-in.js';

describe('lifecycle/never-signed-in', () => {
  it('is quiet for a healthy chain (boje has signed in)', () => {
    expectCleanIsQuiet(userNeverSignedIn);
  });

  it('a user only in Authentik: expected just-in-time behaviour, with a way to pre-provision', () => {
    const findings = runCheck(
      userNeverSignedIn,
      changed((s) => addAkUser(s, 'carla')),
    );
    expect(pairsOf(findings)).toEqual([['user-never-signed-in', 'user/carla']]);
    const [f] = findings;
    expect(f!.severity).toBe('info');
    expect(f!.detail).toContain('This is expected');
    expect(f!.detail).toContain('sub hashed-carla');
    expect(f!.fix!.repair).toBe('mas-preprovision-user');
    expect(f!.fix!.snippet).toContain(`"provider_id": "${PROVIDER_ID}", "subject": "hashed-carla"`);
    expect(f!.fix!.snippet).toContain('https://account.example.org/api/admin/v1/users');
    expect(f!.fix!.snippet).toContain(`mas-cli manage register-user -y carla -m ${PROVIDER_ID}:hashed-carla`);
  });

  it('the focus user only, when there is one', () => {
    expect(
      runCheck(
        userNeverSignedIn,
        changed((s) => {
          addAkUser(s, 'carla');
          s.user = 'boje';
        }),
      ),
    ).toEqual([]);
    expect(
      pairsOf(
        runCheck(
          userNeverSignedIn,
          changed((s) => {
            addAkUser(s, 'carla');
            s.user = 'Carla';
          }),
        ),
      ),
    ).toEqual([['user-never-signed-in', 'user/carla']]);
  });

  it('not for inactive users, users who tried, or when MAS lists are incomplete', () => {
    expect(
      runCheck(
        userNeverSignedIn,
        changed((s) => addAkUser(s, 'carla', false)),
      ),
    ).toEqual([]);
    const tried = changed((s) => {
      addAkUser(s, 'carla');
      ak(s).events.push({
        pk: 'e1',
        action: 'authorize_application',
        created: '2026-11-28T09:00:00Z',
        username: 'carla',
        context: { authorized_application: { name: 'Matrix', pk: 'app-matrix' } },
      });
    });
    expect(runCheck(userNeverSignedIn, tried)).toEqual([]);
    const cut = changed((s) => {
      addAkUser(s, 'carla');
      masAdmin(s).truncated = true;
    });
    expect(runCheck(userNeverSignedIn, cut)).toEqual([]);
  });

  it('many users: one finding each up to the limit, then a summary', () => {
    const snap = changed((s) => {
      for (let i = 0; i < 23; i++) addAkUser(s, `user${i}`);
    });
    const findings = runCheck(userNeverSignedIn, snap);
    expect(findings).toHaveLength(21);
    expect(findings.at(-1)).toMatchObject({
      subject: 'user/*',
      title: '3 more Authentik users have never signed in through MAS',
    });
  });

  it('not when the localpart already exists in Synapse (the mapping check explains that sign-in failure)', () => {
    const snap = changed((s) => {
      addAkUser(s, 'carla');
      synapse(s).users.push({ localpart: 'carla', exists: true });
    });
    expect(runCheck(userNeverSignedIn, snap)).toEqual([]);
  });

  it('without any MAS provider for Authentik (the seed): everyone without a MAS account, pointing at the provider', () => {
    const snap = changed((s) => {
      mas(s).providers = [];
      addAkUser(s, 'carla');
    });
    const findings = runCheck(userNeverSignedIn, snap);
    expect(pairsOf(findings)).toEqual([['user-never-signed-in', 'user/carla']]);
    expect(findings[0]!.detail).toContain('MAS has no upstream provider for Authentik');
    expect(findings[0]!.fix!.repair).toBeNull();
  });
});
