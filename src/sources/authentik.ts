import type { ApiResponse, Configuration, EventActions, FetchAPI } from '@goauthentik/api';
import { Secret } from '../snapshot/secret.js';
import type {
  AkApplication,
  AkEvent,
  AkFlow,
  AkKeypair,
  AkProvider,
  AkRedirectUri,
  AkScopeMapping,
  AkStage,
  AkUser,
  AuthentikFacts,
  FetchError,
  Fetched,
  MasProviderFacts,
} from '../snapshot/types.js';
import { describeNetworkError } from './http.js';
import type { Source, SourceContext, SnapshotPart } from './source.js';

/**
 * The Authentik source: reads, through the official `@goauthentik/api` client and the
 * doctor's `ctx.fetch`, everything the authentik/oidc/mapping checks judge. It never writes and
 * never judges. Requests that do not depend on each other run at once: first every list (each
 * paged list fetches its first page, then the remaining pages together), then, for the users
 * worth a closer look, `check_access` on the Matrix application and `preview_user` on its
 * provider.
 *
 * Failures are data: the providers and applications are the core (without them nothing about
 * Authentik can be judged), so their failure makes the whole part `unreachable`/`error`; any
 * other list that fails is recorded in `gaps` with a plain sentence naming the permission the
 * token lacks, and the rest is still returned.
 *
 * Limits: users are read up to {@link USER_CAP}, events (the newest first) up to
 * {@link EVENT_CAP}; a cut list is recorded in `truncated`. At most {@link SAMPLE_CAP} users get
 * `check_access`/`preview_user` when no user is in focus: those whose recent sign-in attempts
 * failed, then those recently created by enrollment.
 */
export const USER_CAP = 5000;
export const EVENT_CAP = 500;
export const SAMPLE_CAP = 10;
const PAGE_SIZE = 100;

/** The events that tell what happened around a sign-in. */
export const EVENT_ACTIONS = [
  'login_failed',
  'configuration_error',
  'authorize_application',
  'login',
  'user_write',
  'model_created',
  'system_exception',
  'property_mapping_exception',
] as const;

type Json = Record<string, unknown>;

interface Part {
  /** what is read, in words ("OAuth2 providers") */
  what: string;
  /** path under /api/v3, for messages */
  path: string;
  /** the permission a non-superuser token needs for it */
  permission: string;
}

const P = {
  version: {
    what: 'the Authentik version',
    path: '/admin/version/',
    permission: 'authentik_rbac.view_system_info',
  },
  providers: {
    what: 'the OAuth2 providers',
    path: '/providers/oauth2/',
    permission: 'authentik_providers_oauth2.view_oauth2provider',
  },
  applications: {
    what: 'the applications',
    path: '/core/applications/',
    permission: 'authentik_core.view_application',
  },
  scopeMappings: {
    what: 'the scope mappings',
    path: '/propertymappings/provider/scope/',
    permission: 'authentik_providers_oauth2.view_scopemapping',
  },
  keypairs: {
    what: 'the certificate key pairs',
    path: '/crypto/certificatekeypairs/',
    permission: 'authentik_crypto.view_certificatekeypair',
  },
  flows: { what: 'the flows', path: '/flows/instances/', permission: 'authentik_flows.view_flow' },
  bindings: {
    what: 'the flow stage bindings',
    path: '/flows/bindings/',
    permission: 'authentik_flows.view_flowstagebinding',
  },
  identification: {
    what: 'the identification stages',
    path: '/stages/identification/',
    permission: 'authentik_stages_identification.view_identificationstage',
  },
  userWrite: {
    what: 'the user write stages',
    path: '/stages/user_write/',
    permission: 'authentik_stages_user_write.view_userwritestage',
  },
  promptStages: {
    what: 'the prompt stages',
    path: '/stages/prompt/stages/',
    permission: 'authentik_stages_prompt.view_promptstage',
  },
  prompts: {
    what: 'the prompts',
    path: '/stages/prompt/prompts/',
    permission: 'authentik_stages_prompt.view_prompt',
  },
  email: {
    what: 'the email stages',
    path: '/stages/email/',
    permission: 'authentik_stages_email.view_emailstage',
  },
  invitationStages: {
    what: 'the invitation stages',
    path: '/stages/invitation/stages/',
    permission: 'authentik_stages_invitation.view_invitationstage',
  },
  invitations: {
    what: 'the invitations',
    path: '/stages/invitation/invitations/',
    permission: 'authentik_stages_invitation.view_invitation',
  },
  brands: { what: 'the brands', path: '/core/brands/', permission: 'authentik_brands.view_brand' },
  sources: { what: 'the sources', path: '/sources/all/', permission: 'authentik_core.view_source' },
  users: { what: 'the users', path: '/core/users/', permission: 'authentik_core.view_user' },
  events: { what: 'the events', path: '/events/events/', permission: 'authentik_events.view_event' },
  checkAccess: {
    what: 'check_access',
    path: '/core/applications/<slug>/check_access/',
    permission: 'authentik_core.view_application and authentik_core.view_user',
  },
  preview: {
    what: 'preview_user',
    path: '/providers/oauth2/<pk>/preview_user/',
    permission: 'authentik_providers_oauth2.view_oauth2provider and authentik_core.view_user',
  },
} satisfies Record<string, Part>;

