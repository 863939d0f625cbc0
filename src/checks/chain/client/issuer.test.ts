import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { MAS } from '../../../../test/fixtures/snapshots/clean.js';
import { clientIssuer } from './issuer.js';

describe('client/issuer', () => {
  it('is quiet for a healthy chain', () => {
    expectCleanIsQuiet(clientIssuer);
  });

  it('a static well-known without the trailing slash: one finding for that place', () => {
    const snap = changed((s) => {
      synapse(s).wellKnown = {
        status: 'ok',
        ms: 5,
        data: { 'org.matrix.msc2965.authentication': { issuer: MAS, account: `${MAS}/account/` } },
      };
      synapse(s).wellKnownUrl = 'https://example.org/.well-known/matrix/client';
    });
    const findings = runCheck(clientIssuer, snap);
    expect(pairsOf(findings)).toEqual([['client-issuer-mismatch', 'client/well-known']]);
    expect(findings[0]!.detail).toContain('differ only in the trailing slash');
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual(['synapse', 'discovery']);
  });

  it('auth_metadata from another MAS, compared with the config when MAS itself was not read', () => {
    const snap = changed((s) => {
      s.masRuntime = { status: 'skipped', reason: 'x' };
      synapse(s).authMetadata = { status: 'ok', ms: 5, data: { issuer: 'http://mas.internal:8080/' } };
    });
    const findings = runCheck(clientIssuer, snap);
    expect(pairsOf(findings)).toEqual([['client-issuer-mismatch', 'client/auth_metadata']]);
    expect(findings[0]!.detail).toContain("MAS's config says");
    expect(findings[0]!.evidence[1]!.source).toBe('mas-config');
  });

  it('a well-known without the MAS block is not a mismatch', () => {
    const snap = changed((s) => {
      synapse(s).wellKnown = {
        status: 'ok',
        ms: 5,
        data: { 'm.homeserver': { base_url: 'https://matrix.example.org/' } },
      };
    });
    expect(runCheck(clientIssuer, snap)).toEqual([]);
  });
});
