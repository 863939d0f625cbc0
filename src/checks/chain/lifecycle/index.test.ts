import { describe, expect, it } from 'vitest';
import { cleanSnapshot } from '../../../../test/fixtures/snapshots/clean.js';
import { runCheck } from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { lifecycleChecks } from './index.js';

describe('lifecycleChecks', () => {
  it('covers every user-* code, once each', () => {
    expect(lifecycleChecks.flatMap((c) => c.codes).sort()).toEqual([
      'user-lifecycle-drift',
      'user-never-signed-in',
      'user-not-provisioned',
      'user-sign-in-failed',
    ]);
    const ids = lifecycleChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^lifecycle\/[a-z-]+$/);
  });

  it('the clean chain raises nothing, with or without a focus user; skipped sources raise nothing', () => {
    for (const check of lifecycleChecks) expect(runCheck(check, cleanSnapshot()), check.id).toEqual([]);
    const focus = cleanSnapshot();
    focus.user = 'boje';
    for (const check of lifecycleChecks) expect(runCheck(check, focus), check.id).toEqual([]);
    const skipped = cleanSnapshot();
    skipped.authentik = { status: 'skipped', reason: 'x' };
    skipped.masAdmin = { status: 'skipped', reason: 'x' };
    skipped.synapse = { status: 'skipped', reason: 'x' };
    for (const check of lifecycleChecks) expect(runCheck(check, skipped), check.id).toEqual([]);
  });
});
