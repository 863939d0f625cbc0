import { html, json, redirect, type Reply, type RequestContext, type Router } from '../http/server.js';
import { detail } from './api/common.js';
import { seconds } from './claims.js';
import type { Ak } from './context.js';
import { cleanse, modelRef } from './events.js';
import { randomUuid } from './ids.js';
import {
  DEFAULT_AVATAR,
  FLOW_BACKGROUND,
  nowIso,
  type FlowRec,
  type StageRec,
  type UserRec,
} from './model.js';
import { fulfill, type Fulfillment } from './oidc.js';
import { evaluateBindings } from './policy.js';
import { csrfFailure, withSession, type Plan, type PlanContext, type Session } from './session.js';

/**
 * Authentik's flow executor (`/api/v3/flows/executor/<slug>/`): the planner, the stage views
 * for identification, password, prompt, user_write, user_login, user_logout, email,
 * invitation and consent, the in-memory OAuth2 fulfillment stage, and the helper pages a
 * browser (or a headless client) passes through: `/if/flow/<slug>/`,
 * `/flows/-/default/<designation>/`, `/flows/-/cancel/`.
 *
 * Semantics follow `authentik/flows/views/executor.py`: GET returns the current challenge,
 * POST answers it; a stage that is done answers 302 to the same executor URL (follow it with
 * GET); redirects elsewhere become `xak-flow-redirect`; a denied flow is
 * `ak-stage-access-denied`; a wrong answer comes back as the same challenge with
 * `response_errors`.
 */

export const EXECUTOR = 'executor';
export const FLOW_INTERFACE = 'flow-interface';

export class FlowNonApplicable extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('\n') || 'Flow does not apply to current user.');
  }
}

type Outcome =
  | { t: 'challenge'; body: Record<string, unknown> }
  | { t: 'ok' }
  | { t: 'invalid'; message?: string }
  | { t: 'redirect'; to: string }
  | { t: 'retry'; body: Record<string, unknown>; errors: Record<string, { string: string; code: string }[]> };

interface Exec {
  ctx: RequestContext;
  session: Session;
  flow: FlowRec;
  plan: Plan;
  /** the authenticated user of this request (session login or API token) */
  user: UserRec | null;
}

const err = (string: string, code = 'invalid') => [{ string, code }];

export class Executor {
  constructor(private readonly ak: Ak) {}

  // --- planning ------------------------------------------------------------------------------

  /** FlowPlanner.plan: authentication requirement, flow policies, bindings (evaluate_on_plan). */
  plan(flow: FlowRec, user: UserRec | null, context: PlanContext = {}, ctx?: RequestContext): Plan {
    const { store, events } = this.ak;
    const superuser = user ? store.isSuperuser(user) : false;
    switch (flow.authentication) {
      case 'require_authenticated':
        if (!user) throw new FlowNonApplicable([]);
        break;
      case 'require_unauthenticated':
        if (user) throw new FlowNonApplicable([]);
        break;
      case 'require_superuser':
        if (!superuser) throw new FlowNonApplicable([]);
        break;
      case 'require_redirect':
      case 'require_outpost':
      case 'require_token':
        // not emulated: the sandbox has no outposts, tokens for flows, or redirect context
        throw new FlowNonApplicable([]);
    }
    const result = evaluateBindings(store, events, flow.pk, flow.policy_engine_mode, user, ctx);
    if (!result.passing) throw new FlowNonApplicable(result.messages);
    const entries: Plan['entries'] = [];
    for (const b of store.bindingsOf(flow.pk)) {
      if (!store.data.stages[b.stage]) continue;
      if (b.evaluate_on_plan) {
        const r = evaluateBindings(store, events, b.pk, b.policy_engine_mode, user, ctx);
        if (!r.passing) continue;
      }
      entries.push({ kind: 'binding', binding: b.pk });
    }
    const full: PlanContext = { ...context };
    if (user && full.pending_user === undefined) full.pending_user = user.pk;
    return { flow: flow.pk, entries, context: full };
  }

  // --- routes --------------------------------------------------------------------------------

