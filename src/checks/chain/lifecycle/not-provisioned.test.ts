import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  masAdmin,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { userNotProvisioned } from './not-provisioned.js';

describe('lifecycle/not-provisioned', () => {
  it('is quiet for a healthy chain', () => {
    expectCleanIsQuiet(userNotProvisioned);
  });

  it('a MAS user Synapse does not have, past the grace period', () => {
    const snap = changed((s) => {
      synapse(s).users = [
        { localpart: 'boje', exists: false },
        { localpart: 'akadmin', exists: true },
      ];
      s.logs = [
        { source: 'mas', line: 'ERROR Unexpected HTTP code while provisioning user in Synapse: 403' },
      ];
    });
    const findings = runCheck(userNotProvisioned, snap);
    expect(pairsOf(findings)).toEqual([['user-not-provisioned', 'user/boje']]);
    expect(findings[0]!.detail).toContain('27 days ago');
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual(['mas-admin', 'synapse', 'log']);
    expect(findings[0]!.fix!.repair).toBe('mas-provision-users');
  });

  it('not while the job may still run, not for deactivated users, and only the focus user when there is one', () => {
    const fresh = changed((s) => {
      masAdmin(s).users[0]!.created_at = '2026-11-28T09:58:00Z';
      synapse(s).users = [{ localpart: 'boje', exists: false }];
    });
    expect(runCheck(userNotProvisioned, fresh)).toEqual([]);
    const gone = changed((s) => {
      masAdmin(s).users[0]!.deactivated_at = '2026-11-20T00:00:00Z';
      synapse(s).users = [{ localpart: 'boje', exists: false }];
    });
    expect(runCheck(userNotProvisioned, gone)).toEqual([]);
    const focus = changed((s) => {
      synapse(s).users = [
        { localpart: 'boje', exists: false },
        { localpart: 'akadmin', exists: false },
      ];
      s.user = 'akadmin';
    });
    expect(pairsOf(runCheck(userNotProvisioned, focus))).toEqual([['user-not-provisioned', 'user/akadmin']]);
  });

  it('unknown when Synapse was not asked', () => {
    expect(
      runCheck(
        userNotProvisioned,
        changed((s) => (synapse(s).users = [])),
      ),
    ).toEqual([]);
  });
});
