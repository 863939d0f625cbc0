import type { Router } from '../../http/server.js';
import type { MasApp } from '../app.js';
import { internal, MasError } from '../errors.js';
import { accountInactivePage, displayNamePage, errorPage, loginPage, page } from '../pages.js';
import { escapeHtml } from '../util.js';
import { postAuthActionFrom, postAuthActionQuery, seeOther } from './common.js';
import { mount } from './mount.js';

export function mountHuman(router: Router, app: MasApp): void {
  mount(router, app, 'GET', '/', 'human', 'human', (req) => {
    const current = app.browserSession(req);
    return page(
      200,
      'Matrix Authentication Service',
      current
        ? `<h1>Matrix Authentication Service</h1><p class="signed-in">Signed in as ${escapeHtml(current.user.username)}</p>`
        : `<h1>Matrix Authentication Service</h1><p><a href="${escapeHtml(app.relative('/login'))}">Sign in</a></p>`,
    );
  });

  mount(router, app, 'GET', '/account/*rest', 'human', 'human', (req) => {
    const current = app.browserSession(req);
    if (!current) return seeOther(app.relative('/login'));
    return page(200, 'Account', `<h1>${escapeHtml(current.user.username)}</h1>`);
  });

  // GET /login (views/login.rs): the providers, or straight to the only one when passwords are off
  mount(router, app, 'GET', '/login', 'human', 'human', (req) => {
    const action = postAuthActionFrom(req.ctx.query);
    if (app.browserSession(req)) return seeOther(app.goNext(action));
    const providers = app.store.enabledProviders();
    const passwordEnabled = app.cfg.passwords.enabled;
    if (!passwordEnabled && providers.length === 1)
      return seeOther(app.relative(`/upstream/authorize/${providers[0]!.id}${postAuthActionQuery(action)}`));
    return loginPage({
      action: `${app.relative('/login')}${req.ctx.url.search}`,
      csrf: app.csrf(req),
      passwordEnabled,
      providers: providers.map((p) => ({
        id: p.id,
        humanName: p.config.humanName,
        brandName: p.config.brandName,
        href: app.relative(`/upstream/authorize/${p.id}${postAuthActionQuery(action)}`),
      })),
    });
  });

  mount(router, app, 'POST', '/login', 'human', 'human', async (req) => {
    const form = await req.ctx.form();
    app.verifyCsrf(req, form);
    const action = postAuthActionFrom(req.ctx.query);
    const providers = app.store.enabledProviders().map((p) => ({
      id: p.id,
      humanName: p.config.humanName,
      brandName: p.config.brandName,
      href: app.relative(`/upstream/authorize/${p.id}${postAuthActionQuery(action)}`),
    }));
    const retry = (error: string) =>
      loginPage({
        action: `${app.relative('/login')}${req.ctx.url.search}`,
        csrf: app.csrf(req),
        passwordEnabled: app.cfg.passwords.enabled,
        providers,
        error,
        username: form.get('username') ?? '',
      });
    if (!app.cfg.passwords.enabled) return { status: 405, body: '' };
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    if (!username) return retry('This field is required');
    if (!password) return retry('This field is required');
    const user = app.store.userByUsername(username);
    if (!user || user.password === undefined || user.password !== password) {
      if (user && user.password === undefined)
        app.logger.write(
          'WARN',
          'mas_handlers::views::login',
          249,
          'No password for user',
          { username },
          req.log,
        );
      return retry('Invalid credentials');
    }
    if (user.lockedAt || user.deactivatedAt) return accountInactivePage(user.username, !!user.lockedAt);
    app.startBrowserSession(req, user.id);
    return seeOther(app.goNext(action));
  });

  mount(router, app, 'POST', '/logout', 'human', 'human', (req) => {
    const current = app.browserSession(req);
    if (current) current.session.finishedAt = new Date();
    app.writeCookie(req, 'session', {});
    return seeOther(app.relative('/login'));
  });

  // GET|POST /register/steps/:id/display-name (views/register/steps/display_name.rs)
  mount(router, app, ['GET', 'POST'], '/register/steps/:id/display-name', 'human', 'human', async (req) => {
    const registration = app.store.registrations.get(req.ctx.params.id ?? '');
    if (!registration) throw internal(new MasError('Could not find user registration'));
    if (registration.completedAt) return seeOther(app.goNext(registration.postAuthAction));
    if (req.ctx.method === 'GET')
      return displayNamePage({ action: req.ctx.url.pathname, csrf: app.csrf(req) });
    const form = await req.ctx.form();
    app.verifyCsrf(req, form);
    if ((form.get('action') ?? 'set') === 'skip') registration.displayName = registration.username;
    else {
      const name = (form.get('display_name') ?? '').trim();
      if (!name || name.length > 255)
        return displayNamePage({
          action: req.ctx.url.pathname,
          csrf: app.csrf(req),
          error: 'This value is invalid',
        });
      registration.displayName = name;
    }
    return seeOther(app.relative(`/register/steps/${registration.id}/finish`));
  });

  mount(router, app, ['GET', 'POST'], '/register/steps/:id/token', 'human', 'human', () =>
    errorPage(501, {
      code: 'Registration token required',
      description: 'Registration tokens are not emulated by the ssochain sandbox.',
    }),
  );

  // GET /register/steps/:id/finish (views/register/steps/finish.rs)
  mount(router, app, 'GET', '/register/steps/:id/finish', 'human', 'human', async (req) => {
    const registration = app.store.registrations.get(req.ctx.params.id ?? '');
    if (!registration) throw internal(new MasError('User registration not found'));
    if (registration.completedAt) return seeOther(app.goNext(registration.postAuthAction));
    if (Date.now() - registration.createdAt.getTime() > 60 * 60 * 1000)
      throw internal(new MasError('Registration session has expired'));
    const inCookie = app.readCookie<string[]>(req, 'user-registration-sessions') ?? [];
    if (!inCookie.includes(registration.id))
      throw internal(new MasError('Could not find the registration in the browser cookies'));
    if (app.store.userByUsername(registration.username))
      throw internal(new MasError('Username is already taken'));
    if (!(await app.homeserver.isLocalpartAvailable(registration.username, req.log)))
      throw internal(new MasError('Username is not available'));

    const session = registration.upstreamSessionId
      ? app.store.upstreamSessions.get(registration.upstreamSessionId)
      : undefined;
    if (registration.upstreamSessionId && !session)
      throw internal(new MasError('Could not load the upstream OAuth authorization session'));
    const provider = session ? app.store.providers.get(session.providerId) : undefined;
    const tokenRequired =
      (provider?.config.registrationTokenRequired ?? false) || app.cfg.account.registrationTokenRequired;
    if (tokenRequired) return seeOther(app.relative(`/register/steps/${registration.id}/token`));
    if (registration.email && [...app.store.emails.values()].some((e) => e.email === registration.email))
      return errorPage(200, {
        code: 'Email in use',
        description: `The email address ${registration.email} is already in use by another account.`,
      });
    let link;
    if (session) {
      if (!session.linkId)
        throw internal(new MasError('Authorization session has no upstream link associated with it'));
      if (session.consumedAt)
        throw internal(
          new MasError('The upstream authorization session was already used. Try registering again'),
        );
      link = app.store.links.get(session.linkId);
      if (!link) throw internal(new MasError('Could not load the upstream OAuth link'));
      if (link.userId)
        throw internal(
          new MasError('The upstream identity was already linked to a user. Try logging in again'),
        );
    }
    if (registration.displayName === undefined)
      return seeOther(app.relative(`/register/steps/${registration.id}/display-name`));

    registration.completedAt = new Date();
    app.writeCookie(
      req,
      'user-registration-sessions',
      inCookie.filter((id) => id !== registration.id),
    );
    const user = app.store.addUser(registration.username);
    app.startBrowserSession(req, user.id);
    if (registration.email) app.store.addEmail(user.id, registration.email);
    if (session && link) {
      session.consumedAt = new Date();
      link.userId = user.id;
    }
    app.worker.schedule('provision-user', {
      user_id: user.id,
      display_name_to_set: registration.displayName,
    });
    return seeOther(app.goNext(registration.postAuthAction));
  });

  router.on('GET', '/health', 'health', () => {
    if (!app.running) return app.unavailable();
    if (!app.serves('health')) return { status: 404, body: '' };
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ok' };
  });
}