  register(router: Router): void {
    router.on(['GET', 'POST'], '/api/v3/flows/executor/:flow_slug/', EXECUTOR, (ctx) => this.handle(ctx));
    router.on('GET', '/if/flow/:flow_slug/', FLOW_INTERFACE, (ctx) => this.flowInterface(ctx));
    router.on('GET', '/flows/-/default/:designation/', FLOW_INTERFACE, (ctx) => this.toDefaultFlow(ctx));
    router.on('GET', '/flows/-/cancel/', FLOW_INTERFACE, (ctx) => {
      const session = this.ak.sessions.get(ctx, true);
      delete session.plan;
      return withSession(redirect('/flows/-/default/invalidation/'), session);
    });
    router.on('GET', '/', FLOW_INTERFACE, (ctx) => {
      const session = this.ak.sessions.get(ctx, true);
      const user = this.ak.sessions.user(session);
      return withSession(
        html(200, page('authentik', user ? `Logged in as ${escapeHtml(user.username)}.` : 'Not logged in.')),
        session,
      );
    });
  }

  private flowInterface(ctx: RequestContext): Reply {
    const flow = this.ak.store.flowBySlug(ctx.params.flow_slug!);
    if (!flow) return html(404, page('Not Found', 'The requested resource was not found on this server.'));
    const session = this.ak.sessions.get(ctx, true);
    const title = escapeHtml(flow.title);
    return withSession(
      html(
        200,
        page(
          flow.title,
          `<ak-flow-executor flowSlug="${escapeHtml(flow.slug)}"></ak-flow-executor>` +
            `<noscript>${title}: this page drives /api/v3/flows/executor/${escapeHtml(flow.slug)}/</noscript>`,
        ),
      ),
      session,
    );
  }

  /** ToDefaultFlow: brand default (or the provider's authentication flow), else first by slug */
  private toDefaultFlow(ctx: RequestContext): Reply {
    const { store } = this.ak;
    const designation = ctx.params.designation;
    if (designation !== 'authentication' && designation !== 'invalidation')
      return html(404, page('Not Found', 'The requested resource was not found on this server.'));
    const session = this.ak.sessions.get(ctx, true);
    const brand = store.brandFor(ctx.headers.host ?? '');
    let flowPk: string | null | undefined =
      designation === 'authentication' ? brand?.flow_authentication : brand?.flow_invalidation;
    if (designation === 'authentication' && session.applicationPre) {
      const app = store.data.applications[session.applicationPre];
      const provider = app?.provider != null ? store.data.providers[app.provider] : undefined;
      if (provider?.authentication_flow) flowPk = provider.authentication_flow;
    }
    let flow = flowPk ? store.data.flows[flowPk] : undefined;
    if (!flow) {
      flow = Object.values(store.data.flows)
        .filter((f) => f.designation === designation)
        .sort((a, b) => a.slug.localeCompare(b.slug))
        .find((f) => evaluateBindings(store, this.ak.events, f.pk, f.policy_engine_mode, null, ctx).passing);
    }
    if (!flow) return withSession(html(404, page('Not Found', 'No flow found.')), session);
    if (session.plan && session.plan.flow !== flow.pk) delete session.plan;
    const qs = ctx.url.search;
    return withSession(redirect(`/if/flow/${flow.slug}/${qs}`), session);
  }

  // --- the executor --------------------------------------------------------------------------

  private async handle(ctx: RequestContext): Promise<Reply> {
    const { store, sessions } = this.ak;
    const flow = store.flowBySlug(ctx.params.flow_slug!);
    if (!flow) return detail(404, 'No Flow matches the given query.');
    // DRF authentication runs first: a bad token is refused before the flow is looked at
    let tokenUser: UserRec | null = null;
    const auth = ctx.headers.authorization;
    if (auth && auth.trim()) {
      const [type, key] = auth.trim().split(/\s+/, 2);
      if ((type ?? '').toLowerCase() !== 'bearer') return detail(403, 'Unsupported authentication type');
      const token = Object.values(store.data.tokens).find((t) => t.key === key);
      const owner = token ? store.data.users[token.user] : undefined;
      if (!owner || !owner.is_active) return detail(403, 'Token invalid/expired');
      tokenUser = owner;
    }
    const session = sessions.get(ctx, true);
    const user = tokenUser ?? sessions.user(session);
    if (ctx.method === 'POST' && !tokenUser && sessions.user(session)) {
      const failure = csrfFailure(ctx, session);
      if (failure) return withSession(detail(403, failure), session);
    }
    const query = new URLSearchParams(ctx.query.get('query') ?? '');
    if (session.plan && session.plan.flow !== flow.pk) delete session.plan;
    if (!session.plan) {
      try {
        const context: PlanContext = {};
        if (session.applicationPre && store.data.applications[session.applicationPre])
          context.application = session.applicationPre;
        session.plan = this.plan(flow, user, context, ctx);
      } catch (e) {
        if (!(e instanceof FlowNonApplicable)) throw e;
        session.get = [...query];
        return withSession(this.handleInvalidFlow(ctx, session, flow, e), session);
      }
      if (session.plan.entries.length === 0) {
        session.get = [...query];
        return withSession(this.flowDone(session), session);
      }
    }
    session.get = [...query];
    const ex: Exec = { ctx, session, flow, plan: session.plan, user };
    let body: Record<string, unknown> = {};
    if (ctx.method === 'POST') {
      try {
        const raw = (await ctx.body()).toString('utf8');
        const type = String(ctx.headers['content-type'] ?? '');
        body = type.includes('application/x-www-form-urlencoded')
          ? Object.fromEntries(new URLSearchParams(raw))
          : raw.trim()
            ? (JSON.parse(raw) as Record<string, unknown>)
            : {};
      } catch (e) {
        return withSession(detail(400, `JSON parse error - ${(e as Error).message}`), session);
      }
    }
    return withSession(await this.step(ex, body), session);
  }

