import { SsochainError } from '../errors.js';
import { isSecret, type Secret } from '../snapshot/secret.js';
import type { Fetched, FetchError, MasAdminFacts, MasConfigFacts, SynapseFacts } from '../snapshot/types.js';
import { fetchJson, httpRequest, type HttpAnswer } from './http.js';
import { joinUrl, masAdminFacts } from './mas-admin.js';
import type { SnapshotPart, Source, SourceContext } from './source.js';

/**
 * Synapse as clients and MAS see it. Independent requests run together: the versions
 * (liveness), the client well-known, `auth_metadata` (present only when Synapse delegates to
 * MAS), the federation key (the server name Synapse signs with), and the `/_synapse/mas` API
 * probed the way `mas-cli doctor` does: `is_localpart_available` without a localpart, with
 * MAS's own shared secret, where 400 means the secret works, 403 that it is wrong and 404 that
 * the integration is off. Then it asks `query_user` about the localparts that matter (the
 * focus user, MAS's users) and, with an admin token, lists Synapse's users to find those MAS
 * does not know. It never judges: every answer is kept as it came.
 */

export interface SynapseLimits {
  /** most localparts asked about through query_user */
  maxQueries: number;
  /** most users read from the admin API */
  maxAdminUsers: number;
  /** users per admin API page */
  adminPageSize: number;
  /** most users looked up one by one for their application service */
  maxDetailLookups: number;
}

export const DEFAULT_SYNAPSE_LIMITS: SynapseLimits = {
  maxQueries: 100,
  maxAdminUsers: 5000,
  adminPageSize: 500,
  maxDetailLookups: 50,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const since = (started: number) => Math.round(performance.now() - started);

function notOk<T>(f: Exclude<Fetched<unknown>, { status: 'ok' }>): Fetched<T> {
  return f;
}

/** `https://<host of the server name>/`, or the server name itself when it is a URL (tests). */
export function wellKnownBase(serverName: string | undefined, synapseUrl: string): string {
  if (!serverName) return synapseUrl;
  if (serverName.includes('://')) return serverName;
  const host = serverName.startsWith('[')
    ? serverName.replace(/\]:\d+$/, ']')
    : serverName.replace(/:\d+$/, '');
  return `https://${host}`;
}

/** The Matrix answer fields of an error body (`errcode`, `error`). */
function matrixError(json: unknown): { errcode?: string; error?: string } {
  if (!isRecord(json)) return {};
  return {
    ...(typeof json.errcode === 'string' ? { errcode: json.errcode } : {}),
    ...(typeof json.error === 'string' ? { error: json.error.slice(0, 200) } : {}),
  };
}

async function authMetadata(
  ctx: SourceContext,
  base: string,
): Promise<{ url: string; fetched: Fetched<Record<string, unknown>> }> {
  const stable = joinUrl(base, '/_matrix/client/v1/auth_metadata');
  const first = await fetchJson<Record<string, unknown>>({
    url: stable,
    timeoutMs: ctx.timeoutMs,
    fetch: ctx.fetch,
  });
  // Synapse versions before the stable endpoint answer 404 (or 400 M_UNRECOGNIZED); try the MSC2965 one
  const status = first.status === 'error' ? first.error.status : undefined;
  if (status !== 404 && status !== 400) return { url: stable, fetched: first };
  const unstable = joinUrl(base, '/_matrix/client/unstable/org.matrix.msc2965/auth_metadata');
  const second = await fetchJson<Record<string, unknown>>({
    url: unstable,
    timeoutMs: ctx.timeoutMs,
    fetch: ctx.fetch,
  });
  return second.status === 'ok' ? { url: unstable, fetched: second } : { url: stable, fetched: first };
}

interface MasApiAccess {
  secret: Secret;
  from: 'mas-config' | 'ssochain-config';
}

/** MAS's own `matrix.secret` (what MAS sends), else the shared secret named in ssochain.yaml. */
async function masApiAccess(
  ctx: SourceContext,
  mas: MasConfigFacts | undefined,
): Promise<MasApiAccess | { skipped: string } | { error: FetchError }> {
  const own = mas?.matrix.secret;
  if (own && isSecret(own)) return { secret: own, from: 'mas-config' };
  const ref = ctx.config.synapse?.sharedSecret;
  if (!ref) {
    return {
      skipped: mas?.matrix.secret_file
        ? `MAS reads its shared secret from ${mas.matrix.secret_file} inside its container; set synapse.sharedSecret in ssochain.yaml to probe /_synapse/mas`
        : 'no shared secret to probe /_synapse/mas with: the MAS config has no matrix.secret and ssochain.yaml no synapse.sharedSecret',
    };
  }
  try {
    return { secret: await ctx.secret(ref), from: 'ssochain-config' };
  } catch (err) {
    if (!(err instanceof SsochainError)) throw err;
    return { error: { code: 'ERR_SOURCE_CONFIG', message: err.message } };
  }
}

