import type { Reply } from '../../http/server.js';
import type { MasApp, Req } from '../app.js';
import type { PostAuthAction } from '../store.js';
import { parseUlid } from '../util.js';

/** a 303 redirect (`axum::response::Redirect::to`), carrying the request's cookies */
export function seeOther(location: string): Reply {
  return { status: 303, headers: { location } };
}

/** a 307 redirect (`Redirect::temporary`) */
export function temporary(location: string): Reply {
  return { status: 307, headers: { location } };
}

/** `OptionalPostAuthAction` from a query string (`kind` + `id`) */
export function postAuthActionFrom(query: URLSearchParams): PostAuthAction | undefined {
  const kind = query.get('kind');
  const id = query.get('id');
  if (!kind || !id) return undefined;
  if (
    kind === 'continue_authorization_grant' ||
    kind === 'continue_compat_sso_login' ||
    kind === 'link_upstream'
  )
    return { kind, id };
  return undefined;
}

export function postAuthActionQuery(action: PostAuthAction | undefined): string {
  return action ? `?kind=${action.kind}&id=${action.id}` : '';
}

/** `Path<Ulid>` extraction; axum answers 400 for an unparsable path segment */
export function pathUlid(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const parsed = parseUlid(value);
  return parsed.ok ? parsed.value : undefined;
}

export function badPath(value: string | undefined): Reply {
  return {
    status: 400,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: `Invalid URL: Cannot parse \`${value ?? ''}\` to a \`u128\``,
  };
}

/** Upstream session cookie entries (`upstream-oauth2-sessions`, cookie.rs) */
export interface UpstreamCookieEntry {
  session: string;
  provider: string;
  state: string;
  link: string | null;
  post_auth_action: PostAuthAction | null;
}

const SESSION_MAX_MS = 10 * 60 * 1000;

export function loadUpstreamCookie(app: MasApp, req: Req): UpstreamCookieEntry[] {
  const entries = app.readCookie<UpstreamCookieEntry[]>(req, 'upstream-oauth2-sessions');
  return Array.isArray(entries) ? entries : [];
}

/** saving drops entries older than 10 minutes (by the session ULID's timestamp) */
export function saveUpstreamCookie(app: MasApp, req: Req, entries: UpstreamCookieEntry[]): void {
  const now = Date.now();
  const kept = entries.filter((e) => {
    const parsed = parseUlid(e.session);
    if (!parsed.ok) return false;
    return now - ulidTime(parsed.value) <= SESSION_MAX_MS;
  });
  app.writeCookie(req, 'upstream-oauth2-sessions', kept);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function ulidTime(ulid: string): number {
  let time = 0;
  for (const ch of ulid.slice(0, 10)) time = time * 32 + CROCKFORD.indexOf(ch);
  return time;
}
