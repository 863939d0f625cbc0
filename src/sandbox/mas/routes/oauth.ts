import { SignJWT } from 'jose';
import { json, type Reply, type Router } from '../../http/server.js';
import type { MasApp, Req } from '../app.js';
import { generic, internal, MasError } from '../errors.js';
import { consentPage, errorPage, formPostPage } from '../pages.js';
import { evaluateAuthorizationGrant, evaluateClientRegistration } from '../policy.js';
import type { ClientRow, GrantRow, OAuthSessionRow, UserRow } from '../store.js';
import { tokenHash } from '../upstream/oidc.js';
import { checkToken, generateToken, newUlid, randomAlnum, sha256b64url } from '../util.js';
import { seeOther } from './common.js';
import { mount } from './mount.js';

const SUPPORTED_SIGNING_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES256K',
];
const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
];

const STABLE_API = 'urn:matrix:client:api:*';
const UNSTABLE_API = 'urn:matrix:org.matrix.msc2967.client:api:*';
const STABLE_DEVICE = 'urn:matrix:client:device:';
const UNSTABLE_DEVICE = 'urn:matrix:org.matrix.msc2967.client:device:';

function oauthError(status: number, error: string, description?: string): Reply {
  return json(status, description === undefined ? { error } : { error, error_description: description });
}

/** `normalize_scope`: adds the stable/unstable twin of the API and device scopes; sorted like a BTreeSet */
export function normalizeScope(scope: string[]): string[] {
  const out = new Set(scope);
  for (const token of scope) {
    if (token === STABLE_API) out.add(UNSTABLE_API);
    else if (token === UNSTABLE_API) out.add(STABLE_API);
    else {
      const device = token.startsWith(STABLE_DEVICE)
        ? token.slice(STABLE_DEVICE.length)
        : token.startsWith(UNSTABLE_DEVICE)
          ? token.slice(UNSTABLE_DEVICE.length)
          : undefined;
      if (device !== undefined) {
        out.add(STABLE_DEVICE + device);
        out.add(UNSTABLE_DEVICE + device);
      }
    }
  }
  return [...out].sort();
}

export function deviceOf(scope: string[]): string | undefined {
  for (const s of scope) {
    if (s.startsWith(STABLE_DEVICE)) return s.slice(STABLE_DEVICE.length);
    if (s.startsWith(UNSTABLE_DEVICE)) return s.slice(UNSTABLE_DEVICE.length);
  }
  return undefined;
}

/** `ClientAuthorization`: credentials from the Authorization header or the form */
type Credentials =
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; clientId: string; secret: string }
  | { kind: 'post'; clientId: string; secret: string }
  | { kind: 'none'; clientId: string }
  | { kind: 'assertion'; clientId: string; assertion: string }
  | { kind: 'missing' };

function credentials(req: Req, form: URLSearchParams): Credentials {
  const auth = req.ctx.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { kind: 'bearer', token: auth.slice(7).trim() };
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    if (i >= 0)
      return { kind: 'basic', clientId: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
  }
  const clientId = form.get('client_id');
  if (!clientId) return { kind: 'missing' };
  const assertion = form.get('client_assertion');
  if (assertion) return { kind: 'assertion', clientId, assertion };
  const secret = form.get('client_secret');
  if (secret !== null) return { kind: 'post', clientId, secret };
  return { kind: 'none', clientId };
}

/** `Credentials::verify`: undefined when valid, else `CredentialsVerificationError`'s message */
function verifyClient(client: ClientRow, creds: Credentials): string | undefined {
  const expected: Record<string, Credentials['kind']> = {
    none: 'none',
    client_secret_basic: 'basic',
    client_secret_post: 'post',
  };
  // JWT client authentication is not emulated for downstream clients
  if (expected[client.authMethod] !== creds.kind) return 'authentication method mismatch';
  if ((creds.kind === 'basic' || creds.kind === 'post') && creds.secret !== client.secret)
    return 'client secret did not match';
  return undefined;
}

/** a failed OAuth endpoint request: `record_error!` at the handler, then the JSON error */
function fail(
  app: MasApp,
  req: Req,
  at: [string, number],
  level: 'ERROR' | 'WARN',
  error: MasError,
  status: number,
  code: string,
  description?: string,
): Reply {
  app.recordError(req, at[0], at[1], level, error);
  return oauthError(status, code, description);
}

