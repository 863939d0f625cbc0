import type { Reply, Router } from '../../http/server.js';
import type { MasApp, Req } from '../app.js';
import type { ImportPreference, ProviderConfig } from '../config/types.js';
import { debugStr, generic, internal, MasError, RouteFailure } from '../errors.js';
import {
  accountInactivePage,
  errorPage,
  formPostPage,
  suggestLinkPage,
  upstreamRegisterPage,
  type RegisterField,
} from '../pages.js';
import { evaluateRegister, formatResult } from '../policy.js';
import type { PostAuthAction, UpstreamSessionRow, UserRow } from '../store.js';
import { buildContext, renderTemplate } from '../templates.js';
import {
  checkNonce,
  checkTokenHash,
  fetchJwks,
  fetchUserinfo,
  ProviderInfos,
  requestAccessToken,
  verifyIdToken,
  type PublicJwk,
} from '../upstream/oidc.js';
import { newUlid, randomAlnum, sha256b64url } from '../util.js';
import {
  badPath,
  loadUpstreamCookie,
  pathUlid,
  postAuthActionFrom,
  saveUpstreamCookie,
  seeOther,
  temporary,
} from './common.js';
import { mount } from './mount.js';

const DEFAULT_LOCALPART = '{{ user.preferred_username }}';
const DEFAULT_DISPLAYNAME = '{{ user.name }}';
const DEFAULT_EMAIL = '{{ user.email }}';
const LINK_TARGET = 'mas_handlers::upstream_oauth2::link';

const ignore = (p: ImportPreference) => p.action === 'ignore';
const required = (p: ImportPreference) => p.action === 'require';
const forcedOrRequired = (p: ImportPreference) => p.action === 'force' || p.action === 'require';
/** `should_import`: suggestions follow the user's choice, force/require always import */
const shouldImport = (p: ImportPreference, userChoice: boolean) =>
  p.action === 'ignore' ? false : p.action === 'suggest' ? userChoice : true;

/** `render_attribute_template` (link.rs L166-204) */
function renderAttribute(
  app: MasApp,
  req: Req,
  template: string,
  context: Record<string, unknown>,
  isRequired: boolean,
): string | undefined {
  const result = renderTemplate(template, context);
  if (result.ok) {
    if (result.value === '') {
      if (isRequired)
        throw generic(500, new MasError(`Template ${debugStr(template)} rendered to an empty string`));
      return undefined;
    }
    return result.value;
  }
  if (isRequired)
    throw generic(
      500,
      new MasError(
        `Template ${debugStr(template)} could not be rendered from the upstream provider's response for required claim`,
        result.error,
      ),
    );
  app.logger.write(
    'WARN',
    LINK_TARGET,
    201,
    'Error while rendering template',
    { error: result.error, template },
    req.log,
  );
  return undefined;
}

function sessionContext(session: UpstreamSessionRow): Record<string, unknown> {
  return buildContext({
    idTokenClaims: session.idTokenClaims,
    userinfoClaims: session.userinfo,
    extraCallbackParameters: session.extraCallbackParameters,
  });
}

