import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import type { ChainSnapshot } from '../../../snapshot/types.js';
import { synapseMasEnabled } from './mas-enabled.js';

const URL = 'https://matrix.example.org/_matrix/client/v1/auth_metadata';

function off(s: ChainSnapshot, probeStatus: number) {
  const syn = synapse(s);
  syn.authMetadata = {
    status: 'error',
    ms: 5,
    error: { code: 'ERR_SOURCE_HTTP_STATUS', status: 404, url: URL, message: `${URL} answered HTTP 404` },
  };
  syn.authMetadataUrl = URL;
  syn.masApiProbe = { status: 'ok', ms: 5, data: { status: probeStatus, errcode: 'M_UNRECOGNIZED' } };
  syn.wellKnown = {
    status: 'ok',
    ms: 5,
    data: { 'm.homeserver': { base_url: 'https://matrix.example.org/' } },
  };
}

describe('synapse/mas-enabled', () => {
  it('is quiet for a healthy chain', () => {
    expectCleanIsQuiet(synapseMasEnabled);
  });

  it('auth_metadata and /_synapse/mas both 404: Synapse does not delegate to MAS', () => {
    const findings = runCheck(
      synapseMasEnabled,
      changed((s) => off(s, 404)),
    );
    expect(pairsOf(findings)).toEqual([['synapse-mas-not-enabled', 'synapse/matrix_authentication_service']]);
    expect(findings[0]!.evidence).toHaveLength(3);
    expect(findings[0]!.fix!.snippet).toContain('matrix_authentication_service:\n  enabled: true');
  });

  it('the MAS API answering 400 or 403 proves the integration is on', () => {
    expect(
      runCheck(
        synapseMasEnabled,
        changed((s) => off(s, 400)),
      ),
    ).toEqual([]);
    expect(
      runCheck(
        synapseMasEnabled,
        changed((s) => off(s, 403)),
      ),
    ).toEqual([]);
  });

  it('a 5xx from auth_metadata (Synapse cannot reach MAS) is not this finding', () => {
    const snap = changed((s) => {
      synapse(s).authMetadata = {
        status: 'error',
        ms: 5,
        error: { code: 'ERR_SOURCE_HTTP_STATUS', status: 503, url: URL, message: 'answered HTTP 503' },
      };
    });
    expect(runCheck(synapseMasEnabled, snap)).toEqual([]);
  });
});
