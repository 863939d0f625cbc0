import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EmulatorDefinition, EmulatorInstance, StackEnv } from '../emulator.js';
import { json, Router } from '../http/server.js';
import { substituteUrls } from '../scenario/load.js';
import { MasApp, type ConfigSource, type ReloadResult } from './app.js';
import { loadMasConfig } from './config/load.js';
import type { ProviderConfig } from './config/types.js';
import { MasError } from './errors.js';
import { mountAdmin } from './routes/admin.js';
import { mountHuman } from './routes/human.js';
import { mountOAuth } from './routes/oauth.js';
import { mountUpstream } from './routes/upstream.js';
import { defaultConfigText, MasSectionSchema, type MasSection } from './scenario.js';
import { parseUlid } from './util.js';
import type { Job } from './worker.js';

export { MasSectionSchema, SANDBOX_DEFAULTS, type MasSection } from './scenario.js';
export type { ReloadResult, ConfigSource } from './app.js';
export type { Job } from './worker.js';

/** What tests and the stack can do with a running emulated MAS beyond HTTP. */
export interface MasEmulatorInstance extends EmulatorInstance {
  /** true while MAS runs; false when it would refuse to start */
  readonly running: boolean;
  /** MAS's start-up error when it refuses to start */
  readonly startupError: string | undefined;
  /** resolves when the start-up metadata warm-up is done */
  ready(): Promise<void>;
  /**
   * Replaces the running configuration (a GitOps repair): restarts MAS with the new config,
   * runs the configuration sync (changed providers updated, removed ones disabled, a new id is
   * a new provider and old links stay on the old one), or leaves MAS refusing to start.
   */
  reloadConfig(source: string | ConfigSource): Promise<ReloadResult>;
  worker: {
    stalled: boolean;
    setStalled(stalled: boolean): void;
    setDelay(delayMs: number): void;
    /** every job, oldest first */
    jobs(): Job[];
    /** jobs still queued or running */
    pending(): Job[];
    /** resolves when nothing can run right now (empty queue, stalled, or only later retries) */
    idle(): Promise<void>;
  };
  /** a snapshot of MAS's database, for assertions */
  state(): MasStateSnapshot;
  /** the client_credentials client the config grants `urn:mas:admin`, if any */
  adminClient(): { clientId: string; clientSecret: string } | { reason: string };
  app: MasApp;
}

export interface MasStateSnapshot {
  running: boolean;
  startupError?: string;
  users: {
    id: string;
    username: string;
    admin: boolean;
    locked: boolean;
    deactivated: boolean;
    emails: string[];
  }[];
  links: {
    id: string;
    providerId: string;
    subject: string;
    userId: string | null;
    humanAccountName: string | null;
  }[];
  providers: { id: string; enabled: boolean; issuer?: string; humanName?: string }[];
  jobs: Job[];
}

function placeholderProvider(id: string): ProviderConfig {
  return {
    index: Number.MAX_SAFE_INTEGER,
    enabled: false,
    id,
    clientId: '',
    tokenEndpointAuthMethod: 'none',
    idTokenSignedResponseAlg: 'RS256',
    scope: 'openid',
    discoveryMode: 'oidc',
    pkceMethod: 'auto',
    fetchUserinfo: false,
    claimsImports: {
      subject: {},
      skipConfirmation: false,
      localpart: { action: 'ignore', onConflict: 'fail' },
      displayname: { action: 'ignore' },
      email: { action: 'ignore' },
      accountName: {},
    },
    additionalAuthorizationParameters: [],
    forwardLoginHint: false,
    onBackchannelLogout: 'do_nothing',
    registrationTokenRequired: false,
  };
}

