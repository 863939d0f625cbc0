import { describe, expect, it } from 'vitest';
import {
  addAkUser,
  ak,
  changed,
  expectCleanIsQuiet,
  masAdmin,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { PROVIDER_ID } from '../../../../test/fixtures/snapshots/clean.js';
import type { ChainSnapshot } from '../../../snapshot/types.js';
import { userSignInFailed } from './sign-in-failed.js';

function tried(s: ChainSnapshot, username = 'carla') {
  addAkUser(s, username);
  ak(s).events.push({
    pk: `e-${username}`,
    action: 'authorize_application',
    created: '2026-11-28T09:30:00Z',
    username,
    context: {
      authorized_application: {
        app: 'authentik_core',
        model_name: 'application',
        name: 'Matrix',
        pk: 'app-matrix',
      },
    },
  });
}

describe('lifecycle/sign-in-failed', () => {
  it('is quiet for a healthy chain', () => {
    expectCleanIsQuiet(userSignInFailed);
  });

  it('an attempt with no account: the hop from MAS’s log line', () => {
    const snap = changed((s) => {
      tried(s);
      s.logs = [
        {
          source: 'mas',
          line: 'ERROR mas_axum_utils::fancy_error:67 issuer URLs don\'t match: expected "https://auth.example.org/application/o/matrix", got "https://auth.example.org/application/o/matrix/"',
        },
      ];
    });
    const findings = runCheck(userSignInFailed, snap);
    expect(pairsOf(findings)).toEqual([['user-sign-in-failed', 'user/carla']]);
    const [f] = findings;
    expect(f!.title).toBe('Sign-in failed at the oidc hop');
    expect(f!.detail).toContain('The evidence points at the oidc hop');
    expect(f!.detail).toContain('oidc-issuer-mismatch');
    expect(f!.evidence.map((e) => e.source)).toEqual(['authentik-api', 'log']);
  });

  it('the earliest hop wins: a redirect-URI event at Authentik before a later-hop log line', () => {
    const snap = changed((s) => {
      tried(s);
      ak(s).events.push({
        pk: 'e2',
        action: 'configuration_error',
        created: '2026-11-28T09:30:01Z',
        username: 'carla',
        context: {
          message: `Invalid redirect URI was used. Client used 'https://account.example.org/upstream/callback/${PROVIDER_ID}'. Allowed redirect URIs are ...`,
        },
      });
      s.logs = [
        { source: 'mas', line: 'Template "{{ user.preferred_username }}" rendered to an empty string' },
      ];
    });
    const [f] = runCheck(userSignInFailed, snap);
    expect(f!.title).toBe('Sign-in failed at the authentik hop');
    expect(f!.detail).toContain('authentik-redirect-uri-missing');
  });

  it('without logs: inferred from the state, and says the log would confirm it', () => {
    const snap = changed((s) => {
      tried(s);
      masAdmin(s).users.push({
        id: '01KQDK000000000000000CARLA',
        username: 'carla',
        admin: false,
        locked_at: null,
        deactivated_at: null,
        created_at: '2026-01-01T00:00:00Z',
      });
    });
    const [f] = runCheck(userSignInFailed, snap);
    expect(f!.detail).toContain('The snapshot points at the mapping hop');
    expect(f!.detail).toContain('mapping-localpart-taken');
    expect(f!.detail).toContain('would confirm it');
  });

  it('an abandoned registration (a link without a user) counts as an attempt', () => {
    const snap = changed((s) => {
      addAkUser(s, 'carla');
      masAdmin(s).links.push({
        id: '01KQDK00000000000000LINK2',
        provider_id: PROVIDER_ID,
        subject: 'hashed-carla',
        user_id: null,
      });
    });
    const [f] = runCheck(userSignInFailed, snap);
    expect(f!.detail).toContain('MAS holds an upstream link');
    expect(f!.detail).toContain('registration page');
  });

  it('nothing points anywhere: says so and how to find out', () => {
    const [f] = runCheck(
      userSignInFailed,
      changed((s) => tried(s)),
    );
    expect(f!.title).toBe('The user tried to sign in but no MAS account resulted');
    expect(f!.detail).toContain('cannot tell which hop failed');
    expect(f!.fix!.summary).toContain('ssochain probe');
  });

  it('a login to Authentik that was not on the way to Matrix is not an attempt', () => {
    const snap = changed((s) => {
      addAkUser(s, 'carla');
      ak(s).events.push({
        pk: 'e3',
        action: 'login',
        created: '2026-11-28T09:00:00Z',
        username: 'carla',
        context: { http_request: { path: '/if/user/' } },
      });
    });
    expect(runCheck(userSignInFailed, snap)).toEqual([]);
  });
});