const TOKEN: [string, number] = ['mas_handlers::oauth2::token', 164];
const INTROSPECTION: [string, number] = ['mas_handlers::oauth2::introspection', 137];

export function mountOAuth(router: Router, app: MasApp): void {
  // discovery resource
  mount(router, app, 'GET', '/.well-known/openid-configuration', 'oauth', 'discovery', () => {
    const algs = [...new Set(app.signingKeys.flatMap((k) => signingAlgs(k.alg)))];
    return json(200, {
      issuer: app.issuer,
      authorization_endpoint: app.url('/authorize'),
      token_endpoint: app.url('/oauth2/token'),
      jwks_uri: app.url('/oauth2/keys.json'),
      registration_endpoint: app.url('/oauth2/registration'),
      scopes_supported: ['openid', 'email'],
      response_types_supported: ['code', 'id_token', 'code id_token'],
      response_modes_supported: ['form_post', 'query', 'fragment'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      token_endpoint_auth_signing_alg_values_supported: SUPPORTED_SIGNING_ALGORITHMS,
      revocation_endpoint: app.url('/oauth2/revoke'),
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      revocation_endpoint_auth_signing_alg_values_supported: SUPPORTED_SIGNING_ALGORITHMS,
      introspection_endpoint: app.url('/oauth2/introspect'),
      introspection_endpoint_auth_methods_supported: AUTH_METHODS,
      introspection_endpoint_auth_signing_alg_values_supported: SUPPORTED_SIGNING_ALGORITHMS,
      code_challenge_methods_supported: ['plain', 'S256'],
      userinfo_endpoint: app.url('/oauth2/userinfo'),
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: algs,
      userinfo_signing_alg_values_supported: algs,
      display_values_supported: ['page'],
      claim_types_supported: ['normal'],
      claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'nonce', 'auth_time', 'at_hash', 'c_hash'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      prompt_values_supported: app.cfg.account.passwordRegistrationEnabled ? ['login', 'create'] : ['login'],
      graphql_endpoint: app.url('/graphql'),
      account_management_uri: app.url('/account/'),
      account_management_actions_supported: [
        'org.matrix.profile',
        'org.matrix.devices_list',
        'org.matrix.device_view',
        'org.matrix.device_delete',
        'org.matrix.cross_signing_reset',
        'org.matrix.sessions_list',
        'org.matrix.session_view',
        'org.matrix.session_end',
      ],
    });
  });

  mount(router, app, 'GET', '/oauth2/keys.json', 'oauth', 'oauth', () =>
    json(200, { keys: app.signingKeys.map((k) => k.publicJwk) }),
  );

  // GET /authorize (oauth2/authorization/mod.rs)
  mount(router, app, 'GET', '/authorize', 'oauth', 'human', (req) => {
    const q = req.ctx.query;
    const client = app.store.clients.get(q.get('client_id') ?? '');
    if (!client) throw generic(400, 'could not find client');
    const redirectUri =
      q.get('redirect_uri') ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    if (!redirectUri || !client.redirectUris.includes(redirectUri))
      throw generic(400, 'invalid redirect uri');
    const responseType = (q.get('response_type') ?? '').split(' ').filter(Boolean);
    const hasToken = responseType.includes('token');
    const hasIdToken = responseType.includes('id_token');
    const suggested = q.get('response_mode') as GrantRow['responseMode'] | null;
    if ((hasToken || hasIdToken) && suggested === 'query') throw generic(400, 'invalid response mode');
    const responseMode: GrantRow['responseMode'] =
      suggested ?? (hasToken || hasIdToken ? 'fragment' : 'query');
    const state = q.get('state') ?? undefined;
    const back = (error: string) =>
      callback(redirectUri, responseMode, { error, ...(state ? { state } : {}) });
    if (q.has('request')) return back('request_not_supported');
    if (q.has('request_uri')) return back('request_uri_not_supported');
    if (hasToken) return back('unsupported_response_type');
    if (hasIdToken) return back('unauthorized_client');
    if (q.has('registration')) return back('registration_not_supported');
    const prompt = (q.get('prompt') ?? '').split(' ');
    if (prompt.includes('none')) return back('login_required');
    if (!responseType.includes('code')) return back('unsupported_response_type');
    if (!client.grantTypes.includes('authorization_code')) return back('unauthorized_client');
    const challenge = q.get('code_challenge');
    const method = (q.get('code_challenge_method') ?? 'plain') as 'S256' | 'plain';
    const grant: GrantRow = {
      id: newUlid(),
      clientId: client.id,
      redirectUri,
      scope: (q.get('scope') ?? '').split(' ').filter(Boolean),
      state,
      nonce: q.get('nonce') ?? undefined,
      responseMode,
      codeChallenge: challenge ? { method, challenge } : undefined,
      code: randomAlnum(32),
      loginHint: q.get('login_hint') ?? undefined,
      createdAt: new Date(),
      stage: 'pending',
    };
    app.store.grants.set(grant.id, grant);
    const action = `kind=continue_authorization_grant&id=${grant.id}`;
    if (!app.browserSession(req)) {
      const hint = grant.loginHint ? `&login_hint=${encodeURIComponent(grant.loginHint)}` : '';
      return seeOther(app.relative(`/login?${action}${hint}`));
    }
    return seeOther(app.relative(`/consent/${grant.id}`));
  });

  // GET|POST /consent/:grant_id (oauth2/authorization/consent.rs)
  mount(router, app, ['GET', 'POST'], '/consent/:id', 'human', 'human', async (req) => {
    const grant = app.store.grants.get(req.ctx.params.id ?? '');
    if (!grant) throw internal(new MasError('Grant not found'));
    const current = app.browserSession(req);
    if (!current) return seeOther(app.relative(`/login?kind=continue_authorization_grant&id=${grant.id}`));
    if (grant.stage !== 'pending') throw generic(400, 'Authorization grant is not pending');
    const client = app.store.clients.get(grant.clientId);
    if (!client) throw internal(new MasError('Client not found'));
    const res = evaluateAuthorizationGrant(
      {
        scope: grant.scope.join(' '),
        grantType: 'authorization_code',
        clientId: client.id,
        user: { username: current.user.username, canRequestAdmin: current.user.canRequestAdmin },
      },
      app.cfg.policy.data,
    );
    if (res.violations.length)
      return errorPage(200, {
        code: 'Policy violation',
        description: res.violations.map((v) => v.msg).join(', '),
      });
    if (req.ctx.method === 'GET')
      return consentPage({
        action: req.ctx.url.pathname,
        csrf: app.csrf(req),
        clientName: client.name ?? client.id,
        scope: grant.scope,
        username: current.user.username,
      });
    const form = await req.ctx.form();
    app.verifyCsrf(req, form);
    if (form.get('action') === 'cancel') {
      grant.stage = 'cancelled';
      return callback(grant.redirectUri, grant.responseMode, {
        error: 'access_denied',
        ...(grant.state ? { state: grant.state } : {}),
      });
    }
    grant.stage = 'fulfilled';
    grant.fulfilledAt = new Date();
    grant.browserSessionId = current.session.id;
    return callback(grant.redirectUri, grant.responseMode, {
      code: grant.code,
      ...(grant.state ? { state: grant.state } : {}),
    });
  });

  // POST /oauth2/token (oauth2/token.rs)
  mount(router, app, 'POST', '/oauth2/token', 'oauth', 'oauth', async (req) => {
    const form = await req.ctx.form();
    const creds = credentials(req, form);
    if (creds.kind === 'missing' || creds.kind === 'bearer')
      return fail(app, req, TOKEN, 'WARN', new MasError('client not found'), 401, 'invalid_client');
    const client = app.store.clients.get(creds.clientId);
    if (!client)
      return fail(app, req, TOKEN, 'WARN', new MasError('client not found'), 401, 'invalid_client');
    const mismatch = verifyClient(client, creds);
    if (mismatch)
      return fail(
        app,
        req,
        TOKEN,
        'WARN',
        new MasError(`invalid client credentials for client ${client.id}`, new MasError(mismatch)),
        401,
        'invalid_client',
      );
    const grantType = form.get('grant_type');
    switch (grantType) {
      case 'authorization_code':
        return authorizationCodeGrant(app, req, client, form);
      case 'refresh_token':
        return refreshTokenGrant(app, req, client, form);
      case 'client_credentials': {
        if (!client.grantTypes.includes('client_credentials'))
          return fail(
            app,
            req,
            TOKEN,
            'WARN',
            new MasError(`client ${client.id} is not authorized to use this grant type`),
            401,
            'unauthorized_client',
          );
        const scope = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const res = evaluateAuthorizationGrant(
          { scope: scope.join(' '), grantType: 'client_credentials', clientId: client.id },
          app.cfg.policy.data,
        );
        if (res.violations.length) {
          const messages = res.violations.map((v) => v.msg).join(', ');
          return fail(
            app,
            req,
            TOKEN,
            'WARN',
            new MasError(`policy denied the request: ${messages}`),
            403,
            'invalid_scope',
            messages,
          );
        }
        const session = addSession(app, client.id, null, null, scope);
        const access = addAccessToken(app, session);
        return json(200, {
          access_token: access.token,
          token_type: 'Bearer',
          expires_in: app.cfg.accessTokenTtl,
          ...(scope.length ? { scope: scope.join(' ') } : {}),
        });
      }
      default:
        return fail(
          app,
          req,
          TOKEN,
          'WARN',
          new MasError('unsupported grant type'),
          400,
          'unsupported_grant_type',
        );
    }
  });

  // POST /oauth2/introspect (oauth2/introspection.rs): Synapse calls it with the shared secret
  mount(router, app, 'POST', '/oauth2/introspect', 'oauth', 'oauth', async (req) => {
    const form = await req.ctx.form();
    const creds = credentials(req, form);
    const warn = (message: string, status: number, code: string, description?: string, source?: string) =>
      fail(
        app,
        req,
        INTROSPECTION,
        'WARN',
        new MasError(message, source ? new MasError(source) : undefined),
        status,
        code,
        description,
      );
    if (creds.kind === 'bearer') {
      if (!app.homeserver.verifyToken(creds.token))
        return warn(
          'bearer token presented is invalid',
          401,
          'access_denied',
          'bearer token presented is invalid',
        );
    } else {
      if (creds.kind === 'missing') return warn('could not find client', 401, 'invalid_client');
      const client = app.store.clients.get(creds.clientId);
      if (!client) return warn('could not find client', 401, 'invalid_client');
      if (client.authMethod === 'none')
        return warn(`client ${client.id} is not allowed to introspect`, 401, 'access_denied');
      const mismatch = verifyClient(client, creds);
      if (mismatch) return warn(mismatch, 401, 'invalid_client', mismatch);
    }
    const token = form.get('token');
    if (!token) return warn('bad request', 400, 'invalid_request');
    const result = introspect(app, token, form.get('token_type_hint') ?? undefined);
    if (result.inactive instanceof MasError) {
      app.recordError(req, INTROSPECTION[0], INTROSPECTION[1], 'WARN', result.inactive);
      return json(200, INACTIVE);
    }
    return json(200, result);
  });

  mount(router, app, 'POST', '/oauth2/revoke', 'oauth', 'oauth', async (req) => {
    const form = await req.ctx.form();
    const token = form.get('token') ?? '';
    const access = app.store.accessToken(token);
    if (access) {
      const session = app.store.oauthSessions.get(access.sessionId);
      if (session) session.finishedAt = new Date();
    }
    return json(200, {});
  });

  mount(router, app, ['GET', 'POST'], '/oauth2/userinfo', 'oauth', 'oauth', (req) => {
    const auth = req.ctx.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    const found = activeToken(app, token);
    if (!found?.user) return json(401, { error: 'invalid_token' });
    return json(200, { sub: found.user.sub, username: found.user.username });
  });

  // POST /oauth2/registration (dynamic client registration, RFC 7591)
  mount(router, app, 'POST', '/oauth2/registration', 'oauth', 'oauth', async (req) => {
    let metadata: Record<string, unknown>;
    try {
      metadata = await req.ctx.json<Record<string, unknown>>();
    } catch {
      return oauthError(400, 'invalid_request');
    }
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      return oauthError(400, 'invalid_request');
    const method = (metadata.token_endpoint_auth_method as string | undefined) ?? 'client_secret_basic';
    if (!['none', 'client_secret_basic', 'client_secret_post'].includes(method))
      return oauthError(400, 'invalid_client_metadata', 'unsupported token_endpoint_auth_method');
    const res = evaluateClientRegistration(
      { ...metadata, token_endpoint_auth_method: method },
      app.cfg.policy.data,
    );
    if (res.violations.length) {
      const redirect = res.violations.find((v) => v.redirect_uri !== undefined);
      return redirect
        ? oauthError(400, 'invalid_redirect_uri', redirect.msg)
        : oauthError(
            400,
            'invalid_client_metadata',
            `client registration denied by the policy: ${res.violations.map((v) => v.msg).join(', ')}`,
          );
    }
    const id = newUlid();
    const secret = method === 'none' ? undefined : randomAlnum(32);
    const grantTypes = Array.isArray(metadata.grant_types)
      ? (metadata.grant_types as string[])
      : ['authorization_code'];
    app.store.clients.set(id, {
      id,
      isStatic: false,
      authMethod: method as ClientRow['authMethod'],
      secret,
      redirectUris: (metadata.redirect_uris as string[] | undefined) ?? [],
      grantTypes,
      name: metadata.client_name as string | undefined,
      uri: metadata.client_uri as string | undefined,
      applicationType: metadata.application_type as string | undefined,
      metadata,
      createdAt: new Date(),
    });
    return json(201, {
      client_id: id,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
      ...metadata,
      token_endpoint_auth_method: method,
      grant_types: grantTypes,
    });
  });

  // compat resource: GET /_matrix/client/:version/login (compat/login.rs)
  mount(router, app, 'GET', '/_matrix/client/:version/login', 'compat', 'compat', () => {
    const sso = {
      type: 'm.login.sso',
      oauth_aware_preferred: true,
      'org.matrix.msc3824.delegated_oidc_compatibility': true,
    };
    const flows = app.cfg.passwords.enabled
      ? [{ type: 'm.login.password' }, sso, { type: 'm.login.token' }]
      : [sso, { type: 'm.login.token' }];
    return json(200, { flows });
  });
}

function signingAlgs(alg: string): string[] {
  if (alg === 'RS256') return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
  return [alg];
}

/** redirect back to the client (`CallbackDestination`), per response mode */
function callback(
  redirectUri: string,
  mode: GrantRow['responseMode'],
  params: Record<string, string>,
): Reply {
  if (mode === 'form_post') return formPostPage(redirectUri, params);
  const url = new URL(redirectUri);
  if (mode === 'fragment') url.hash = new URLSearchParams(params).toString();
  else for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
  return seeOther(url.href);
}

function addSession(
  app: MasApp,
  clientId: string,
  userId: string | null,
  browserSessionId: string | null,
  scope: string[],
): OAuthSessionRow {
  const session: OAuthSessionRow = {
    id: newUlid(),
    clientId,
    userId,
    browserSessionId,
    scope,
    createdAt: new Date(),
    finishedAt: null,
  };
  app.store.oauthSessions.set(session.id, session);
  return session;
}

function addAccessToken(app: MasApp, session: OAuthSessionRow) {
  const now = new Date();
  const row = {
    id: newUlid(),
    token: generateToken('mat'),
    sessionId: session.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + app.cfg.accessTokenTtl * 1000),
    revokedAt: null,
  };
  app.store.accessTokens.set(row.id, row);
  return row;
}

