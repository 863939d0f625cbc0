import http from 'node:http';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_CLIENT_ID, SEED_CLIENT_SECRET, SEED_PASSWORDS } from '../../../src/sandbox/authentik/index.js';
import { api, Browser, CALLBACK, MAS_URL, startAuthentik, type Running } from './helpers.js';

/** GET with an explicit Host header (fetch does not let us set it). */
function getWithHost(
  url: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

let run: Running | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

/** authorize + executor sign-in + authorize again; returns the callback URL (with ?code) */
async function codeFor(r: Running, username: string, password: string, extra: Record<string, string> = {}) {
  const b = new Browser(r.url);
  const { authorize, query } = await b.beginAuthorize({ state: 'st', ...extra });
  await b.challenge('default-authentication-flow', query);
  expect(await b.logIn(query, username, password)).toEqual({ component: 'xak-flow-redirect', to: authorize });
  const back = await b.fetch(authorize);
  return { browser: b, location: back.headers.get('location') ?? '', status: back.status };
}

async function tokens(
  r: Running,
  code: string,
  opts: { clientId?: string; secret?: string | null; redirect?: string } = {},
) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: opts.redirect ?? CALLBACK,
    client_id: opts.clientId ?? SEED_CLIENT_ID,
  });
  if (opts.secret !== null) body.set('client_secret', opts.secret ?? SEED_CLIENT_SECRET);
  const res = await fetch(`${r.url}/application/o/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('issuer and discovery (authentik.md §4.1, §4.3)', () => {
  it('builds the issuer from the request Host, always with a trailing slash', async () => {
    run = await startAuthentik();
    const path = `${run.url}/application/o/matrix/.well-known/openid-configuration`;
    const a = JSON.parse((await getWithHost(path, 'auth.example.com')).body) as Record<string, unknown>;
    const b = JSON.parse((await getWithHost(path, 'sso.other.test:8443')).body) as Record<string, unknown>;
    expect(a.issuer).toBe('http://auth.example.com/application/o/matrix/');
    expect(b.issuer).toBe('http://sso.other.test:8443/application/o/matrix/');
    expect(a.jwks_uri).toBe('http://auth.example.com/application/o/matrix/jwks/');
    expect(a.authorization_endpoint).toBe('http://auth.example.com/application/o/authorize/');
    expect(a.token_endpoint).toBe('http://auth.example.com/application/o/token/');
    // behind a TLS proxy that forwards the scheme
    const c = JSON.parse(
      (await getWithHost(path, 'auth.example.com', { 'x-forwarded-proto': 'https' })).body,
    );
    expect(c.issuer).toBe('https://auth.example.com/application/o/matrix/');
    expect(a).toMatchObject({
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      subject_types_supported: ['public'],
      scopes_supported: ['openid', 'email', 'profile', 'offline_access'],
    });
    expect(a.claims_supported).toEqual(
      expect.arrayContaining([
        'sub',
        'iss',
        'email',
        'email_verified',
        'preferred_username',
        'name',
        'groups',
      ]),
    );
  });

  it('issuer_mode global gives the bare origin as issuer; no application means no discovery', async () => {
    run = await startAuthentik({ providers: { 'matrix-provider': { issuer_mode: 'global' } } });
    const d = (await (
      await fetch(`${run.url}/application/o/matrix/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string;
    };
    expect(d.issuer).toBe(`${run.url}/`);
    await run.close();
    run = await startAuthentik({ applications: { matrix: null } });
    expect((await fetch(`${run.url}/application/o/matrix/.well-known/openid-configuration`)).status).toBe(
      404,
    );
    const provider = await api(run)('/providers/oauth2/1/');
    expect(provider.body).toMatchObject({ assigned_application_slug: null, assigned_application_name: null });
  });
});

