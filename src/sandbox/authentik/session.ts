import type { Reply, RequestContext } from '../http/server.js';
import { randomToken } from './ids.js';
import type { Store, UserRec } from './model.js';

/**
 * Server-side sessions (Django sessions in Authentik). The browser holds `authentik_session`
 * and `authentik_csrf`; the flow plan, the executor's saved query and the login live here.
 */
export const SESSION_COOKIE = 'authentik_session';
export const CSRF_COOKIE = 'authentik_csrf';
export const CSRF_HEADER = 'x-authentik-csrf';
const MAX_SESSIONS = 10_000;

export type PlanEntry =
  { kind: 'binding'; binding: string } | { kind: 'consent-inmemory' } | { kind: 'fulfillment' };

export interface AuthorizeParams {
  client_id: string;
  redirect_uri: string;
  response_type: string;
  response_mode: string;
  grant_type: string;
  scope: string[];
  state: string | null;
  nonce: string | null;
  prompt: string[];
  code_challenge: string | null;
  code_challenge_method: string | null;
  max_age: number | null;
}

export interface PlanContext {
  pending_user?: number;
  /** a user that does not exist (identification with pretend_user_exists) */
  pending_dummy?: string;
  /** set once a password was checked ("user_backend" in Authentik) */
  user_backend?: string;
  auth_method?: string;
  prompt_data?: Record<string, unknown>;
  application?: string;
  params?: AuthorizeParams;
  consent_header?: string;
  consent_permissions?: { id: string; name: string }[];
  consent_token?: string;
  invitation?: string;
  invitation_in_effect?: boolean;
  redirect?: string;
}

export interface Plan {
  flow: string;
  entries: PlanEntry[];
  context: PlanContext;
}

export interface Session {
  key: string;
  csrf: string;
  user: number | null;
  authTime: string | null;
  plan?: Plan;
  /** SESSION_KEY_GET: the query the executor was started with */
  get?: [string, string][];
  applicationPre?: string;
  invalidTries?: number;
  /** how the user logged in (`password`), for the id_token's `amr` */
  authMethod?: string;
  /** set when the cookies must be (re)sent: new session, or keys rotated at login */
  sendCookies: boolean;
}

export class Sessions {
  private readonly byKey = new Map<string, Session>();

  constructor(private readonly store: Store) {}

  /** The request's session; a new one (with cookies to set) when `create` and none exists. */
  get(ctx: RequestContext, create: true): Session;
  get(ctx: RequestContext, create?: boolean): Session | undefined;
  get(ctx: RequestContext, create = false): Session | undefined {
    const existing = this.byKey.get(ctx.cookies[SESSION_COOKIE] ?? '');
    if (existing) return existing;
    if (!create) return undefined;
    const s: Session = {
      key: randomToken(32).toLowerCase(),
      csrf: ctx.cookies[CSRF_COOKIE] || randomToken(32),
      user: null,
      authTime: null,
      sendCookies: true,
    };
    this.byKey.set(s.key, s);
    // bounded, oldest first, so a long-running sandbox does not grow without end
    if (this.byKey.size > MAX_SESSIONS) this.byKey.delete(this.byKey.keys().next().value!);
    return s;
  }

  /** Django's login(): new session key and new CSRF token, same session data. */
  rotate(session: Session): void {
    this.byKey.delete(session.key);
    session.key = randomToken(32).toLowerCase();
    session.csrf = randomToken(32);
    session.sendCookies = true;
    this.byKey.set(session.key, session);
  }

  /** The logged-in user; inactive users have no usable session (Django's ModelBackend). */
  user(session: Session | undefined): UserRec | null {
    if (!session || session.user === null) return null;
    const u = this.store.data.users[session.user];
    return u && u.is_active ? u : null;
  }

  all(): Session[] {
    return [...this.byKey.values()];
  }
}

/** Adds the cookies of a session that was just created to a reply. */
export function withSession(reply: Reply, session: Session | undefined): Reply {
  if (!session?.sendCookies) return reply;
  session.sendCookies = false;
  const cookies = [
    `${SESSION_COOKIE}=${session.key}; HttpOnly; Path=/; SameSite=Lax`,
    `${CSRF_COOKIE}=${session.csrf}; Path=/; SameSite=Lax`,
  ];
  const prior = reply.headers?.['set-cookie'];
  const list = prior === undefined ? cookies : [...(Array.isArray(prior) ? prior : [prior]), ...cookies];
  return { ...reply, headers: { ...(reply.headers ?? {}), 'set-cookie': list } };
}

/**
 * Django REST framework enforces CSRF for session-authenticated requests only: an anonymous
 * POST to the executor passes, a logged-in one needs `X-authentik-CSRF` equal to the cookie.
 */
export function csrfFailure(ctx: RequestContext, session: Session): string | null {
  const header = ctx.headers[CSRF_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  if (!ctx.cookies[CSRF_COOKIE]) return 'CSRF Failed: CSRF cookie not set.';
  if (!value) return 'CSRF Failed: CSRF token missing.';
  if (value !== ctx.cookies[CSRF_COOKIE] || value !== session.csrf)
    return 'CSRF Failed: CSRF token incorrect.';
  return null;
}