function addTokenPair(app: MasApp, session: OAuthSessionRow) {
  const access = addAccessToken(app, session);
  const refresh = {
    id: newUlid(),
    token: generateToken('mar'),
    sessionId: session.id,
    accessTokenId: access.id,
    createdAt: new Date(),
    consumedAt: null,
    nextId: null,
  };
  app.store.refreshTokens.set(refresh.id, refresh);
  return { access, refresh };
}

async function idToken(
  app: MasApp,
  client: ClientRow,
  user: UserRow,
  grant: GrantRow,
  accessToken: string,
): Promise<string | undefined> {
  const key = app.signingKeys.find((k) => k.alg === 'RS256') ?? app.signingKeys[0];
  if (!key) return undefined;
  const session = grant.browserSessionId ? app.store.browserSessions.get(grant.browserSessionId) : undefined;
  const claims: Record<string, unknown> = {
    auth_time: Math.floor((session?.createdAt ?? new Date()).getTime() / 1000),
    at_hash: tokenHash(key.alg, accessToken),
  };
  if (grant.nonce) claims.nonce = grant.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuer(app.issuer)
    .setSubject(user.sub)
    .setAudience(client.id)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key.privateKey);
}

async function authorizationCodeGrant(
  app: MasApp,
  req: Req,
  client: ClientRow,
  form: URLSearchParams,
): Promise<Reply> {
  const grant = app.store.grantByCode(form.get('code') ?? '');
  if (!grant) return oauthError(400, 'invalid_grant');
  const now = Date.now();
  if (grant.stage === 'exchanged') {
    app.logger.write(
      'WARN',
      'mas_handlers::oauth2::token',
      455,
      'Authorization code was already exchanged',
      {},
      req.log,
    );
    if (grant.exchangedAt && now - grant.exchangedAt.getTime() > 20_000 && grant.sessionId) {
      const session = app.store.oauthSessions.get(grant.sessionId);
      if (session) session.finishedAt = new Date();
    }
    return oauthError(400, 'invalid_grant');
  }
  if (grant.stage !== 'fulfilled') return oauthError(400, 'invalid_grant');
  if (grant.fulfilledAt && now - grant.fulfilledAt.getTime() > 10 * 60 * 1000)
    return oauthError(400, 'invalid_grant');
  if (grant.clientId !== client.id) return oauthError(401, 'unauthorized_client');
  const verifier = form.get('code_verifier');
  if (!!grant.codeChallenge !== !!verifier) return oauthError(400, 'invalid_request');
  if (grant.codeChallenge && verifier) {
    const computed = grant.codeChallenge.method === 'S256' ? sha256b64url(verifier) : verifier;
    if (computed !== grant.codeChallenge.challenge)
      return oauthError(400, 'invalid_grant', 'PKCE verification failed: code challenge verification failed');
  }
  const browser = grant.browserSessionId ? app.store.browserSessions.get(grant.browserSessionId) : undefined;
  if (!browser || browser.finishedAt) return oauthError(400, 'invalid_grant');
  const user = app.store.users.get(browser.userId);
  if (!user) return oauthError(500, 'server_error');
  const session = addSession(app, client.id, user.id, browser.id, grant.scope);
  const { access, refresh } = addTokenPair(app, session);
  const device = deviceOf(grant.scope);
  if (device) {
    try {
      await app.homeserver.upsertDevice(user.username, device, client.name ?? 'Matrix client');
    } catch (err) {
      app.logger.write(
        'ERROR',
        'mas_handlers::oauth2::token',
        208,
        'failed to provision device',
        { error: err as MasError },
        req.log,
      );
      return oauthError(500, 'server_error');
    }
  }
  grant.stage = 'exchanged';
  grant.exchangedAt = new Date();
  grant.sessionId = session.id;
  const id = grant.scope.includes('openid')
    ? await idToken(app, client, user, grant, access.token)
    : undefined;
  return json(200, {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: app.cfg.accessTokenTtl,
    refresh_token: refresh.token,
    scope: session.scope.join(' '),
    ...(id ? { id_token: id } : {}),
  });
}

