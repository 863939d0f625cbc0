import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT, type JWK } from 'jose';
import { json, listen, redirect, Router, type RunningServer } from '../../../src/sandbox/http/server.js';
import { SandboxLog } from '../../../src/sandbox/log.js';
import { request as httpRequest } from '../../../src/sandbox/mas/http-client.js';
import { createMas, MasSectionSchema, type MasEmulatorInstance } from '../../../src/sandbox/mas/index.js';
import { sandboxRsaKeyPem } from '../../../src/sandbox/mas/sandbox-keys.js';

/**
 * Test doubles for MAS's neighbours: a tiny OpenID provider shaped like Authentik (issuer
 * `/application/o/<slug>/`, HS256 + `{}` JWKS without a signing key), a fake Synapse
 * `/_synapse/mas/*`, and a cookie-keeping browser that walks redirects.
 */

export interface IdpUser {
  sub: string;
  claims?: Record<string, unknown>;
}

export interface FakeIdpOptions {
  slug?: string;
  /** what the discovery document says the issuer is (default: `<url>/application/o/<slug>/`) */
  issuer?: (url: string) => string;
  /** RS256 (RSA key), ES256 (EC key), HS256 (no signing key: secret = client secret) */
  signing?: 'RS256' | 'ES256' | 'HS256';
  /** the JWKS body: the keys, `{}`, or `{"keys":[]}` */
  jwks?: 'keys' | 'empty-object' | 'empty-keys';
  clientId?: string;
  clientSecret?: string;
  /** claims also returned at the userinfo endpoint only */
  userinfoClaims?: Record<string, unknown>;
  /** fields to drop from the discovery document */
  omitMetadata?: string[];
  /** serve over https with this key and certificate */
  tls?: { key: string; cert: string };
}

export interface FakeIdp {
  url: string;
  issuer: string;
  /** the user the next authorization request signs in */
  user: IdpUser;
  tokenRequests: { headers: http.IncomingHttpHeaders; form: URLSearchParams }[];
  authorizeRequests: URLSearchParams[];
  options: FakeIdpOptions;
  close(): Promise<void>;
}

const keyPairs = new Map<string, ReturnType<typeof generateKeyPairSync>>();
/** one key pair per algorithm for the whole test file: RSA generation is slow */
function idpKeyPair(alg: 'RS256' | 'ES256') {
  let pair = keyPairs.get(alg);
  if (!pair) {
    pair =
      alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    keyPairs.set(alg, pair);
  }
  return pair;
}

