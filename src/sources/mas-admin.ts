import { SsochainError } from '../errors.js';
import type { Secret } from '../snapshot/secret.js';
import type { Fetched, FetchError, MasAdminFacts, MasLinkFacts, MasUserFacts } from '../snapshot/types.js';
import { httpRequest, type HttpAnswer } from './http.js';
import type { SnapshotPart, Source, SourceContext } from './source.js';

/**
 * MAS's admin API (`/api/admin/v1`, docs/api/spec.json): users, upstream links and upstream
 * providers, read with a client_credentials token for `urn:mas:admin`. When access fails, the
 * sentence says which of the three pieces MAS needs is missing: the `adminapi` listener
 * resource, the client in `clients` with this secret, or the client in
 * `policy.data.admin_clients`. Lists are paged by cursor and cut at a cap (`truncated`), so a
 * large deployment costs a bounded number of requests; the focus user is always looked up.
 */

export const ADMIN_SCOPE = 'urn:mas:admin';
const API = '/api/admin/v1';

export interface MasAdminLimits {
  /** items per request (`page[first]`) */
  pageSize: number;
  /** most users read; beyond it the list is marked truncated */
  maxUsers: number;
  /** most upstream links read */
  maxLinks: number;
}

export const DEFAULT_MAS_ADMIN_LIMITS: MasAdminLimits = { pageSize: 100, maxUsers: 2000, maxLinks: 2000 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const since = (started: number) => Math.round(performance.now() - started);

/** `<base>/<path>` keeping any path prefix of the base (MAS under `https://example.com/auth/`). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

function oauthError(json: unknown): { error?: string; description?: string } {
  if (!isRecord(json)) return {};
  return {
    ...(typeof json.error === 'string' ? { error: json.error } : {}),
    ...(typeof json.error_description === 'string' ? { description: json.error_description } : {}),
  };
}

function adminErrorTitle(json: unknown): string {
  if (isRecord(json) && Array.isArray(json.errors)) {
    const titles = json.errors.map((e) => (isRecord(e) && typeof e.title === 'string' ? e.title : undefined));
    const text = titles.filter(Boolean).join(': ');
    if (text) return ` ("${text.slice(0, 200)}")`;
  }
  return '';
}

type Step<T> = { ok: true; value: T } | { ok: false; error: FetchError; unreachable?: boolean };

const fail = (error: FetchError, unreachable = false): Step<never> => ({ ok: false, error, unreachable });

/** The failure of a request that did not get an answer. */
function noAnswer(f: Exclude<Fetched<unknown>, { status: 'ok' }>): Step<never> {
  return f.status === 'skipped'
    ? fail({ code: 'ERR_SOURCE_CONFIG', message: f.reason })
    : fail(f.error, true);
}

/** Asks MAS for an admin token; every refusal becomes a sentence naming what is missing. */
async function requestToken(
  ctx: SourceContext,
  base: string,
  clientId: string,
  secret: Secret,
): Promise<Step<string>> {
  const url = joinUrl(base, '/oauth2/token');
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope: ADMIN_SCOPE });
  const basic = Buffer.from(
    `${encodeURIComponent(clientId)}:${encodeURIComponent(secret.reveal())}`,
  ).toString('base64');
  const send = (method: 'basic' | 'post') =>
    httpRequest({
      url,
      method: 'POST',
      timeoutMs: ctx.timeoutMs,
      fetch: ctx.fetch,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(method === 'basic' ? { authorization: `Basic ${basic}` } : {}),
      },
      body:
        method === 'basic'
          ? form
          : new URLSearchParams({
              ...Object.fromEntries(form),
              client_id: clientId,
              client_secret: secret.reveal(),
            }),
    });
  let answer = await send('basic');
  if (answer.status !== 'ok') return noAnswer(answer);
  // the client may be registered for client_secret_post: MAS insists on the registered method
  if (answer.data.status === 401 && oauthError(answer.data.json).error === 'invalid_client') {
    const post = await send('post');
    if (post.status === 'ok' && post.data.status === 200) answer = post;
  }
  const { status, json, text } = answer.data;
  const { error, description } = oauthError(json);
  const said = error ? ` (${error}${description ? `: ${description}` : ''})` : '';
  if (status === 200) {
    if (isRecord(json) && typeof json.access_token === 'string' && json.access_token)
      return { ok: true, value: json.access_token };
    return fail({
      code: 'ERR_SOURCE_NOT_JSON',
      status,
      url,
      message: `${url} answered 200 without an access token (it begins "${text.slice(0, 60).replace(/\s+/g, ' ')}")`,
    });
  }
  if (error === 'invalid_client' || status === 401) {
    return fail({
      code: 'ERR_SOURCE_AUTH',
      status,
      url,
      message: `MAS did not accept the admin client ${clientId} at ${url}${said}: the client is not in MAS's \`clients\`, its secret differs from mas.admin.clientSecret, or its client_auth_method is neither client_secret_basic nor client_secret_post`,
    });
  }
  if (error === 'invalid_scope' || error === 'access_denied' || status === 403) {
    return fail({
      code: 'ERR_SOURCE_FORBIDDEN',
      status,
      url,
      message: `MAS refused the scope ${ADMIN_SCOPE} to client ${clientId}${said}: the client is not listed in \`policy.data.admin_clients\``,
    });
  }
  if (error === 'unauthorized_client') {
    return fail({
      code: 'ERR_SOURCE_FORBIDDEN',
      status,
      url,
      message: `MAS does not let client ${clientId} use the client_credentials grant${said}`,
    });
  }
  if (status === 404) {
    return fail({
      code: 'ERR_SOURCE_HTTP_STATUS',
      status,
      url,
      message: `MAS does not serve ${url} (404): no http listener has the \`oauth\` resource there, or mas.url points at something else`,
    });
  }
  return fail({
    code: 'ERR_SOURCE_HTTP_STATUS',
    status,
    url,
    message: `${url} answered HTTP ${status}${said}`,
  });
}

