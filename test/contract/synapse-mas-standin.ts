import { listen, Router, json, type RunningServer } from '../../src/sandbox/http/server.js';

/**
 * A minimal MAS for the Synapse contract suite: the two things Synapse asks MAS for.
 * - `GET /.well-known/openid-configuration`: issuer, account_management_uri and a few endpoints
 * - `POST /oauth2/introspect`: answered from a token table the test controls; the caller must
 *   present the shared secret as bearer (as real MAS requires), else 401 `invalid_client`.
 * Every introspection request is recorded so tests can check what Synapse sent.
 */
export type IntrospectionAnswer =
  { kind: 'json'; body: unknown } | { kind: 'status'; status: number } | { kind: 'raw'; text: string };

export interface RecordedIntrospection {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface MasStandIn {
  url: string;
  issuer: string;
  metadata: Record<string, unknown>;
  /** token -> answer; tokens not in the table are inactive */
  tokens: Map<string, IntrospectionAnswer>;
  introspections: RecordedIntrospection[];
  /** a client token for `username`, with the client API scope plus `extraScope` */
  issue(
    username: string,
    opts?: { admin?: boolean; device?: string; deviceField?: string; scope?: string },
  ): string;
  close(): Promise<void>;
}

let counter = 0;

export async function startMasStandIn(secret: string): Promise<MasStandIn> {
  const tokens = new Map<string, IntrospectionAnswer>();
  const introspections: RecordedIntrospection[] = [];
  const router = new Router('mas-standin');
  const ref: { server?: RunningServer } = {};
  const metadata = (): Record<string, unknown> => {
    const base = ref.server!.url;
    return {
      issuer: `${base}/`,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/oauth2/token`,
      jwks_uri: `${base}/oauth2/keys.json`,
      registration_endpoint: `${base}/oauth2/registration`,
      scopes_supported: ['openid', 'email'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      introspection_endpoint: `${base}/oauth2/introspect`,
      account_management_uri: `${base}/account/`,
      account_management_actions_supported: ['org.matrix.profile', 'org.matrix.sessions_list'],
      prompt_values_supported: ['none', 'login', 'create'],
    };
  };
  router.on('GET', '/.well-known/openid-configuration', 'discovery', () => json(200, metadata()));
  router.on('POST', '/oauth2/introspect', 'oauth', async (ctx) => {
    const body = (await ctx.body()).toString('utf8');
    introspections.push({ headers: { ...ctx.headers }, body });
    if (ctx.headers.authorization !== `Bearer ${secret}`) return json(401, { error: 'invalid_client' });
    const token = new URLSearchParams(body).get('token') ?? '';
    const answer = tokens.get(token);
    if (!answer) return json(200, { active: false });
    if (answer.kind === 'status') return json(answer.status, { error: 'server_error' });
    if (answer.kind === 'raw')
      return { status: 200, headers: { 'content-type': 'application/json' }, body: answer.text };
    return json(200, answer.body);
  });
  const server = await listen(router.listener);
  ref.server = server;
  const md = metadata();
  return {
    url: server.url,
    issuer: md.issuer as string,
    metadata: md,
    tokens,
    introspections,
    issue(username, opts = {}) {
      const token = `mat_standin_${process.pid}_${++counter}_${Math.random().toString(36).slice(2)}`;
      const scope =
        opts.scope ??
        [
          'urn:matrix:client:api:*',
          ...(opts.admin ? ['urn:synapse:admin:*'] : []),
          ...(opts.device ? [`urn:matrix:client:device:${opts.device}`] : []),
        ].join(' ');
      tokens.set(token, {
        kind: 'json',
        body: {
          active: true,
          scope,
          username,
          sub: `01STANDIN${username.toUpperCase()}`,
          client_id: '01STANDINCLIENT',
          token_type: 'access_token',
          ...(opts.deviceField ? { device_id: opts.deviceField } : {}),
        },
      });
      return token;
    },
    close: () => server.close(),
  };
}