export function mountUpstream(router: Router, app: MasApp): void {
  // GET /upstream/authorize/:provider_id (authorize.rs)
  mount(router, app, 'GET', '/upstream/authorize/:id', 'human', 'human', async (req) => {
    const id = pathUlid(req.ctx.params.id);
    if (!id) return badPath(req.ctx.params.id);
    const row = app.enabledProvider(id);
    if (!row) throw generic(404, 'Provider not found');
    const provider = row.config;
    const infos = new ProviderInfos(app.metadata, provider);
    await infos.maybeDiscover();
    const redirectUri = app.url(`/upstream/callback/${provider.id}`);
    const postAuthAction = postAuthActionFrom(req.ctx.query);
    const state = randomAlnum(16);
    const nonce = randomAlnum(16);
    const pkce = await infos.pkceMethods();
    const url = new URL(await infos.authorizationEndpoint());
    url.searchParams.append('response_type', 'code');
    url.searchParams.append('client_id', provider.clientId);
    url.searchParams.append('redirect_uri', redirectUri);
    url.searchParams.append('scope', provider.scope);
    url.searchParams.append('state', state);
    if (provider.responseMode) url.searchParams.append('response_mode', provider.responseMode);
    url.searchParams.append('nonce', nonce);
    let verifier: string | undefined;
    if (pkce?.includes('S256')) {
      verifier = randomAlnum(43);
      url.searchParams.append('code_challenge', sha256b64url(verifier));
      url.searchParams.append('code_challenge_method', 'S256');
    }
    // additional_authorization_parameters: MiniJinja templates over the downstream request
    const grant =
      postAuthAction?.kind === 'continue_authorization_grant'
        ? app.store.grants.get(postAuthAction.id)
        : undefined;
    const params: Record<string, string> = {};
    if (grant?.loginHint) params.login_hint = grant.loginHint;
    for (const [key, template] of provider.additionalAuthorizationParameters) {
      const rendered = renderTemplate(template, { params, logged_out: false });
      if (!rendered.ok) {
        app.logger.write(
          'WARN',
          'mas_handlers::upstream_oauth2::authorize',
          230,
          'Failed to render additional authorization parameter',
          { 'upstream_oauth_provider.id': provider.id, key, error: rendered.error },
          req.log,
        );
        continue;
      }
      if (rendered.value !== '') url.searchParams.append(key, rendered.value);
    }
    const session: UpstreamSessionRow = {
      id: newUlid(),
      providerId: provider.id,
      state,
      nonce,
      codeVerifier: verifier,
      createdAt: new Date(),
    };
    app.store.upstreamSessions.set(session.id, session);
    const entries = loadUpstreamCookie(app, req);
    entries.push({
      session: session.id,
      provider: provider.id,
      state,
      link: null,
      post_auth_action: postAuthAction ?? null,
    });
    saveUpstreamCookie(app, req, entries);
    return temporary(url.href);
  });

  // GET|POST /upstream/callback/:provider_id (callback.rs)
  mount(router, app, ['GET', 'POST'], '/upstream/callback/:id', 'human', 'human', async (req) => {
    const id = pathUlid(req.ctx.params.id);
    if (!id) return badPath(req.ctx.params.id);
    const row = app.enabledProvider(id);
    if (!row) throw generic(404, 'Provider not found');
    const provider = row.config;
    const params = req.ctx.method === 'POST' ? await req.ctx.form() : req.ctx.query;
    const entries = loadUpstreamCookie(app, req);
    const known = ['state', 'code', 'error', 'error_description', 'error_uri', 'did_mas_repost_to_itself'];
    if (!['state', 'code', 'error', 'error_description', 'error_uri'].some((k) => params.has(k)))
      throw generic(400, req.ctx.method === 'GET' ? 'Missing query parameters' : 'Missing form parameters');
    const method = req.ctx.method;
    if (method === 'POST' && provider.responseMode !== 'query') {
      if (entries.length === 0 && params.get('did_mas_repost_to_itself') !== 'true') {
        const repost: Record<string, string> = { did_mas_repost_to_itself: 'true' };
        for (const [k, v] of params) if (k !== 'did_mas_repost_to_itself') repost[k] = v;
        return formPostPage(req.ctx.url.pathname, repost);
      }
    } else if (!(
      provider.responseMode === undefined ||
      (provider.responseMode === 'query' && method === 'GET')
    ))
      throw generic(400, `Invalid response mode, expected '${provider.responseMode}'`);
    const error = params.get('error');
    if (error) throw generic(400, `Error from the provider: ${error}`);
    const state = params.get('state');
    if (!state) throw generic(400, 'Missing state parameter');
    const entry = entries.find((e) => e.provider === provider.id && e.state === state && !e.link);
    if (!entry) throw generic(400, 'Missing session cookie');
    const session = app.store.upstreamSessions.get(entry.session);
    if (!session) throw generic(404, 'Session not found');
    if (session.providerId !== provider.id) throw generic(400, 'Provider mismatch');
    if (session.state !== state) throw generic(400, 'State parameter mismatch');
    if (session.completedAt) throw generic(400, 'Session already completed');
    const code = params.get('code');
    if (!code) throw generic(400, 'Missing code parameter');

    const infos = new ProviderInfos(app.metadata, provider);
    const http = app.httpOptions();
    const tokenEndpoint = await infos.tokenEndpoint();
    const tokenParams: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.url(`/upstream/callback/${provider.id}`),
    };
    if (session.codeVerifier) tokenParams.code_verifier = session.codeVerifier;
    const tokens = await requestAccessToken(provider, tokenEndpoint, tokenParams, http, app.cfg.secrets.keys);

    let jwks: PublicJwk[] | undefined;
    let idTokenClaims: Record<string, unknown> | undefined;
    if (tokens.id_token) {
      jwks = await fetchJwks(await infos.jwksUri(), http);
      const verified = await verifyIdToken(tokens.id_token, {
        issuer: provider.issuer,
        jwks,
        clientId: provider.clientId,
        alg: provider.idTokenSignedResponseAlg,
      });
      checkTokenHash(verified.claims, 'at_hash', provider.idTokenSignedResponseAlg, tokens.access_token);
      checkTokenHash(verified.claims, 'c_hash', provider.idTokenSignedResponseAlg, code);
      checkNonce(verified.claims, session.nonce);
      // the session keeps every claim; the callback's own template context lacks the three
      // claims the extractors above consumed (callback.rs L346-374)
      session.idTokenClaims = { ...verified.claims };
      idTokenClaims = { ...verified.claims };
      for (const claim of ['at_hash', 'c_hash', 'nonce']) delete idTokenClaims[claim];
    }
    const extra: Record<string, unknown> = {};
    for (const [k, v] of params) if (!known.includes(k)) extra[k] = v;
    let userinfo: Record<string, unknown> | undefined;
    if (provider.fetchUserinfo) {
      const endpoint = await infos.userinfoEndpoint();
      userinfo = await fetchUserinfo(
        endpoint,
        tokens.access_token,
        http,
        provider.userinfoSignedResponseAlg
          ? {
              issuer: provider.issuer,
              clientId: provider.clientId,
              alg: provider.userinfoSignedResponseAlg,
              jwks: async () => jwks ?? (await fetchJwks(await infos.jwksUri(), http)),
            }
          : undefined,
      );
    }
    const context = buildContext({
      idTokenClaims,
      userinfoClaims: userinfo,
      extraCallbackParameters: Object.keys(extra).length ? extra : undefined,
    });
    const subjectTemplate = provider.claimsImports.subject.template ?? '{{ user.sub }}';
    const subject = renderTemplate(subjectTemplate, context);
    if (!subject.ok)
      throw generic(400, new MasError('Could not extract subject from ID token', subject.error));
    if (subject.value === '') throw generic(400, 'Subject is empty');

    let link = app.store.linkBySubject(provider.id, subject.value);
    if (!link) {
      let humanAccountName: string | null = null;
      const tpl = provider.claimsImports.accountName.template;
      if (tpl) {
        const rendered = renderTemplate(tpl, context);
        if (rendered.ok) humanAccountName = rendered.value;
        else
          app.logger.write(
            'WARN',
            'mas_handlers::upstream_oauth2::callback',
            426,
            'Failed to render account name',
            { error: rendered.error },
            req.log,
          );
      }
      link = app.store.addLink(provider.id, subject.value, humanAccountName);
    }
    session.completedAt = new Date();
    session.linkId = link.id;
    session.idToken = tokens.id_token;
    session.userinfo = userinfo;
    session.extraCallbackParameters = Object.keys(extra).length ? extra : undefined;
    entry.link = link.id;
    saveUpstreamCookie(app, req, entries);
    return seeOther(app.relative(`/upstream/link/${link.id}`));
  });

  mount(router, app, 'GET', '/upstream/link/:id', 'human', 'human', (req) => linkErrors(linkGet(app, req)));
  mount(router, app, 'POST', '/upstream/link/:id', 'human', 'human', (req) => linkErrors(linkPost(app, req)));
}

