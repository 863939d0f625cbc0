import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { grepLogs, startWorld, testConfig, type World } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.map((c) => c()));
  cleanup = [];
});

const REDIRECT = 'http://127.0.0.1:1/callback';
const DEVICE = 'ABCDEFGHIJ';
const SCOPE = `openid urn:matrix:client:api:* urn:matrix:client:device:${DEVICE}`;

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});

async function registerClient(w: World): Promise<string> {
  const res = await fetch(`${w.h.url}/oauth2/registration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Test client',
      client_uri: 'https://client.example/',
      application_type: 'native',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** a Matrix client's sign-in through MAS, up to the tokens */
async function matrixLogin(w: World) {
  const clientId = await registerClient(w);
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${w.h.url}/authorize`);
  authorize.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: SCOPE,
    state: 'client-state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const toClient = (u: string) => u.startsWith(REDIRECT);
  let page = await w.browser.follow(authorize.href, toClient);
  if (page.body.includes('upstream-register'))
    page = await w.browser.submit(page, 'upstream-register', {}, toClient);
  expect(page.body).toContain('Allow access to your account?');
  const back = await w.browser.submit(page, 'consent', { action: 'consent' }, toClient);
  const callback = new URL(back.url);
  expect(callback.searchParams.get('state')).toBe('client-state');
  const tokens = await post(`${w.h.url}/oauth2/token`, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    redirect_uri: REDIRECT,
    client_id: clientId,
    code_verifier: verifier,
  });
  expect(tokens.status).toBe(200);
  return {
    clientId,
    tokens: tokens.body as { access_token: string; refresh_token: string; id_token: string },
  };
}

