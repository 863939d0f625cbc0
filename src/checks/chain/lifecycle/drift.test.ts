import { describe, expect, it } from 'vitest';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  masAdmin,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { userLifecycleDrift } from './drift.js';

const boje = (s: Parameters<typeof ak>[0]) => ak(s).users.find((u) => u.username === 'boje')!;
const masBoje = (s: Parameters<typeof ak>[0]) => masAdmin(s).users.find((u) => u.username === 'boje')!;

describe('lifecycle/drift', () => {
  it('is quiet for a healthy chain, and when both sides agree', () => {
    expectCleanIsQuiet(userLifecycleDrift);
    const both = changed((s) => {
      boje(s).is_active = false;
      masBoje(s).locked_at = '2026-11-27T00:00:00Z';
    });
    expect(runCheck(userLifecycleDrift, both)).toEqual([]);
  });

  it('disabled in Authentik, active in MAS: lock them (repairable)', () => {
    const findings = runCheck(
      userLifecycleDrift,
      changed((s) => (boje(s).is_active = false)),
    );
    expect(pairsOf(findings)).toEqual([['user-lifecycle-drift', 'user/boje']]);
    expect(findings[0]!.detail).toContain('disabled in Authentik, but the MAS user boje is still active');
    expect(findings[0]!.fix).toMatchObject({ repair: 'mas-lock-user' });
    expect(findings[0]!.fix!.snippet).toContain('mas-cli manage lock-user boje');
  });

  it('active in Authentik, locked or deactivated in MAS', () => {
    const locked = runCheck(
      userLifecycleDrift,
      changed((s) => (masBoje(s).locked_at = '2026-11-27T00:00:00Z')),
    );
    expect(locked[0]!.fix).toMatchObject({ repair: 'mas-unlock-user' });
    const deactivated = runCheck(
      userLifecycleDrift,
      changed((s) => (masBoje(s).deactivated_at = '2026-11-27T00:00:00Z')),
    );
    expect(deactivated[0]!.detail).toContain('deactivated');
    expect(deactivated[0]!.fix!.repair).toBeNull();
  });

  it('active in MAS, deactivated in Synapse', () => {
    const snap = changed(
      (s) => (synapse(s).users[0] = { localpart: 'boje', exists: true, deactivated: true }),
    );
    const [f] = runCheck(userLifecycleDrift, snap);
    expect(f!.detail).toContain('Synapse has @boje deactivated');
    expect(f!.evidence.at(-1)!.source).toBe('synapse');
  });
});