/**
 * The link route answers every error with a `GenericError` (404 for an unknown link, 500
 * otherwise) after `record_error!` (link.rs L141): ERROR for server-side failures, WARN for the
 * user's own mistakes.
 */
async function linkErrors(result: Promise<Reply>): Promise<Reply> {
  try {
    return await result;
  } catch (err) {
    if (!(err instanceof RouteFailure)) throw err;
    const message = err.error.message;
    const userError =
      message === 'Link not found' ||
      message === 'Missing session cookie' ||
      message === 'Invalid form action' ||
      /^Session \w+ already consumed$/.test(message);
    err.record = { target: LINK_TARGET, line: 141, level: userError ? 'WARN' : 'ERROR' };
    err.kind = 'generic';
    err.status = message === 'Link not found' ? 404 : 500;
    throw err;
  }
}

interface LinkState {
  entries: ReturnType<typeof loadUpstreamCookie>;
  entry: ReturnType<typeof loadUpstreamCookie>[number];
  link: NonNullable<ReturnType<MasApp['store']['links']['get']>>;
  session: UpstreamSessionRow;
  postAuthAction: PostAuthAction | undefined;
}

function loadLinkState(app: MasApp, req: Req): LinkState {
  const linkId = pathUlid(req.ctx.params.id) ?? '';
  const entries = loadUpstreamCookie(app, req);
  const entry = entries.find((e) => e.link === linkId);
  if (!entry) throw generic(500, 'Missing session cookie');
  const link = app.store.links.get(linkId);
  if (!link) throw generic(404, 'Link not found');
  const session = app.store.upstreamSessions.get(entry.session);
  if (!session || session.linkId !== link.id) throw generic(500, `Session ${entry.session} not found`);
  if (session.consumedAt) throw generic(500, `Session ${entry.session} already consumed`);
  return { entries, entry, link, session, postAuthAction: entry.post_auth_action ?? undefined };
}