/** The sentence for an admin API answer that is not a 2xx JSON body. */
function adminFailure(url: string, answer: HttpAnswer, clientId: string): FetchError | undefined {
  const { status, json, text } = answer;
  if (status === 404 && !isRecord(json)) {
    return {
      code: 'ERR_SOURCE_HTTP_STATUS',
      status,
      url,
      message: `MAS does not serve the admin API at ${url.replace(/\/api\/admin\/v1\/.*$/, API)} (404): add \`- name: adminapi\` to the resources of an http listener`,
    };
  }
  if (status === 401 || status === 403) {
    return {
      code: status === 401 ? 'ERR_SOURCE_AUTH' : 'ERR_SOURCE_FORBIDDEN',
      status,
      url,
      message: `the MAS admin API refused the token issued to client ${clientId} (${status})${adminErrorTitle(json)}: the token lacks ${ADMIN_SCOPE}, which MAS grants only to clients in \`policy.data.admin_clients\``,
    };
  }
  if (status < 200 || status >= 300) {
    return {
      code: 'ERR_SOURCE_HTTP_STATUS',
      status,
      url,
      message: `${url} answered HTTP ${status}${adminErrorTitle(json)}`,
    };
  }
  if (json === undefined) {
    return {
      code: 'ERR_SOURCE_NOT_JSON',
      status,
      url,
      message: `${url} did not answer with JSON (it begins "${text.slice(0, 60).replace(/\s+/g, ' ')}")`,
    };
  }
  return undefined;
}

interface Resource {
  id: string;
  attributes: Record<string, unknown>;
  cursor: string;
}

function resourcesOf(json: unknown): Resource[] | undefined {
  if (!isRecord(json) || !Array.isArray(json.data)) return undefined;
  const out: Resource[] = [];
  for (const item of json.data) {
    if (!isRecord(item) || typeof item.id !== 'string' || !isRecord(item.attributes)) return undefined;
    const page = isRecord(item.meta) && isRecord(item.meta.page) ? item.meta.page.cursor : undefined;
    out.push({ id: item.id, attributes: item.attributes, cursor: typeof page === 'string' ? page : item.id });
  }
  return out;
}

