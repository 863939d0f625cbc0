import { describe, expect, it } from 'vitest';
import { CODES } from '../../../codes/registry.js';
import { cleanSnapshot } from '../../../../test/fixtures/snapshots/clean.js';
import { runCheck } from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { authentikChecks } from './index.js';

describe('authentikChecks', () => {
  it('covers every authentik-* code, each declared once, with unique ids', () => {
    const declared = authentikChecks.flatMap((c) => c.codes);
    expect(new Set(declared).size).toBe(declared.length);
    expect([...declared].sort()).toEqual(
      Object.keys(CODES)
        .filter((c) => c.startsWith('authentik-'))
        .sort(),
    );
    const ids = authentikChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^authentik\/[a-z-]+$/);
  });

  it('the clean chain raises nothing', () => {
    for (const check of authentikChecks) expect(runCheck(check, cleanSnapshot()), check.id).toEqual([]);
  });

  it('a skipped Authentik source raises nothing (it was not asked)', () => {
    const snap = cleanSnapshot();
    snap.authentik = { status: 'skipped', reason: 'no authentik section' };
    for (const check of authentikChecks) expect(runCheck(check, snap), check.id).toEqual([]);
  });
});
