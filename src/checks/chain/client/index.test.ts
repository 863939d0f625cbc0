import { describe, expect, it } from 'vitest';
import { cleanSnapshot } from '../../../../test/fixtures/snapshots/clean.js';
import { runCheck } from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { clientChecks } from './index.js';

describe('clientChecks', () => {
  it('covers every client-* code once, with unique client/ ids', () => {
    expect(clientChecks.flatMap((c) => c.codes).sort()).toEqual([
      'client-issuer-mismatch',
      'client-login-not-routed',
    ]);
    for (const check of clientChecks) expect(check.id).toMatch(/^client\/[a-z-]+$/);
  });

  it('the clean chain raises nothing; skipped sources raise nothing', () => {
    for (const check of clientChecks) expect(runCheck(check, cleanSnapshot()), check.id).toEqual([]);
    const snap = cleanSnapshot();
    snap.synapse = { status: 'skipped', reason: 'x' };
    snap.masRuntime = { status: 'skipped', reason: 'x' };
    for (const check of clientChecks) expect(runCheck(check, snap), check.id).toEqual([]);
  });
});