export async function startFakeIdp(options: FakeIdpOptions = {}): Promise<FakeIdp> {
  const slug = options.slug ?? 'matrix';
  const clientId = options.clientId ?? 'matrix-client-id';
  const clientSecret = options.clientSecret ?? 'matrix-client-secret-sandbox';
  const signing = options.signing ?? 'RS256';
  let key: KeyObject | Uint8Array;
  let jwk: JWK | undefined;
  if (signing === 'HS256') key = new TextEncoder().encode(clientSecret);
  else {
    const pair = idpKeyPair(signing);
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-key', use: 'sig' };
  }
  const router = new Router('idp');
  const codes = new Map<string, { user: IdpUser; nonce?: string; redirectUri: string; challenge?: string }>();
  const tokens = new Map<string, IdpUser>();
  const idp: FakeIdp = {
    url: '',
    issuer: '',
    user: {
      sub: 'sub-boje',
      claims: { preferred_username: 'boje', name: 'Boje', email: 'boje@example.test' },
    },
    tokenRequests: [],
    authorizeRequests: [],
    options,
    close: async () => undefined,
  };
  const base = `/application/o/${slug}/`;
  router.on('GET', `${base}.well-known/openid-configuration`, 'oidc', () => {
    const doc: Record<string, unknown> = {
      issuer: idp.issuer,
      authorization_endpoint: `${idp.url}/application/o/authorize/`,
      token_endpoint: `${idp.url}/application/o/token/`,
      userinfo_endpoint: `${idp.url}/application/o/userinfo/`,
      jwks_uri: `${idp.url}${base}jwks/`,
      response_types_supported: ['code', 'id_token', 'id_token token', 'code token', 'code id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [signing],
      scopes_supported: ['openid', 'email', 'profile'],
      code_challenge_methods_supported: ['plain', 'S256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    };
    for (const k of options.omitMetadata ?? []) delete doc[k];
    return json(200, doc);
  });
  router.on('GET', `${base}jwks/`, 'oidc', () => {
    const mode = options.jwks ?? 'keys';
    if (mode === 'empty-object') return json(200, {});
    if (mode === 'empty-keys' || !jwk) return json(200, { keys: [] });
    return json(200, { keys: [jwk] });
  });
  router.on('GET', '/application/o/authorize/', 'oidc', (ctx) => {
    idp.authorizeRequests.push(new URLSearchParams(ctx.query));
    const code = randomBytes(12).toString('hex');
    const redirectUri = ctx.query.get('redirect_uri')!;
    codes.set(code, {
      user: idp.user,
      nonce: ctx.query.get('nonce') ?? undefined,
      redirectUri,
      challenge: ctx.query.get('code_challenge') ?? undefined,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', ctx.query.get('state') ?? '');
    return redirect(target.href);
  });
  router.on('POST', '/application/o/token/', 'oidc', async (ctx) => {
    const form = await ctx.form();
    idp.tokenRequests.push({ headers: ctx.headers, form });
    const auth = ctx.headers.authorization ?? '';
    const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
    const [id, secret] = basic
      ? basic.split(':').map(decodeURIComponent)
      : [form.get('client_id'), form.get('client_secret')];
    if (id !== clientId || secret !== clientSecret)
      return json(400, {
        error: 'invalid_client',
        error_description:
          'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)',
      });
    const grant = codes.get(form.get('code') ?? '');
    if (!grant || grant.redirectUri !== form.get('redirect_uri'))
      return json(400, {
        error: 'invalid_grant',
        error_description: 'The provided authorization grant is invalid',
      });
    if (grant.challenge) {
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)
        return json(400, { error: 'invalid_grant' });
    }
    codes.delete(form.get('code')!);
    const accessToken = randomBytes(16).toString('hex');
    tokens.set(accessToken, grant.user);
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ ...(grant.user.claims ?? {}), ...(grant.nonce ? { nonce: grant.nonce } : {}) })
      .setProtectedHeader({ alg: signing, ...(jwk ? { kid: jwk.kid } : {}) })
      .setIssuer(idp.issuer)
      .setSubject(grant.user.sub)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 600);
    const idToken = await jwt.sign(key);
    return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 600, id_token: idToken });
  });
  router.on(['GET', 'POST'], '/application/o/userinfo/', 'oidc', (ctx) => {
    const user = tokens.get((ctx.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!user) return json(401, { error: 'invalid_token' });
    return json(200, { sub: user.sub, ...(options.userinfoClaims ?? {}) });
  });
  const server = options.tls ? await listenTls(router.listener, options.tls) : await listen(router.listener);
  idp.url = server.url;
  idp.issuer = options.issuer ? options.issuer(server.url) : `${server.url}${base}`;
  idp.close = server.close;
  return idp;
}