function consumeLink(app: MasApp, req: Req, state: LinkState): void {
  saveUpstreamCookie(
    app,
    req,
    state.entries.filter((e) => e !== state.entry),
  );
}

/** log the user in through the link (locked or deactivated users get the inactive page) */
function loginLinkedUser(app: MasApp, req: Req, state: LinkState, user: UserRow): Reply {
  if (user.deactivatedAt || user.lockedAt) return accountInactivePage(user.username, !!user.lockedAt);
  app.startBrowserSession(req, user.id);
  state.session.consumedAt = new Date();
  consumeLink(app, req, state);
  return seeOther(app.goNext(state.postAuthAction));
}

function providerName(p: ProviderConfig): string {
  return p.humanName ?? p.brandName ?? 'an upstream provider';
}

async function linkGet(app: MasApp, req: Req): Promise<Reply> {
  const state = loadLinkState(app, req);
  const { link, session } = state;
  const current = app.browserSession(req);
  const csrf = app.csrf(req);
  if (current && link.userId && current.user.id === link.userId) {
    session.consumedAt = new Date();
    consumeLink(app, req, state);
    return seeOther(app.goNext(state.postAuthAction));
  }
  if (current && link.userId) {
    const user = app.store.users.get(link.userId);
    if (!user) throw generic(500, `User ${link.userId} not found`);
    return errorPage(200, {
      code: 'Account mismatch',
      description: `This upstream account is linked to ${user.username}, but you are signed in as ${current.user.username}. Sign out first.`,
    });
  }
  if (current && !link.userId)
    return suggestLinkPage({ action: req.ctx.url.pathname, csrf, username: current.user.username });
  if (!current && link.userId) {
    const user = app.store.users.get(link.userId);
    if (!user) throw generic(500, `User ${link.userId} not found`);
    return loginLinkedUser(app, req, state, user);
  }

  // not linked, not logged in: registration, or on-the-fly linking per claims_imports
  const row = app.store.providers.get(link.providerId);
  if (!row) throw generic(500, `Upstream provider ${link.providerId} not found`);
  const provider = row.config;
  const ci = provider.claimsImports;
  const context = sessionContext(session);
  const displayname = ignore(ci.displayname)
    ? undefined
    : renderAttribute(
        app,
        req,
        ci.displayname.template ?? DEFAULT_DISPLAYNAME,
        context,
        required(ci.displayname),
      );
  const email = ignore(ci.email)
    ? undefined
    : renderAttribute(app, req, ci.email.template ?? DEFAULT_EMAIL, context, required(ci.email));

  const fields = { 'upstream_oauth_provider.id': provider.id, 'upstream_oauth_link.id': link.id };
  let localpart: string | undefined;
  localpartBlock: {
    if (ignore(ci.localpart)) break localpartBlock;
    const rendered = renderAttribute(
      app,
      req,
      ci.localpart.template ?? DEFAULT_LOCALPART,
      context,
      required(ci.localpart),
    );
    if (rendered === undefined) break localpartBlock;
    const forced = forcedOrRequired(ci.localpart);
    const existing = app.store.userByUsername(rendered);
    if (existing) {
      if (!forced) {
        app.logger.write(
          'WARN',
          LINK_TARGET,
          490,
          `Upstream provider returned a localpart ${debugStr(rendered)} which is already used by another user. As the username is just a suggestion, it was ignored.`,
          { ...fields, 'user.id': existing.id },
          req.log,
        );
        break localpartBlock;
      }
      switch (ci.localpart.onConflict) {
        case 'fail':
          app.logger.write(
            'WARN',
            LINK_TARGET,
            503,
            `Upstream provider returned a localpart ${debugStr(rendered)} which is already used by another user. Configuration doesn't allow for automatic linking of existing users.`,
            { ...fields, 'user.id': existing.id },
            req.log,
          );
          return errorPage(200, {
            code: 'User exists',
            description: `Upstream account provider returned ${debugStr(rendered)} as username, which is not linked to that upstream account. Your homeserver does not allow linking an upstream account to an existing account`,
          });
        case 'add':
          app.logger.write(
            'INFO',
            LINK_TARGET,
            529,
            `Upstream account mapped localpart ${debugStr(rendered)} matched an existing user, linking`,
            { 'user.id': existing.id, ...fields, 'upstream_oauth_link.subject': link.subject },
            req.log,
          );
          link.userId = existing.id;
          break;
        case 'replace': {
          const previous = app.store.linksOf(existing.id, provider.id);
          for (const l of previous) app.store.links.delete(l.id);
          if (previous.length > 0)
            app.logger.write(
              'WARN',
              LINK_TARGET,
              567,
              `Upstream account mapped localpart ${debugStr(rendered)} matched an existing user, replaced ${previous.length} links`,
              { 'user.id': existing.id, ...fields, 'upstream_oauth_link.subject': link.subject },
              req.log,
            );
          else
            app.logger.write(
              'INFO',
              LINK_TARGET,
              575,
              `Upstream account mapped localpart ${debugStr(rendered)} matched an existing user, linking`,
              { 'user.id': existing.id, ...fields, 'upstream_oauth_link.subject': link.subject },
              req.log,
            );
          link.userId = existing.id;
          break;
        }
        case 'set': {
          const count = app.store.linksOf(existing.id, provider.id).length;
          if (count > 0) {
            app.logger.write(
              'WARN',
              LINK_TARGET,
              600,
              `Upstream provider returned a localpart ${debugStr(rendered)} matching an existing user who already has ${count} link(s) to this provider, which isn't allowed by the conflict resolution`,
              { ...fields, 'user.id': existing.id },
              req.log,
            );
            return errorPage(200, {
              code: 'User exists',
              description: `Upstream account provider returned ${debugStr(rendered)} as username, but this user already has an existing link to this provider. Your homeserver does not allow replacing upstream account links automatically.`,
            });
          }
          link.userId = existing.id;
          break;
        }
      }
      return loginLinkedUser(app, req, state, existing);
    }

    // the policy, on the username only at this point
    const res = evaluateRegister(
      { username: rendered, email, registrationMethod: 'upstream-oauth2' },
      { ...app.cfg.policy.data, server_name: app.cfg.matrix.homeserver },
    );
    if (res.violations.some((v) => v.field === 'username')) {
      if (!forced) {
        app.logger.write(
          'WARN',
          LINK_TARGET,
          714,
          `Upstream provider returned a localpart ${debugStr(rendered)} which was denied by the policy (${formatResult(res)}). As the username is just a suggestion, it was ignored.`,
          fields,
          req.log,
        );
        break localpartBlock;
      }
      return errorPage(200, {
        code: 'Policy error',
        description: `Upstream account provider returned ${debugStr(rendered)} as username, which does not pass the policy check: ${formatResult(res)}`,
      });
    }

    let available: boolean;
    try {
      available = await app.homeserver.isLocalpartAvailable(rendered, req.log);
    } catch (err) {
      throw generic(500, new MasError('Homeserver connection error', err as MasError));
    }
    if (!available) {
      if (!forced) {
        app.logger.write(
          'WARN',
          LINK_TARGET,
          748,
          `Upstream provider returned a localpart ${debugStr(rendered)} which isn't available on the homeserver. As the username is just a suggestion, it was ignored.`,
          fields,
          req.log,
        );
        break localpartBlock;
      }
      return errorPage(200, {
        code: 'Localpart not available',
        description: `Localpart ${debugStr(rendered)} is not available on this homeserver`,
      });
    }
    localpart = rendered;
  }

  if (ci.skipConfirmation) {
    if (localpart === undefined)
      throw internal(
        new MasError(
          'No localpart available even though the provider is configured to skip confirmation, this is a bug!',
        ),
      );
    const registration = prepareRegistration(app, state, localpart, displayname, email);
    return finishLinkRegistration(app, req, state, registration.id);
  }

  const field = (value: string | undefined, p: ImportPreference): RegisterField | undefined =>
    value === undefined ? undefined : { value, forced: forcedOrRequired(p) };
  return upstreamRegisterPage({
    action: req.ctx.url.pathname,
    csrf,
    providerName: providerName(provider),
    localpart: field(localpart, ci.localpart),
    displayname: field(displayname, ci.displayname),
    email: field(email, ci.email),
    tosUri: app.cfg.branding.tosUri,
  });
}

