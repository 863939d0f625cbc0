import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainSnapshot, FetchError } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { hostOf } from '../synapse/presence.js';

/** Log lines that show MAS out of reach from Synapse's side (synapse/api/auth/mas.py). */
const SYNAPSE_SEES_MAS_DOWN =
  /Failed to introspect token|Unable to introspect the access token|Failed to load metadata/;

/** A source's sentence as the start of a longer one (no double full stop). */
export function clause(message: string): string {
  return message.replace(/[.\s]+$/, '');
}

export function excerptOf(e: FetchError): string {
  return [e.url, e.status !== undefined ? `HTTP ${e.status}` : undefined, e.code, e.message]
    .filter(Boolean)
    .join(' — ');
}

function fixFor(e: FetchError): string {
  switch (e.code) {
    case 'ERR_SOURCE_DNS':
      return 'Check mas.url (or mas.internalUrl) in ssochain.yaml: the name does not resolve from where ssochain runs. Inside a cluster, use the service URL (ESS: http://<release>-matrix-authentication-service.<namespace>.svc:8080).';
    case 'ERR_SOURCE_TLS':
      return "Fix the certificate MAS's URL serves, or trust its certificate authority (caFile in ssochain.yaml).";
    case 'ERR_SOURCE_TIMEOUT':
    case 'ERR_SOURCE_CONNECT':
      return 'Check that MAS runs (ESS: `kubectl -n <ns> get pods -l app.kubernetes.io/name=matrix-authentication-service`, then its logs) and that its listener serves the `discovery` resource at the URL in ssochain.yaml.';
    case 'ERR_SOURCE_NOT_JSON':
    case 'ERR_SOURCE_INVALID':
      return "Something other than MAS answers at mas.url (a proxy's error or login page): point the reverse proxy, and mas.url, at MAS's `web` listener.";
    default:
      return e.status === 404
        ? "MAS (or the proxy) has no /.well-known/openid-configuration there: the listener mas.url reaches lacks the `discovery` resource, or mas.url is not MAS's public base."
        : 'MAS (or the proxy in front of it) answers with an error: read the MAS logs (`kubectl -n <ns> logs deploy/<release>-matrix-authentication-service`). A MAS that refuses its config exits at start; `mas-cli config check` names the problem.';
  }
}

function failureOf(
  snap: ChainSnapshot,
): { error: FetchError; source: Evidence['source']; what: string } | undefined {
  const rt = snap.masRuntime;
  if (rt.status === 'unreachable' || rt.status === 'error')
    return { error: rt.error, source: 'discovery', what: "MAS's discovery document" };
  const d = rt.status === 'ok' ? rt.data.discovery : undefined;
  if (d && (d.status === 'unreachable' || d.status === 'error'))
    return { error: d.error, source: 'discovery', what: "MAS's discovery document" };
  if (rt.status !== 'ok' && snap.masAdmin.status === 'unreachable')
    return { error: snap.masAdmin.error, source: 'mas-admin', what: "MAS's token endpoint" };
  return undefined;
}

/**
 * `mas-unreachable`: MAS's own discovery document cannot be read (network, TLS, timeout, an
 * error status, or something that is not MAS answering): then no client can find MAS. The
 * admin API's failure to connect counts when the runtime view is missing. Synapse's
 * introspection failures in the logs are attached.
 */
export const masReachable: ChainCheck = {
  id: 'mas/reachable',
  codes: ['mas-unreachable'],
  run(snap): Finding[] {
    const failure = failureOf(snap);
    if (!failure) return [];
    const { error, source, what } = failure;
    const evidence: Evidence[] = [{ source, excerpt: excerptOf(error) }];
    if (failure.source === 'discovery' && snap.masAdmin.status === 'unreachable')
      evidence.push({ source: 'mas-admin', excerpt: excerptOf(snap.masAdmin.error) });
    for (const l of snap.logs.filter((l) => SYNAPSE_SEES_MAS_DOWN.test(l.line)).slice(0, 3))
      evidence.push({ source: 'log', excerpt: `${l.source}: ${l.line.slice(0, 300)}` });
    return [
      makeFinding('mas-unreachable', {
        subject: `mas/${hostOf(error.url) ?? 'server'}`,
        detail: `${what} could not be read: ${clause(error.message)}. Without MAS nobody can sign in, Synapse cannot check access tokens, and ssochain cannot see MAS's users.`,
        evidence,
        fix: { summary: fixFor(error) },
      }),
    ];
  },
};