describe('signing (authentik.md §4.1 signing_key)', () => {
  it('without a signing key: HS256 with the client secret and an empty JWKS', async () => {
    run = await startAuthentik({ providers: { 'matrix-provider': { signing_key: null } } });
    const disc = (await (
      await fetch(`${run.url}/application/o/matrix/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(disc.id_token_signing_alg_values_supported).toEqual(['HS256']);
    expect(await (await fetch(`${run.url}/application/o/matrix/jwks/`)).json()).toEqual({ keys: [] });
    const { location } = await codeFor(run, 'boje', SEED_PASSWORDS.boje);
    const t = await tokens(run, new URL(location).searchParams.get('code')!);
    expect(t.status).toBe(200);
    expect(decodeProtectedHeader(t.body.id_token!)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(t.body.id_token!, new TextEncoder().encode(SEED_CLIENT_SECRET), {
      issuer: `${run.url}/application/o/matrix/`,
      audience: SEED_CLIENT_ID,
    });
    expect(payload.preferred_username).toBe('boje');
    await expect(jwtVerify(t.body.id_token!, new TextEncoder().encode('another secret'))).rejects.toThrow();
  });

  it('with an EC key: ES256, the EC key in the JWKS, verifiable', async () => {
    run = await startAuthentik({
      certificates: { 'ec-key': { key_type: 'ec', curve: 'P-256' } },
      providers: { 'matrix-provider': { signing_key: 'ec-key' } },
    });
    const jwks = (await (await fetch(`${run.url}/application/o/matrix/jwks/`)).json()) as JSONWebKeySet;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const { location } = await codeFor(run, 'boje', SEED_PASSWORDS.boje);
    const t = await tokens(run, new URL(location).searchParams.get('code')!);
    expect(decodeProtectedHeader(t.body.id_token!)).toMatchObject({ alg: 'ES256', kid: jwks.keys[0]!.kid });
    await jwtVerify(t.body.id_token!, createLocalJWKSet(jwks), { audience: SEED_CLIENT_ID });
  });
});

describe('redirect URI matching (authentik.md §4.1, issue table #5)', () => {
  it('strict: any other URI gets the Redirect URI Error page and a configuration_error event', async () => {
    run = await startAuthentik();
    const wrong = `${MAS_URL}/upstream/callback/01AAAAAAAAAAAAAAAAAAAAAAAA`;
    const res = await fetch(
      `${run.url}/application/o/authorize/?${new URLSearchParams({ client_id: SEED_CLIENT_ID, redirect_uri: wrong, response_type: 'code', scope: 'openid' })}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('Redirect URI Error');
    expect(page).toContain(
      'The request fails due to a missing, invalid, or mismatching redirection URI (redirect_uri).',
    );
    const ev = await api(run)('/events/events/?actions=configuration_error');
    const event = (ev.body!.results as Record<string, unknown>[])[0]!;
    expect(event.context).toMatchObject({
      message: `Invalid redirect URI was used. Client used '${wrong}'. Allowed redirect URIs are ${CALLBACK}`,
      redirect_uri: wrong,
      expected: [{ matching_mode: 'strict', url: CALLBACK, redirect_uri_type: 'authorization' }],
      provider: { app: 'authentik_providers_oauth2', model_name: 'oauth2provider', name: 'matrix-provider' },
    });
    expect(run.log.read('authentik').some((l) => l.text.includes('configuration_error'))).toBe(true);
    // a trailing slash is a different URI under strict matching
    const slash = await fetch(
      `${run.url}/application/o/authorize/?${new URLSearchParams({ client_id: SEED_CLIENT_ID, redirect_uri: `${CALLBACK}/`, response_type: 'code' })}`,
      { redirect: 'manual' },
    );
    expect(slash.status).toBe(400);
  });

  it('regex: full match only; the token endpoint checks again (invalid_client + event)', async () => {
    run = await startAuthentik({
      providers: {
        'matrix-provider': {
          redirect_uris: [
            { matching_mode: 'regex', url: 'http://127\\.0\\.0\\.1:18080/upstream/callback/[0-9A-Z]{26}' },
          ],
        },
      },
    });
    const ok = await codeFor(run, 'boje', SEED_PASSWORDS.boje);
    expect(ok.status).toBe(302);
    expect(ok.location.startsWith(CALLBACK)).toBe(true);
    const partial = await fetch(
      `${run.url}/application/o/authorize/?${new URLSearchParams({ client_id: SEED_CLIENT_ID, redirect_uri: `${CALLBACK}/extra`, response_type: 'code' })}`,
      {
        redirect: 'manual',
        headers: { cookie: `authentik_session=${ok.browser.cookies.get('authentik_session')}` },
      },
    );
    expect(partial.status).toBe(400);
    const code = new URL(ok.location).searchParams.get('code')!;
    const bad = await tokens(run, code, { redirect: 'http://evil.example/cb' });
    expect(bad).toEqual({
      status: 400,
      body: {
        error: 'invalid_client',
        error_description:
          'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)',
      },
    });
    const ev = await api(run)('/events/events/?actions=configuration_error&ordering=-created');
    expect((ev.body!.results as Record<string, unknown>[])[0]!.context).toMatchObject({
      message: 'Invalid redirect URI used by provider',
      redirect_uri: 'http://evil.example/cb',
    });
  });
});

describe('claims come from the provider scope mappings only (authentik.md §4.2)', () => {
  it('without the profile mapping there is no preferred_username, anywhere', async () => {
    run = await startAuthentik({
      providers: {
        'matrix-provider': {
          property_mappings: [
            'goauthentik.io/providers/oauth2/scope-openid',
            'goauthentik.io/providers/oauth2/scope-email',
          ],
        },
      },
    });
    const disc = (await (
      await fetch(`${run.url}/application/o/matrix/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(disc.scopes_supported).toEqual(['openid', 'email']);
    const { location } = await codeFor(run, 'boje', SEED_PASSWORDS.boje);
    const t = await tokens(run, new URL(location).searchParams.get('code')!);
    expect(t.body.scope).toBe('openid email');
    const claims = decodeJwt(t.body.id_token!);
    expect(claims).not.toHaveProperty('preferred_username');
    expect(claims).not.toHaveProperty('name');
    expect(claims).toMatchObject({ email: 'boje@example.org', email_verified: false });
    const info = (await (
      await fetch(`${run.url}/application/o/userinfo/`, {
        headers: { authorization: `Bearer ${t.body.access_token}` },
      })
    ).json()) as Record<string, unknown>;
    expect(info).not.toHaveProperty('preferred_username');
    expect(info).toMatchObject({ email: 'boje@example.org', email_verified: false });
    const preview = await api(run)('/providers/oauth2/1/preview_user/?for_user=7');
    expect(preview.body!.preview).not.toHaveProperty('preferred_username');
  });

  it('a custom email mapping returning True replaces the default; include_claims_in_id_token false keeps claims out of the id_token', async () => {
    run = await startAuthentik({
      property_mappings: {
        'matrix email (verified)': {
          scope_name: 'email',
          expression: 'return {"email": request.user.email, "email_verified": True}',
        },
      },
      providers: {
        'matrix-provider': {
          include_claims_in_id_token: false,
          sub_mode: 'user_username',
          property_mappings: [
            'goauthentik.io/providers/oauth2/scope-openid',
            'goauthentik.io/providers/oauth2/scope-profile',
            'matrix email (verified)',
          ],
        },
      },
    });
    const { location } = await codeFor(run, 'boje', SEED_PASSWORDS.boje);
    const t = await tokens(run, new URL(location).searchParams.get('code')!);
    const claims = decodeJwt(t.body.id_token!);
    expect(claims.sub).toBe('boje');
    expect(claims).not.toHaveProperty('email');
    const info = (await (
      await fetch(`${run.url}/application/o/userinfo/`, {
        headers: { authorization: `Bearer ${t.body.access_token}` },
      })
    ).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ sub: 'boje', email_verified: true, preferred_username: 'boje' });
  });
});

describe('client authentication at the token endpoint', () => {
  it('confidential: wrong secret or unknown client is invalid_client; public clients send none', async () => {
    run = await startAuthentik();
    let { location } = await codeFor(run, 'boje', SEED_PASSWORDS.boje);
    expect(
      (await tokens(run, new URL(location).searchParams.get('code')!, { secret: 'wrong' })).body.error,
    ).toBe('invalid_client');
    expect((await tokens(run, 'x', { clientId: 'nobody' })).body.error).toBe('invalid_client');
    await run.close();
    run = await startAuthentik({ providers: { 'matrix-provider': { client_type: 'public' } } });
    ({ location } = await codeFor(run, 'boje', SEED_PASSWORDS.boje));
    const t = await tokens(run, new URL(location).searchParams.get('code')!, { secret: null });
    expect(t.status).toBe(200);
    expect(t.body.token_type).toBe('Bearer');
  });

  it('refresh tokens come with offline_access (and its consent), and rotate', async () => {
    run = await startAuthentik();
    const b = new Browser(run.url);
    const { q, authorize, query } = await b.beginAuthorize({ scope: 'openid offline_access' });
    await b.logIn(query, 'boje', SEED_PASSWORDS.boje);
    // offline_access makes Authentik ask for consent even with the implicit-consent flow
    const toFlow = await b.fetch(authorize);
    expect(toFlow.headers.get('location')).toBe(
      `/if/flow/default-provider-authorization-implicit-consent/?${q}`,
    );
    const consent = await b.challenge('default-provider-authorization-implicit-consent', q.toString());
    expect(consent).toMatchObject({
      component: 'ak-stage-consent',
      permissions: [{ id: 'offline_access', name: 'Access to request new tokens without interaction' }],
    });
    const redirect = await b.answer('default-provider-authorization-implicit-consent', q.toString(), {
      component: 'ak-stage-consent',
      token: consent.token,
    });
    expect(redirect.component).toBe('xak-flow-redirect');
    const code = new URL(redirect.to as string).searchParams.get('code')!;
    const t = await tokens(run, code);
    expect(t.body.refresh_token).toBeTruthy();
    const refreshed = await fetch(`${run.url}/application/o/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: t.body.refresh_token!,
        client_id: SEED_CLIENT_ID,
        client_secret: SEED_CLIENT_SECRET,
      }),
    });
    expect(refreshed.status).toBe(200);
    const again = await fetch(`${run.url}/application/o/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: t.body.refresh_token!,
        client_id: SEED_CLIENT_ID,
        client_secret: SEED_CLIENT_SECRET,
      }),
    });
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('userinfo without a valid token is 401 with WWW-Authenticate', async () => {
    run = await startAuthentik();
    const res = await fetch(`${run.url}/application/o/userinfo/`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
  });
});

describe('introspection, revocation, end-session', () => {
  it('introspects and revokes access tokens; end-session logs out and runs the invalidation flow', async () => {
    run = await startAuthentik();
    const { browser, location } = await codeFor(run, 'boje', SEED_PASSWORDS.boje);
    const t = await tokens(run, new URL(location).searchParams.get('code')!);
    const post = (path: string, form: Record<string, string>) =>
      fetch(`${run!.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: SEED_CLIENT_ID, client_secret: SEED_CLIENT_SECRET, ...form }),
      });
    const active = (await (
      await post('/application/o/introspect/', { token: t.body.access_token! })
    ).json()) as Record<string, unknown>;
    expect(active).toMatchObject({
      active: true,
      client_id: SEED_CLIENT_ID,
      username: 'boje',
      scope: 'openid profile email',
    });
    expect((await post('/application/o/revoke/', { token: t.body.access_token! })).status).toBe(200);
    expect(await (await post('/application/o/introspect/', { token: t.body.access_token! })).json()).toEqual({
      active: false,
    });
    const info = await fetch(`${run.url}/application/o/userinfo/`, {
      headers: { authorization: `Bearer ${t.body.access_token}` },
    });
    expect(info.status).toBe(401);
    const end = await browser.fetch('/application/o/matrix/end-session/');
    expect(end.headers.get('location')).toBe('/if/flow/default-provider-invalidation-flow/');
    expect((await api(run)('/events/events/?actions=logout&username=boje')).body!.results).toHaveLength(1);
    // the session no longer authorizes: back to the login flow
    const again = await browser.fetch(
      `/application/o/authorize/?${new URLSearchParams({ client_id: SEED_CLIENT_ID, redirect_uri: CALLBACK, response_type: 'code' })}`,
    );
    expect(again.headers.get('location')).toMatch(/^\/flows\/-\/default\/authentication\/\?next=/);
  });
});