type PartKey = keyof typeof P;

// ------------------------------------------------------------------------------ small readers

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Json, k: string): string | undefined =>
  typeof o[k] === 'string' ? (o[k] as string) : undefined;
const strOrNull = (o: Json, k: string): string | null => (typeof o[k] === 'string' ? (o[k] as string) : null);
const bool = (o: Json, k: string): boolean | undefined =>
  typeof o[k] === 'boolean' ? (o[k] as boolean) : undefined;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** Masks credential-looking values inside event contexts (Authentik already stars passwords). */
const SECRETISH = /(secret|password|passwd|token|private|api_?key|^key$|_key$|code_verifier|^code$)/i;
/** Query parameters that carry credentials: authorization codes, invitation and flow tokens. */
const SECRET_PARAMS =
  /(^|[?&])((?:code|itoken|token|flow_token|access_token|id_token|refresh_token|client_secret|password|state|nonce)=)[^&#]*/gi;
export function maskContext(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskContext(v, key));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskContext(v, k)]));
  if (key && SECRETISH.test(key) && (typeof value === 'string' || typeof value === 'number'))
    return '********';
  if (typeof value === 'string' && value.includes('=')) return value.replace(SECRET_PARAMS, '$1$2********');
  return value;
}

// ------------------------------------------------------------------------------ requests

type Outcome<T> = { ok: true; data: T } | { ok: false; error: FetchError; network: boolean };

const AUTH_DETAILS = [
  'Token invalid/expired',
  'Authentication credentials were not provided.',
  'Malformed header',
  'Unsupported authentication type',
  'Invalid token',
];

/** Turns whatever the generated client threw into one plain sentence (never the token). */
async function describeFailure(
  err: unknown,
  base: string,
  part: Part,
  timeoutMs: number,
): Promise<Outcome<never>> {
  const url = `${base}/api/v3${part.path}`;
  const name = (err as { name?: string })?.name;
  if (name === 'ResponseError') {
    const response = (err as { response: Response }).response;
    const status = response.status;
    let detail = '';
    try {
      const body = (await response.json()) as unknown;
      if (isObj(body) && typeof body.detail === 'string') detail = body.detail;
    } catch {
      // not JSON: the status says enough
    }
    const quoted = detail ? ` ("${detail.slice(0, 160)}")` : '';
    const where = `GET /api/v3${part.path}`;
    if (status === 401 || (status === 403 && AUTH_DETAILS.includes(detail))) {
      return {
        ok: false,
        network: false,
        error: {
          code: 'ERR_SOURCE_AUTH',
          status,
          url,
          message: `Authentik did not accept the API token: ${where} answered ${status}${quoted}. The token is unknown, expired or its user is inactive; create a token with intent "API" and set it as authentik.token.`,
        },
      };
    }
    if (status === 403) {
      return {
        ok: false,
        network: false,
        error: {
          code: 'ERR_SOURCE_FORBIDDEN',
          status,
          url,
          message: `Authentik refused to show ${part.what}: ${where} answered 403${quoted}. The token's user lacks the permission ${part.permission} (a superuser's token has all of them).`,
        },
      };
    }
    return {
      ok: false,
      network: false,
      error: {
        code: 'ERR_SOURCE_HTTP_STATUS',
        status,
        url,
        message: `Authentik could not list ${part.what}: ${where} answered HTTP ${status}${quoted}.`,
      },
    };
  }
  if (name === 'FetchError') {
    const cause = (err as { cause?: unknown }).cause ?? err;
    return { ok: false, network: true, error: describeNetworkError(cause, url, timeoutMs) };
  }
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { ok: false, network: true, error: describeNetworkError(err, url, timeoutMs) };
  }
  if (err instanceof SyntaxError) {
    return {
      ok: false,
      network: false,
      error: {
        code: 'ERR_SOURCE_NOT_JSON',
        url,
        message: `Authentik answered GET /api/v3${part.path} with a body that is not valid JSON (cut off or not the Authentik API).`,
      },
    };
  }
  // a network error surfacing while the body is read
  const code = (err as { cause?: { code?: unknown } })?.cause?.code;
  if (typeof code === 'string' || name === 'TypeError') {
    return { ok: false, network: true, error: describeNetworkError(err, url, timeoutMs) };
  }
  return {
    ok: false,
    network: false,
    error: {
      code: 'ERR_SOURCE_INVALID',
      url,
      message: `Reading ${part.what} from Authentik failed: ${(err as Error)?.message ?? String(err)}`,
    },
  };
}