  /** Runs the current stage; skips stages whose policies (re-)evaluate to false. */
  private async step(ex: Exec, body: Record<string, unknown>): Promise<Reply> {
    const { store } = this.ak;
    for (;;) {
      const entry = ex.plan.entries[0];
      if (!entry) return this.flowDone(ex.session);
      let outcome: Outcome;
      if (entry.kind === 'fulfillment') {
        outcome = await this.fulfillment(ex);
      } else if (entry.kind === 'consent-inmemory') {
        outcome = this.consent(
          ex,
          body,
          { mode: 'always_require' },
          'OAuth2 Provider In-memory consent stage',
        );
      } else {
        const binding = store.data.bindings[entry.binding];
        const stage = binding ? store.data.stages[binding.stage] : undefined;
        if (!binding || !stage) return this.stageInvalid(ex);
        if (binding.re_evaluate_policies) {
          const user = this.pendingUser(ex);
          const r = evaluateBindings(
            store,
            this.ak.events,
            binding.pk,
            binding.policy_engine_mode,
            user,
            ex.ctx,
          );
          if (!r.passing) {
            ex.plan.entries.shift();
            continue;
          }
        }
        outcome = await this.runStage(ex, stage, body);
        if (outcome.t === 'retry' && binding.invalid_response_action !== 'retry') {
          const keep = binding.invalid_response_action === 'restart_with_context';
          const user = this.ak.sessions.user(ex.session);
          ex.session.plan = this.plan(ex.flow, user, keep ? ex.plan.context : {}, ex.ctx);
          return redirect(ex.ctx.url.pathname + ex.ctx.url.search);
        }
      }
      switch (outcome.t) {
        case 'challenge':
          return json(200, outcome.body);
        case 'retry':
          return json(200, { ...outcome.body, response_errors: outcome.errors });
        case 'redirect':
          return json(200, { component: 'xak-flow-redirect', to: outcome.to });
        case 'invalid':
          return this.stageInvalid(ex, outcome.message);
        case 'ok':
          ex.plan.entries.shift();
          ex.session.invalidTries = 0;
          if (ex.plan.entries.length === 0) return this.flowDone(ex.session);
          // stage_ok: back to the executor, the client follows with GET
          return redirect(ex.ctx.url.pathname + ex.ctx.url.search);
      }
    }
  }

  private handleInvalidFlow(
    ctx: RequestContext,
    session: Session,
    flow: FlowRec,
    e: FlowNonApplicable,
  ): Reply {
    if (flow.denied_action === 'continue' || flow.denied_action === 'message_continue') {
      const next = ctx.query.get('next');
      if (next && !isAbsolute(next)) return json(200, { component: 'xak-flow-redirect', to: next });
    }
    if (flow.denied_action === 'continue') return json(200, { component: 'xak-flow-redirect', to: '/' });
    return this.accessDenied(flow, null, e.message);
  }

  private flowDone(session: Session): Reply {
    const plan = session.plan;
    const flow = plan ? this.ak.store.data.flows[plan.flow] : undefined;
    const explicit = plan?.context.redirect;
    const next = explicit ?? new URLSearchParams(session.get ?? []).get('next') ?? '/';
    this.cancel(session);
    if (!explicit && isAbsolute(next)) {
      return flow ? this.accessDenied(flow, null, 'Invalid next URL') : detail(400, 'Invalid next URL');
    }
    return json(200, { component: 'xak-flow-redirect', to: next });
  }