/** Where MAS talks to Synapse, when the MAS config names it explicitly; then the Synapse URL. */
function masApiBases(mas: MasConfigFacts | undefined, synapseUrl: string): string[] {
  const raw = mas && isRecord(mas.raw.matrix) ? mas.raw.matrix.endpoint : undefined;
  const endpoint = typeof raw === 'string' ? raw : undefined;
  const norm = (u: string) => u.replace(/\/+$/, '');
  return endpoint && norm(endpoint) !== norm(synapseUrl) ? [endpoint, synapseUrl] : [synapseUrl];
}

type Probe = NonNullable<SynapseFacts['masApiProbe']>;

async function probeMasApi(
  ctx: SourceContext,
  bases: string[],
  access: MasApiAccess,
): Promise<{ probe: Probe; base?: string }> {
  let last: Probe | undefined;
  for (const base of bases) {
    const url = joinUrl(base, '/_synapse/mas/is_localpart_available');
    const answer = await httpRequest({
      url,
      timeoutMs: ctx.timeoutMs,
      fetch: ctx.fetch,
      headers: { authorization: `Bearer ${access.secret.reveal()}`, accept: 'application/json' },
    });
    if (answer.status !== 'ok') {
      last = answer;
      // an internal endpoint (cluster DNS) is often out of reach from here: try the next base
      continue;
    }
    const { status, json } = answer.data;
    return {
      probe: {
        status: 'ok',
        ms: answer.ms,
        data: { url, status, ...matrixError(json), secretFrom: access.from },
      },
      base,
    };
  }
  return { probe: last ?? { status: 'skipped', reason: 'no Synapse URL to probe' } };
}

type UserAnswer = SynapseFacts['users'][number];

async function queryUsers(
  ctx: SourceContext,
  base: string,
  access: MasApiAccess,
  localparts: string[],
): Promise<UserAnswer[]> {
  const answers = await Promise.all(
    localparts.map(async (localpart): Promise<UserAnswer | undefined> => {
      const url = `${joinUrl(base, '/_synapse/mas/query_user')}?localpart=${encodeURIComponent(localpart)}`;
      const answer = await httpRequest({
        url,
        timeoutMs: ctx.timeoutMs,
        fetch: ctx.fetch,
        headers: { authorization: `Bearer ${access.secret.reveal()}`, accept: 'application/json' },
      });
      if (answer.status !== 'ok') return undefined;
      const { status, json } = answer.data;
      if (status === 404 && matrixError(json).errcode === 'M_NOT_FOUND') return { localpart, exists: false };
      if (status !== 200 || !isRecord(json)) return undefined;
      return {
        localpart,
        exists: true,
        ...(typeof json.is_deactivated === 'boolean' ? { deactivated: json.is_deactivated } : {}),
        ...(typeof json.user_id === 'string' ? { userId: json.user_id } : {}),
      };
    }),
  );
  return answers.filter((a): a is UserAnswer => a !== undefined);
}

/** The localparts worth asking Synapse about: the focus user first, then MAS users, newest first. */
function localpartsToQuery(
  user: string | undefined,
  admin: Fetched<MasAdminFacts> | undefined,
  max: number,
): string[] {
  const out: string[] = [];
  if (user) out.push(user.toLowerCase());
  if (admin?.status === 'ok') {
    const users = [...admin.data.users].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    for (const u of users) if (u.username) out.push(u.username);
  }
  return [...new Set(out)].slice(0, max);
}

type AdminUser = NonNullable<SynapseFacts['adminUsers']> extends Fetched<infer T> ? T : never;

function adminError(url: string, answer: HttpAnswer): FetchError | undefined {
  const { status, json } = answer;
  const { errcode, error } = matrixError(json);
  const said = errcode || error ? ` (${[errcode, error].filter(Boolean).join(': ')})` : '';
  if (status === 401 || status === 403) {
    return {
      code: status === 401 ? 'ERR_SOURCE_AUTH' : 'ERR_SOURCE_FORBIDDEN',
      status,
      url,
      message: `Synapse's admin API refused synapse.adminToken${said}: under MAS it must be a MAS-issued token with urn:synapse:admin:* (mas-cli manage issue-compatibility-token <admin> --yes-i-want-to-grant-synapse-admin-privileges)`,
    };
  }
  if (status < 200 || status >= 300)
    return { code: 'ERR_SOURCE_HTTP_STATUS', status, url, message: `${url} answered HTTP ${status}${said}` };
  if (!isRecord(json))
    return { code: 'ERR_SOURCE_NOT_JSON', status, url, message: `${url} did not answer with a JSON object` };
  return undefined;
}

