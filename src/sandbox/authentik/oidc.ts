import { createHash, randomBytes } from 'node:crypto';
import { html, json, redirect, type Reply, type RequestContext, type Router } from '../http/server.js';
import { encode, idToken, issuer, jwtKey, providerScopes, scopeClaims, seconds } from './claims.js';
import { remember, type Ak, type Grant } from './context.js';
import { modelRef } from './events.js';
import { escapeHtml, FlowNonApplicable, page, type Executor } from './executor.js';
import { uuidHex } from './ids.js';
import { publicJwk } from './keys.js';
import { anonymousUser, nowIso, type ApplicationRec, type ProviderRec, type UserRec } from './model.js';
import { evaluateBindings } from './policy.js';
import { withSession, type AuthorizeParams, type Plan, type Session } from './session.js';

/**
 * Authentik's OAuth2/OpenID provider endpoints, mounted under /application/o/:
 * discovery and JWKS per application, the global authorize/token/userinfo endpoints, and
 * end-session. Each has its own fault group.
 */
export const GROUPS = {
  discovery: 'oidc-discovery',
  jwks: 'oidc-jwks',
  authorize: 'oidc-authorize',
  token: 'oidc-token',
  userinfo: 'oidc-userinfo',
  endSession: 'oidc-end-session',
} as const;

const notFoundPage = (): Reply =>
  html(404, page('Not Found', 'The requested resource was not found on this server.'));

/** `bad_request_message`: the page Authentik shows for errors it must not redirect with. */
function badRequestPage(title: string, message: string): Reply {
  return html(400, page(title, `<p>${escapeHtml(message)}</p>`));
}

const AUTHORIZE_ERRORS: Record<string, string> = {
  invalid_request: 'The request is otherwise malformed',
  unsupported_response_type:
    'The authorization server does not support obtaining an authorization code using this method',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed',
  login_required: 'The Authorization Server requires End-User authentication',
  request_not_supported: 'The provider does not support use of the request parameter',
  access_denied: 'The resource owner or authorization server denied the request',
};

const TOKEN_ERRORS: Record<string, string> = {
  invalid_request: 'The request is otherwise malformed',
  invalid_client:
    'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)',
  invalid_grant:
    'The provided authorization grant or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client',
  unauthorized_client: 'The authenticated client is not authorized to use this authorization grant type',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server',
  invalid_scope:
    'The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner',
};

const tokenError = (error: keyof typeof TOKEN_ERRORS): Reply =>
  json(
    400,
    { error, error_description: TOKEN_ERRORS[error] },
    { 'cache-control': 'no-store', pragma: 'no-cache' },
  );

/** Strict: exact string equality. Regex: Python's re.fullmatch. */
export function redirectAllowed(provider: ProviderRec, uri: string): { ok: boolean; badRegex: string[] } {
  const badRegex: string[] = [];
  for (const allowed of provider.redirect_uris) {
    if (allowed.redirect_uri_type === 'logout') continue;
    if (allowed.matching_mode === 'strict' && allowed.url === uri) return { ok: true, badRegex };
    if (allowed.matching_mode === 'regex') {
      try {
        if (new RegExp(`^(?:${allowed.url})$`).test(uri)) return { ok: true, badRegex };
      } catch {
        badRegex.push(allowed.url);
      }
    }
  }
  return { ok: false, badRegex };
}

function grantTypeOf(responseType: string): string | null {
  if (responseType === 'code') return 'authorization_code';
  if (responseType === 'id_token' || responseType === 'id_token token') return 'implicit';
  if (['code token', 'code id_token', 'code id_token token'].includes(responseType)) return 'hybrid';
  return null;
}

function withQuery(uri: string, params: Record<string, string>, fragment = false): string {
  if (fragment) {
    const base = uri.split('#')[0]!;
    return `${base}#${new URLSearchParams(params).toString()}`;
  }
  try {
    const u = new URL(uri);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  } catch {
    const q = new URLSearchParams(params).toString();
    return `${uri}${uri.includes('?') ? '&' : '?'}${q}`;
  }
}

export type Fulfillment =
  | { kind: 'redirect'; url: string }
  | { kind: 'autosubmit'; url: string; attrs: Record<string, string>; title: string };

