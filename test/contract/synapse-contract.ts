import { describe, expect, it } from 'vitest';
import { VERSIONS_1_160 } from '../../src/sandbox/synapse/versions.js';
import type { MasStandIn } from './synapse-mas-standin.js';

/**
 * The HTTP-level contract of Synapse 1.160 with MAS delegation, as ssochain relies on it.
 * One definition, two targets: the emulator (default test run) and real Synapse started in a
 * Debian chroot (test/synapse-real). Each test uses its own localparts and tokens, so the order
 * of tests and Synapse's two-minute introspection cache do not matter.
 */
export interface SynapseTarget {
  kind: 'emulator' | 'real';
  /** http://127.0.0.1:PORT, no trailing slash */
  baseUrl: string;
  /** `matrix_authentication_service.secret` */
  secret: string;
  serverName: string;
  mas: MasStandIn;
  /** Synapse's log so far, one line per record (homeserver.log, or the sandbox log) */
  log(): string[];
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** parsed JSON body, or undefined */
  json: unknown;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function call(
  target: SynapseTarget,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${target.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

let seq = 0;
/** a localpart no other test (or earlier run against the same server) uses */
export const fresh = (stem: string): string => `${stem}-${Date.now().toString(36)}-${++seq}`;

const NOT_FROM_MAS = { errcode: 'M_UNKNOWN', error: 'This endpoint must only be called by MAS' };
const MISSING_TOKEN = { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' };
const UNRECOGNIZED = { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' };
const USER_NOT_FOUND_404 = { errcode: 'M_NOT_FOUND', error: 'User not found' };
const NOT_ADMIN = { errcode: 'M_FORBIDDEN', error: 'You are not a server admin' };
const PUBLIC_CACHE = 'public, max-age=600, s-maxage=3600, stale-while-revalidate=600';

/** Every `/_synapse/mas/*` endpoint with a body that would be valid for some user. */
const MAS_ENDPOINTS: {
  method: 'GET' | 'POST';
  name: string;
  query?: string;
  body?: Record<string, unknown>;
}[] = [
  { method: 'GET', name: 'query_user', query: 'localpart=nobody' },
  { method: 'GET', name: 'is_localpart_available', query: 'localpart=nobody' },
  { method: 'POST', name: 'provision_user', body: { localpart: 'nobody' } },
  { method: 'POST', name: 'delete_user', body: { localpart: 'nobody', erase: false } },
  { method: 'POST', name: 'reactivate_user', body: { localpart: 'nobody' } },
  { method: 'POST', name: 'set_displayname', body: { localpart: 'nobody', displayname: 'N' } },
  { method: 'POST', name: 'unset_displayname', body: { localpart: 'nobody' } },
  { method: 'POST', name: 'upsert_device', body: { localpart: 'nobody', device_id: 'D' } },
  { method: 'POST', name: 'delete_device', body: { localpart: 'nobody', device_id: 'D' } },
  {
    method: 'POST',
    name: 'update_device_display_name',
    body: { localpart: 'nobody', device_id: 'D', display_name: 'x' },
  },
  { method: 'POST', name: 'sync_devices', body: { localpart: 'nobody', devices: [] } },
  { method: 'POST', name: 'allow_cross_signing_reset', body: { localpart: 'nobody' } },
];

export function defineSynapseContract(getTarget: () => SynapseTarget): void {
  const t = () => getTarget();
  const mas = (method: string, name: string, body?: unknown, query = '') =>
    call(t(), method, `/_synapse/mas/${name}${query ? `?${query}` : ''}`, { token: t().secret, body });
  const provision = async (localpart: string, extra: Record<string, unknown> = {}) => {
    const r = await mas('POST', 'provision_user', { localpart, ...extra });
    expect([200, 201]).toContain(r.status);
    return r;
  };
  const queryUser = (localpart: string) => mas('GET', 'query_user', undefined, `localpart=${localpart}`);
  const mxid = (localpart: string) => `@${localpart}:${t().serverName}`;
  const adminToken = async () => {
    const admin = fresh('admin');
    await provision(admin);
    return t().mas.issue(admin, { admin: true });
  };

  describe('client API basics', () => {
    it('serves /_matrix/client/versions, cacheable when unauthenticated', async () => {
      const r = await call(t(), 'GET', '/_matrix/client/versions');
      expect(r.status).toBe(200);
      expect(r.json).toEqual(VERSIONS_1_160);
      expect(r.headers.get('cache-control')).toBe(PUBLIC_CACHE);
      expect(r.headers.get('content-type')).toBe('application/json');
    });

    it('introspects a token sent to /versions and rejects an inactive one', async () => {
      const r = await call(t(), 'GET', '/_matrix/client/versions', { token: 'mat_never_issued_versions' });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({
        errcode: 'M_UNKNOWN_TOKEN',
        error: 'Token is not active',
        soft_logout: false,
      });
    });

    it('does not serve /login under MAS (MAS does): 404 M_UNRECOGNIZED on every prefix', async () => {
      for (const p of ['/_matrix/client/v3/login', '/_matrix/client/r0/login']) {
        const r = await call(t(), 'GET', p);
        expect(r.status, p).toBe(404);
        expect(r.json, p).toEqual(UNRECOGNIZED);
      }
      const post = await call(t(), 'POST', '/_matrix/client/v3/login', {
        body: { type: 'm.login.password' },
      });
      expect(post.status).toBe(404);
      expect(post.json).toEqual(UNRECOGNIZED);
      for (const p of ['/_matrix/client/v3/logout', '/_matrix/client/v3/refresh']) {
        const r = await call(t(), 'POST', p, { body: {} });
        expect(r.status, p).toBe(404);
        expect(r.json, p).toEqual(UNRECOGNIZED);
      }
    });

    it('keeps /register for application services only: 403 for anyone else', async () => {
      for (const p of ['/_matrix/client/v3/register', '/_matrix/client/r0/register']) {
        const r = await call(t(), 'POST', p, { body: {} });
        expect(r.status, p).toBe(403);
        expect(r.json, p).toEqual({
          errcode: 'M_FORBIDDEN',
          error:
            'Registration has been disabled. Only m.login.application_service registrations are allowed.',
        });
      }
      const get = await call(t(), 'GET', '/_matrix/client/v3/register');
      expect(get.status).toBe(405);
      expect(get.json).toEqual(UNRECOGNIZED);
      const available = await call(t(), 'GET', '/_matrix/client/v3/register/available?username=x');
      expect(available.status).toBe(404);
      expect(available.json).toEqual(UNRECOGNIZED);
    });

    it('answers unknown paths and methods like Synapse', async () => {
      const unknown = await call(t(), 'GET', '/_matrix/client/v3/no_such_thing');
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual(UNRECOGNIZED);
      const method = await call(t(), 'POST', '/_matrix/client/versions', { body: {} });
      expect(method.status).toBe(405);
      expect(method.json).toEqual(UNRECOGNIZED);
      const adminUnknown = await call(t(), 'GET', '/_synapse/admin/v1/no_such_thing');
      expect(adminUnknown.status).toBe(404);
      expect(adminUnknown.json).toEqual(UNRECOGNIZED);
      const masUnknown = await call(t(), 'GET', '/_synapse/mas/no_such_thing', { token: t().secret });
      expect(masUnknown.status).toBe(404);
      expect(masUnknown.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(masUnknown.text).toContain('No Such Resource');
      const other = await call(t(), 'GET', '/no_such_thing');
      expect(other.status).toBe(404);
      expect(other.text).toContain('No Such Resource');
      const root = await call(t(), 'GET', '/');
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/_matrix/static');
      for (const p of ['/_matrix/client/versions', '/_synapse/mas/query_user', '/no_such_thing', '/']) {
        const options = await call(t(), 'OPTIONS', p);
        expect(options.status, p).toBe(204);
        expect(options.headers.get('access-control-allow-origin'), p).toBe('*');
      }
      const postWellKnown = await call(t(), 'POST', '/.well-known/matrix/client', { body: {} });
      expect(postWellKnown.status).toBe(405);
      expect(postWellKnown.json).toEqual(UNRECOGNIZED);
      const serverWellKnown = await call(t(), 'GET', '/.well-known/matrix/server');
      expect(serverWellKnown.status).toBe(404);
      expect(serverWellKnown.text).toBe('404. Is anything ever truly *well* known?\n');
    });

    it('sends the Server header and no-cache on JSON errors', async () => {
      const r = await call(t(), 'GET', '/_matrix/client/v3/login');
      expect(r.headers.get('server')).toBe('Synapse/1.160.0');
      expect(r.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
    });
  });

  describe('well-known and auth metadata (from MAS discovery)', () => {
    it('serves /.well-known/matrix/client with the MAS issuer and account URL', async () => {
      const r = await call(t(), 'GET', '/.well-known/matrix/client');
      expect(r.status).toBe(200);
      expect(r.json).toEqual({
        'm.homeserver': { base_url: `${t().baseUrl}/` },
        'org.matrix.msc2965.authentication': {
          issuer: t().mas.issuer,
          account: t().mas.metadata.account_management_uri,
        },
      });
    });

    it('serves auth_metadata (stable and unstable) verbatim from MAS, cacheable', async () => {
      for (const p of [
        '/_matrix/client/v1/auth_metadata',
        '/_matrix/client/unstable/org.matrix.msc2965/auth_metadata',
      ]) {
        const r = await call(t(), 'GET', p);
        expect(r.status, p).toBe(200);
        expect(r.json, p).toEqual(t().mas.metadata);
        expect(Object.keys(r.json as object).slice(0, 2), p).toEqual(['issuer', 'account_management_uri']);
        expect(r.headers.get('cache-control'), p).toBe(PUBLIC_CACHE);
      }
    });

    it('serves the legacy auth_issuer, unstable prefix only', async () => {
      const r = await call(t(), 'GET', '/_matrix/client/unstable/org.matrix.msc2965/auth_issuer');
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ issuer: t().mas.issuer });
      expect(r.headers.get('cache-control')).toBe(PUBLIC_CACHE);
      const v1 = await call(t(), 'GET', '/_matrix/client/v1/auth_issuer');
      expect(v1.status).toBe(404);
      expect(v1.json).toEqual(UNRECOGNIZED);
    });
  });

  describe('whoami: token introspection at MAS', () => {
    it('asks MAS with the shared secret, the device-id header and a form body', async () => {
      const token = t().mas.issue('someone-unprovisioned');
      const before = t().mas.introspections.length;
      await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      const sent = t().mas.introspections.slice(before);
      expect(sent).toHaveLength(1);
      const req = sent[0]!;
      expect(req.headers.authorization).toBe(`Bearer ${t().secret}`);
      expect(req.headers['x-mas-supports-device-id']).toBe('1');
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(req.headers.accept).toBe('application/json');
      expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
        token,
        token_type_hint: 'access_token',
      });
    });

    it('401 M_MISSING_TOKEN without a token', async () => {
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami');
      expect(r.status).toBe(401);
      expect(r.json).toEqual(MISSING_TOKEN);
    });

    it('401 M_MISSING_TOKEN for a non-Bearer Authorization header', async () => {
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', {
        headers: { authorization: 'Basic abc' },
      });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ errcode: 'M_MISSING_TOKEN', error: 'Invalid Authorization header.' });
    });

    it('401 M_UNKNOWN_TOKEN for a token MAS says is inactive', async () => {
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', {
        token: 'mat_never_issued_whoami',
      });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({
        errcode: 'M_UNKNOWN_TOKEN',
        error: 'Token is not active',
        soft_logout: false,
      });
    });

    it('401 when the token lacks the client API scope', async () => {
      const lp = fresh('noscope');
      await provision(lp);
      const token = t().mas.issue(lp, { scope: 'openid urn:synapse:admin:*' });
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({
        errcode: 'M_UNKNOWN_TOKEN',
        error: "Token doesn't grant access to the Matrix C-S API",
        soft_logout: false,
      });
    });

    it('500 "User not found" for a valid token of a user MAS never provisioned', async () => {
      const token = t().mas.issue(fresh('ghost'));
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ errcode: 'M_FORBIDDEN', error: 'User not found' });
    });

    it('200 for a provisioned user, on every client prefix and with access_token in the query', async () => {
      const lp = fresh('alice');
      await provision(lp);
      const token = t().mas.issue(lp);
      for (const p of ['/_matrix/client/v3', '/_matrix/client/r0', '/_matrix/client/unstable']) {
        const r = await call(t(), 'GET', `${p}/account/whoami`, { token });
        expect(r.status, p).toBe(200);
        expect(r.json, p).toEqual({ user_id: mxid(lp), is_guest: false });
      }
      const q = await call(t(), 'GET', `/_matrix/client/v3/account/whoami?access_token=${token}`);
      expect(q.status).toBe(200);
      expect(q.json).toEqual({ user_id: mxid(lp), is_guest: false });
    });

    it('takes the device from the scope and requires it to exist in Synapse', async () => {
      const lp = fresh('dev');
      await provision(lp);
      const missing = t().mas.issue(lp, { device: 'NOSUCHDEVICE' });
      const r1 = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token: missing });
      expect(r1.status).toBe(401);
      expect(r1.json).toEqual({
        errcode: 'M_UNKNOWN_TOKEN',
        error: 'Token is not active',
        soft_logout: false,
      });
      expect((await mas('POST', 'upsert_device', { localpart: lp, device_id: 'PHONE' })).status).toBe(201);
      const token = t().mas.issue(lp, { device: 'PHONE' });
      const r2 = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      expect(r2.status).toBe(200);
      expect(r2.json).toEqual({ user_id: mxid(lp), is_guest: false, device_id: 'PHONE' });
      // MAS's explicit device_id field wins over the scope
      const explicit = t().mas.issue(lp, { deviceField: 'PHONE' });
      const r3 = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token: explicit });
      expect(r3.json).toEqual({ user_id: mxid(lp), is_guest: false, device_id: 'PHONE' });
    });

    it('accepts the unstable MSC2967 scopes', async () => {
      const lp = fresh('unstable');
      await provision(lp);
      await mas('POST', 'upsert_device', { localpart: lp, device_id: 'OLDCLIENT' });
      const token = t().mas.issue(lp, {
        scope:
          'urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:OLDCLIENT',
      });
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ user_id: mxid(lp), is_guest: false, device_id: 'OLDCLIENT' });
    });

    it('500 for two devices in the scope', async () => {
      const lp = fresh('twodev');
      await provision(lp);
      const token = t().mas.issue(lp, {
        scope: 'urn:matrix:client:api:* urn:matrix:client:device:A urn:matrix:client:device:B',
      });
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ errcode: 'M_FORBIDDEN', error: 'Multiple device IDs in scope' });
    });

    it('401 for an expired token (expires_in elapsed)', async () => {
      const lp = fresh('expired');
      await provision(lp);
      const token = `mat_expired_${fresh('t')}`;
      t().mas.tokens.set(token, {
        kind: 'json',
        body: { active: true, scope: 'urn:matrix:client:api:*', username: lp, expires_in: 0 },
      });
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({
        errcode: 'M_UNKNOWN_TOKEN',
        error: 'Token is not active',
        soft_logout: false,
      });
    });

    it('500 for an introspection answer without username', async () => {
      const token = `mat_nouser_${fresh('t')}`;
      t().mas.tokens.set(token, { kind: 'json', body: { active: true, scope: 'urn:matrix:client:api:*' } });
      const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      expect(r.status).toBe(500);
      expect(r.json).toEqual({
        errcode: 'M_FORBIDDEN',
        error: 'Invalid username claim in the introspection result',
      });
    });

    it('503 when MAS fails: error status, malformed answer, not JSON', async () => {
      const cases: [string, import('./synapse-mas-standin.js').IntrospectionAnswer][] = [
        ['status', { kind: 'status', status: 500 }],
        ['invalid', { kind: 'json', body: { scope: 'urn:matrix:client:api:*' } }],
        ['notjson', { kind: 'raw', text: '<html>' }],
      ];
      for (const [name, answer] of cases) {
        const token = `mat_${name}_${fresh('t')}`;
        t().mas.tokens.set(token, answer);
        const r = await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
        expect(r.status, name).toBe(503);
        expect(r.json, name).toEqual({
          errcode: 'M_UNKNOWN',
          error: 'Unable to introspect the access token',
        });
      }
    });
  });

  describe('/_synapse/mas/*: shared-secret API', () => {
    for (const ep of MAS_ENDPOINTS) {
      it(`${ep.name}: 401 without a token, 403 with a wrong one`, async () => {
        const path = `/_synapse/mas/${ep.name}${ep.query ? `?${ep.query}` : ''}`;
        const none = await call(t(), ep.method, path, { body: ep.body });
        expect(none.status).toBe(401);
        expect(none.json).toEqual(MISSING_TOKEN);
        const wrong = await call(t(), ep.method, path, { body: ep.body, token: `${t().secret}-wrong` });
        expect(wrong.status).toBe(403);
        expect(wrong.json).toEqual(NOT_FROM_MAS);
        // a MAS-issued user token is not the shared secret either, even an admin one
        const userToken = t().mas.issue('nobody', { admin: true });
        const asUser = await call(t(), ep.method, path, { body: ep.body, token: userToken });
        expect(asUser.status).toBe(403);
        expect(asUser.json).toEqual(NOT_FROM_MAS);
      });
    }

    it('checks the secret before the parameters', async () => {
      const r = await call(t(), 'GET', '/_synapse/mas/is_localpart_available', { token: 'wrong' });
      expect(r.status).toBe(403);
      expect(r.json).toEqual(NOT_FROM_MAS);
    });

    it('405 for the wrong method on a known endpoint', async () => {
      const r = await call(t(), 'POST', '/_synapse/mas/query_user', { token: t().secret, body: {} });
      expect(r.status).toBe(405);
      expect(r.json).toEqual(UNRECOGNIZED);
    });

    it('user endpoints 404 "User not found" for an unknown localpart', async () => {
      for (const ep of MAS_ENDPOINTS.filter(
        (e) => !['is_localpart_available', 'provision_user'].includes(e.name),
      )) {
        const lp = fresh('missing');
        const r =
          ep.method === 'GET'
            ? await mas('GET', ep.name, undefined, `localpart=${lp}`)
            : await mas('POST', ep.name, { ...ep.body, localpart: lp });
        expect(r.status, ep.name).toBe(404);
        expect(r.json, ep.name).toEqual(USER_NOT_FOUND_404);
      }
    });
  });

  describe('is_localpart_available', () => {
    it('400 without localpart', async () => {
      const r = await mas('GET', 'is_localpart_available');
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ errcode: 'M_UNKNOWN', error: 'Missing localpart' });
    });

    it('200 {} for a free localpart, M_USER_IN_USE once provisioned (case-insensitively)', async () => {
      const lp = fresh('bob');
      const free = await mas('GET', 'is_localpart_available', undefined, `localpart=${lp}`);
      expect(free.status).toBe(200);
      expect(free.json).toEqual({});
      await provision(lp);
      const taken = await mas('GET', 'is_localpart_available', undefined, `localpart=${lp}`);
      expect(taken.status).toBe(400);
      expect(taken.json).toEqual({ errcode: 'M_USER_IN_USE', error: 'User ID already taken.' });
    });

    it('M_INVALID_USERNAME for localparts Synapse would not register', async () => {
      const cases: [string, string][] = [
        ['Boje', "User ID can only contain characters a-z, 0-9, or '=_-./+'"],
        ['bo je', "User ID can only contain characters a-z, 0-9, or '=_-./+'"],
        ['', 'User ID cannot be empty'],
        ['_hidden', 'User ID may not begin with _'],
        ['12345', 'Numeric user IDs are reserved for guest users.'],
        ['x'.repeat(250), 'User ID may not be longer than 255 characters'],
      ];
      for (const [lp, error] of cases) {
        const r = await mas(
          'GET',
          'is_localpart_available',
          undefined,
          `localpart=${encodeURIComponent(lp)}`,
        );
        expect(r.status, lp).toBe(400);
        expect(r.json, lp).toEqual({ errcode: 'M_INVALID_USERNAME', error });
      }
    });
  });

  describe('provision_user and query_user', () => {
    it('201 on create, 200 on update; query_user reflects the profile', async () => {
      const lp = fresh('carol');
      const created = await mas('POST', 'provision_user', {
        localpart: lp,
        set_displayname: 'Carol',
        set_emails: ['carol@example.org'],
      });
      expect(created.status).toBe(201);
      expect(created.json).toEqual({});
      const q1 = await queryUser(lp);
      expect(q1.status).toBe(200);
      expect(q1.json).toEqual({
        user_id: mxid(lp),
        display_name: 'Carol',
        avatar_url: null,
        is_suspended: false,
        is_deactivated: false,
      });
      const updated = await mas('POST', 'provision_user', {
        localpart: lp,
        set_displayname: 'Carol C.',
        set_avatar_url: 'mxc://sandbox.local/abc',
      });
      expect(updated.status).toBe(200);
      expect(updated.json).toEqual({});
      const q2 = await queryUser(lp);
      expect(q2.json).toMatchObject({ display_name: 'Carol C.', avatar_url: 'mxc://sandbox.local/abc' });
      const unset = await mas('POST', 'provision_user', {
        localpart: lp,
        unset_displayname: true,
        unset_avatar_url: true,
      });
      expect(unset.status).toBe(200);
      expect((await queryUser(lp)).json).toMatchObject({ display_name: null, avatar_url: null });
    });

    it('the client profile shows what MAS provisioned', async () => {
      const lp = fresh('prof');
      await provision(lp, { set_displayname: 'Prof', set_avatar_url: 'mxc://sandbox.local/p' });
      const r = await call(t(), 'GET', `/_matrix/client/v3/profile/${encodeURIComponent(mxid(lp))}`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ displayname: 'Prof', avatar_url: 'mxc://sandbox.local/p' });
      const unknown = await call(
        t(),
        'GET',
        `/_matrix/client/v3/profile/${encodeURIComponent(mxid(fresh('np')))}`,
      );
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual({ errcode: 'M_UNKNOWN', error: 'No row found (profiles)' });
      const profile = () => call(t(), 'GET', `/_matrix/client/v3/profile/${encodeURIComponent(mxid(lp))}`);
      await mas('POST', 'provision_user', { localpart: lp, unset_displayname: true, unset_avatar_url: true });
      const empty = await profile();
      expect(empty.status).toBe(404);
      expect(empty.json).toEqual({ errcode: 'M_NOT_FOUND', error: 'Profile was not found' });
      // erasing deletes the profile row
      await mas('POST', 'delete_user', { localpart: lp, erase: true });
      const erased = await profile();
      expect(erased.status).toBe(404);
      expect(erased.json).toEqual({ errcode: 'M_UNKNOWN', error: 'No row found (profiles)' });
    });

    it('defaults the display name to the localpart', async () => {
      const lp = fresh('dana');
      await provision(lp);
      expect((await queryUser(lp)).json).toMatchObject({ display_name: lp });
    });

    it('query_user: 400 without localpart, 404 for an unknown user', async () => {
      const none = await mas('GET', 'query_user');
      expect(none.status).toBe(400);
      expect(none.json).toEqual({
        errcode: 'M_MISSING_PARAM',
        error: "Missing string query parameter 'localpart'",
      });
      const unknown = await queryUser(fresh('nobody'));
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual(USER_NOT_FOUND_404);
    });

    it('rejects bodies like Synapse: not JSON, missing field, conflicting fields, wrong types', async () => {
      const notJson = await call(t(), 'POST', '/_synapse/mas/provision_user', {
        token: t().secret,
        rawBody: 'nope',
      });
      expect(notJson.status).toBe(400);
      expect(notJson.json).toEqual({ errcode: 'M_NOT_JSON', error: 'Content not JSON.' });
      const notObject = await mas('POST', 'provision_user', ['x']);
      expect(notObject.status).toBe(400);
      expect(notObject.json).toEqual({ errcode: 'M_BAD_JSON', error: 'Content must be a JSON object.' });
      const missing = await mas('POST', 'provision_user', {});
      expect(missing.status).toBe(400);
      expect(missing.json).toEqual({
        errcode: 'M_MISSING_PARAM',
        error:
          '1 validation error for PostBody\nlocalpart\n  Field required [type=missing, input_value={}, input_type=dict]\n    For further information visit https://errors.pydantic.dev/2.14/v/missing',
      });
      const both = await mas('POST', 'provision_user', {
        localpart: 'x',
        set_displayname: 'a',
        unset_displayname: true,
      });
      expect(both.status).toBe(400);
      expect(both.json).toMatchObject({ errcode: 'M_INVALID_PARAM' });
      expect((both.json as { error: string }).error).toContain(
        'Value error, Cannot specify both unset_displayname and set_displayname',
      );
      const wrongType = await mas('POST', 'provision_user', { localpart: 5 });
      expect(wrongType.status).toBe(400);
      expect(wrongType.json).toEqual({
        errcode: 'M_BAD_JSON',
        error:
          '1 validation error for PostBody\nlocalpart\n  Input should be a valid string [type=string_type, input_value=5, input_type=int]\n    For further information visit https://errors.pydantic.dev/2.14/v/string_type',
      });
    });

    it('refuses to create a user with an invalid localpart', async () => {
      const r = await mas('POST', 'provision_user', { localpart: 'Upper' });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        errcode: 'M_INVALID_USERNAME',
        error: "User ID can only contain characters a-z, 0-9, or '=_-./+'",
      });
    });

    it('locks and unlocks through provision_user', async () => {
      const lp = fresh('locky');
      await provision(lp, { locked: true });
      const admin = await adminToken();
      const r = await call(t(), 'GET', `/_synapse/admin/v2/users/${encodeURIComponent(mxid(lp))}`, {
        token: admin,
      });
      expect(r.json).toMatchObject({ locked: true });
      await provision(lp, { locked: false });
      const r2 = await call(t(), 'GET', `/_synapse/admin/v2/users/${encodeURIComponent(mxid(lp))}`, {
        token: admin,
      });
      expect(r2.json).toMatchObject({ locked: false });
    });
  });

  describe('profile, deactivation and devices through /_synapse/mas', () => {
    it('set_displayname and unset_displayname', async () => {
      const lp = fresh('erin');
      await provision(lp);
      const set = await mas('POST', 'set_displayname', { localpart: lp, displayname: 'Erin' });
      expect(set.status).toBe(200);
      expect(set.json).toEqual({});
      expect((await queryUser(lp)).json).toMatchObject({ display_name: 'Erin' });
      const unset = await mas('POST', 'unset_displayname', { localpart: lp });
      expect(unset.status).toBe(200);
      expect((await queryUser(lp)).json).toMatchObject({ display_name: null });
    });

    it('delete_user deactivates (keeping the profile unless erase), reactivate_user undoes it', async () => {
      const lp = fresh('frank');
      await provision(lp, { set_displayname: 'Frank' });
      const del = await mas('POST', 'delete_user', { localpart: lp, erase: false });
      expect(del.status).toBe(200);
      expect(del.json).toEqual({});
      expect((await queryUser(lp)).json).toMatchObject({ is_deactivated: true, display_name: 'Frank' });
      const re = await mas('POST', 'reactivate_user', { localpart: lp });
      expect(re.status).toBe(200);
      expect(re.json).toEqual({});
      expect((await queryUser(lp)).json).toMatchObject({ is_deactivated: false });
      const erase = await mas('POST', 'delete_user', { localpart: lp, erase: true });
      expect(erase.status).toBe(200);
      expect((await queryUser(lp)).json).toMatchObject({ is_deactivated: true, display_name: null });
      const missingErase = await mas('POST', 'delete_user', { localpart: lp });
      expect(missingErase.status).toBe(400);
      expect(missingErase.json).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    });

    it('devices: upsert 201 then 200, rename, delete 204, sync', async () => {
      const lp = fresh('gina');
      await provision(lp);
      const c = await mas('POST', 'upsert_device', {
        localpart: lp,
        device_id: 'LAPTOP',
        display_name: 'Laptop',
      });
      expect(c.status).toBe(201);
      expect(c.json).toEqual({});
      const u = await mas('POST', 'upsert_device', { localpart: lp, device_id: 'LAPTOP' });
      expect(u.status).toBe(200);
      expect(u.json).toEqual({});
      const rename = await mas('POST', 'update_device_display_name', {
        localpart: lp,
        device_id: 'LAPTOP',
        display_name: 'Work laptop',
      });
      expect(rename.status).toBe(200);
      expect(rename.json).toEqual({});
      const token = t().mas.issue(lp, { device: 'LAPTOP' });
      expect((await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token })).status).toBe(200);
      const del = await mas('POST', 'delete_device', { localpart: lp, device_id: 'LAPTOP' });
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      const delAgain = await mas('POST', 'delete_device', { localpart: lp, device_id: 'LAPTOP' });
      expect(delAgain.status).toBe(204);
      const sync = await mas('POST', 'sync_devices', { localpart: lp, devices: ['A', 'B'] });
      expect(sync.status).toBe(200);
      expect(sync.json).toEqual({});
      const tokenA = t().mas.issue(lp, { device: 'A' });
      expect(
        (await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token: tokenA })).json,
      ).toMatchObject({
        device_id: 'A',
      });
      await mas('POST', 'sync_devices', { localpart: lp, devices: ['B'] });
      const tokenA2 = t().mas.issue(lp, { device: 'A' });
      expect((await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token: tokenA2 })).status).toBe(
        401,
      );
    });

    it('update_device_display_name 404 for an unknown device', async () => {
      const lp = fresh('hank');
      await provision(lp);
      const r = await mas('POST', 'update_device_display_name', {
        localpart: lp,
        device_id: 'NOPE',
        display_name: 'x',
      });
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ errcode: 'M_NOT_FOUND', error: 'Not found' });
    });

    it('allow_cross_signing_reset: 200 {} for a user without keys', async () => {
      const lp = fresh('ivy');
      await provision(lp);
      const r = await mas('POST', 'allow_cross_signing_reset', { localpart: lp });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({});
    });
  });

  describe("log lines in Synapse's wording", () => {
    /** `<date> <time> - <logger> - <lineno> - <LEVEL> - <request> - <message>` */
    const findLine = async (logger: string, lineno: number, level: string, message: string | RegExp) => {
      const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const msg = typeof message === 'string' ? escape(message) : message.source;
      const re = new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} - ${escape(logger)} - ${lineno} - ${level} - [A-Z]+-\\d+ - ${msg}$`,
      );
      for (let i = 0; i < 20; i++) {
        const hit = t()
          .log()
          .find((l) => re.test(l));
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no log line matches ${re}`);
    };

    it('Failed to introspect token (ERROR, synapse.api.auth.mas)', async () => {
      const token = `mat_logfail_${fresh('t')}`;
      t().mas.tokens.set(token, { kind: 'status', status: 502 });
      await call(t(), 'GET', '/_matrix/client/v3/account/whoami', { token });
      await findLine('synapse.api.auth.mas', 328, 'ERROR', 'Failed to introspect token');
    });

    it('client errors as SynapseError lines (INFO, synapse.http.server)', async () => {
      await call(t(), 'GET', '/_synapse/mas/query_user?localpart=logline', { token: 'not-the-secret' });
      await findLine(
        'synapse.http.server',
        132,
        'INFO',
        /<SynapseRequest at 0x[0-9a-f]+ method='GET' uri='\/_synapse\/mas\/query_user\?localpart=logline' clientproto='HTTP\/1\.1' site='\d+'> SynapseError: 403 - This endpoint must only be called by MAS/,
      );
    });

    it('deactivation and device sync lines', async () => {
      const lp = fresh('logged');
      await provision(lp);
      await mas('POST', 'delete_user', { localpart: lp, erase: true });
      await findLine(
        'synapse.handlers.deactivate_account',
        104,
        'INFO',
        `${mxid(lp)} requested deactivation of ${mxid(lp)} erase_data=True id_server=None`,
      );
      const lp2 = fresh('synced');
      await provision(lp2);
      await mas('POST', 'sync_devices', { localpart: lp2, devices: ['X1', 'X2'] });
      await findLine(
        'synapse.rest.synapse.mas.devices',
        224,
        'INFO',
        `Syncing 2 devices for user ${mxid(lp2)} will add 2 devices`,
      );
      await mas('POST', 'sync_devices', { localpart: lp2, devices: [] });
      await findLine(
        'synapse.rest.synapse.mas.devices',
        231,
        'INFO',
        `Syncing 0 devices for user ${mxid(lp2)} will delete 2 devices`,
      );
      await mas('POST', 'allow_cross_signing_reset', { localpart: lp2 });
      await findLine(
        'synapse.rest.synapse.mas.users',
        483,
        'WARNING',
        `User ${mxid(lp2)} has no master cross-signing key`,
      );
    });
  });

  describe('admin API under MAS', () => {
    it('server_version needs no token', async () => {
      const r = await call(t(), 'GET', '/_synapse/admin/v1/server_version');
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ server_version: '1.160.0' });
    });

    it('GET /v2/users/<id>: 401 without token, 403 for a non-admin token, 200 for an admin token', async () => {
      const lp = fresh('judy');
      await provision(lp, { set_displayname: 'Judy', set_emails: ['judy@example.org'] });
      const path = `/_synapse/admin/v2/users/${encodeURIComponent(mxid(lp))}`;
      const none = await call(t(), 'GET', path);
      expect(none.status).toBe(401);
      expect(none.json).toEqual(MISSING_TOKEN);
      const userToken = t().mas.issue(lp);
      const notAdmin = await call(t(), 'GET', path, { token: userToken });
      expect(notAdmin.status).toBe(403);
      expect(notAdmin.json).toEqual(NOT_ADMIN);
      const secret = await call(t(), 'GET', path, { token: t().secret });
      expect(secret.status, 'the shared secret is no admin token').toBe(401);
      const r = await call(t(), 'GET', path, { token: await adminToken() });
      expect(r.status).toBe(200);
      const body = r.json as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(
        [
          'name',
          'admin',
          'deactivated',
          'locked',
          'shadow_banned',
          'creation_ts',
          'appservice_id',
          'consent_server_notice_sent',
          'consent_version',
          'consent_ts',
          'user_type',
          'is_guest',
          'suspended',
          'displayname',
          'avatar_url',
          'threepids',
          'external_ids',
          'erased',
          'last_seen_ts',
        ].sort(),
      );
      expect(body).toMatchObject({
        name: mxid(lp),
        admin: false,
        deactivated: false,
        locked: false,
        shadow_banned: false,
        appservice_id: null,
        user_type: null,
        is_guest: false,
        suspended: false,
        displayname: 'Judy',
        avatar_url: null,
        external_ids: [],
        erased: false,
      });
      expect(body.threepids).toEqual([
        expect.objectContaining({ medium: 'email', address: 'judy@example.org' }),
      ]);
      // seconds, not milliseconds
      expect(Math.abs((body.creation_ts as number) - Date.now() / 1000)).toBeLessThan(600);
    });

    it('the admin scope alone is not enough: the client API scope is needed too', async () => {
      const lp = fresh('scopeonly');
      await provision(lp);
      const token = t().mas.issue(lp, { scope: 'urn:synapse:admin:*' });
      const r = await call(t(), 'GET', `/_synapse/admin/v2/users/${encodeURIComponent(mxid(lp))}`, { token });
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN' });
    });

    it('GET /v2/users/<id>: 404 unknown, 400 remote', async () => {
      const token = await adminToken();
      const unknown = await call(
        t(),
        'GET',
        `/_synapse/admin/v2/users/${encodeURIComponent(mxid(fresh('nope')))}`,
        {
          token,
        },
      );
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual(USER_NOT_FOUND_404);
      const remote = await call(
        t(),
        'GET',
        `/_synapse/admin/v2/users/${encodeURIComponent('@x:elsewhere.example')}`,
        {
          token,
        },
      );
      expect(remote.status).toBe(400);
      expect(remote.json).toEqual({ errcode: 'M_UNKNOWN', error: 'Can only look up local users' });
    });

    it('PUT /v2/users/<id> still creates Synapse-only users under MAS (201, then 200)', async () => {
      const token = await adminToken();
      const lp = fresh('orphan');
      const path = `/_synapse/admin/v2/users/${encodeURIComponent(mxid(lp))}`;
      const created = await call(t(), 'PUT', path, { token, body: { displayname: 'Orphan' } });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ name: mxid(lp), displayname: 'Orphan', admin: false });
      const updated = await call(t(), 'PUT', path, { token, body: { displayname: 'Orphan 2' } });
      expect(updated.status).toBe(200);
      expect(updated.json).toMatchObject({ name: mxid(lp), displayname: 'Orphan 2' });
      // MAS now finds the localpart taken
      const avail = await mas('GET', 'is_localpart_available', undefined, `localpart=${lp}`);
      expect(avail.json).toEqual({ errcode: 'M_USER_IN_USE', error: 'User ID already taken.' });
      const forbidden = await call(t(), 'PUT', path, { token: t().mas.issue(lp), body: {} });
      expect(forbidden.status).toBe(403);
      expect(forbidden.json).toEqual(NOT_ADMIN);
    });

    it('lists users (v2 and v3): guests must be false under MAS; paging; filters', async () => {
      const token = await adminToken();
      const stem = fresh('lst');
      for (const n of ['a', 'b', 'c']) await provision(`${stem}-${n}`, { set_displayname: `List ${n}` });
      await mas('POST', 'delete_user', { localpart: `${stem}-c`, erase: false });
      const guests = await call(t(), 'GET', '/_synapse/admin/v2/users', { token });
      expect(guests.status).toBe(400);
      expect(guests.json).toEqual({
        errcode: 'M_INVALID_PARAM',
        error: 'The guests parameter is not supported when delegating to MAS.',
      });
      const v2 = await call(t(), 'GET', `/_synapse/admin/v2/users?guests=false&user_id=${stem}`, { token });
      expect(v2.status).toBe(200);
      const v2body = v2.json as { users: Record<string, unknown>[]; total: number; next_token?: string };
      expect(v2body.total).toBe(2);
      expect(v2body.users.map((u) => u.name)).toEqual([mxid(`${stem}-a`), mxid(`${stem}-b`)]);
      expect(Object.keys(v2body.users[0]!).sort()).toEqual(
        [
          'name',
          'user_type',
          'is_guest',
          'admin',
          'deactivated',
          'shadow_banned',
          'displayname',
          'avatar_url',
          'creation_ts',
          'erased',
          'last_seen_ts',
          'locked',
          // Synapse 1.160 means to leave this out when MSC3866 is off, but does not
          'approved',
        ].sort(),
      );
      expect(v2body.users[0]).toMatchObject({
        is_guest: false,
        admin: false,
        deactivated: false,
        displayname: 'List a',
        locked: false,
        erased: false,
      });
      // milliseconds in the list
      expect(Math.abs((v2body.users[0]!.creation_ts as number) - Date.now())).toBeLessThan(600_000);
      const withDeactivated = await call(
        t(),
        'GET',
        `/_synapse/admin/v2/users?guests=false&user_id=${stem}&deactivated=true`,
        { token },
      );
      expect((withDeactivated.json as { total: number }).total).toBe(3);
      const onlyDeactivated = await call(
        t(),
        'GET',
        `/_synapse/admin/v3/users?guests=false&user_id=${stem}&deactivated=true`,
        { token },
      );
      expect((onlyDeactivated.json as { users: { name: string }[] }).users.map((u) => u.name)).toEqual([
        mxid(`${stem}-c`),
      ]);
      const v3all = await call(t(), 'GET', `/_synapse/admin/v3/users?guests=false&user_id=${stem}`, {
        token,
      });
      expect((v3all.json as { total: number }).total).toBe(3);
      const page1 = await call(t(), 'GET', `/_synapse/admin/v3/users?guests=false&user_id=${stem}&limit=2`, {
        token,
      });
      const p1 = page1.json as { users: { name: string }[]; total: number; next_token?: string };
      expect(p1.users).toHaveLength(2);
      expect(p1.total).toBe(3);
      expect(p1.next_token).toBe('2');
      const page2 = await call(
        t(),
        'GET',
        `/_synapse/admin/v3/users?guests=false&user_id=${stem}&limit=2&from=${p1.next_token}`,
        { token },
      );
      const p2 = page2.json as { users: { name: string }[]; next_token?: string };
      expect(p2.users.map((u) => u.name)).toEqual([mxid(`${stem}-c`)]);
      expect(p2.next_token).toBeUndefined();
      const back = await call(t(), 'GET', `/_synapse/admin/v3/users?guests=false&user_id=${stem}&dir=b`, {
        token,
      });
      expect((back.json as { users: { name: string }[] }).users[0]!.name).toBe(mxid(`${stem}-c`));
      const byName = await call(t(), 'GET', `/_synapse/admin/v3/users?guests=false&name=${stem}-b`, {
        token,
      });
      expect((byName.json as { users: { name: string }[] }).users.map((u) => u.name)).toEqual([
        mxid(`${stem}-b`),
      ]);
      const notAdmin = await call(t(), 'GET', '/_synapse/admin/v3/users?guests=false', {
        token: t().mas.issue(`${stem}-a`),
      });
      expect(notAdmin.status).toBe(403);
      expect(notAdmin.json).toEqual(NOT_ADMIN);
    });

    it('POST /v1/deactivate/<id> deactivates', async () => {
      const token = await adminToken();
      const lp = fresh('kim');
      await provision(lp);
      const r = await call(t(), 'POST', `/_synapse/admin/v1/deactivate/${encodeURIComponent(mxid(lp))}`, {
        token,
        body: { erase: false },
      });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ id_server_unbind_result: 'success' });
      expect((await queryUser(lp)).json).toMatchObject({ is_deactivated: true });
      const unknown = await call(
        t(),
        'POST',
        `/_synapse/admin/v1/deactivate/${encodeURIComponent(mxid(fresh('none')))}`,
        { token, body: {} },
      );
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual(USER_NOT_FOUND_404);
    });

    it('servlets Synapse does not register under MAS answer 404 M_UNRECOGNIZED', async () => {
      const token = await adminToken();
      const id = encodeURIComponent(mxid('someone'));
      for (const [method, path] of [
        ['GET', '/_synapse/admin/v1/register'],
        ['GET', `/_synapse/admin/v1/users/${id}/admin`],
        ['POST', `/_synapse/admin/v1/users/${id}/login`],
        ['POST', `/_synapse/admin/v1/reset_password/${id}`],
        ['GET', '/_synapse/admin/v1/registration_tokens'],
      ] as const) {
        const r = await call(t(), method, path, { token, body: method === 'POST' ? {} : undefined });
        expect(r.status, path).toBe(404);
        expect(r.json, path).toEqual(UNRECOGNIZED);
      }
    });
  });
}
