import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_CLIENT_ID, SEED_CLIENT_SECRET, SEED_PASSWORDS } from '../../../src/sandbox/authentik/index.js';
import { api, Browser, CALLBACK, startAuthentik, type Running } from './helpers.js';

/**
 * A headless sign-in as MAS (or ssochain's probe) performs it against Authentik, with plain
 * fetch and a cookie jar: authorize -> authentication flow executor -> authorize again ->
 * code -> token -> userinfo. authentik.md §7.3.
 */
describe('headless sign-in end to end', () => {
  let run: Running;
  beforeAll(async () => {
    run = await startAuthentik();
  });
  afterAll(() => run.close());

  async function signIn(
    b: Browser,
    username: string,
    password: string,
    extra: Record<string, string> = {},
  ): Promise<{ final: Record<string, unknown>; authorize: string; state: string }> {
    const state = randomBytes(8).toString('hex');
    const q = new URLSearchParams({
      client_id: SEED_CLIENT_ID,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid profile email',
      state,
      nonce: 'n-0S6_WzA2Mj',
      ...extra,
    });
    const authorize = `/application/o/authorize/?${q}`;
    // 1. no session: authorize sends us to the default authentication flow with next=<authorize>
    const first = await b.fetch(authorize);
    expect(first.status).toBe(302);
    const toDefault = first.headers.get('location')!;
    expect(toDefault).toBe(`/flows/-/default/authentication/?next=${encodeURIComponent(authorize)}`);
    const second = await b.fetch(toDefault);
    expect(second.headers.get('location')).toBe(
      `/if/flow/default-authentication-flow/?next=${encodeURIComponent(authorize)}`,
    );
    const shell = await b.fetch(second.headers.get('location')!);
    expect(shell.status).toBe(200);
    expect(b.cookies.has('authentik_session')).toBe(true);
    const query = `next=${encodeURIComponent(authorize)}`;
    // 2. identification
    const ident = await b.challenge('default-authentication-flow', query);
    expect(ident).toMatchObject({
      component: 'ak-stage-identification',
      user_fields: ['email', 'username'],
      password_fields: false,
      application_pre: 'Matrix',
      enroll_url: `/if/flow/default-enrollment-flow/?${query}`,
    });
    // 3. password
    const pw = await b.answer('default-authentication-flow', query, {
      component: 'ak-stage-identification',
      uid_field: username,
    });
    expect(pw).toMatchObject({ component: 'ak-stage-password', pending_user: username });
    const final = await b.answer('default-authentication-flow', query, {
      component: 'ak-stage-password',
      password,
    });
    return { final, authorize, state };
  }

  it('signs boje in and issues verifiable tokens with the provider key', async () => {
    const b = new Browser(run.url);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { final, authorize, state } = await signIn(b, 'boje', SEED_PASSWORDS.boje, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(final).toEqual({ component: 'xak-flow-redirect', to: authorize });
    // 4. back to authorize with the session: implicit consent redirects straight to MAS
    const back = await b.fetch(authorize);
    expect(back.status).toBe(302);
    const callback = new URL(back.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe(state);
    const code = callback.searchParams.get('code')!;
    expect(code).toMatch(/^[0-9a-f]{32}$/);
    // 5. token (client_secret_basic, PKCE)
    const basic = Buffer.from(`${SEED_CLIENT_ID}:${SEED_CLIENT_SECRET}`).toString('base64');
    const token = await fetch(`${run.url}/application/o/token/`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
      }),
    });
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email', expires_in: 3600 });
    const idToken = tokens.id_token as string;
    expect(decodeProtectedHeader(idToken)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const jwks = createRemoteJWKSet(new URL(`${run.url}/application/o/matrix/jwks/`));
    const { payload } = await jwtVerify(idToken, jwks, {
      issuer: `${run.url}/application/o/matrix/`,
      audience: SEED_CLIENT_ID,
    });
    const boje = run.instance.ak.store.userByName('boje')!;
    expect(payload).toMatchObject({
      sub: createHash('sha256').update(`${boje.pk}-${run.instance.ak.store.installId}`).digest('hex'),
      nonce: 'n-0S6_WzA2Mj',
      preferred_username: 'boje',
      name: 'Boje',
      email: 'boje@example.org',
      email_verified: false,
      acr: 'goauthentik.io/providers/oauth2/default',
      amr: ['pwd'],
    });
    // 6. userinfo
    const info = await fetch(`${run.url}/application/o/userinfo/`, {
      headers: { authorization: `Bearer ${tokens.access_token as string}` },
    });
    expect(await info.json()).toEqual({
      sub: payload.sub,
      nonce: 'n-0S6_WzA2Mj',
      email: 'boje@example.org',
      email_verified: false,
      name: 'Boje',
      given_name: 'Boje',
      preferred_username: 'boje',
      nickname: 'boje',
      groups: [],
    });
    // the code is single-use
    const again = await fetch(`${run.url}/application/o/token/`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
      }),
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
    // events as Authentik records them
    const ev = api(run);
    const logins = await ev('/events/events/?action=login&username=boje&ordering=-created');
    const login = (logins.body!.results as Record<string, unknown>[])[0]!;
    expect(login).toMatchObject({
      action: 'login',
      app: 'authentik.events.signals',
      user: { username: 'boje', pk: boje.pk },
      context: {
        auth_method: 'password',
        auth_method_args: {},
        // the user_login stage runs on the GET that follows the password POST
        http_request: { path: '/api/v3/flows/executor/default-authentication-flow/', method: 'GET' },
      },
    });
    const authz = await ev('/events/events/?actions=authorize_application');
    expect(authz.body!.results).toHaveLength(1);
    expect((authz.body!.results as Record<string, unknown>[])[0]).toMatchObject({
      action: 'authorize_application',
      app: 'authentik.providers.oauth2.views.authorize',
      user: { username: 'boje' },
      context: {
        authorized_application: { app: 'authentik_core', name: 'Matrix', model_name: 'application' },
        scopes: 'openid profile email',
      },
    });
  });

  it('a new user follows the enroll link from the login page and comes back to MAS with a code', async () => {
    const b = new Browser(run.url);
    const { authorize, query } = await b.beginAuthorize({ state: 'signup' });
    const ident = await b.challenge('default-authentication-flow', query);
    const enroll = new URL(ident.enroll_url as string, run.url);
    expect(enroll.pathname).toBe('/if/flow/default-enrollment-flow/');
    await b.fetch(`${enroll.pathname}${enroll.search}`);
    const enrollQuery = enroll.search.slice(1);
    const prompt = await b.challenge('default-enrollment-flow', enrollQuery);
    expect(prompt.component).toBe('ak-stage-prompt');
    const done = await b.answer('default-enrollment-flow', enrollQuery, {
      component: 'ak-stage-prompt',
      username: 'hanna',
      name: 'Hanna',
      email: 'hanna@example.org',
      password: 'hanna-pw',
    });
    expect(done).toEqual({ component: 'xak-flow-redirect', to: authorize });
    const back = await b.fetch(authorize);
    const callback = new URL(back.headers.get('location')!);
    expect(callback.searchParams.get('state')).toBe('signup');
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('with the explicit-consent authorization flow: consent challenge, then code, token, userinfo; consent is remembered', async () => {
    const consentRun = await startAuthentik({
      providers: {
        'matrix-provider': { authorization_flow: 'default-provider-authorization-explicit-consent' },
      },
    });
    try {
      const b = new Browser(consentRun.url);
      const { q, authorize, query } = await b.beginAuthorize({ state: 'c1' });
      await b.logIn(query, 'boje', SEED_PASSWORDS.boje);
      const toFlow = await b.fetch(authorize);
      expect(toFlow.headers.get('location')).toBe(
        `/if/flow/default-provider-authorization-explicit-consent/?${q}`,
      );
      const slug = 'default-provider-authorization-explicit-consent';
      const consent = await b.challenge(slug, q.toString());
      expect(consent).toMatchObject({
        component: 'ak-stage-consent',
        flow_info: { title: 'Redirecting to Matrix' },
        pending_user: 'boje',
        header_text: "You're about to sign into Matrix.",
        permissions: [
          { id: 'email', name: 'Email address' },
          { id: 'profile', name: 'General Profile Information' },
        ],
        additional_permissions: [],
      });
      const redirect = await b.answer(slug, q.toString(), {
        component: 'ak-stage-consent',
        token: consent.token,
      });
      expect(redirect.component).toBe('xak-flow-redirect');
      const code = new URL(redirect.to as string).searchParams.get('code')!;
      const token = await fetch(`${consentRun.url}/application/o/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: CALLBACK,
          client_id: SEED_CLIENT_ID,
          client_secret: SEED_CLIENT_SECRET,
        }),
      });
      const tokens = (await token.json()) as { access_token: string };
      const info = await fetch(`${consentRun.url}/application/o/userinfo/`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(await info.json()).toMatchObject({ preferred_username: 'boje' });
      // expiring consent is remembered: the next authorization asks nothing
      const again = await b.fetch(authorize);
      expect(again.headers.get('location')).toBe(`/if/flow/${slug}/?${q}`);
      const silent = await b.challenge(slug, q.toString());
      expect(silent.component).toBe('xak-flow-redirect');
      expect(new URL(silent.to as string).searchParams.get('state')).toBe('c1');
    } finally {
      await consentRun.close();
    }
  });

  it('PKCE: a wrong verifier is invalid_grant', async () => {
    const b = new Browser(run.url);
    const { authorize } = await signIn(b, 'akadmin', SEED_PASSWORDS.akadmin, {
      code_challenge: createHash('sha256').update('right').digest('base64url'),
      code_challenge_method: 'S256',
    });
    const code = new URL((await b.fetch(authorize)).headers.get('location')!).searchParams.get('code')!;
    const res = await fetch(`${run.url}/application/o/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        client_id: SEED_CLIENT_ID,
        client_secret: SEED_CLIENT_SECRET,
        code_verifier: 'wrong',
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_grant',
      error_description:
        'The provided authorization grant or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client',
    });
  });

  it('a wrong password is refused with "Invalid password" and a login_failed event', async () => {
    const b = new Browser(run.url);
    const { final } = await signIn(b, 'boje', 'wrong');
    expect(final).toMatchObject({
      component: 'ak-stage-password',
      response_errors: { password: [{ string: 'Invalid password', code: 'invalid' }] },
    });
    const failed = await api(run)('/events/events/?actions=login_failed');
    expect((failed.body!.results as Record<string, unknown>[])[0]).toMatchObject({
      action: 'login_failed',
      user: { pk: 2, email: '', username: 'AnonymousUser' },
      context: {
        stage: {
          app: 'authentik_stages_password',
          name: 'default-authentication-password',
          model_name: 'passwordstage',
        },
        password: '********************',
        username: 'boje',
      },
    });
  });
});