async function listAdminUsers(
  ctx: SourceContext,
  base: string,
  token: Secret,
  limits: SynapseLimits,
): Promise<{ users: Fetched<AdminUser>; truncated: boolean }> {
  const started = performance.now();
  const out: AdminUser = [];
  let from = 0;
  for (;;) {
    const url = `${joinUrl(base, '/_synapse/admin/v2/users')}?from=${from}&limit=${limits.adminPageSize}&guests=false&deactivated=true&locked=true`;
    const answer = await httpRequest({
      url,
      timeoutMs: ctx.timeoutMs,
      fetch: ctx.fetch,
      headers: { authorization: `Bearer ${token.reveal()}`, accept: 'application/json' },
    });
    if (answer.status !== 'ok') return { users: notOk(answer), truncated: false };
    const problem = adminError(url, answer.data);
    if (problem) return { users: { status: 'error', ms: since(started), error: problem }, truncated: false };
    const json = answer.data.json as Record<string, unknown>;
    if (!Array.isArray(json.users)) {
      return {
        users: {
          status: 'error',
          ms: since(started),
          error: { code: 'ERR_SOURCE_INVALID', url, message: `${url} did not answer with a \`users\` list` },
        },
        truncated: false,
      };
    }
    for (const u of json.users) {
      if (!isRecord(u) || typeof u.name !== 'string') continue;
      out.push({
        name: u.name,
        deactivated: u.deactivated === true || u.deactivated === 1,
        ...(typeof u.creation_ts === 'number' ? { creation_ts: u.creation_ts } : {}),
        ...(typeof u.is_guest === 'boolean' || typeof u.is_guest === 'number'
          ? { is_guest: !!u.is_guest }
          : {}),
        ...('user_type' in u ? { user_type: typeof u.user_type === 'string' ? u.user_type : null } : {}),
      });
    }
    const next = json.next_token;
    if (next === undefined || next === null || json.users.length === 0) break;
    if (out.length >= limits.maxAdminUsers)
      return {
        users: { status: 'ok', ms: since(started), data: out.slice(0, limits.maxAdminUsers) },
        truncated: true,
      };
    from = Number(next);
    if (!Number.isFinite(from)) break;
    ctx.progress?.('synapse', `admin users: ${out.length} read`);
  }
  return { users: { status: 'ok', ms: since(started), data: out }, truncated: false };
}

/** Looks up `appservice_id` for Synapse users MAS does not know: bridges' users are not MAS's. */
async function addAppserviceIds(
  ctx: SourceContext,
  base: string,
  token: Secret,
  users: AdminUser,
  masUsernames: Set<string>,
  max: number,
): Promise<void> {
  const candidates = users
    .filter((u) => !u.deactivated && !masUsernames.has(u.name.replace(/^@/, '').split(':')[0]!))
    .slice(0, max);
  await Promise.all(
    candidates.map(async (u) => {
      const answer = await httpRequest({
        url: joinUrl(base, `/_synapse/admin/v2/users/${encodeURIComponent(u.name)}`),
        timeoutMs: ctx.timeoutMs,
        fetch: ctx.fetch,
        headers: { authorization: `Bearer ${token.reveal()}`, accept: 'application/json' },
      });
      if (answer.status !== 'ok' || answer.data.status !== 200 || !isRecord(answer.data.json)) return;
      const id = answer.data.json.appservice_id;
      u.appservice_id = typeof id === 'string' ? id : null;
    }),
  );
}

