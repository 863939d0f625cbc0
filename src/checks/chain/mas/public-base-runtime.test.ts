import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { masPublicBaseRuntime } from './public-base-runtime.js';

describe('mas/public-base-runtime', () => {
  it('is quiet for a healthy chain', () => {
    expectCleanIsQuiet(masPublicBaseRuntime);
  });

  it('MAS advertising its built-in http://[::]:8080/: the live evidence from each place', () => {
    const snap = changed((s) => {
      s.masRuntime = {
        status: 'ok',
        ms: 5,
        data: { discovery: { status: 'ok', ms: 5, data: { issuer: 'http://[::]:8080/' } } },
      };
      synapse(s).authMetadata = { status: 'ok', ms: 5, data: { issuer: 'http://[::]:8080/' } };
      synapse(s).authMetadataUrl = 'https://matrix.example.org/_matrix/client/v1/auth_metadata';
    });
    const findings = runCheck(masPublicBaseRuntime, snap);
    expect(pairsOf(findings)).toEqual([['mas-public-base-default', 'mas/issuer']]);
    expect(findings[0]!.detail).toContain('`http://[::]:8080/`');
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual(['discovery', 'synapse']);
    expect(findings[0]!.fix!.snippet).toContain('public_base');
  });

  it('seen only through Synapse when MAS itself was not read; plain http to a real host is not this', () => {
    const relayed = changed((s) => {
      s.masRuntime = { status: 'skipped', reason: 'x' };
      synapse(s).wellKnown = {
        status: 'ok',
        ms: 1,
        data: { 'org.matrix.msc2965.authentication': { issuer: 'http://localhost:8080/' } },
      };
    });
    expect(pairsOf(runCheck(masPublicBaseRuntime, relayed))).toEqual([
      ['mas-public-base-default', 'mas/issuer'],
    ]);
    const http = changed((s) => {
      s.masRuntime = {
        status: 'ok',
        ms: 5,
        data: { discovery: { status: 'ok', ms: 5, data: { issuer: 'http://account.example.org/' } } },
      };
      synapse(s).authMetadata = { status: 'ok', ms: 1, data: { issuer: 'http://account.example.org/' } };
      synapse(s).wellKnown = { status: 'ok', ms: 1, data: {} };
    });
    expect(runCheck(masPublicBaseRuntime, http)).toEqual([]);
  });
});