/** OAuthFulfillmentStage: issue the code (and tokens for implicit/hybrid) and redirect. */
export async function fulfill(
  ak: Ak,
  ctx: RequestContext,
  session: Session,
  plan: Plan,
  user: UserRec,
): Promise<Fulfillment> {
  const { store } = ak;
  const params = plan.context.params!;
  const provider = store.providerByClientId(params.client_id)!;
  const app = store.applicationForProvider(provider.pk)!;
  const authTime = session.authTime ?? nowIso();
  const out: Record<string, string> = {};
  if (params.response_type.includes('code')) {
    const code = randomBytes(16).toString('hex');
    remember(ak.codes, {
      token: code,
      provider: provider.pk,
      user: user.pk,
      scope: params.scope,
      nonce: params.nonce,
      authTime,
      expires: Date.now() + seconds(provider.access_code_validity) * 1000,
      redirectUri: params.redirect_uri,
      codeChallenge: params.code_challenge,
      codeChallengeMethod: params.code_challenge ? (params.code_challenge_method ?? 'plain') : null,
    });
    out.code = code;
  }
  if (params.grant_type === 'implicit' || params.grant_type === 'hybrid') {
    const tokens = await issueTokens(
      ak,
      ctx,
      provider,
      user,
      params.scope,
      params.nonce,
      authTime,
      session.authMethod,
    );
    if (params.response_type.includes('token')) {
      out.access_token = tokens.access_token;
      out.token_type = 'bearer';
      out.expires_in = String(tokens.expires_in);
    }
    if (params.response_type.includes('id_token')) out.id_token = tokens.id_token;
  }
  if (params.state) out.state = params.state;
  const flow = store.data.flows[plan.flow];
  ak.events.record(
    'authorize_application',
    {
      authorized_application: modelRef('authentik_core', 'application', app.pk, app.name),
      flow: flow ? uuidHex(flow.pk) : null,
      scopes: params.scope.join(' '),
    },
    { user, ctx, app: 'authentik.providers.oauth2.views.authorize' },
  );
  if (params.response_mode === 'form_post')
    return {
      kind: 'autosubmit',
      url: params.redirect_uri,
      attrs: out,
      title: `Redirecting to ${app.name}...`,
    };
  return { kind: 'redirect', url: withQuery(params.redirect_uri, out, params.response_mode === 'fragment') };
}

async function issueTokens(
  ak: Ak,
  ctx: RequestContext,
  provider: ProviderRec,
  user: UserRec,
  scope: string[],
  nonce: string | null,
  authTime: string,
  authMethod: string | undefined,
): Promise<{
  access_token: string;
  id_token: string;
  refresh_token?: string;
  expires_in: number;
}> {
  const expiresIn = Math.floor(seconds(provider.access_token_validity));
  const exp = Math.floor(Date.now() / 1000) + expiresIn;
  const payload = idToken(
    ak,
    provider,
    user,
    {
      scopes: scope,
      nonce,
      authTime,
      origin: ctx.origin,
      expires: exp,
      amr: authMethod === 'password' ? ['pwd'] : [],
    },
    ctx,
  );
  const id_token = await encode(ak.store, provider, payload);
  const access_token = await encode(ak.store, provider, {
    ...payload,
    azp: provider.client_id,
    uid: randomBytes(20).toString('hex'),
  });
  const grant: Grant = {
    token: access_token,
    provider: provider.pk,
    user: user.pk,
    scope,
    nonce,
    authTime,
    expires: exp * 1000,
    idTokenSub: String(payload.sub),
  };
  remember(ak.accessTokens, grant);
  let refresh_token: string | undefined;
  if (scope.includes('offline_access')) {
    refresh_token = randomBytes(48).toString('base64url');
    remember(ak.refreshTokens, {
      ...grant,
      token: refresh_token,
      expires: Date.now() + seconds(provider.refresh_token_validity) * 1000,
    });
  }
  return { access_token, id_token, refresh_token, expires_in: expiresIn };
}

export class Oidc {
  constructor(
    private readonly ak: Ak,
    private readonly executor: Executor,
  ) {}