class Reader {
  done = 0;
  total = 0;
  constructor(
    readonly base: string,
    readonly ctx: SourceContext,
  ) {}

  /** One request; the JSON body as Authentik sent it (snake_case), whatever the client version. */
  async json(part: Part, call: () => Promise<ApiResponse<unknown>>): Promise<Outcome<unknown>> {
    this.total++;
    try {
      const response = await call();
      const body = (await response.raw.json()) as unknown;
      return { ok: true, data: body };
    } catch (err) {
      return describeFailure(err, this.base, part, this.ctx.timeoutMs);
    } finally {
      this.done++;
      this.ctx.progress?.('authentik-api', `${this.done}/${this.total} requests`);
    }
  }

  /** A paged list: the first page, then the remaining pages (up to the cap) at once. */
  async list(
    part: Part,
    call: (page: number, pageSize: number) => Promise<ApiResponse<unknown>>,
    cap = Number.POSITIVE_INFINITY,
  ): Promise<Outcome<{ items: Json[]; total: number }>> {
    const pageOf = (body: unknown): Outcome<{ items: Json[]; count: number; pages: number }> => {
      if (!isObj(body) || !Array.isArray(body.results)) {
        return {
          ok: false,
          network: false,
          error: {
            code: 'ERR_SOURCE_INVALID',
            url: `${this.base}/api/v3${part.path}`,
            message: `Authentik answered GET /api/v3${part.path} without a paginated list ("results" is missing); is the URL the Authentik server?`,
          },
        };
      }
      const pagination = isObj(body.pagination) ? body.pagination : {};
      const count = typeof pagination.count === 'number' ? pagination.count : body.results.length;
      const pages = typeof pagination.total_pages === 'number' ? pagination.total_pages : 1;
      return { ok: true, data: { items: objects(body.results), count, pages } };
    };
    const first = await this.json(part, () => call(1, PAGE_SIZE));
    if (!first.ok) return first;
    const head = pageOf(first.data);
    if (!head.ok) return head;
    const lastPage = Math.min(head.data.pages, Math.ceil(cap / PAGE_SIZE));
    const rest = await Promise.all(
      Array.from({ length: Math.max(0, lastPage - 1) }, (_, i) =>
        this.json(part, () => call(i + 2, PAGE_SIZE)),
      ),
    );
    const items = [...head.data.items];
    for (const r of rest) {
      if (!r.ok) return r;
      const page = pageOf(r.data);
      if (!page.ok) return page;
      items.push(...page.data.items);
    }
    return { ok: true, data: { items: items.slice(0, cap), total: head.data.count } };
  }
}

// ------------------------------------------------------------------------------ conversions