function refreshTokenGrant(app: MasApp, req: Req, client: ClientRow, form: URLSearchParams): Reply {
  const refresh = app.store.refreshToken(form.get('refresh_token') ?? '');
  const warn = (message: string) =>
    fail(app, req, TOKEN, 'WARN', new MasError(message), 400, 'invalid_grant');
  if (!refresh) return warn('refresh token not found');
  const session = app.store.oauthSessions.get(refresh.sessionId);
  if (!session) return oauthError(500, 'server_error');
  if (session.finishedAt) return warn(`session ${session.id} is invalid`);
  if (session.clientId !== client.id)
    return warn(`client id mismatch: expected ${session.clientId}, got ${client.id}`);
  if (refresh.consumedAt) return warn(`refresh token ${refresh.id} is invalid`);
  const { access, refresh: next } = addTokenPair(app, session);
  refresh.consumedAt = new Date();
  refresh.nextId = next.id;
  const old = app.store.accessTokens.get(refresh.accessTokenId);
  if (old && !old.revokedAt) old.revokedAt = new Date();
  return json(200, {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: app.cfg.accessTokenTtl,
    refresh_token: next.token,
    scope: session.scope.join(' '),
  });
}

/** a valid access token with its session and (valid) user, for the userinfo endpoint */
function activeToken(app: MasApp, token: string) {
  const access = app.store.accessToken(token);
  if (!access || access.revokedAt || (access.expiresAt && access.expiresAt.getTime() <= Date.now()))
    return undefined;
  const session = app.store.oauthSessions.get(access.sessionId);
  if (!session || session.finishedAt) return undefined;
  const user = session.userId ? app.store.users.get(session.userId) : undefined;
  if (session.userId && (!user || user.lockedAt || user.deactivatedAt)) return undefined;
  return { access, session, user };
}