  register(router: Router): void {
    router.on(['GET', 'POST'], '/application/o/authorize/', GROUPS.authorize, (ctx) => this.authorize(ctx));
    router.on('POST', '/application/o/token/', GROUPS.token, (ctx) => this.token(ctx));
    router.on(['GET', 'POST'], '/application/o/userinfo/', GROUPS.userinfo, (ctx) => this.userinfo(ctx));
    router.on('POST', '/application/o/introspect/', GROUPS.token, (ctx) => this.introspect(ctx));
    router.on('POST', '/application/o/revoke/', GROUPS.token, (ctx) => this.revoke(ctx));
    router.on('GET', '/application/o/:slug/.well-known/openid-configuration', GROUPS.discovery, (ctx) =>
      this.discovery(ctx),
    );
    router.on('GET', '/application/o/:slug/jwks/', GROUPS.jwks, (ctx) => this.jwks(ctx));
    router.on(['GET', 'POST'], '/application/o/:slug/end-session/', GROUPS.endSession, (ctx) =>
      this.endSession(ctx),
    );
    router.on('GET', '/application/o/:slug/', GROUPS.discovery, (ctx) => {
      const app = this.ak.store.applicationBySlug(ctx.params.slug!);
      if (!app) return notFoundPage();
      return redirect(`/application/o/${app.slug}/.well-known/openid-configuration`);
    });
  }

  private appProvider(slug: string): { app: ApplicationRec; provider: ProviderRec } | undefined {
    const app = this.ak.store.applicationBySlug(slug);
    const provider = app?.provider != null ? this.ak.store.data.providers[app.provider] : undefined;
    return app && provider ? { app, provider } : undefined;
  }

  // --- discovery and keys ---------------------------------------------------------------------

  private discovery(ctx: RequestContext): Reply {
    const found = this.appProvider(ctx.params.slug!);
    if (!found) return notFoundPage();
    const { app, provider } = found;
    const { store } = this.ak;
    const o = ctx.origin;
    const scopes = providerScopes(store, provider);
    if (!scopes.includes('openid')) scopes.push('openid');
    const claims = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr', 'nonce'];
    const sorted = provider.property_mappings
      .map((pk) => store.data.mappings[pk])
      .filter((m) => m !== undefined)
      .sort((a, b) => a!.scope_name.localeCompare(b!.scope_name));
    const anon = anonymousUser();
    for (const m of sorted) {
      if (!m) continue;
      const value = scopeClaims(this.ak, { ...provider, property_mappings: [m.pk] }, anon, [m.scope_name]);
      claims.push(...Object.keys(value));
    }
    const body = {
      issuer: issuer(store, provider, o),
      authorization_endpoint: `${o}/application/o/authorize/`,
      token_endpoint: `${o}/application/o/token/`,
      userinfo_endpoint: `${o}/application/o/userinfo/`,
      end_session_endpoint: `${o}/application/o/${app.slug}/end-session/`,
      introspection_endpoint: `${o}/application/o/introspect/`,
      revocation_endpoint: `${o}/application/o/revoke/`,
      device_authorization_endpoint: `${o}/application/o/device/`,
      response_types_supported: [
        'code',
        'id_token',
        'id_token token',
        'code token',
        'code id_token',
        'code id_token token',
      ],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      jwks_uri: `${o}/application/o/${app.slug}/jwks/`,
      grant_types_supported: [
        'authorization_code',
        'refresh_token',
        'implicit',
        'client_credentials',
        'password',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      id_token_signing_alg_values_supported: [jwtKey(store, provider).alg],
      subject_types_supported: ['public'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      acr_values_supported: ['goauthentik.io/providers/oauth2/default'],
      scopes_supported: scopes,
      request_parameter_supported: false,
      claims_supported: claims,
      claims_parameter_supported: false,
      code_challenge_methods_supported: ['plain', 'S256'],
    };
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body, null, 2),
    };
  }

  private jwks(ctx: RequestContext): Reply {
    const found = this.appProvider(ctx.params.slug!);
    if (!found) return notFoundPage();
    const key = found.provider.signing_key ? this.ak.store.keys.get(found.provider.signing_key) : undefined;
    return json(200, { keys: key ? [publicJwk(key)] : [] }, { 'access-control-allow-origin': '*' });
  }

  // --- authorize -------------------------------------------------------------------------------