function redirectUris(value: unknown): AkRedirectUri[] {
  // Authentik <= 2024.8.4 / 2024.10.2: one string, whitespace-separated, each entry a regex
  // matched in full (re.fullmatch). The CVE-2024-52289 migration turned entries into objects.
  if (typeof value === 'string') {
    return value
      .split(/\s+/)
      .filter(Boolean)
      .map((url) => ({ matching_mode: 'regex' as const, url }));
  }
  return objects(value).flatMap((o) => {
    const url = str(o, 'url');
    if (url === undefined) return [];
    const mode = str(o, 'matching_mode') === 'regex' ? ('regex' as const) : ('strict' as const);
    const type = str(o, 'redirect_uri_type');
    return [
      {
        matching_mode: mode,
        url,
        ...(type === 'logout' || type === 'authorization' ? { redirect_uri_type: type } : {}),
      },
    ];
  });
}

function provider(o: Json): AkProvider | undefined {
  if (typeof o.pk !== 'number') return undefined;
  const secret = str(o, 'client_secret');
  const p: AkProvider = {
    pk: o.pk,
    name: str(o, 'name') ?? `provider ${o.pk}`,
    client_type: str(o, 'client_type') === 'public' ? 'public' : 'confidential',
    client_id: str(o, 'client_id') ?? '',
    redirect_uris: redirectUris(o.redirect_uris),
    signing_key: strOrNull(o, 'signing_key'),
    encryption_key: strOrNull(o, 'encryption_key'),
    property_mappings: strings(o.property_mappings),
    sub_mode: str(o, 'sub_mode'),
    issuer_mode: str(o, 'issuer_mode'),
    include_claims_in_id_token: bool(o, 'include_claims_in_id_token'),
    authorization_flow: strOrNull(o, 'authorization_flow'),
    authentication_flow: strOrNull(o, 'authentication_flow'),
    assigned_application_slug: strOrNull(o, 'assigned_application_slug'),
  };
  // the secret becomes opaque the moment it leaves the wire
  if (secret !== undefined && secret !== '') p.client_secret = new Secret(secret);
  // grant_types exists from 2026.5 on; older servers leave it out and allow all grants
  if (Array.isArray(o.grant_types)) p.grant_types = strings(o.grant_types);
  return p;
}

function application(o: Json): AkApplication | undefined {
  const slug = str(o, 'slug');
  if (!slug) return undefined;
  return {
    pk: str(o, 'pk') ?? slug,
    slug,
    name: str(o, 'name') ?? slug,
    provider: typeof o.provider === 'number' ? o.provider : null,
    policy_engine_mode: str(o, 'policy_engine_mode'),
  };
}

function scopeMapping(o: Json): AkScopeMapping | undefined {
  const pk = str(o, 'pk');
  if (!pk) return undefined;
  return {
    pk,
    name: str(o, 'name') ?? pk,
    scope_name: str(o, 'scope_name') ?? '',
    managed: strOrNull(o, 'managed'),
  };
}

function keypair(o: Json): AkKeypair | undefined {
  const pk = str(o, 'pk');
  if (!pk) return undefined;
  return {
    pk,
    name: str(o, 'name') ?? pk,
    key_type: strOrNull(o, 'key_type'),
    private_key_available: bool(o, 'private_key_available'),
  };
}

function user(o: Json): AkUser | undefined {
  if (typeof o.pk !== 'number' || typeof o.username !== 'string') return undefined;
  const u: AkUser = {
    pk: o.pk,
    username: o.username,
    name: str(o, 'name') ?? '',
    is_active: bool(o, 'is_active') ?? true,
  };
  const uuid = str(o, 'uuid');
  if (uuid) u.uuid = uuid;
  const email = str(o, 'email');
  if (email !== undefined) u.email = email;
  if ('last_login' in o) u.last_login = strOrNull(o, 'last_login');
  const type = str(o, 'type');
  if (type) u.type = type;
  const uid = str(o, 'uid');
  if (uid) u.uid = uid;
  if (Array.isArray(o.groups)) u.groups = strings(o.groups);
  return u;
}

function event(o: Json): AkEvent | undefined {
  const action = str(o, 'action');
  const created = str(o, 'created');
  if (!action || !created) return undefined;
  const e: AkEvent = {
    pk: str(o, 'pk') ?? '',
    action,
    created,
    context: isObj(o.context) ? (maskContext(o.context) as Json) : {},
  };
  const username = isObj(o.user) ? str(o.user, 'username') : undefined;
  if (username) e.username = username;
  const app = str(o, 'app');
  if (app) e.app = app;
  return e;
}