const INACTIVE = { active: false };

/** the introspection answer for a token (only OAuth 2.0 access and refresh tokens are emulated) */
function introspect(
  app: MasApp,
  token: string,
  hint: string | undefined,
): Record<string, unknown> | { inactive: MasError } {
  const inactive = (message: string, source?: string) => ({
    inactive: new MasError(message, source ? new MasError(source) : undefined),
  });
  const check = checkToken(token);
  if (!check.ok) return inactive('invalid token format', check.error);
  const kind = check.kind === 'mat' ? 'access_token' : check.kind === 'mar' ? 'refresh_token' : undefined;
  const names: Record<string, string> = {
    mct: 'compat access token',
    mcr: 'compat refresh token',
    mpt: 'personal access token',
  };
  if (!kind) return inactive(`unknown ${names[check.kind] ?? 'token'}`);
  if (hint && hint !== kind) return inactive('unexpected token type');
  const now = Date.now();
  if (kind === 'access_token') {
    const access = app.store.accessToken(token);
    if (!access) return inactive('unknown access token');
    if (access.revokedAt || (access.expiresAt && access.expiresAt.getTime() <= now))
      return inactive('access token is not valid');
    const session = app.store.oauthSessions.get(access.sessionId);
    if (!session || session.finishedAt) return inactive(`invalid oauth session ${access.sessionId}`);
    const user = session.userId ? app.store.users.get(session.userId) : undefined;
    if (session.userId && (!user || user.lockedAt || user.deactivatedAt))
      return inactive(`invalid user ${session.userId}`);
    return {
      active: true,
      scope: normalizeScope(session.scope).join(' '),
      client_id: session.clientId,
      ...(user ? { username: user.username } : {}),
      token_type: 'access_token',
      ...(access.expiresAt
        ? {
            exp: Math.floor(access.expiresAt.getTime() / 1000),
            expires_in: Math.floor((access.expiresAt.getTime() - now) / 1000),
          }
        : {}),
      iat: Math.floor(access.createdAt.getTime() / 1000),
      nbf: Math.floor(access.createdAt.getTime() / 1000),
      ...(user ? { sub: user.sub } : {}),
      jti: access.id,
    };
  }
  const refresh = app.store.refreshToken(token);
  if (!refresh) return inactive('unknown refresh token');
  if (refresh.consumedAt) return inactive('refresh token is not valid');
  const session = app.store.oauthSessions.get(refresh.sessionId);
  if (!session || session.finishedAt) return inactive(`invalid oauth session ${refresh.sessionId}`);
  const user = session.userId ? app.store.users.get(session.userId) : undefined;
  if (session.userId && (!user || user.lockedAt || user.deactivatedAt))
    return inactive(`invalid user ${session.userId}`);
  return {
    active: true,
    scope: normalizeScope(session.scope).join(' '),
    client_id: session.clientId,
    ...(user ? { username: user.username } : {}),
    token_type: 'refresh_token',
    iat: Math.floor(refresh.createdAt.getTime() / 1000),
    nbf: Math.floor(refresh.createdAt.getTime() / 1000),
    ...(user ? { sub: user.sub } : {}),
    jti: refresh.id,
  };
}
