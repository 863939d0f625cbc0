import type { Evidence, Finding } from '../../../report/types.js';
import type { FetchError } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { clause, excerptOf } from '../mas/reachable.js';
import { hostOf } from './presence.js';

/** MAS log lines about reaching Synapse (crates/handlers, crates/matrix-synapse). */
const MAS_SEES_SYNAPSE_DOWN =
  /Homeserver connection error|Failed to check localpart availability from Synapse|Failed to (query|provision) user (from|in) Synapse/;

function fixFor(e: FetchError): string {
  switch (e.code) {
    case 'ERR_SOURCE_DNS':
      return 'Check synapse.url in ssochain.yaml: the name does not resolve from where ssochain runs (inside a cluster use the service URL, ESS: http://<release>-synapse.<namespace>.svc:8008).';
    case 'ERR_SOURCE_TLS':
      return "Fix the certificate Synapse's URL serves, or trust its certificate authority (caFile in ssochain.yaml).";
    case 'ERR_SOURCE_NOT_JSON':
    case 'ERR_SOURCE_INVALID':
      return 'synapse.url does not lead to a Matrix homeserver: point it at the client-server URL (the `m.homeserver.base_url` of your well-known).';
    case 'ERR_SOURCE_TIMEOUT':
    case 'ERR_SOURCE_CONNECT':
      return 'Check that Synapse runs (ESS: `kubectl -n <ns> get pods -l app.kubernetes.io/name=synapse-main`, then its logs: a config error such as a leftover experimental_features.msc3861 stops it at start) and that synapse.url reaches it.';
    default:
      return "Synapse (or the proxy in front of it) answers /_matrix/client/versions with an error: read Synapse's log; a 502/503 from a proxy usually means Synapse is not running.";
  }
}

/** `synapse-unreachable`: Synapse does not answer `/_matrix/client/versions` usably. */
export const synapseReachable: ChainCheck = {
  id: 'synapse/reachable',
  codes: ['synapse-unreachable'],
  run(snap): Finding[] {
    const s = snap.synapse;
    if (s.status !== 'unreachable' && s.status !== 'error') return [];
    const evidence: Evidence[] = [{ source: 'synapse', excerpt: excerptOf(s.error) }];
    for (const l of snap.logs.filter((l) => MAS_SEES_SYNAPSE_DOWN.test(l.line)).slice(0, 3))
      evidence.push({ source: 'log', excerpt: `${l.source}: ${l.line.slice(0, 300)}` });
    return [
      makeFinding('synapse-unreachable', {
        subject: `synapse/${hostOf(s.error.url) ?? 'server'}`,
        detail: `Synapse could not be read: ${clause(s.error.message)}. Without Synapse, MAS cannot check localparts or create Matrix accounts, and clients cannot sign in.`,
        evidence,
        fix: { summary: fixFor(s.error) },
      }),
    ];
  },
};