  private cancel(session: Session): void {
    delete session.plan;
    delete session.get;
    delete session.applicationPre;
  }

  private stageInvalid(ex: Exec, message?: string): Reply {
    const user = this.pendingUser(ex);
    this.cancel(ex.session);
    return this.accessDenied(ex.flow, user, message);
  }

  private accessDenied(flow: FlowRec, user: UserRec | null, message?: string): Reply {
    return json(200, {
      flow_info: this.flowInfo(flow),
      component: 'ak-stage-access-denied',
      pending_user: user?.username ?? '',
      pending_user_avatar: DEFAULT_AVATAR,
      error_message: message || 'Unknown error',
    });
  }

  private flowInfo(flow: FlowRec, plan?: Plan) {
    const app = plan?.context.application
      ? this.ak.store.data.applications[plan.context.application]
      : undefined;
    return {
      title: flow.title.replace(/%\(app\)s/g, app?.name ?? ''),
      background: flow.background || FLOW_BACKGROUND,
      cancel_url: '/flows/-/cancel/',
      layout: flow.layout,
    };
  }

  private base(ex: Exec, component: string): Record<string, unknown> {
    return { flow_info: this.flowInfo(ex.flow, ex.plan), component };
  }

  private withUser(ex: Exec, component: string): Record<string, unknown> {
    const user = this.pendingUser(ex);
    return {
      ...this.base(ex, component),
      pending_user: user?.username ?? ex.plan.context.pending_dummy ?? '',
      pending_user_avatar: DEFAULT_AVATAR,
    };
  }

  private pendingUser(ex: Exec): UserRec | null {
    const pk = ex.plan.context.pending_user;
    return pk !== undefined ? (this.ak.store.data.users[pk] ?? null) : null;
  }

  // --- stages --------------------------------------------------------------------------------

  private async runStage(ex: Exec, stage: StageRec, body: Record<string, unknown>): Promise<Outcome> {
    const post = ex.ctx.method === 'POST';
    switch (stage.type) {
      case 'identification':
        return post
          ? this.identify(ex, stage, body)
          : { t: 'challenge', body: this.identificationChallenge(ex, stage) };
      case 'password':
        return post
          ? this.password(ex, stage, body)
          : { t: 'challenge', body: this.passwordChallenge(ex, stage) };
      case 'prompt':
        return post
          ? this.prompt(ex, stage, body)
          : { t: 'challenge', body: this.promptChallenge(ex, stage) };
      case 'user_write':
        return this.userWrite(ex, stage);
      case 'user_login':
        return this.userLogin(ex, stage, post ? body : undefined);
      case 'user_logout':
        return this.userLogout(ex);
      case 'email':
        return this.email(ex, stage);
      case 'invitation':
        return this.invitation(ex, stage);
      case 'consent':
        return this.consent(
          ex,
          body,
          stage.settings as { mode: string; consent_expire_in?: string },
          stage.name,
        );
    }
  }

  private identificationChallenge(ex: Exec, stage: StageRec): Record<string, unknown> {
    const { store } = this.ak;
    const s = stage.settings;
    const passwordStage = s.password_stage ? store.data.stages[s.password_stage as string] : undefined;
    const qs = new URLSearchParams(ex.session.get ?? []).toString();
    const link = (flowPk: unknown) => {
      const f = typeof flowPk === 'string' ? store.data.flows[flowPk] : undefined;
      return f ? `/if/flow/${f.slug}/${qs ? `?${qs}` : ''}` : undefined;
    };
    const out: Record<string, unknown> = {
      ...this.base(ex, 'ak-stage-identification'),
      user_fields: s.user_fields,
      password_fields: !!passwordStage,
      allow_show_password: !!passwordStage && passwordStage.settings.allow_show_password === true,
      flow_designation: ex.flow.designation,
      captcha_stage: null,
      primary_action: ex.flow.designation === 'authentication' ? 'Log in' : 'Continue',
      sources: [],
      show_source_labels: s.show_source_labels,
      enable_remember_me: s.enable_remember_me,
      passkey_challenge: null,
    };
    const app = ex.plan.context.application
      ? store.data.applications[ex.plan.context.application]
      : undefined;
    if (app) out.application_pre = app.name;
    for (const [key, setting] of [
      ['enroll_url', 'enrollment_flow'],
      ['recovery_url', 'recovery_flow'],
      ['passwordless_url', 'passwordless_flow'],
    ] as const) {
      const url = link(s[setting]);
      if (url) out[key] = url;
    }
    return out;
  }