/** The settings of a stage that the checks read; credentials (SMTP password...) are never kept. */
const STAGE_SETTINGS: Record<string, readonly string[]> = {
  'ak-stage-user-write-form': [
    'user_creation_mode',
    'create_users_as_inactive',
    'create_users_group',
    'user_type',
    'can_create_users',
  ],
  'ak-stage-identification-form': ['user_fields', 'enrollment_flow', 'recovery_flow', 'password_stage'],
  'ak-stage-invitation-form': ['continue_flow_without_invitation'],
  'ak-stage-email-form': ['activate_user_on_success', 'use_global_settings', 'template'],
  'ak-stage-prompt-form': [],
};

function pick(o: Json, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in o) out[k] = o[k];
  return out;
}

interface FlowInputs {
  flows: Json[];
  bindings: Json[];
  /** stage pk -> the stage object from its type's list */
  stages: Map<string, Json>;
  /** prompt pk -> prompt */
  prompts: Map<string, Json>;
}

function stageOf(binding: Json, inputs: FlowInputs): AkStage | undefined {
  const obj = isObj(binding.stage_obj) ? binding.stage_obj : {};
  const pk = str(binding, 'stage') ?? str(obj, 'pk');
  if (!pk) return undefined;
  const full = inputs.stages.get(pk) ?? obj;
  const component = str(full, 'component') ?? str(obj, 'component') ?? '';
  const settings = pick(full, STAGE_SETTINGS[component] ?? []);
  if (component === 'ak-stage-prompt-form') {
    const prompts = strings(full.fields).flatMap((ppk) => {
      const p = inputs.prompts.get(ppk);
      return p ? [p] : [];
    });
    settings.fields = prompts.map((p) => str(p, 'field_key') ?? '');
    settings.prompts = prompts.map((p) => ({
      name: str(p, 'name') ?? '',
      field_key: str(p, 'field_key') ?? '',
      type: str(p, 'type') ?? '',
      required: bool(p, 'required') ?? true,
    }));
  }
  return { pk, name: str(full, 'name') ?? str(obj, 'name') ?? pk, component, settings };
}

function flowsOf(inputs: FlowInputs, wanted: (f: Json) => boolean): AkFlow[] {
  const byTarget = new Map<string, Json[]>();
  for (const b of inputs.bindings) {
    const target = str(b, 'target');
    if (!target) continue;
    byTarget.set(target, [...(byTarget.get(target) ?? []), b]);
  }
  return inputs.flows.filter(wanted).flatMap((f) => {
    const pk = str(f, 'pk');
    const slug = str(f, 'slug');
    if (!pk || !slug) return [];
    const stages = (byTarget.get(pk) ?? [])
      .map((b) => ({ order: typeof b.order === 'number' ? b.order : 0, stage: stageOf(b, inputs) }))
      .filter((s): s is { order: number; stage: AkStage } => s.stage !== undefined)
      .sort((a, b) => a.order - b.order);
    const flow: AkFlow = {
      pk,
      slug,
      name: str(f, 'name') ?? slug,
      designation: str(f, 'designation') ?? '',
      stages,
    };
    const authentication = str(f, 'authentication');
    if (authentication) flow.authentication = authentication;
    return [flow];
  });
}

// ------------------------------------------------------------------------------ sampling

/** The Authentik providers MAS uses (by client_id); without a MAS config, the ones with a MAS callback. */
function matrixProviders(providers: AkProvider[], mas: MasProviderFacts[] | undefined): AkProvider[] {
  if (mas && mas.length) {
    const ids = new Set(mas.map((p) => p.client_id).filter(Boolean));
    return providers.filter((p) => ids.has(p.client_id));
  }
  return providers.filter((p) => p.redirect_uris.some((r) => r.url.includes('/upstream/callback/')));
}

/**
 * Who deserves check_access/preview_user when no user is in focus: people whose recent sign-in
 * attempts failed first, then people recently created (enrollment), newest first.
 */