  private async authorize(ctx: RequestContext): Promise<Reply> {
    const { store, events, sessions } = this.ak;
    const q = ctx.method === 'POST' ? await ctx.form() : ctx.query;
    if ([...q.keys()].length === 0) return notFoundPage();
    const session = sessions.get(ctx, true);
    const user = sessions.user(session);
    const get = (k: string) => q.get(k);
    const clientId = get('client_id') ?? '';
    const provider = store.providerByClientId(clientId);
    if (!provider) {
      events.line('WARN', 'authentik.providers.oauth2.views.authorize', 'Invalid client identifier', {
        client_id: clientId,
      });
      return withSession(
        badRequestPage('Client ID Error', 'The client identifier (client_id) is missing or invalid.'),
        session,
      );
    }
    const redirectUri = get('redirect_uri') ?? '';
    const allowed = provider.redirect_uris.filter((r) => r.redirect_uri_type !== 'logout');
    const match = redirectUri ? redirectAllowed(provider, redirectUri) : { ok: false, badRegex: [] };
    for (const bad of match.badRegex)
      events.record(
        'configuration_error',
        {
          message: 'Invalid redirect_uri configured',
          provider: modelRef('authentik_providers_oauth2', 'oauth2provider', provider.pk, provider.name),
          url: bad,
        },
        { user, ctx, app: 'authentik.providers.oauth2.views.authorize' },
      );
    if (!match.ok) {
      events.line('WARN', 'authentik.providers.oauth2.views.authorize', 'Invalid redirect uri', {
        redirect_uri: redirectUri,
        expected: allowed,
      });
      events.record(
        'configuration_error',
        {
          message:
            `Invalid redirect URI was used. Client used '${redirectUri}'. ` +
            `Allowed redirect URIs are ${allowed.map((a) => a.url).join(',')}`,
          provider: modelRef('authentik_providers_oauth2', 'oauth2provider', provider.pk, provider.name),
          redirect_uri: redirectUri,
          expected: allowed,
        },
        { user, ctx, app: 'authentik.providers.oauth2.views.authorize' },
      );
      return withSession(
        badRequestPage(
          'Redirect URI Error',
          'The request fails due to a missing, invalid, or mismatching redirection URI (redirect_uri).',
        ),
        session,
      );
    }
    const state = get('state');
    const responseType = get('response_type') ?? '';
    const grantType = grantTypeOf(responseType);
    const fail = (error: string, description?: string, fragment = false): Reply => {
      const params: Record<string, string> = {
        error,
        error_description: description ?? AUTHORIZE_ERRORS[error] ?? error,
      };
      if (state) params.state = state;
      return withSession(redirect(withQuery(redirectUri, params, fragment)), session);
    };
    if (!grantType) return fail('unsupported_response_type');
    const fragment = grantType !== 'authorization_code';
    let responseMode = get('response_mode') ?? '';
    if (!['query', 'fragment', 'form_post'].includes(responseMode))
      responseMode = fragment ? 'fragment' : 'query';
    const available = providerScopes(store, provider);
    let scope = (get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (scope.length === 0) scope = [...available];
    scope = [...new Set(scope.filter((s) => available.includes(s)))];
    const prompt = new Set(
      (get('prompt') ?? '').split(/\s+/).filter((p) => ['none', 'consent', 'login'].includes(p)),
    );
    if (!scope.includes('openid') && (grantType === 'hybrid' || responseType.startsWith('id_token')))
      return fail('invalid_scope', undefined, fragment);
    if (scope.includes('offline_access')) {
      if (!responseType.startsWith('code')) scope = scope.filter((s) => s !== 'offline_access');
      else prompt.add('consent');
    }
    const nonce = get('nonce');
    if (
      !nonce &&
      scope.includes('openid') &&
      responseType.includes('id_token') &&
      grantType !== 'authorization_code'
    )
      return fail('invalid_request', undefined, fragment);
    const challenge = get('code_challenge');
    const method = get('code_challenge_method') ?? 'plain';
    if (challenge && !['plain', 'S256'].includes(method))
      return fail('invalid_request', `Unsupported challenge method ${method}`, fragment);
    if (get('request')) return fail('request_not_supported', undefined, fragment);
    if (prompt.has('none') && !user) return fail('login_required', undefined, fragment);
    const app = store.applicationForProvider(provider.pk);
    if (!app) return withSession(this.denied(ctx, user, ['Failed to resolve application']), session);
    const params: AuthorizeParams = {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: responseType,
      response_mode: responseMode,
      grant_type: grantType,
      scope,
      state,
      nonce,
      prompt: [...prompt],
      code_challenge: challenge,
      code_challenge_method: challenge ? method : null,
      max_age: get('max_age') ? Number(get('max_age')) : null,
    };
    const loginUrl = () => {
      session.applicationPre = app.pk;
      const next = `${ctx.url.pathname}?${q.toString()}`;
      return withSession(
        redirect(`/flows/-/default/authentication/?next=${encodeURIComponent(next)}`),
        session,
      );
    };
    if (!user) return loginUrl();
    if (params.max_age !== null && session.authTime) {
      if ((Date.now() - Date.parse(session.authTime)) / 1000 > params.max_age) return loginUrl();
    }
    const access = evaluateBindings(store, events, app.pk, app.policy_engine_mode, user, ctx);
    if (!access.passing) return withSession(this.denied(ctx, user, access.messages), session);
    const flow = store.data.flows[provider.authorization_flow];
    if (!flow) return withSession(this.denied(ctx, user, ['Flow does not apply to current user.']), session);
    let plan: Plan;
    try {
      plan = this.executor.plan(
        flow,
        user,
        {
          application: app.pk,
          params,
          consent_header: `You're about to sign into ${app.name}.`,
          // UserInfoView.get_scope_descriptions: the granted scopes' mappings with a description
          consent_permissions: provider.property_mappings
            .map((pk) => store.data.mappings[pk])
            .filter((m) => m !== undefined && scope.includes(m.scope_name) && m.description !== '')
            .sort((a, b) => a!.scope_name.localeCompare(b!.scope_name))
            .map((m) => ({ id: m!.scope_name, name: m!.description })),
        },
        ctx,
      );
    } catch (e) {
      if (e instanceof FlowNonApplicable) return withSession(this.denied(ctx, user, [e.message]), session);
      throw e;
    }
    const hasConsent = plan.entries.some(
      (e) =>
        e.kind === 'binding' &&
        store.data.stages[store.data.bindings[e.binding]?.stage ?? '']?.type === 'consent',
    );
    if (prompt.has('consent') && !hasConsent) plan.entries.push({ kind: 'consent-inmemory' });
    plan.entries.push({ kind: 'fulfillment' });
    if (plan.entries.length === 1) {
      // silent authorization (2024.12+): nothing to ask, straight back to the client
      const result = await fulfill(this.ak, ctx, session, plan, user);
      if (result.kind === 'redirect') return withSession(redirect(result.url), session);
    }
    session.plan = plan;
    session.get = [...q];
    return withSession(redirect(`/if/flow/${flow.slug}/?${q.toString()}`), session);
  }

  /** AccessDeniedResponse (policies/denied.html); messages are shown to superusers only. */
  private denied(ctx: RequestContext, user: UserRec | null, messages: string[]): Reply {
    void ctx;
    const showMessages = user && this.ak.store.isSuperuser(user) && messages.length;
    const list = showMessages
      ? `<em>Messages:</em><ul>${messages.map((m) => `<li>${escapeHtml(m)}</li>`).join('')}</ul>`
      : '';
    const who = user ? `<p>${escapeHtml(user.username)} <a href="/flows/-/cancel/">Not you?</a></p>` : '';
    return html(200, page('Permission denied', `${who}<p>Request has been denied.</p>${list}`));
  }

  // --- token -----------------------------------------------------------------------------------

  /** client_secret_basic (Authorization header) or client_secret_post (form fields) */
  private clientAuth(ctx: RequestContext, form: URLSearchParams): { clientId: string; clientSecret: string } {
    let clientId = form.get('client_id') ?? '';
    let clientSecret = form.get('client_secret') ?? '';
    const auth = ctx.headers.authorization;
    if (auth && /^basic\s/i.test(auth)) {
      const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0) {
        clientId = decodeURIComponent(decoded.slice(0, i));
        clientSecret = decodeURIComponent(decoded.slice(i + 1));
      }
    }
    return { clientId, clientSecret };
  }