  private identify(ex: Exec, stage: StageRec, body: Record<string, unknown>): Outcome {
    const { store } = this.ak;
    const s = stage.settings;
    const challenge = this.identificationChallenge(ex, stage);
    const uid = typeof body.uid_field === 'string' ? body.uid_field : '';
    if (!uid)
      return {
        t: 'retry',
        body: challenge,
        errors: { non_field_errors: err('No identification data provided.') },
      };
    const insensitive = s.case_insensitive_matching !== false;
    const same = (a: string, b: string) => (insensitive ? a.toLowerCase() === b.toLowerCase() : a === b);
    const fields = s.user_fields as string[];
    const found = Object.values(store.data.users)
      .sort((a, b) => a.pk - b.pk)
      .find((u) =>
        fields.some((f) =>
          f === 'username'
            ? same(u.username, uid)
            : f === 'email'
              ? u.email !== '' && same(u.email, uid)
              : typeof u.attributes.upn === 'string' && same(u.attributes.upn, uid),
        ),
      );
    const passwordStage = s.password_stage ? store.data.stages[s.password_stage as string] : undefined;
    if (!found) {
      this.ak.events.line('INFO', 'authentik.stages.identification.stage', 'invalid_login', {
        identifier: uid,
        action: 'invalid_identifier',
      });
      delete ex.plan.context.pending_user;
      ex.plan.context.pending_dummy = uid;
      if (s.pretend_user_exists && !passwordStage) return { t: 'ok' };
      return { t: 'retry', body: challenge, errors: { non_field_errors: err('Failed to authenticate.') } };
    }
    delete ex.plan.context.pending_dummy;
    if (passwordStage) {
      const password = typeof body.password === 'string' ? body.password : '';
      if (!this.authenticate(ex, found, password, passwordStage, found.username))
        return { t: 'retry', body: challenge, errors: { non_field_errors: err('Failed to authenticate.') } };
    }
    ex.plan.context.pending_user = found.pk;
    return { t: 'ok' };
  }

  /** InbuiltBackend: right password and an active user; otherwise `login_failed`. */
  private authenticate(
    ex: Exec,
    user: UserRec | null,
    password: string,
    stage: StageRec,
    username: string,
  ): boolean {
    if (user && user.is_active && user.password !== null && user.password === password) {
      ex.plan.context.user_backend = 'authentik.core.auth.InbuiltBackend';
      ex.plan.context.auth_method = 'password';
      return true;
    }
    this.ak.events.record(
      'login_failed',
      {
        stage: modelRef('authentik_stages_password', 'passwordstage', stage.pk, stage.name),
        password: '********************',
        username,
      },
      { ctx: ex.ctx },
    );
    return false;
  }

  private passwordChallenge(ex: Exec, stage: StageRec): Record<string, unknown> {
    const recovery = Object.values(this.ak.store.data.flows).find((f) => f.designation === 'recovery');
    const out: Record<string, unknown> = {
      ...this.withUser(ex, 'ak-stage-password'),
      allow_show_password: stage.settings.allow_show_password === true,
    };
    if (recovery) out.recovery_url = `${ex.ctx.origin}/if/flow/${recovery.slug}/`;
    return out;
  }

  private password(ex: Exec, stage: StageRec, body: Record<string, unknown>): Outcome {
    const challenge = this.passwordChallenge(ex, stage);
    if (typeof body.password !== 'string')
      return {
        t: 'retry',
        body: challenge,
        errors: { password: err('This field is required.', 'required') },
      };
    const pending = this.pendingUser(ex);
    if (!pending && ex.plan.context.pending_dummy === undefined) return { t: 'invalid' };
    const username = pending?.username ?? ex.plan.context.pending_dummy ?? '';
    if (this.authenticate(ex, pending, body.password, stage, username)) return { t: 'ok' };
    ex.session.invalidTries = (ex.session.invalidTries ?? 0) + 1;
    if (ex.session.invalidTries > Number(stage.settings.failed_attempts_before_cancel ?? 5)) {
      ex.session.invalidTries = 0;
      return { t: 'invalid' };
    }
    return { t: 'retry', body: challenge, errors: { password: err('Invalid password') } };
  }

