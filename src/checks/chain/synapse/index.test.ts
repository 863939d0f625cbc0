import { describe, expect, it } from 'vitest';
import { cleanSnapshot } from '../../../../test/fixtures/snapshots/clean.js';
import { runCheck } from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { synapseRuntimeChecks } from './index.js';

describe('synapseRuntimeChecks', () => {
  it('declares the live synapse codes once each, with unique synapse/ ids', () => {
    const declared = synapseRuntimeChecks.flatMap((c) => c.codes);
    expect([...declared].sort()).toEqual([
      'synapse-mas-not-enabled',
      'synapse-mas-secret-mismatch',
      'synapse-orphan-user',
      'synapse-server-name-mismatch',
      'synapse-unreachable',
    ]);
    const ids = synapseRuntimeChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^synapse\/[a-z-]+$/);
  });

  it('the clean chain raises nothing; skipped sources raise nothing', () => {
    for (const check of synapseRuntimeChecks) expect(runCheck(check, cleanSnapshot()), check.id).toEqual([]);
    const snap = cleanSnapshot();
    snap.synapse = { status: 'skipped', reason: 'x' };
    snap.masAdmin = { status: 'skipped', reason: 'x' };
    snap.masConfig = { status: 'skipped', reason: 'x' };
    for (const check of synapseRuntimeChecks) expect(runCheck(check, snap), check.id).toEqual([]);
  });
});
