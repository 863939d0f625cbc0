import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  masAdmin,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import type { ChainSnapshot } from '../../../snapshot/types.js';
import { masWorkerStalled } from './worker-stalled.js';

function addMasUser(s: ChainSnapshot, username: string, created: string, deactivated = false) {
  masAdmin(s).users.push({
    id: `01KQDK000000000000000${username.toUpperCase().padEnd(5, '0').slice(0, 5)}`,
    username,
    admin: false,
    locked_at: null,
    deactivated_at: deactivated ? '2026-11-27T00:00:00Z' : null,
    created_at: created,
  });
  synapse(s).users.push({ localpart: username, exists: false });
}

describe('mas/worker-stalled', () => {
  it('is quiet for a healthy chain', () => {
    expectCleanIsQuiet(masWorkerStalled);
  });

  it('one user still within the grace period is not (yet) a stall', () => {
    const snap = changed((s) => addMasUser(s, 'dora', '2026-11-28T09:58:00Z'));
    expect(runCheck(masWorkerStalled, snap)).toEqual([]);
  });

  it('one user missing for longer than the grace period is', () => {
    const snap = changed((s) => addMasUser(s, 'dora', '2026-11-28T08:00:00Z'));
    const findings = runCheck(masWorkerStalled, snap);
    expect(pairsOf(findings)).toEqual([['mas-worker-stalled', 'mas/worker']]);
    expect(findings[0]!.detail).toContain('dora (created 2026-11-28T08:00:00Z, 2 h ago)');
    expect(findings[0]!.fix!.snippet).toContain('provision-all-users');
  });

  it('several users missing at once is, even if recent; deactivated users do not count', () => {
    const snap = changed((s) => {
      addMasUser(s, 'dora', '2026-11-28T09:59:00Z');
      addMasUser(s, 'emil', '2026-11-28T09:59:30Z');
      addMasUser(s, 'gone', '2026-01-01T00:00:00Z', true);
      s.logs = [{ source: 'mas', line: 'ERROR mas_tasks::matrix: Failed to provision user in Synapse' }];
    });
    const [f, ...rest] = runCheck(masWorkerStalled, snap);
    expect(rest).toEqual([]);
    expect(f!.detail).toMatch(/^2 MAS users have no Synapse account/);
    expect(f!.detail).not.toContain('gone');
    expect(f!.evidence.at(-1)).toEqual({
      source: 'log',
      excerpt: 'mas: ERROR mas_tasks::matrix: Failed to provision user in Synapse',
    });
  });

  it('reads the admin user list when query_user was not asked, and stays quiet when it was cut short', () => {
    const base = (truncated: boolean) =>
      changed((s) => {
        masAdmin(s).users.push({
          id: '01KQDK0000000000000000DORA',
          username: 'dora',
          admin: false,
          locked_at: null,
          deactivated_at: null,
          created_at: '2026-11-01T00:00:00Z',
        });
        synapse(s).adminUsers = {
          status: 'ok',
          ms: 5,
          data: [{ name: '@boje:example.org', deactivated: false }],
        };
        synapse(s).adminUsersTruncated = truncated;
      });
    expect(pairsOf(runCheck(masWorkerStalled, base(false)))).toEqual([['mas-worker-stalled', 'mas/worker']]);
    expect(runCheck(masWorkerStalled, base(true))).toEqual([]);
  });
});