  private prompts(stage: StageRec) {
    const d = this.ak.store.data;
    return (stage.settings.fields as string[])
      .flatMap((pk) => (d.prompts[pk] ? [d.prompts[pk]] : []))
      .sort((a, b) => a.order - b.order);
  }

  private promptChallenge(ex: Exec, stage: StageRec): Record<string, unknown> {
    const data = ex.plan.context.prompt_data ?? {};
    return {
      ...this.base(ex, 'ak-stage-prompt'),
      fields: this.prompts(stage).map((p) => ({
        field_key: p.field_key,
        label: p.label,
        type: p.type,
        required: p.required,
        placeholder: p.placeholder,
        initial_value: p.field_key in data ? String(data[p.field_key]) : p.initial_value,
        order: p.order,
        sub_text: p.sub_text,
        choices: null,
      })),
    };
  }

  /** PromptChallengeResponse: per-type validation, unique usernames, matching passwords. */
  private prompt(ex: Exec, stage: StageRec, body: Record<string, unknown>): Outcome {
    const { store } = this.ak;
    const errors: Record<string, { string: string; code: string }[]> = {};
    const values: Record<string, unknown> = {};
    const prompts = this.prompts(stage);
    const fixed = ['hidden', 'static', 'text_read_only', 'text_area_read_only'];
    const display = ['separator', 'alert_info', 'alert_warning', 'alert_danger'];
    for (const p of prompts) {
      if (display.includes(p.type)) continue;
      if (fixed.includes(p.type)) {
        values[p.field_key] = p.initial_value;
        continue;
      }
      const raw = body[p.field_key];
      if (raw === undefined || raw === null) {
        if (p.required) errors[p.field_key] = err('This field is required.', 'required');
        continue;
      }
      if (p.type === 'checkbox') {
        values[p.field_key] = raw === true || raw === 'true' || raw === 'on';
        continue;
      }
      const value = String(raw);
      if (value === '' && p.required) {
        errors[p.field_key] = err('This field may not be blank.', 'blank');
        continue;
      }
      if (p.type === 'email' && value !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
        errors[p.field_key] = err('Enter a valid email address.');
        continue;
      }
      if (p.type === 'number' && value !== '' && !/^-?\d+$/.test(value)) {
        errors[p.field_key] = err('A valid integer is required.');
        continue;
      }
      if (p.type === 'username' && store.userByName(value)) {
        errors[p.field_key] = err('Username is already taken.');
        continue;
      }
      values[p.field_key] = p.type === 'number' && value !== '' ? Number(value) : value;
    }
    const passwords = prompts.filter((p) => p.type === 'password');
    if (!Object.keys(errors).length && passwords.length === 2) {
      if (new Set(passwords.map((p) => String(body[p.field_key] ?? ''))).size > 1)
        errors.non_field_errors = err("Passwords don't match.");
    }
    if (!Object.keys(errors).length) {
      const policies = stage.settings.validation_policies as string[];
      for (const pk of policies) {
        const policy = store.data.policies[pk];
        if (policy && policy.result === false)
          errors.non_field_errors = [
            ...(errors.non_field_errors ?? []),
            ...err(policy.message ?? 'Policy failed.'),
          ];
      }
    }
    if (Object.keys(errors).length) return { t: 'retry', body: this.promptChallenge(ex, stage), errors };
    ex.plan.context.prompt_data = { ...(ex.plan.context.prompt_data ?? {}), ...values };
    return { t: 'ok' };
  }

