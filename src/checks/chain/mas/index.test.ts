import { describe, expect, it } from 'vitest';
import { cleanSnapshot } from '../../../../test/fixtures/snapshots/clean.js';
import { runCheck } from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { masRuntimeChecks } from './index.js';

describe('masRuntimeChecks', () => {
  it('declares the live mas codes once each, with unique mas/ ids', () => {
    const declared = masRuntimeChecks.flatMap((c) => c.codes);
    expect([...declared].sort()).toEqual([
      'mas-admin-api-unavailable',
      'mas-public-base-default',
      'mas-unreachable',
      'mas-worker-stalled',
    ]);
    const ids = masRuntimeChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^mas\/[a-z-]+$/);
  });

  it('the clean chain raises nothing; skipped sources raise nothing', () => {
    for (const check of masRuntimeChecks) expect(runCheck(check, cleanSnapshot()), check.id).toEqual([]);
    const snap = cleanSnapshot();
    snap.masAdmin = { status: 'skipped', reason: 'x' };
    snap.masRuntime = { status: 'skipped', reason: 'x' };
    snap.synapse = { status: 'skipped', reason: 'x' };
    snap.masConfig = { status: 'skipped', reason: 'x' };
    for (const check of masRuntimeChecks) expect(runCheck(check, snap), check.id).toEqual([]);
  });
});