interface AdminClient {
  ctx: SourceContext;
  base: string;
  token: string;
  clientId: string;
}

async function getJson(client: AdminClient, path: string): Promise<Step<{ status: number; json: unknown }>> {
  const url = joinUrl(client.base, path);
  const answer = await httpRequest({
    url,
    timeoutMs: client.ctx.timeoutMs,
    fetch: client.ctx.fetch,
    headers: { authorization: `Bearer ${client.token}`, accept: 'application/json' },
  });
  if (answer.status !== 'ok') return noAnswer(answer);
  // a 404 with an error body is an answer ("user not found"), not a missing API
  if (answer.data.status === 404 && isRecord(answer.data.json))
    return { ok: true, value: { status: 404, json: answer.data.json } };
  const problem = adminFailure(url, answer.data, client.clientId);
  if (problem) return fail(problem);
  return { ok: true, value: { status: answer.data.status, json: answer.data.json } };
}

/** Reads a paged list by cursor until it ends or reaches `max`. */
async function readList(
  client: AdminClient,
  path: string,
  pageSize: number,
  max: number,
): Promise<Step<{ items: Resource[]; truncated: boolean }>> {
  const items: Resource[] = [];
  let after: string | undefined;
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const query = `page[first]=${pageSize}${after ? `&page[after]=${after}&count=false` : ''}`;
    const page = await getJson(client, `${path}${sep}${query}`);
    if (!page.ok) return page;
    const url = joinUrl(client.base, path);
    const list = page.value.status === 200 ? resourcesOf(page.value.json) : undefined;
    if (!list) {
      return fail({
        code: 'ERR_SOURCE_INVALID',
        status: page.value.status,
        url,
        message: `${url} did not answer with a list of resources (JSON:API \`data\`)`,
      });
    }
    items.push(...list);
    const links = isRecord(page.value.json) && isRecord(page.value.json.links) ? page.value.json.links : {};
    const more = typeof links.next === 'string' || (links.next === undefined && list.length === pageSize);
    if (!more || list.length === 0) return { ok: true, value: { items, truncated: false } };
    if (items.length >= max) return { ok: true, value: { items: items.slice(0, max), truncated: true } };
    after = list[list.length - 1]!.cursor;
    client.ctx.progress?.('mas-admin', `${path.split('?')[0]}: ${items.length} read`);
  }
}

const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function userOf(r: Resource): MasUserFacts {
  const a = r.attributes;
  return {
    id: r.id,
    username: typeof a.username === 'string' ? a.username : '',
    admin: a.admin === true || a.can_request_admin === true,
    locked_at: strOrNull(a.locked_at),
    deactivated_at: strOrNull(a.deactivated_at),
    created_at: typeof a.created_at === 'string' ? a.created_at : '',
  };
}

function linkOf(r: Resource): MasLinkFacts {
  const a = r.attributes;
  return {
    id: r.id,
    provider_id: typeof a.provider_id === 'string' ? a.provider_id : '',
    subject: typeof a.subject === 'string' ? a.subject : '',
    user_id: strOrNull(a.user_id),
    human_account_name: strOrNull(a.human_account_name),
  };
}

/** The focus user by username (as given and lower-cased), with their links. */
async function focusUser(
  client: AdminClient,
  username: string,
  pageSize: number,
): Promise<Step<{ users: MasUserFacts[]; links: MasLinkFacts[] }>> {
  const names = [...new Set([username, username.toLowerCase()])];
  const users: MasUserFacts[] = [];
  const links: MasLinkFacts[] = [];
  for (const name of names) {
    const answer = await getJson(client, `${API}/users/by-username/${encodeURIComponent(name)}`);
    if (!answer.ok) return answer;
    if (answer.value.status === 404) continue;
    const data = isRecord(answer.value.json) ? answer.value.json.data : undefined;
    if (!isRecord(data) || typeof data.id !== 'string' || !isRecord(data.attributes)) continue;
    const user = userOf({ id: data.id, attributes: data.attributes, cursor: data.id });
    users.push(user);
    const own = await readList(
      client,
      `${API}/upstream-oauth-links?filter[user]=${user.id}`,
      pageSize,
      pageSize,
    );
    if (!own.ok) return own;
    links.push(...own.value.items.map(linkOf));
  }
  return { ok: true, value: { users, links } };
}