  /** UserWriteStageView: create or update the pending user from the prompt data. */
  private userWrite(ex: Exec, stage: StageRec): Outcome {
    const { store, events } = this.ak;
    const s = stage.settings;
    const data = ex.plan.context.prompt_data;
    if (!data) return { t: 'invalid', message: 'No Pending data.' };
    const requestUser = this.ak.sessions.user(ex.session);
    if (requestUser && ex.plan.context.pending_user === undefined)
      ex.plan.context.pending_user = requestUser.pk;
    let user = this.pendingUser(ex);
    let created = false;
    if (!user || s.user_creation_mode === 'always_create') {
      if (s.user_creation_mode === 'never_create')
        return { t: 'invalid', message: "No user found and can't create new user." };
      const now = nowIso();
      user = {
        pk: 0,
        uuid: randomUuid(),
        username: '',
        name: '',
        email: '',
        is_active: !s.create_users_as_inactive,
        groups: [],
        password: null,
        type: String(s.user_type ?? 'external'),
        path: String(s.user_path_template || 'users'),
        attributes: {},
        date_joined: now,
        last_login: null,
        last_updated: now,
        password_change_date: now,
      };
      created = true;
    } else {
      user = structuredClone(user);
    }
    for (const [key, value] of Object.entries(data)) {
      if (key === 'component' || key === 'groups') continue;
      if (key === 'password') {
        user.password = String(value);
        user.password_change_date = nowIso();
      } else if (key === 'attributes' && value && typeof value === 'object') {
        Object.assign(user.attributes, value);
      } else if (key.startsWith('attributes.') || key.startsWith('attributes_')) {
        const parts = key.replace(/_/g, '.').split('.').slice(1);
        let cur = user.attributes;
        for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
        cur[parts[parts.length - 1]!] = value;
      } else if (['username', 'name', 'email', 'path', 'is_active'].includes(key)) {
        (user as unknown as Record<string, unknown>)[key] = value;
      }
    }
    if (!user.username) return { t: 'invalid' };
    const clash = store.userByName(user.username);
    if (clash && clash.pk !== user.pk)
      return { t: 'invalid', message: 'Failed to update user. Please try again later.' };
    if (created) {
      user.pk = store.nextUserPk();
      if (s.create_users_group && store.data.groups[s.create_users_group as string])
        user.groups.push(s.create_users_group as string);
    }
    user.last_updated = nowIso();
    store.data.users[user.pk] = user;
    ex.plan.context.pending_user = user.pk;
    if (created) ex.plan.context.user_backend = 'authentik.core.auth.InbuiltBackend';
    if (created)
      events.record(
        'model_created',
        { model: modelRef('authentik_core', 'user', user.pk, user.username) },
        { user: requestUser, ctx: ex.ctx, app: 'authentik.events.middleware' },
      );
    events.record('user_write', { ...cleanse(data), created }, { user, ctx: ex.ctx });
    return { t: 'ok' };
  }

  /** UserLoginStageView: attach the pending user to the session (Django's login()). */
  private userLogin(ex: Exec, stage: StageRec, body: Record<string, unknown> | undefined): Outcome {
    const rememberOffset = String(stage.settings.remember_me_offset ?? 'seconds=0');
    const asks =
      !/^\s*(seconds|minutes|hours|days|weeks)=0\s*$/.test(rememberOffset) && rememberOffset.trim() !== '';
    if (asks && body === undefined) return { t: 'challenge', body: this.withUser(ex, 'ak-stage-user-login') };
    if (asks && body && typeof body.remember_me !== 'boolean')
      return {
        t: 'retry',
        body: this.withUser(ex, 'ak-stage-user-login'),
        errors: { remember_me: err('This field is required.', 'required') },
      };
    const user = this.pendingUser(ex);
    if (!user) return { t: 'invalid' };
    if (!user.is_active)
      this.ak.events.line(
        'WARN',
        'authentik.stages.user_login.stage',
        'User is not active, login will not work.',
        {
          user: user.username,
        },
      );
    this.login(ex, user);
    return { t: 'ok' };
  }

  private login(ex: Exec, user: UserRec): void {
    const session = ex.session;
    this.ak.sessions.rotate(session);
    session.user = user.pk;
    session.authTime = nowIso();
    session.authMethod = ex.plan.context.auth_method ?? 'password';
    user.last_login = session.authTime;
    this.ak.events.record(
      'login',
      { auth_method: ex.plan.context.auth_method ?? 'password', auth_method_args: {} },
      { user, ctx: ex.ctx },
    );
  }

  private userLogout(ex: Exec): Outcome {
    const user = this.ak.sessions.user(ex.session);
    if (user) this.ak.events.record('logout', {}, { user, ctx: ex.ctx });
    ex.session.user = null;
    ex.session.authTime = null;
    return { t: 'ok' };
  }

  /**
   * EmailStageView: Authentik mails a link carrying a flow token and waits. The sandbox has no
   * mail transport, so the flow stops here and says so in the log; the user stays as written.
   */
  private email(ex: Exec, stage: StageRec): Outcome {
    const user = this.pendingUser(ex);
    if (!user) return { t: 'invalid', message: 'No pending user.' };
    this.ak.events.line(
      'WARN',
      'authentik.stages.email.stage',
      'Email stage reached; the sandbox has no mail transport',
      {
        stage: stage.name,
        to: user.email,
        activate_user_on_success: stage.settings.activate_user_on_success,
      },
    );
    return { t: 'challenge', body: this.base(ex, 'ak-stage-email') };
  }