  private async token(ctx: RequestContext): Promise<Reply> {
    const { store, events } = this.ak;
    const form = await ctx.form();
    const { clientId, clientSecret } = this.clientAuth(ctx, form);
    const provider = store.providerByClientId(clientId);
    if (!provider) return tokenError('invalid_client');
    const grantType = form.get('grant_type') ?? '';
    if (!provider.grant_types.includes(grantType)) return tokenError('invalid_grant');
    if (
      ['authorization_code', 'refresh_token'].includes(grantType) &&
      provider.client_type === 'confidential' &&
      clientSecret !== provider.client_secret
    ) {
      events.line('WARN', 'authentik.providers.oauth2.views.token', 'Invalid client secret', {
        client_id: provider.client_id,
      });
      return tokenError('invalid_client');
    }
    const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (grantType === 'authorization_code') return this.codeGrant(ctx, provider, form);
    if (grantType === 'refresh_token') return this.refreshGrant(ctx, provider, form, requested);
    return tokenError('unsupported_grant_type');
  }

  private async codeGrant(ctx: RequestContext, provider: ProviderRec, form: URLSearchParams): Promise<Reply> {
    const { store, events } = this.ak;
    const raw = form.get('code') ?? '';
    if (!raw) return tokenError('invalid_grant');
    const redirectUri = form.get('redirect_uri') ?? '';
    const match = redirectAllowed(provider, redirectUri);
    for (const bad of match.badRegex)
      events.record('configuration_error', {
        message: 'Invalid redirect_uri configured',
        provider: modelRef('authentik_providers_oauth2', 'oauth2provider', provider.pk, provider.name),
        url: bad,
      });
    if (!match.ok) {
      const allowed = provider.redirect_uris.filter((r) => r.redirect_uri_type !== 'logout');
      events.record(
        'configuration_error',
        {
          message: 'Invalid redirect URI used by provider',
          provider: modelRef('authentik_providers_oauth2', 'oauth2provider', provider.pk, provider.name),
          redirect_uri: redirectUri,
          expected: allowed,
        },
        { ctx, app: 'authentik.providers.oauth2.views.token' },
      );
      return tokenError('invalid_client');
    }
    const code = this.ak.codes.get(raw);
    if (!code || code.provider !== provider.pk) return tokenError('invalid_grant');
    if (code.used || code.expires < Date.now()) {
      this.ak.codes.delete(raw);
      return tokenError('invalid_grant');
    }
    if (code.codeChallenge) {
      const verifier = form.get('code_verifier');
      if (!verifier) return tokenError('invalid_grant');
      const expected =
        code.codeChallengeMethod === 'S256'
          ? createHash('sha256').update(verifier).digest('base64url')
          : verifier;
      if (expected !== code.codeChallenge) return tokenError('invalid_grant');
    }
    const user = store.data.users[code.user];
    const app = store.applicationForProvider(provider.pk);
    if (!user || !user.is_active || !app) return tokenError('invalid_grant');
    if (!evaluateBindings(store, events, app.pk, app.policy_engine_mode, user, ctx).passing)
      return tokenError('invalid_grant');
    code.used = true;
    this.ak.codes.delete(raw);
    const tokens = await issueTokens(
      this.ak,
      ctx,
      provider,
      user,
      code.scope,
      code.nonce,
      code.authTime,
      'password',
    );
    return this.tokenResponse(tokens, code.scope);
  }