export function createSynapseSource(limits: SynapseLimits = DEFAULT_SYNAPSE_LIMITS): Source {
  return {
    name: 'synapse',
    wave: 2,
    async collect(ctx: SourceContext, earlier: SnapshotPart): Promise<SnapshotPart> {
      const cfg = ctx.config.synapse;
      if (!cfg)
        return { synapse: { status: 'skipped', reason: 'synapse is not configured in ssochain.yaml' } };
      const started = performance.now();
      const base = cfg.url;
      const mas = earlier.masConfig?.status === 'ok' ? earlier.masConfig.data : undefined;
      const get = <T>(url: string) => fetchJson<T>({ url, timeoutMs: ctx.timeoutMs, fetch: ctx.fetch });
      const wellKnown = async (): Promise<{ url: string; fetched: Fetched<Record<string, unknown>> }> => {
        const url = joinUrl(wellKnownBase(cfg.serverName, base), '/.well-known/matrix/client');
        const first = await get<Record<string, unknown>>(url);
        const fallback = joinUrl(base, '/.well-known/matrix/client');
        // the server name's host may not resolve from here (a sandbox, a split-horizon DNS)
        if (first.status !== 'unreachable' || fallback === url) return { url, fetched: first };
        const second = await get<Record<string, unknown>>(fallback);
        return second.status === 'ok' ? { url: fallback, fetched: second } : { url, fetched: first };
      };

      const masApi = async () => {
        const access = await masApiAccess(ctx, mas);
        if ('skipped' in access)
          return { probe: { status: 'skipped', reason: access.skipped } as Probe, users: [] };
        if ('error' in access)
          return { probe: { status: 'error', ms: 0, error: access.error } as Probe, users: [] };
        const [{ probe, base: reached }, admin] = await Promise.all([
          probeMasApi(ctx, masApiBases(mas, base), access),
          ctx.config.mas?.admin ? masAdminFacts(ctx) : Promise.resolve(undefined),
        ]);
        // only a secret Synapse accepts can ask about users; otherwise every query would be refused
        if (probe.status !== 'ok' || probe.data.status !== 400 || !reached) return { probe, users: [] };
        const users = await queryUsers(
          ctx,
          reached,
          access,
          localpartsToQuery(ctx.user, admin, limits.maxQueries),
        );
        return { probe, users };
      };

      const adminList = async () => {
        if (!cfg.adminToken) return undefined;
        let token: Secret;
        try {
          token = await ctx.secret(cfg.adminToken);
        } catch (err) {
          if (!(err instanceof SsochainError)) throw err;
          return {
            users: {
              status: 'error',
              ms: 0,
              error: { code: 'ERR_SOURCE_CONFIG', message: err.message },
            } as Fetched<AdminUser>,
            truncated: false,
          };
        }
        const [listed, admin] = await Promise.all([
          listAdminUsers(ctx, base, token, limits),
          ctx.config.mas?.admin ? masAdminFacts(ctx) : Promise.resolve(undefined),
        ]);
        if (listed.users.status === 'ok' && admin?.status === 'ok' && !admin.data.truncated) {
          const known = new Set(admin.data.users.map((u) => u.username));
          await addAppserviceIds(ctx, base, token, listed.users.data, known, limits.maxDetailLookups);
        }
        return listed;
      };

      const [versions, wk, metadata, serverKey, masPart, admin] = await Promise.all([
        get<{ versions?: unknown }>(joinUrl(base, '/_matrix/client/versions')),
        wellKnown(),
        authMetadata(ctx, base),
        get<{ server_name?: unknown }>(joinUrl(base, '/_matrix/key/v2/server')),
        masApi(),
        adminList(),
      ]);

      // without /versions Synapse is not serving clients at all: that is the whole answer
      if (versions.status !== 'ok') return { synapse: notOk(versions) };
      const list =
        isRecord(versions.data) && Array.isArray(versions.data.versions) ? versions.data.versions : undefined;
      if (!list) {
        const url = joinUrl(base, '/_matrix/client/versions');
        return {
          synapse: {
            status: 'error',
            ms: since(started),
            error: {
              code: 'ERR_SOURCE_INVALID',
              url,
              message: `${url} did not answer with a list of versions; is this a Matrix homeserver?`,
            },
          },
        };
      }
      const data: SynapseFacts = {
        url: base,
        versions: list.filter((v): v is string => typeof v === 'string'),
        wellKnown: wk.fetched,
        wellKnownUrl: wk.url,
        authMetadata: metadata.fetched,
        authMetadataUrl: metadata.url,
        masApiProbe: masPart.probe,
        users: masPart.users,
      };
      if (serverKey.status === 'ok') {
        const name = isRecord(serverKey.data) ? serverKey.data.server_name : undefined;
        data.serverKey =
          typeof name === 'string'
            ? { status: 'ok', ms: serverKey.ms, data: { server_name: name } }
            : {
                status: 'error',
                ms: serverKey.ms,
                error: {
                  code: 'ERR_SOURCE_INVALID',
                  message: 'the federation key answer has no server_name',
                },
              };
      } else data.serverKey = notOk(serverKey);
      if (admin) {
        data.adminUsers = admin.users;
        if (admin.truncated) data.adminUsersTruncated = true;
      }
      return { synapse: { status: 'ok', ms: since(started), data } };
    },
  };
}

export const synapseSource: Source = createSynapseSource();