function byId<T extends { id: string }>(lists: T[][]): T[] {
  const seen = new Map<string, T>();
  for (const list of lists) for (const item of list) if (!seen.has(item.id)) seen.set(item.id, item);
  return [...seen.values()];
}

/** Collects the admin facts once; the Synapse source shares the same answer within a run. */
export async function collectMasAdmin(
  ctx: SourceContext,
  limits: MasAdminLimits = DEFAULT_MAS_ADMIN_LIMITS,
): Promise<Fetched<MasAdminFacts>> {
  const mas = ctx.config.mas;
  if (!mas) return { status: 'skipped', reason: 'mas is not configured in ssochain.yaml' };
  if (!mas.admin) {
    return {
      status: 'skipped',
      reason:
        'mas.admin is not set in ssochain.yaml: without an admin client (in MAS `clients` and `policy.data.admin_clients`) ssochain cannot see MAS users and links',
    };
  }
  const started = performance.now();
  let secret: Secret;
  try {
    secret = await ctx.secret(mas.admin.clientSecret);
  } catch (err) {
    if (!(err instanceof SsochainError)) throw err;
    return {
      status: 'error',
      ms: since(started),
      error: { code: 'ERR_SOURCE_CONFIG', message: err.message },
    };
  }
  const base = mas.internalUrl ?? mas.url;
  const token = await requestToken(ctx, base, mas.admin.clientId, secret);
  if (!token.ok)
    return { status: token.unreachable ? 'unreachable' : 'error', ms: since(started), error: token.error };
  const client: AdminClient = { ctx, base, token: token.value, clientId: mas.admin.clientId };
  const [users, links, providers, focus] = await Promise.all([
    readList(client, `${API}/users`, limits.pageSize, limits.maxUsers),
    readList(client, `${API}/upstream-oauth-links`, limits.pageSize, limits.maxLinks),
    readList(client, `${API}/upstream-oauth-providers`, limits.pageSize, 1000),
    ctx.user ? focusUser(client, ctx.user, limits.pageSize) : Promise.resolve(undefined),
  ]);
  const failed = (step: { error: FetchError; unreachable?: boolean }): Fetched<MasAdminFacts> => ({
    status: step.unreachable ? 'unreachable' : 'error',
    ms: since(started),
    error: step.error,
  });
  if (!users.ok) return failed(users);
  if (!links.ok) return failed(links);
  if (!providers.ok) return failed(providers);
  if (focus && !focus.ok) return failed(focus);
  const focused = focus?.ok ? focus.value : { users: [], links: [] };
  return {
    status: 'ok',
    ms: since(started),
    data: {
      users: byId([users.value.items.map(userOf), focused.users]),
      links: byId([links.value.items.map(linkOf), focused.links]),
      providers: providers.value.items.map((r) => ({
        id: r.id,
        issuer: strOrNull(r.attributes.issuer),
        disabled_at: strOrNull(r.attributes.disabled_at),
      })),
      truncated: users.value.truncated || links.value.truncated,
    },
  };
}

const shared = new WeakMap<SourceContext, Promise<Fetched<MasAdminFacts>>>();

/**
 * The admin facts of this run, fetched at most once: the `mas-admin` source and the Synapse
 * source (which asks Synapse about every MAS user) run in the same wave and share one answer.
 */
export function masAdminFacts(ctx: SourceContext): Promise<Fetched<MasAdminFacts>> {
  let hit = shared.get(ctx);
  if (!hit) {
    hit = collectMasAdmin(ctx);
    shared.set(ctx, hit);
  }
  return hit;
}

export const masAdminSource: Source = {
  name: 'mas-admin',
  wave: 2,
  async collect(ctx: SourceContext): Promise<SnapshotPart> {
    return { masAdmin: await masAdminFacts(ctx) };
  },
};
