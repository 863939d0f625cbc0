import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  pairsOf,
  runCheck,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { synapseReachable } from './reachable.js';

describe('synapse/reachable', () => {
  it('is quiet for a healthy chain and a skipped source', () => {
    expectCleanIsQuiet(synapseReachable);
    expect(
      runCheck(
        synapseReachable,
        changed((s) => (s.synapse = { status: 'skipped', reason: 'x' })),
      ),
    ).toEqual([]);
  });

  it('Synapse down: the reason, what to check, and MAS’s log lines as evidence', () => {
    const snap = changed((s) => {
      s.synapse = {
        status: 'unreachable',
        ms: 5000,
        error: {
          code: 'ERR_SOURCE_TIMEOUT',
          message: 'matrix.example.org did not answer within 5000 ms',
          url: 'https://matrix.example.org/_matrix/client/versions',
        },
      };
      s.logs = [
        { source: 'mas', line: 'ERROR mas_handlers::upstream_oauth2::link: Homeserver connection error' },
      ];
    });
    const findings = runCheck(synapseReachable, snap);
    expect(pairsOf(findings)).toEqual([['synapse-unreachable', 'synapse/matrix.example.org']]);
    expect(findings[0]!.detail).toContain('did not answer within 5000 ms');
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual(['synapse', 'log']);
    expect(findings[0]!.fix!.summary).toContain('Synapse runs');
  });

  it('not a homeserver: says to point synapse.url at the client-server URL', () => {
    const snap = changed((s) => {
      s.synapse = {
        status: 'error',
        ms: 5,
        error: {
          code: 'ERR_SOURCE_NOT_JSON',
          status: 200,
          url: 'https://matrix.example.org/_matrix/client/versions',
          message: 'did not answer with JSON',
        },
      };
    });
    expect(runCheck(synapseReachable, snap)[0]!.fix!.summary).toContain('m.homeserver.base_url');
  });
});
