import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { synapseMasSecret } from './mas-secret.js';

const rejected = (
  secretFrom: 'mas-config' | 'ssochain-config',
  error = 'This endpoint must only be called by MAS',
) =>
  changed((s) => {
    synapse(s).masApiProbe = {
      status: 'ok',
      ms: 5,
      data: {
        url: 'http://synapse:8008/_synapse/mas/is_localpart_available',
        status: 403,
        errcode: 'M_FORBIDDEN',
        error,
        secretFrom,
      },
    };
  });

describe('synapse/mas-secret', () => {
  it('is quiet for a healthy chain (the probe got 400)', () => {
    expectCleanIsQuiet(synapseMasSecret);
  });

  it("a 403 for MAS's own secret: MAS's every call to Synapse fails", () => {
    const findings = runCheck(synapseMasSecret, rejected('mas-config'));
    expect(pairsOf(findings)).toEqual([['synapse-mas-secret-mismatch', 'synapse/shared-secret']]);
    expect(findings[0]!.detail).toContain("MAS's `matrix.secret`");
    expect(findings[0]!.evidence[0]!.excerpt).toContain('"This endpoint must only be called by MAS"');
    expect(findings[0]!.fix!.snippet).toContain('secret_path');
  });

  it("a 403 for ssochain's copy says that copy may be the stale one", () => {
    expect(runCheck(synapseMasSecret, rejected('ssochain-config'))[0]!.detail).toContain(
      'synapse.sharedSecret',
    );
  });

  it('a 403 that is not Synapse speaking (a proxy) is not this', () => {
    const snap = changed((s) => {
      synapse(s).masApiProbe = { status: 'ok', ms: 5, data: { status: 403, secretFrom: 'mas-config' } };
    });
    expect(runCheck(synapseMasSecret, snap)).toEqual([]);
  });
});