async function listenTls(
  listener: http.RequestListener,
  tls: { key: string; cert: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = https.createServer(tls, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface FakeSynapse {
  url: string;
  secret: string;
  users: Map<string, { displayname?: string; emails?: string[]; locked?: boolean; deactivated?: boolean }>;
  devices: Map<string, Set<string>>;
  /** localparts that exist only in Synapse (M_USER_IN_USE) */
  taken: Set<string>;
  calls: { path: string; body: unknown; auth?: string }[];
  /** answer every /_synapse/mas call with this status */
  failWith?: number;
  close(): Promise<void>;
}

export async function startFakeSynapse(secret = 'sandbox-mas-shared-secret'): Promise<FakeSynapse> {
  const router = new Router('synapse');
  const syn: FakeSynapse = {
    url: '',
    secret,
    users: new Map(),
    devices: new Map(),
    taken: new Set(),
    calls: [],
    close: async () => undefined,
  };
  const guard = (auth: string | undefined) => {
    if (syn.failWith) return json(syn.failWith, { errcode: 'M_UNKNOWN', error: 'Internal server error' });
    if (auth !== `Bearer ${syn.secret}`)
      return json(403, { errcode: 'M_FORBIDDEN', error: 'This endpoint must only be called by MAS' });
    return undefined;
  };
  router.on('GET', '/_synapse/mas/is_localpart_available', 'mas', (ctx) => {
    syn.calls.push({ path: ctx.url.pathname + ctx.url.search, body: null, auth: ctx.headers.authorization });
    const denied = guard(ctx.headers.authorization);
    if (denied) return denied;
    const localpart = ctx.query.get('localpart');
    if (!localpart)
      return json(400, { errcode: 'M_MISSING_PARAM', error: 'Missing string query param: localpart' });
    if (syn.taken.has(localpart) || syn.users.has(localpart))
      return json(400, { errcode: 'M_USER_IN_USE', error: 'User ID already taken.' });
    return json(200, {});
  });
  const post = (name: string, handle: (body: Record<string, unknown>) => ReturnType<typeof json>) =>
    router.on('POST', `/_synapse/mas/${name}`, 'mas', async (ctx) => {
      const body = await ctx.json<Record<string, unknown>>();
      syn.calls.push({ path: ctx.url.pathname, body, auth: ctx.headers.authorization });
      const denied = guard(ctx.headers.authorization);
      if (denied) return denied;
      return handle(body);
    });
  post('provision_user', (b) => {
    const localpart = String(b.localpart);
    const existed = syn.users.has(localpart);
    syn.users.set(localpart, {
      displayname: b.set_displayname as string | undefined,
      emails: b.set_emails as string[] | undefined,
      locked: b.locked as boolean | undefined,
    });
    return json(existed ? 200 : 201, {});
  });
  post('upsert_device', (b) => {
    const set = syn.devices.get(String(b.localpart)) ?? new Set();
    set.add(String(b.device_id));
    syn.devices.set(String(b.localpart), set);
    return json(200, {});
  });
  post('sync_devices', (b) => {
    syn.devices.set(String(b.localpart), new Set(b.devices as string[]));
    return json(200, {});
  });
  post('delete_user', (b) => {
    const u = syn.users.get(String(b.localpart));
    if (u) u.deactivated = true;
    return json(200, {});
  });
  post('reactivate_user', (b) => {
    const u = syn.users.get(String(b.localpart));
    if (u) u.deactivated = false;
    return json(200, {});
  });
  const server = await listen(router.listener);
  syn.url = server.url;
  syn.close = server.close;
  return syn;
}

export interface MasHarness {
  mas: MasEmulatorInstance;
  url: string;
  log: SandboxLog;
  server: RunningServer;
  logs(): string[];
  close(): Promise<void>;
}

/** Starts the emulated MAS on loopback with a section (validated like the stack does). */
export async function startMas(
  section: unknown,
  urls: { authentik?: string; synapse?: string } = {},
  scenarioDir = process.cwd(),
): Promise<MasHarness> {
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = await listen((req, res) => handler(req, res));
  const log = new SandboxLog();
  const parsed = MasSectionSchema.parse(section ?? {});
  const mas = await createMas(parsed, {
    urls: {
      authentik: urls.authentik ?? 'http://127.0.0.1:9',
      mas: server.url,
      synapse: urls.synapse ?? 'http://127.0.0.1:9',
    },
    log,
    scenarioDir,
  });
  handler = mas.router.listener;
  return {
    mas,
    url: server.url,
    log,
    server,
    logs: () => log.read('mas').map((l) => l.text),
    close: async () => {
      await mas.close?.();
      await server.close();
    },
  };
}

export interface BrowserResponse {
  status: number;
  url: string;
  headers: Headers;
  body: string;
}

/** A minimal browser: per-origin cookies, manual redirects, form posts. */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();
  readonly history: string[] = [];

  private cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.host);
    return cookies ? [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  private store(url: URL, headers: Headers): void {
    for (const raw of headers.getSetCookie()) {
      const [pair, ...attrs] = raw.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const cookies = this.jar.get(url.host) ?? new Map<string, string>();
      if (attrs.some((a) => /max-age=0/i.test(a.trim()))) cookies.delete(name);
      else cookies.set(name, value);
      this.jar.set(url.host, cookies);
    }
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).host)?.get(name);
  }

  clearCookies(origin: string): void {
    this.jar.delete(new URL(origin).host);
  }

  /** extra CA certificates the browser trusts (for https test servers) */
  ca: string[] = [];

  async request(
    target: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      json?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<BrowserResponse> {
    const url = new URL(target);
    this.history.push(`${init.method ?? 'GET'} ${url.href}`);
    const body = init.form
      ? new URLSearchParams(init.form).toString()
      : init.json !== undefined
        ? JSON.stringify(init.json)
        : undefined;
    const res = await httpRequest(url.href, {
      method: init.method ?? 'GET',
      headers: {
        cookie: this.cookieHeader(url),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.headers ?? {}),
      },
      body,
      ca: this.ca,
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) headers.append(k, item);
    }
    this.store(url, headers);
    return { status: res.status, url: url.href, headers, body: res.body.toString('utf8') };
  }

  /** follows redirects until a non-redirect answer (or a URL matching `stopAt`) */
  async follow(
    target: string,
    stopAt?: (url: string) => boolean,
    init?: { method?: string; form?: Record<string, string> },
  ): Promise<BrowserResponse> {
    let res = await this.request(target, init);
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get('location')!, res.url).href;
      if (stopAt?.(next)) return { ...res, url: next };
      res = await this.request(next);
    }
    return res;
  }

  /** submits the form with the given id on a page, overriding fields */
  async submit(
    page: BrowserResponse,
    formId: string,
    fields: Record<string, string> = {},
    stopAt?: (url: string) => boolean,
  ): Promise<BrowserResponse> {
    const form = new RegExp(`<form[^>]*action="([^"]*)"[^>]*id="${formId}"[^>]*>([\\s\\S]*?)</form>`).exec(
      page.body,
    );
    if (!form) throw new Error(`no form #${formId} on ${page.url}:\n${page.body}`);
    const values: Record<string, string> = {};
    for (const m of form[2]!.matchAll(/<input([^>]*)>/g)) {
      const attrs = m[1]!;
      const name = /name="([^"]*)"/.exec(attrs)?.[1];
      if (!name) continue;
      if (/type="checkbox"/.test(attrs) && !/ checked/.test(attrs)) continue;
      values[name] = /type="checkbox"/.test(attrs) ? 'on' : decode(/value="([^"]*)"/.exec(attrs)?.[1] ?? '');
    }
    for (const [k, v] of Object.entries(fields)) {
      if (v === '') delete values[k];
      else values[k] = v;
    }
    return this.follow(new URL(decode(form[1]!), page.url).href, stopAt, { method: 'POST', form: values });
  }
}