export function sampleUsernames(events: AkEvent[], cap = SAMPLE_CAP): string[] {
  const failed: string[] = [];
  const created: string[] = [];
  for (const e of events) {
    const ctxUser = typeof e.context.username === 'string' ? e.context.username : undefined;
    if (e.action === 'login_failed' && ctxUser) failed.push(ctxUser);
    else if (
      ['configuration_error', 'system_exception', 'property_mapping_exception'].includes(e.action) &&
      e.username &&
      e.username !== 'AnonymousUser'
    )
      failed.push(e.username);
    else if (e.action === 'user_write' && e.context.created === true && e.username) created.push(e.username);
    else if (
      e.action === 'model_created' &&
      isObj(e.context.model) &&
      e.context.model.model_name === 'user'
    ) {
      const name = e.context.model.name;
      if (typeof name === 'string') created.push(name);
    }
  }
  return [...new Set([...failed, ...created])].slice(0, cap);
}

// ------------------------------------------------------------------------------ the source

function skip(reason: string): SnapshotPart {
  return { authentik: { status: 'skipped', reason } };
}

export const authentikSource: Source = {
  name: 'authentik-api',
  wave: 2,
  async collect(ctx, earlier) {
    const conf = ctx.config.authentik;
    if (!conf) return skip('no authentik section in the ssochain config');
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const base = conf.url.replace(/\/+$/, '');
    let token: Secret;
    try {
      token = await ctx.secret(conf.token);
    } catch (err) {
      return {
        authentik: {
          status: 'error',
          ms: ms(),
          error: {
            code: 'ERR_SOURCE_CONFIG',
            message: `The Authentik API token could not be read: ${(err as Error)?.message ?? String(err)}`,
          },
        },
      };
    }
    const api = await import('@goauthentik/api');
    // every request through the doctor's fetch (limiter, tests), each with its own timeout
    const fetchApi = ((input: string | URL | Request, init?: RequestInit) =>
      ctx.fetch(input, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(ctx.timeoutMs),
      })) as FetchAPI;
    const configuration: Configuration = new api.Configuration({
      basePath: `${base}/api/v3`,
      accessToken: async () => token.reveal(),
      fetchApi,
    });
    const admin = new api.AdminApi(configuration);
    const core = new api.CoreApi(configuration);
    const providersApi = new api.ProvidersApi(configuration);
    const mappingsApi = new api.PropertymappingsApi(configuration);
    const crypto = new api.CryptoApi(configuration);
    const flowsApi = new api.FlowsApi(configuration);
    const stages = new api.StagesApi(configuration);
    const sourcesApi = new api.SourcesApi(configuration);
    const eventsApi = new api.EventsApi(configuration);
    const r = new Reader(base, ctx);

    const [
      version,
      providers,
      applications,
      scopeMappings,
      keypairs,
      flows,
      bindings,
      identification,
      userWrite,
      promptStages,
      prompts,
      email,
      invitationStages,
      invitations,
      brands,
      sources,
      users,
      events,
    ] = await Promise.all([
      r.json(P.version, () => admin.adminVersionRetrieveRaw()),
      r.list(P.providers, (page, pageSize) => providersApi.providersOauth2ListRaw({ page, pageSize })),
      r.list(P.applications, (page, pageSize) =>
        core.coreApplicationsListRaw({ page, pageSize, superuserFullList: true }),
      ),
      r.list(P.scopeMappings, (page, pageSize) =>
        mappingsApi.propertymappingsProviderScopeListRaw({ page, pageSize }),
      ),
      r.list(P.keypairs, (page, pageSize) => crypto.cryptoCertificatekeypairsListRaw({ page, pageSize })),
      r.list(P.flows, (page, pageSize) => flowsApi.flowsInstancesListRaw({ page, pageSize })),
      r.list(P.bindings, (page, pageSize) =>
        flowsApi.flowsBindingsListRaw({ page, pageSize, ordering: 'order' }),
      ),
      r.list(P.identification, (page, pageSize) => stages.stagesIdentificationListRaw({ page, pageSize })),
      r.list(P.userWrite, (page, pageSize) => stages.stagesUserWriteListRaw({ page, pageSize })),
      r.list(P.promptStages, (page, pageSize) => stages.stagesPromptStagesListRaw({ page, pageSize })),
      r.list(P.prompts, (page, pageSize) => stages.stagesPromptPromptsListRaw({ page, pageSize })),
      r.list(P.email, (page, pageSize) => stages.stagesEmailListRaw({ page, pageSize })),
      r.list(P.invitationStages, (page, pageSize) =>
        stages.stagesInvitationStagesListRaw({ page, pageSize }),
      ),
      r.list(P.invitations, (page, pageSize) =>
        stages.stagesInvitationInvitationsListRaw({ page, pageSize }),
      ),
      r.list(P.brands, (page, pageSize) => core.coreBrandsListRaw({ page, pageSize })),
      r.list(P.sources, (page, pageSize) => sourcesApi.sourcesAllListRaw({ page, pageSize })),
      r.list(
        P.users,
        (page, pageSize) =>
          core.coreUsersListRaw({ page, pageSize, includeGroups: false, ordering: 'username' }),
        USER_CAP,
      ),
      r.list(
        P.events,
        (page, pageSize) =>
          eventsApi.eventsEventsListRaw({
            page,
            pageSize,
            ordering: '-created',
            actions: [...EVENT_ACTIONS] as EventActions[],
          }),
        EVENT_CAP,
      ),
    ]);

    // the core: without providers and applications nothing about Authentik can be judged
    const failed = (o: { error: FetchError; network: boolean }): SnapshotPart => ({
      authentik: { status: o.network ? 'unreachable' : 'error', ms: ms(), error: o.error },
    });
    if (!providers.ok) return failed(providers);
    if (!applications.ok) return failed(applications);

    const gaps: { part: string; error: FetchError }[] = [];
    /** the list, or [] with the failure recorded; `optional` parts may be missing on old servers */
    const items = (key: PartKey, o: Outcome<{ items: Json[] }>, optional = false): Json[] => {
      if (o.ok) return o.data.items;
      if (!(optional && o.error.status === 404)) gaps.push({ part: key, error: o.error });
      return [];
    };

    const facts: AuthentikFacts = {
      url: base,
      providers: providers.data.items.flatMap((o) => provider(o) ?? []),
      applications: applications.data.items.flatMap((o) => application(o) ?? []),
      scopeMappings: items('scopeMappings', scopeMappings).flatMap((o) => scopeMapping(o) ?? []),
      keypairs: items('keypairs', keypairs).flatMap((o) => keypair(o) ?? []),
      flows: [],
      enrollmentLinks: [],
      users: items('users', users).flatMap((o) => user(o) ?? []),
      events: items('events', events).flatMap((o) => event(o) ?? []),
      access: [],
      claimsPreview: [],
    };
    // the version only refines judgements (formats, defaults): not being allowed to read it is no gap
    if (version.ok && isObj(version.data) && typeof version.data.version_current === 'string')
      facts.version = version.data.version_current;

    // flows: enrollment flows and the authentication flows that may link them
    const stageMap = new Map<string, Json>();
    const identificationStages = items('identification', identification);
    for (const list of [
      identificationStages,
      items('userWrite', userWrite),
      items('promptStages', promptStages),
      items('email', email),
      items('invitationStages', invitationStages),
    ])
      for (const s of list) {
        const pk = str(s, 'pk');
        if (pk) stageMap.set(pk, s);
      }
    const promptMap = new Map<string, Json>();
    for (const p of items('prompts', prompts)) {
      const pk = str(p, 'pk');
      if (pk) promptMap.set(pk, p);
    }
    facts.flows = flowsOf(
      {
        flows: items('flows', flows),
        bindings: items('bindings', bindings),
        stages: stageMap,
        prompts: promptMap,
      },
      (f) => ['enrollment', 'authentication'].includes(str(f, 'designation') ?? ''),
    );
    facts.enrollmentLinks = identificationStages.map((s) => ({
      stage: str(s, 'name') ?? str(s, 'pk') ?? '',
      enrollmentFlow: strOrNull(s, 'enrollment_flow'),
      via: 'identification' as const,
    }));
    for (const s of items('sources', sources, true)) {
      const flow = strOrNull(s, 'enrollment_flow');
      if (flow)
        facts.enrollmentLinks.push({
          stage: `source:${str(s, 'slug') ?? ''}`,
          enrollmentFlow: flow,
          via: 'source',
        });
    }
    if (brands.ok)
      facts.brands = brands.data.items.map((b) => ({
        domain: str(b, 'domain') ?? '',
        default: bool(b, 'default') ?? false,
        flowAuthentication: strOrNull(b, 'flow_authentication'),
      }));
    else items('brands', brands);
    if (invitations.ok)
      facts.invitations = invitations.data.items.map((i) => ({
        name: str(i, 'name') ?? '',
        flow: strOrNull(i, 'flow'),
        expires: strOrNull(i, 'expires'),
        singleUse: bool(i, 'single_use') ?? false,
      }));
    else items('invitations', invitations);

    const truncated: NonNullable<AuthentikFacts['truncated']> = [];
    if (users.ok && users.data.total > facts.users.length)
      truncated.push({ part: 'users', fetched: facts.users.length, total: users.data.total });
    if (events.ok && events.data.total > facts.events.length)
      truncated.push({ part: 'events', fetched: facts.events.length, total: events.data.total });

    // the closer look: check_access and preview_user for the user in focus, or a sample
    const mas = earlier.masConfig?.status === 'ok' ? earlier.masConfig.data.providers : undefined;
    const targets = matrixProviders(facts.providers, mas);
    const apps = new Map<number, AkApplication>();
    for (const p of targets) {
      const app = facts.applications.find((a) => a.provider === p.pk);
      if (app) apps.set(p.pk, app);
    }
    if (conf.application) {
      const app = facts.applications.find((a) => a.slug === conf.application);
      const p = app && facts.providers.find((x) => x.pk === app.provider);
      if (app && p && !targets.includes(p)) {
        targets.push(p);
        apps.set(p.pk, app);
      }
    }
    let people: AkUser[] = [];
    if (ctx.user) {
      const focus = ctx.user;
      let found =
        facts.users.find((u) => u.username === focus) ??
        facts.users.find((u) => u.username.toLowerCase() === focus.toLowerCase());
      if (!found && users.ok) {
        // beyond the cap: ask for that one user
        const one = await r.json(P.users, () =>
          core.coreUsersListRaw({ username: focus, includeGroups: false }),
        );
        if (one.ok && isObj(one.data)) {
          found = objects(one.data.results).flatMap((o) => user(o) ?? [])[0];
          if (found) facts.users.push(found);
        }
      }
      if (found) people = [found];
    } else {
      const byName = new Map(facts.users.map((u) => [u.username, u]));
      people = sampleUsernames(facts.events).flatMap((n) => byName.get(n) ?? []);
    }
    const closer: Promise<void>[] = [];
    for (const u of people) {
      for (const p of targets) {
        const app = apps.get(p.pk);
        if (app) {
          closer.push(
            r
              .json(P.checkAccess, () =>
                core.coreApplicationsCheckAccessRetrieveRaw({ slug: app.slug, forUser: u.pk }),
              )
              .then((o) => {
                if (o.ok && isObj(o.data) && typeof o.data.passing === 'boolean') {
                  facts.access.push({
                    application: app.slug,
                    username: u.username,
                    passing: o.data.passing,
                    messages: strings(o.data.messages),
                  });
                } else if (!o.ok)
                  gaps.push({ part: `check_access/${app.slug}/${u.username}`, error: o.error });
              }),
          );
        }
        closer.push(
          r
            .json(P.preview, () =>
              providersApi.providersOauth2PreviewUserRetrieveRaw({ id: p.pk, forUser: u.pk }),
            )
            .then((o) => {
              if (o.ok && isObj(o.data) && isObj(o.data.preview)) {
                facts.claimsPreview.push({ provider: p.pk, username: u.username, claims: o.data.preview });
              } else if (!o.ok) gaps.push({ part: `preview_user/${p.name}/${u.username}`, error: o.error });
            }),
        );
      }
    }
    await Promise.all(closer);
    // stable order whatever finished first
    facts.access.sort((a, b) =>
      `${a.application}/${a.username}`.localeCompare(`${b.application}/${b.username}`),
    );
    facts.claimsPreview.sort((a, b) => a.provider - b.provider || a.username.localeCompare(b.username));

    if (truncated.length) facts.truncated = truncated;
    if (gaps.length) facts.gaps = gaps;
    return { authentik: { status: 'ok', ms: ms(), data: facts } satisfies Fetched<AuthentikFacts> };
  },
};