  /** InvitationStageView: `?itoken=` (or a prompt field `token`) must name a valid invitation. */
  private invitation(ex: Exec, stage: StageRec): Outcome {
    const { store } = this.ak;
    const token =
      new URLSearchParams(ex.session.get ?? []).get('itoken') ??
      (typeof ex.plan.context.prompt_data?.token === 'string' ? ex.plan.context.prompt_data.token : null);
    let invite = token
      ? Object.values(store.data.invitations).find((i) => i.pk === token.toLowerCase())
      : undefined;
    if (invite?.flow && invite.flow !== ex.plan.flow) invite = undefined;
    if (invite?.expires && Date.parse(invite.expires) < Date.now()) {
      delete store.data.invitations[invite.pk];
      invite = undefined;
    }
    if (!invite) {
      if (stage.settings.continue_flow_without_invitation) return { t: 'ok' };
      return { t: 'invalid', message: 'Invalid invite/invite not found' };
    }
    ex.plan.context.invitation_in_effect = true;
    ex.plan.context.invitation = invite.pk;
    ex.plan.context.prompt_data = {
      ...(ex.plan.context.prompt_data ?? {}),
      ...structuredClone(invite.fixed_data),
    };
    this.ak.events.record(
      'invitation_used',
      {
        invitation_uuid: invite.pk.replace(/-/g, ''),
        invitation_name: invite.name,
      },
      { user: this.ak.sessions.user(ex.session), ctx: ex.ctx },
    );
    if (invite.single_use) delete store.data.invitations[invite.pk];
    return { t: 'ok' };
  }

  /** ConsentStageView: always_require, or remembered consent (permanent / expiring). */
  private consent(
    ex: Exec,
    body: Record<string, unknown>,
    settings: { mode: string; consent_expire_in?: string },
    _name: string,
  ): Outcome {
    const { store } = this.ak;
    const user = this.pendingUser(ex) ?? this.ak.sessions.user(ex.session);
    const app = ex.plan.context.application;
    const permissions = ex.plan.context.consent_permissions ?? [];
    const key = user && app ? `${user.pk}:${app}` : undefined;
    if (settings.mode !== 'always_require' && key && key in store.data.consents) {
      const until = store.data.consents[key];
      if (until === null || Date.parse(until as string) > Date.now()) return { t: 'ok' };
    }
    if (ex.ctx.method === 'POST' && body.component === 'ak-stage-consent') {
      if (typeof body.token === 'string' && body.token === ex.plan.context.consent_token) {
        if (settings.mode !== 'always_require' && key) {
          store.data.consents[key] =
            settings.mode === 'permanent'
              ? null
              : new Date(Date.now() + 1000 * seconds(settings.consent_expire_in ?? 'weeks=4')).toISOString();
        }
        delete ex.plan.context.consent_token;
        return { t: 'ok' };
      }
    }
    ex.plan.context.consent_token = randomUuid();
    const challenge = {
      ...this.withUser(ex, 'ak-stage-consent'),
      header_text: ex.plan.context.consent_header ?? '',
      permissions,
      additional_permissions: [],
      token: ex.plan.context.consent_token,
    };
    if (ex.ctx.method === 'POST')
      return {
        t: 'retry',
        body: challenge,
        errors: { token: err('Invalid consent token, re-showing prompt') },
      };
    return { t: 'challenge', body: challenge };
  }

  private async fulfillment(ex: Exec): Promise<Outcome> {
    const user = this.ak.sessions.user(ex.session);
    if (!user) return { t: 'invalid' };
    const result: Fulfillment = await fulfill(this.ak, ex.ctx, ex.session, ex.plan, user);
    this.cancel(ex.session);
    if (result.kind === 'autosubmit')
      return {
        t: 'challenge',
        body: {
          ...this.base(ex, 'ak-stage-autosubmit'),
          url: result.url,
          attrs: result.attrs,
          title: result.title,
        },
      };
    return { t: 'redirect', to: result.url };
  }
}

export function isAbsolute(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//');
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function page(title: string, bodyHtml: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)} - authentik</title></head><body><h1>${escapeHtml(
    title,
  )}</h1>${bodyHtml}</body></html>`;
}