function decode(s: string): string {
  return s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

/** A MAS config text for tests: real MAS keys, the given provider block and extras. */
export function testConfig(opts: {
  masUrl?: string;
  synapseUrl?: string;
  provider?: string;
  extra?: string;
  passwords?: boolean;
}): string {
  return `http:
  public_base: "\${MAS_URL}/"
  listeners:
    - name: web
      resources: [{name: discovery}, {name: human}, {name: oauth}, {name: compat}, {name: adminapi}, {name: health}]
      binds: [{address: "[::]:8080"}]
secrets:
  encryption: 0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff
  keys:
    - kid: test-key
      key: |
${sandboxRsaKeyPem()
  .trim()
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
matrix:
  homeserver: sandbox.local
  endpoint: "\${SYNAPSE_URL}"
  secret: sandbox-mas-shared-secret
passwords:
  enabled: ${opts.passwords ?? false}
clients:
  - client_id: 01KQDJVZ7A0000000000000ADM
    client_auth_method: client_secret_basic
    client_secret: admin-secret
policy:
  data:
    admin_clients: [01KQDJVZ7A0000000000000ADM]
${opts.provider !== undefined ? `upstream_oauth2:\n  providers:\n${opts.provider}` : ''}
${opts.extra ?? ''}`;
}

/**
 * One provider entry (indented for `upstream_oauth2.providers`) pointing at a fake IdP; each
 * override replaces a key's YAML value (a flow-style snippet), `null` removes the key.
 */
export function providerYaml(
  idp: FakeIdp | { issuer: string },
  overrides: Record<string, string | null> = {},
  id = '01KQDJTR1ZVTG8JQ220F5BNBFZ',
): string {
  const fields: Record<string, string | null> = {
    id,
    human_name: 'Authentik',
    issuer: JSON.stringify(idp.issuer),
    client_id: 'matrix-client-id',
    client_secret: 'matrix-client-secret-sandbox',
    token_endpoint_auth_method: 'client_secret_basic',
    scope: '"openid profile email"',
    discovery_mode: 'insecure',
    claims_imports:
      '{localpart: {action: require, template: "{{ user.preferred_username }}"}, displayname: {action: suggest, template: "{{ user.name }}"}, email: {action: suggest, template: "{{ user.email }}"}}',
    ...overrides,
  };
  const lines = Object.entries(fields)
    .filter(([, v]) => v !== null)
    .map(([k, v], i) => `${i === 0 ? '- ' : '  '}${k}: ${v}`);
  return lines.map((l) => `    ${l}`).join('\n');
}

export interface World {
  idp: FakeIdp;
  synapse: FakeSynapse;
  h: MasHarness;
  browser: Browser;
}

/**
 * A fake IdP, a fake Synapse and the emulated MAS wired together; `provider` builds the
 * provider entry from the IdP (default: the Authentik-like docs example, insecure discovery).
 */
export async function startWorld(
  opts: {
    idp?: FakeIdpOptions;
    provider?: (idp: FakeIdp) => string;
    section?: Record<string, unknown>;
    extra?: string;
    passwords?: boolean;
    config?: (idp: FakeIdp) => string;
  } = {},
  cleanup: (() => Promise<void>)[],
): Promise<World> {
  const idp = await startFakeIdp(opts.idp);
  cleanup.push(idp.close);
  const synapse = await startFakeSynapse();
  cleanup.push(synapse.close);
  const config = opts.config
    ? opts.config(idp)
    : testConfig({
        provider: opts.provider ? opts.provider(idp) : providerYaml(idp),
        extra: opts.extra,
        passwords: opts.passwords,
      });
  const h = await startMas({ config, ...(opts.section ?? {}) }, { authentik: idp.url, synapse: synapse.url });
  cleanup.push(h.close);
  await h.mas.ready();
  return { idp, synapse, h, browser: new Browser() };
}

/** the log lines of MAS matching a pattern */
export function grepLogs(h: MasHarness, pattern: RegExp): string[] {
  return h.logs().filter((l) => pattern.test(l));
}
