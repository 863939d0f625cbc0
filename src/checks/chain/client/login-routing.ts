import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a login answer MAS gave: a 2xx whose flows include MAS's `m.login.sso` marker. */
export function servedByMas(status: number, body: unknown): boolean {
  if (status < 200 || status >= 300 || !isRecord(body) || !Array.isArray(body.flows)) return false;
  return body.flows.some(
    (f) =>
      isRecord(f) &&
      f.type === 'm.login.sso' &&
      (f.oauth_aware_preferred === true || f['org.matrix.msc3824.delegated_oidc_compatibility'] === true),
  );
}

function describeAnswer(status: number, body: unknown): string {
  if (isRecord(body) && Array.isArray(body.flows)) {
    const types = body.flows.map((f) => (isRecord(f) && typeof f.type === 'string' ? f.type : '?'));
    return `HTTP ${status}, flows: ${types.join(', ') || 'none'}`;
  }
  if (isRecord(body) && typeof body.errcode === 'string') return `HTTP ${status} ${body.errcode}`;
  return `HTTP ${status}`;
}

const SNIPPET = `# nginx, in front of Synapse and MAS: the legacy login API belongs to MAS
location ~ ^/_matrix/client/(.*)/(login|logout|refresh) {
    proxy_pass http://matrix-authentication-service:8080;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $remote_addr;
}
# ESS does this on its external Ingress; a custom Ingress or proxy must do it too`;

/**
 * `client-login-not-routed`: `GET /_matrix/client/v3/login` at the public homeserver URL is not
 * answered by MAS (a 2xx with an `m.login.sso` flow that has `oauth_aware_preferred`, the test
 * `mas-cli doctor` uses). Under MAS, Synapse has no login API of its own, so clients that use
 * the legacy API (Element Web, bots, older apps) cannot sign in.
 */
export const clientLoginRouting: ChainCheck = {
  id: 'client/login-routing',
  codes: ['client-login-not-routed'],
  run(snap): Finding[] {
    const rt = snap.masRuntime;
    const login = rt.status === 'ok' ? rt.data.compatLogin : undefined;
    if (login?.status !== 'ok') return [];
    const { status, body } = login.data;
    if (servedByMas(status, body)) return [];
    const url = login.data.url ?? '/_matrix/client/v3/login';
    const answer = describeAnswer(status, body);
    return [
      makeFinding('client-login-not-routed', {
        subject: 'client/login',
        detail: `${url} answered ${answer}, not MAS's login flows (an m.login.sso flow with oauth_aware_preferred). ${
          status === 404
            ? 'The request reached Synapse, which has no login API of its own under MAS: the reverse proxy does not send /_matrix/client/*/login, /logout and /refresh to MAS.'
            : 'Something other than MAS answers the legacy login API: the reverse proxy sends it elsewhere, or Synapse still runs its own login.'
        } Clients using the legacy API (Element Web, bots, older apps) cannot sign in.`,
        evidence: [{ source: 'synapse', excerpt: `GET ${url} — ${answer}` }],
        fix: {
          summary:
            'Route /_matrix/client/*/login, /logout and /refresh (all API versions: v3, r0, unstable) to MAS in the reverse proxy in front of Synapse, then check with ssochain doctor.',
          snippet: SNIPPET,
        },
      }),
    ];
  },
};