function prepareRegistration(
  app: MasApp,
  state: LinkState,
  username: string,
  displayName: string | undefined,
  email: string | undefined,
) {
  const registration = {
    id: newUlid(),
    username,
    displayName,
    email,
    upstreamSessionId: state.session.id,
    postAuthAction: state.postAuthAction,
    termsUrl: undefined as string | undefined,
    createdAt: new Date(),
  };
  app.store.registrations.set(registration.id, registration);
  return registration;
}

function finishLinkRegistration(app: MasApp, req: Req, state: LinkState, registrationId: string): Reply {
  consumeLink(app, req, state);
  const registrations = app.readCookie<string[]>(req, 'user-registration-sessions') ?? [];
  app.writeCookie(req, 'user-registration-sessions', [...registrations, registrationId]);
  return seeOther(app.relative(`/register/steps/${registrationId}/finish`));
}

async function linkPost(app: MasApp, req: Req): Promise<Reply> {
  const form = await req.ctx.form();
  app.verifyCsrf(req, form);
  const state = loadLinkState(app, req);
  const { link, session } = state;
  const current = app.browserSession(req);
  const action = form.get('action');
  if (current && !link.userId && action === 'link') {
    link.userId = current.user.id;
    session.consumedAt = new Date();
    consumeLink(app, req, state);
    return seeOther(app.goNext(state.postAuthAction));
  }
  if (current || link.userId || action !== 'register') throw generic(500, 'Invalid form action');

  const row = app.store.providers.get(link.providerId);
  if (!row) throw generic(500, `Upstream provider ${link.providerId} not found`);
  const provider = row.config;
  const ci = provider.claimsImports;
  const context = sessionContext(session);
  const displayname = shouldImport(ci.displayname, form.has('import_display_name'))
    ? renderAttribute(
        app,
        req,
        ci.displayname.template ?? DEFAULT_DISPLAYNAME,
        context,
        required(ci.displayname),
      )
    : undefined;
  const email = shouldImport(ci.email, form.has('import_email'))
    ? renderAttribute(app, req, ci.email.template ?? DEFAULT_EMAIL, context, required(ci.email))
    : undefined;
  const username =
    (forcedOrRequired(ci.localpart)
      ? renderAttribute(app, req, ci.localpart.template ?? DEFAULT_LOCALPART, context, true)
      : (form.get('username') ?? undefined)) ?? '';

  const fieldErrors: Record<string, string> = {};
  const formErrors: string[] = [];
  let homeserverDenied = false;
  if (username === '') fieldErrors.username = 'This field is required';
  else if (app.store.userByUsername(username)) fieldErrors.username = 'This value is already used';
  else {
    let available: boolean;
    try {
      available = await app.homeserver.isLocalpartAvailable(username, req.log);
    } catch (err) {
      throw generic(500, new MasError('Homeserver connection error', err as MasError));
    }
    if (!available) {
      app.logger.write(
        'WARN',
        LINK_TARGET,
        1075,
        'Homeserver denied username provided by user',
        { username },
        req.log,
      );
      homeserverDenied = true;
    }
  }
  if (app.cfg.branding.tosUri && !form.has('accept_terms'))
    fieldErrors.accept_terms = 'This field is required';
  const res = evaluateRegister(
    { username, email, registrationMethod: 'upstream-oauth2' },
    { ...app.cfg.policy.data, server_name: app.cfg.matrix.homeserver },
  );
  for (const v of res.violations) {
    if (v.field === 'username') {
      homeserverDenied = false;
      fieldErrors.username ??= v.msg;
    } else formErrors.push(v.msg);
  }
  if (homeserverDenied) fieldErrors.username = 'This value is already used';
  if (Object.keys(fieldErrors).length || formErrors.length) {
    const f = (value: string | undefined, p: ImportPreference): RegisterField | undefined =>
      value === undefined ? undefined : { value, forced: forcedOrRequired(p) };
    return upstreamRegisterPage({
      action: req.ctx.url.pathname,
      csrf: app.csrf(req),
      providerName: providerName(provider),
      localpart: { value: username, forced: forcedOrRequired(ci.localpart) },
      displayname: f(displayname, ci.displayname),
      email: f(email, ci.email),
      tosUri: app.cfg.branding.tosUri,
      fieldErrors,
      formErrors,
    });
  }
  const registration = prepareRegistration(app, state, username, displayname, email);
  if (app.cfg.branding.tosUri) registration.termsUrl = app.cfg.branding.tosUri;
  return finishLinkRegistration(app, req, state, registration.id);
}