  private async refreshGrant(
    ctx: RequestContext,
    provider: ProviderRec,
    form: URLSearchParams,
    requested: string[],
  ): Promise<Reply> {
    const raw = form.get('refresh_token') ?? '';
    const grant = this.ak.refreshTokens.get(raw);
    if (!grant || grant.provider !== provider.pk || grant.expires < Date.now())
      return tokenError('invalid_grant');
    const user = this.ak.store.data.users[grant.user];
    if (!user || !user.is_active) return tokenError('invalid_grant');
    const scope = requested.length ? requested.filter((s) => grant.scope.includes(s)) : grant.scope;
    this.ak.refreshTokens.delete(raw);
    const tokens = await issueTokens(
      this.ak,
      ctx,
      provider,
      user,
      scope,
      grant.nonce,
      grant.authTime,
      'password',
    );
    return this.tokenResponse(tokens, scope);
  }

  private tokenResponse(
    tokens: { access_token: string; id_token: string; refresh_token?: string; expires_in: number },
    scope: string[],
  ): Reply {
    const body: Record<string, unknown> = {
      access_token: tokens.access_token,
      token_type: 'Bearer',
      scope: scope.join(' '),
      expires_in: tokens.expires_in,
      id_token: tokens.id_token,
    };
    if (tokens.refresh_token) body.refresh_token = tokens.refresh_token;
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  /** RFC 7662 introspection: the client must authenticate and own the token. */
  private async introspect(ctx: RequestContext): Promise<Reply> {
    const form = await ctx.form();
    const { clientId, clientSecret } = this.clientAuth(ctx, form);
    const provider = this.ak.store.providerByClientId(clientId);
    if (!provider || (provider.client_type === 'confidential' && clientSecret !== provider.client_secret))
      return json(200, { active: false });
    const raw = form.get('token') ?? '';
    const grant = this.ak.accessTokens.get(raw) ?? this.ak.refreshTokens.get(raw);
    if (!grant || grant.provider !== provider.pk || grant.expires < Date.now())
      return json(200, { active: false });
    const user = this.ak.store.data.users[grant.user];
    return json(200, {
      active: true,
      scope: grant.scope.join(' '),
      client_id: provider.client_id,
      sub: grant.idTokenSub,
      exp: Math.floor(grant.expires / 1000),
      iss: issuer(this.ak.store, provider, ctx.origin),
      aud: provider.client_id,
      username: user?.username,
    });
  }

  /** RFC 7009 revocation: always 200, the token stops working. */
  private async revoke(ctx: RequestContext): Promise<Reply> {
    const form = await ctx.form();
    const { clientId, clientSecret } = this.clientAuth(ctx, form);
    const provider = this.ak.store.providerByClientId(clientId);
    if (!provider || (provider.client_type === 'confidential' && clientSecret !== provider.client_secret))
      return tokenError('invalid_client');
    const raw = form.get('token') ?? '';
    for (const table of [this.ak.accessTokens, this.ak.refreshTokens])
      if (table.get(raw)?.provider === provider.pk) table.delete(raw);
    return { status: 200 };
  }

  // --- userinfo --------------------------------------------------------------------------------

  private async userinfo(ctx: RequestContext): Promise<Reply> {
    const auth = ctx.headers.authorization;
    let raw = auth && /^bearer\s/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : '';
    if (!raw)
      raw =
        ctx.query.get('access_token') ??
        (ctx.method === 'POST' ? ((await ctx.form()).get('access_token') ?? '') : '');
    const bearerError = (error: string, description: string, status: number): Reply => ({
      status,
      headers: { 'www-authenticate': `error="${error}", error_description="${description}"` },
    });
    if (!raw) return bearerError('invalid_request', 'The request is otherwise malformed', 400);
    const grant = this.ak.accessTokens.get(raw);
    if (!grant || grant.expires < Date.now())
      return bearerError(
        'invalid_token',
        'The access token provided is expired, revoked, malformed, or invalid for other reasons',
        401,
      );
    if (!grant.scope.includes('openid'))
      return bearerError(
        'insufficient_scope',
        'The request requires higher privileges than provided by the access token',
        403,
      );
    const provider = this.ak.store.data.providers[grant.provider];
    const user = this.ak.store.data.users[grant.user];
    if (!provider || !user)
      return bearerError(
        'invalid_token',
        'The access token provided is expired, revoked, malformed, or invalid for other reasons',
        401,
      );
    const claims: Record<string, unknown> = { ...scopeClaims(this.ak, provider, user, grant.scope, ctx) };
    claims.sub = grant.idTokenSub;
    if (grant.nonce) claims.nonce = grant.nonce;
    return json(200, claims, { 'access-control-allow-origin': '*' });
  }

  // --- end session -----------------------------------------------------------------------------

  private endSession(ctx: RequestContext): Reply {
    const found = this.appProvider(ctx.params.slug!);
    if (!found) return notFoundPage();
    const session = this.ak.sessions.get(ctx, true);
    const user = this.ak.sessions.user(session);
    if (user) this.ak.events.record('logout', {}, { user, ctx });
    session.user = null;
    session.authTime = null;
    const target = ctx.query.get('post_logout_redirect_uri');
    const allowedLogout = found.provider.redirect_uris.some(
      (r) =>
        r.redirect_uri_type === 'logout' &&
        (r.matching_mode === 'strict' ? r.url === target : safeFullMatch(r.url, target ?? '')),
    );
    if (target && allowedLogout) return withSession(redirect(target), session);
    const flow = this.ak.store.data.flows[found.provider.invalidation_flow];
    return withSession(redirect(flow ? `/if/flow/${flow.slug}/` : '/'), session);
  }
}

function safeFullMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}