export async function createMas(section: MasSection, env: StackEnv): Promise<MasEmulatorInstance> {
  const readFile = (file: string): string => {
    if (file in section.files) return section.files[file]!;
    const resolved = path.resolve(env.scenarioDir, file);
    if (!existsSync(resolved)) throw new MasError('No such file or directory (os error 2)');
    return readFileSync(resolved, 'utf8');
  };
  const trustCa = section.trustCa.map((entry) => (entry.includes('-----BEGIN') ? entry : readFile(entry)));
  const app = new MasApp(env.log, {
    configPath: section.configPath,
    readFile,
    trustCa,
    logLevel: section.logLevel,
    worker: { ...section.worker },
  });
  const substitute = (text: string) => substituteUrls(text, env.urls);
  const initial: ConfigSource = {
    config:
      section.config !== undefined
        ? substitute(section.config)
        : defaultConfigText(env.urls, section.defaults),
    configFragments: section.configFragments.map(substitute),
  };

  // the database as the scenario describes it: providers that links refer to but the config
  // does not (any more) define were synced by an earlier configuration and are now disabled
  const preview = loadMasConfig([initial.config ?? '', ...(initial.configFragments ?? [])], {
    configPath: section.configPath,
    readFile: (f) => {
      try {
        return readFile(f);
      } catch {
        return '';
      }
    },
  });
  const configured = new Set(
    preview.ok ? preview.config.providers.filter((p) => p.enabled).map((p) => p.id) : [],
  );
  const past = new Date(Date.now() - 24 * 3600 * 1000);
  const linkSeeds = [...section.users.flatMap((u) => u.upstreamLinks), ...section.unlinkedUpstreamLinks];
  for (const seed of linkSeeds) {
    const id = parseUlid(seed.provider);
    if (!id.ok) throw new Error(`mas: upstream link provider ${JSON.stringify(seed.provider)} is not a ULID`);
    if (!configured.has(id.value) && !app.store.providers.has(id.value))
      app.store.providers.set(id.value, {
        id: id.value,
        createdAt: past,
        disabledAt: past,
        config: placeholderProvider(id.value),
      });
  }

  await app.applyConfig(initial);

  for (const seed of section.users) {
    const user = app.store.addUser(seed.username, past);
    user.canRequestAdmin = seed.admin;
    user.isGuest = seed.legacyGuest;
    user.password = seed.password;
    if (seed.locked) user.lockedAt = past;
    if (seed.deactivated) user.deactivatedAt = past;
    for (const email of seed.emails) app.store.addEmail(user.id, email, past);
    for (const l of seed.upstreamLinks) {
      const provider = parseUlid(l.provider);
      if (!provider.ok) continue;
      const link = app.store.addLink(provider.value, l.subject, l.humanAccountName ?? null, past);
      link.userId = user.id;
    }
    if (!seed.provisioned)
      app.worker.schedule('provision-user', {
        user_id: user.id,
        ...(seed.displayname ? { display_name_to_set: seed.displayname } : {}),
      });
  }
  for (const l of section.unlinkedUpstreamLinks) {
    const provider = parseUlid(l.provider);
    if (provider.ok) app.store.addLink(provider.value, l.subject, l.humanAccountName ?? null, past);
  }

  const router = new Router('mas');
  mountOAuth(router, app);
  mountHuman(router, app);
  mountUpstream(router, app);
  mountAdmin(router, app);

  const reloadConfig = async (source: string | ConfigSource): Promise<ReloadResult> => {
    const normalized: ConfigSource =
      typeof source === 'string'
        ? { config: substitute(source) }
        : {
            config: source.config !== undefined ? substitute(source.config) : undefined,
            configFragments: (source.configFragments ?? []).map(substitute),
          };
    return app.applyConfig(normalized);
  };

  const adminClient = (): { clientId: string; clientSecret: string } | { reason: string } => {
    if (section.adminClient === false) return { reason: 'disabled by the scenario (adminClient: false)' };
    if (!app.running || !app.config) return { reason: `MAS is not running: ${app.refused ?? 'not started'}` };
    const cfg = app.config;
    if (!cfg.http.resources.has('adminapi'))
      return { reason: 'no http listener serves the `adminapi` resource' };
    const admins = cfg.policy.data.admin_clients ?? [];
    const candidates = cfg.clients.filter((c) =>
      section.adminClient ? c.clientId === section.adminClient.clientId.toUpperCase() : true,
    );
    if (section.adminClient && candidates.length === 0)
      return { reason: `client ${section.adminClient.clientId} is not in \`clients\`` };
    for (const c of candidates) {
      if (!admins.includes(c.clientId)) continue;
      if (
        c.clientSecret === undefined ||
        !['client_secret_basic', 'client_secret_post'].includes(c.clientAuthMethod)
      )
        continue;
      return { clientId: c.clientId, clientSecret: c.clientSecret };
    }
    return section.adminClient
      ? { reason: `client ${section.adminClient.clientId} is not in \`policy.data.admin_clients\`` }
      : { reason: 'no client in `clients` with a secret is listed in `policy.data.admin_clients`' };
  };

  const state = (): MasStateSnapshot => ({
    running: app.running,
    ...(app.refused ? { startupError: app.refused } : {}),
    users: [...app.store.users.values()].map((u) => ({
      id: u.id,
      username: u.username,
      admin: u.canRequestAdmin,
      locked: !!u.lockedAt,
      deactivated: !!u.deactivatedAt,
      emails: app.store.emailsOf(u.id).map((e) => e.email),
    })),
    links: [...app.store.links.values()].map((l) => ({
      id: l.id,
      providerId: l.providerId,
      subject: l.subject,
      userId: l.userId,
      humanAccountName: l.humanAccountName,
    })),
    providers: [...app.store.providers.values()].map((p) => ({
      id: p.id,
      enabled: !p.disabledAt,
      issuer: p.config.issuer,
      humanName: p.config.humanName,
    })),
    jobs: app.worker.jobs(),
  });

  // sandbox control routes (not part of MAS; they work even when MAS refuses to start)
  router.on('POST', '/_sandbox/reload', 'sandbox', async (ctx) => {
    const raw = (await ctx.body()).toString('utf8');
    let source: string | ConfigSource = raw;
    if ((ctx.headers['content-type'] ?? '').includes('json')) {
      try {
        source = JSON.parse(raw) as ConfigSource;
      } catch {
        return json(400, { detail: 'invalid JSON body' });
      }
    }
    const result = await reloadConfig(source);
    return json(result.ok ? 200 : 422, result);
  });
  router.on('GET', '/_sandbox/state', 'sandbox', () => json(200, state()));
  router.on('POST', '/_sandbox/worker', 'sandbox', async (ctx) => {
    const body = await ctx.json<{ stalled?: boolean; delayMs?: number }>();
    if (typeof body.delayMs === 'number') app.worker.setDelay(body.delayMs);
    if (typeof body.stalled === 'boolean') app.worker.setStalled(body.stalled);
    return json(200, { stalled: app.worker.stalled, jobs: app.worker.jobs() });
  });

  return {
    router,
    app,
    get running() {
      return app.running;
    },
    get startupError() {
      return app.refused;
    },
    ready: () => app.warmUp,
    reloadConfig,
    worker: {
      get stalled() {
        return app.worker.stalled;
      },
      setStalled: (s) => app.worker.setStalled(s),
      setDelay: (d) => app.worker.setDelay(d),
      jobs: () => app.worker.jobs(),
      pending: () => app.worker.pending(),
      idle: () => app.worker.idle(),
    },
    state,
    adminClient,
    info(): Record<string, string> {
      const admin = adminClient();
      const out: Record<string, string> = {
        status: app.running ? 'running' : `refuses to start: ${app.refused ?? 'not started'}`,
        version: '1.22.0 (emulated)',
        worker: app.worker.stalled ? 'stalled' : 'running',
        pendingJobs: String(app.worker.pending().length),
      };
      if (app.config) {
        out.issuer = app.config.http.issuer;
        out.publicBase = app.config.http.publicBase;
        out.homeserver = app.config.matrix.homeserver;
        out.providers = app.store
          .enabledProviders()
          .map((p) => `${p.id} (${p.config.humanName ?? p.config.issuer ?? 'no name'})`)
          .join(', ');
      }
      if ('clientId' in admin) {
        out.adminClientId = admin.clientId;
        out.adminClientSecret = admin.clientSecret;
      } else out.adminClient = `none: ${admin.reason}`;
      return out;
    },
    async close() {
      app.worker.close();
    },
  };
}

export const masEmulator: EmulatorDefinition<MasSection> = {
  service: 'mas',
  section: MasSectionSchema,
  create: createMas,
};