describe('MAS emulator: authorization server for Matrix clients', () => {
  it('publishes discovery with the configured issuer and MAS endpoints', async () => {
    const w = await startWorld({}, cleanup);
    const doc = (await (await fetch(`${w.h.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.issuer).toBe(`${w.h.url}/`);
    expect(doc.introspection_endpoint).toBe(`${w.h.url}/oauth2/introspect`);
    expect(doc.account_management_uri).toBe(`${w.h.url}/account/`);
    expect(doc.code_challenge_methods_supported).toEqual(['plain', 'S256']);
  });

  it('an unset public_base advertises http://[::]:8080/ (issue #5379)', async () => {
    const w = await startWorld(
      { config: () => testConfig({}).replace(/http:\n(?: {2}.*\n|\s{4}.*\n)*/, '') },
      cleanup,
    );
    const res = await fetch(`${w.h.url}/.well-known/openid-configuration`);
    expect(((await res.json()) as { issuer: string }).issuer).toBe('http://[::]:8080/');
  });

  it('signs a Matrix client in, provisions its device, and answers Synapse’s introspection', async () => {
    const w = await startWorld({}, cleanup);
    const { clientId, tokens } = await matrixLogin(w);
    expect(tokens.access_token).toMatch(/^mat_[A-Za-z0-9]{30}_[0-9A-Za-z]{6}$/);
    expect(tokens.refresh_token).toMatch(/^mar_/);
    const jwks = createRemoteJWKSet(new URL(`${w.h.url}/oauth2/keys.json`));
    const { payload } = await jwtVerify(tokens.id_token, jwks, { issuer: `${w.h.url}/`, audience: clientId });
    expect(payload.sub).toBe(w.h.mas.state().users[0]!.id);
    expect(w.synapse.devices.get('boje')).toEqual(new Set([DEVICE]));

    // exactly how Synapse's matrix_authentication_service integration calls it
    const introspection = await post(
      `${w.h.url}/oauth2/introspect`,
      { token: tokens.access_token, token_type_hint: 'access_token' },
      { authorization: 'Bearer sandbox-mas-shared-secret', 'x-mas-supports-device-id': '1' },
    );
    expect(introspection.status).toBe(200);
    expect(introspection.body).toMatchObject({
      active: true,
      username: 'boje',
      client_id: clientId,
      token_type: 'access_token',
      sub: w.h.mas.state().users[0]!.id,
    });
    expect(String(introspection.body.scope).split(' ')).toEqual([
      'openid',
      'urn:matrix:client:api:*',
      `urn:matrix:client:device:${DEVICE}`,
      'urn:matrix:org.matrix.msc2967.client:api:*',
      `urn:matrix:org.matrix.msc2967.client:device:${DEVICE}`,
    ]);

    const wrong = await post(
      `${w.h.url}/oauth2/introspect`,
      { token: tokens.access_token },
      { authorization: 'Bearer nope' },
    );
    expect(wrong).toEqual({
      status: 401,
      body: { error: 'access_denied', error_description: 'bearer token presented is invalid' },
    });
    expect(grepLogs(w.h, /introspection:137/)).toEqual([
      expect.stringMatching(
        / WARN mas_handlers::oauth2::introspection:137 POST-\d+ - bearer token presented is invalid$/,
      ),
    ]);
    const garbage = await post(
      `${w.h.url}/oauth2/introspect`,
      { token: 'syt_not_a_mas_token' },
      { authorization: 'Bearer sandbox-mas-shared-secret' },
    );
    expect(garbage.body).toEqual({ active: false });

    // refresh: a new pair, the old refresh token is spent
    const refreshed = await post(`${w.h.url}/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    });
    expect(refreshed.status).toBe(200);
    const again = await post(`${w.h.url}/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    });
    expect(again).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('a locked user’s token is inactive', async () => {
    const w = await startWorld({}, cleanup);
    const { tokens } = await matrixLogin(w);
    const user = w.h.mas.app.store.userByUsername('boje')!;
    user.lockedAt = new Date();
    const res = await post(
      `${w.h.url}/oauth2/introspect`,
      { token: tokens.access_token },
      { authorization: 'Bearer sandbox-mas-shared-secret' },
    );
    expect(res.body).toEqual({ active: false });
  });

  it('answers the legacy login API with MAS’s flows (oauth_aware_preferred)', async () => {
    const w = await startWorld({}, cleanup);
    const res = await fetch(`${w.h.url}/_matrix/client/v3/login`);
    expect(await res.json()).toEqual({
      flows: [
        {
          type: 'm.login.sso',
          oauth_aware_preferred: true,
          'org.matrix.msc3824.delegated_oidc_compatibility': true,
        },
        { type: 'm.login.token' },
      ],
    });
    const withPasswords = await startWorld({ passwords: true }, cleanup);
    const flows = (await (await fetch(`${withPasswords.h.url}/_matrix/client/r0/login`)).json()) as {
      flows: { type: string }[];
    };
    expect(flows.flows.map((f) => f.type)).toEqual(['m.login.password', 'm.login.sso', 'm.login.token']);
  });
});

describe('MAS emulator: admin API access', () => {
  const ADMIN = '01KQDJVZ7A0000000000000ADM';
  const OTHER = '01KQDJVZ7A0000000000000TH3';
  const clients = `  - client_id: ${OTHER}\n    client_auth_method: client_secret_post\n    client_secret: other-secret\n`;

  it('grants urn:mas:admin by client_credentials only to policy.data.admin_clients', async () => {
    const w = await startWorld(
      {
        config: () =>
          testConfig({}).replace(
            '    client_secret: admin-secret\n',
            `    client_secret: admin-secret\n${clients}`,
          ),
      },
      cleanup,
    );
    const ok = await post(
      `${w.h.url}/oauth2/token`,
      { grant_type: 'client_credentials', scope: 'urn:mas:admin' },
      basic(ADMIN, 'admin-secret'),
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', scope: 'urn:mas:admin', expires_in: 300 });
    const users = await fetch(`${w.h.url}/api/admin/v1/users`, {
      headers: { authorization: `Bearer ${String(ok.body.access_token)}` },
    });
    expect(users.status).toBe(200);

    const denied = await post(`${w.h.url}/oauth2/token`, {
      grant_type: 'client_credentials',
      scope: 'urn:mas:admin',
      client_id: OTHER,
      client_secret: 'other-secret',
    });
    expect(denied).toEqual({
      status: 403,
      body: { error: 'invalid_scope', error_description: "scope 'urn:mas:admin' not allowed" },
    });

    const noScope = await post(`${w.h.url}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: OTHER,
      client_secret: 'other-secret',
    });
    expect(noScope.status).toBe(200);
    const missing = await fetch(`${w.h.url}/api/admin/v1/users`, {
      headers: { authorization: `Bearer ${String(noScope.body.access_token)}` },
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ errors: [{ title: 'Missing urn:mas:admin scope' }] });
    expect(grepLogs(w.h, /call_context:85/)[0]).toMatch(
      / WARN mas_handlers::admin::call_context:85 GET-\d+ - Missing urn:mas:admin scope$/,
    );

    const wrongSecret = await post(
      `${w.h.url}/oauth2/token`,
      { grant_type: 'client_credentials', scope: 'urn:mas:admin' },
      basic(ADMIN, 'nope'),
    );
    expect(wrongSecret).toEqual({ status: 401, body: { error: 'invalid_client' } });

    const anonymous = await fetch(`${w.h.url}/api/admin/v1/users`);
    expect(anonymous.status).toBe(400);
    expect(await anonymous.json()).toEqual({ errors: [{ title: 'Missing authorization header' }] });
    const bogus = await fetch(`${w.h.url}/api/admin/v1/users`, { headers: { authorization: 'Bearer abc' } });
    expect(await bogus.json()).toEqual({
      errors: [{ title: 'Invalid type of access token' }, { title: 'invalid token format' }],
    });

    expect(w.h.mas.adminClient()).toEqual({ clientId: ADMIN, clientSecret: 'admin-secret' });
    expect(w.h.mas.info().adminClientId).toBe(ADMIN);
  });

  it('derives the admin client from the config, and says why there is none', async () => {
    const noList = await startWorld(
      { config: () => testConfig({}).replace(/ {4}admin_clients: .*\n/, '') },
      cleanup,
    );
    expect(noList.h.mas.adminClient()).toEqual({
      reason: 'no client in `clients` with a secret is listed in `policy.data.admin_clients`',
    });
    const noListener = await startWorld(
      { config: () => testConfig({}).replace('{name: adminapi}, ', '') },
      cleanup,
    );
    expect(noListener.h.mas.adminClient()).toEqual({
      reason: 'no http listener serves the `adminapi` resource',
    });
    const res = await fetch(`${noListener.h.url}/api/admin/v1/users`);
    expect(res.status).toBe(404);
  });
});
