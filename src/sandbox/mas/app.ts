import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { SandboxLog } from '../log.js';
import { json, type Reply, type RequestContext } from '../http/server.js';
import { loadMasConfig, type LoadResult } from './config/load.js';
import type { MasConfig, ProviderConfig, ResourceName } from './config/types.js';
import { MasError, RouteFailure } from './errors.js';
import { Homeserver } from './homeserver.js';
import type { HttpOptions } from './http-client.js';
import { MasLogger } from './log.js';
import { errorPage } from './pages.js';
import { MasStore, type PostAuthAction, type ProviderRow } from './store.js';
import { MetadataCache } from './upstream/oidc.js';
import { newUlid, randomUrlSafe } from './util.js';
import { Worker, type WorkerOptions } from './worker.js';

export const MAS_VERSION = '1.22.0';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export interface ConfigSource {
  config?: string;
  configFragments?: string[];
}

export interface ReloadResult {
  ok: boolean;
  /** MAS's start-up error when the new configuration is refused */
  error?: string;
  /** provider ids added, updated, disabled by the configuration sync */
  providers: { added: string[]; updated: string[]; disabled: string[] };
}

/** One request as the handlers see it: the router context plus MAS's log context and cookies. */
export interface Req {
  ctx: RequestContext;
  /** log context tag for this request (`GET-12`) */
  log: string;
  setCookies: string[];
}

const COOKIE_MAX_AGE = 60 * 60 * 24 * 365;

/** The running emulated MAS: configuration, database, worker and the helpers every route uses. */
export class MasApp {
  config?: MasConfig;
  /** set when MAS would refuse to start with the current configuration */
  refused?: string;
  readonly store = new MasStore();
  readonly logger: MasLogger;
  readonly worker: Worker;
  readonly metadata: MetadataCache;
  homeserver!: Homeserver;
  signingKeys: SigningKey[] = [];
  /** in-flight start-up work (metadata warm-up); tests can await it */
  warmUp: Promise<void> = Promise.resolve();

  constructor(
    log: SandboxLog,
    readonly options: {
      configPath: string;
      readFile: (path: string) => string;
      trustCa: string[];
      logLevel: 'info' | 'debug';
      worker: WorkerOptions;
    },
  ) {
    this.logger = new MasLogger(log, options.logLevel);
    this.metadata = new MetadataCache(() => this.httpOptions());
    this.worker = new Worker(
      this.store,
      () => this.homeserver,
      this.logger,
      options.worker,
      () => this.running,
    );
  }

  httpOptions(): HttpOptions {
    return { ca: this.options.trustCa, timeoutMs: 10_000 };
  }

  get running(): boolean {
    return !!this.config && !this.refused;
  }

  /** `config` narrowed for handlers, which only run while MAS runs */
  get cfg(): MasConfig {
    if (!this.config) throw new Error('MAS is not running');
    return this.config;
  }

  // --- configuration ------------------------------------------------------------------------

  /** Loads a configuration at start-up or on reload; returns what the sync did. */
  async applyConfig(source: ConfigSource): Promise<ReloadResult> {
    const texts = [source.config ?? '', ...(source.configFragments ?? [])];
    const result: LoadResult = loadMasConfig(texts, {
      configPath: this.options.configPath,
      readFile: this.options.readFile,
    });
    const none = { added: [], updated: [], disabled: [] };
    if (!result.ok) {
      this.refused = result.error;
      // `mas-cli` returns the error from main: Rust prints it on stderr, outside tracing
      this.logger.raw('ERROR', 'mas_cli', `Error: ${result.error}`);
      return { ok: false, error: result.error, providers: none };
    }
    let keys: SigningKey[];
    try {
      keys = await importSigningKeys(result.config);
    } catch (err) {
      const message = err instanceof MasError ? err.message : String((err as Error).message);
      this.refused = `could not import keys from config: ${message}`;
      this.logger.raw('ERROR', 'mas_cli', `Error: ${this.refused}`);
      return { ok: false, error: this.refused, providers: none };
    }
    this.refused = undefined;
    this.config = result.config;
    this.signingKeys = keys;
    this.homeserver = new Homeserver(result.config.matrix, this.logger);
    this.metadata.clear();
    this.logger.write('INFO', 'mas_cli::commands::server', 63, 'Starting up', { version: MAS_VERSION });
    const providers = this.syncConfig(result.config);
    this.warmUp = this.warmUpMetadata();
    this.worker.resume();
    return { ok: true, providers };
  }

  /** `mas-cli config sync` without `--prune` (cli/src/sync.rs), run at every start */
  private syncConfig(config: MasConfig): ReloadResult['providers'] {
    const added: string[] = [];
    const updated: string[] = [];
    const disabled: string[] = [];
    const now = new Date();
    this.logger.write(
      'INFO',
      'mas_cli::sync',
      108,
      'Syncing providers and clients defined in config to database',
      {
        prune: false,
        dry_run: false,
      },
    );
    const enabledIds = new Set(config.providers.filter((p) => p.enabled).map((p) => p.id));
    let softDeleted = 0;
    for (const row of this.store.providers.values()) {
      if (!row.disabledAt) {
        if (!enabledIds.has(row.id)) {
          this.logger.write('INFO', 'mas_cli::sync', 149, 'Disabling provider', { 'provider.id': row.id });
          row.disabledAt = now;
          disabled.push(row.id);
          softDeleted++;
        }
      } else softDeleted++;
    }
    if (softDeleted === 1)
      this.logger.write(
        'WARN',
        'mas_cli::sync',
        183,
        'A provider is soft-deleted in the database. Run `mas-cli config sync --prune` to delete it.',
      );
    else if (softDeleted > 1)
      this.logger.write(
        'WARN',
        'mas_cli::sync',
        186,
        `${softDeleted} providers are soft-deleted in the database. Run \`mas-cli config sync --prune\` to delete them.`,
      );
    for (const p of config.providers) {
      if (!p.enabled) continue;
      const row = this.store.providers.get(p.id);
      if (row && !row.disabledAt) {
        this.logger.write('INFO', 'mas_cli::sync', 201, 'Updating provider', { 'provider.id': p.id });
        row.config = p;
        updated.push(p.id);
      } else if (row) {
        this.logger.write('INFO', 'mas_cli::sync', 203, 'Enabling and updating provider', {
          'provider.id': p.id,
        });
        row.disabledAt = null;
        row.config = p;
        updated.push(p.id);
      } else {
        this.logger.write('INFO', 'mas_cli::sync', 205, 'Adding provider', { 'provider.id': p.id });
        this.store.providers.set(p.id, { id: p.id, createdAt: now, disabledAt: null, config: p });
        added.push(p.id);
      }
      if (p.discoveryMode === 'disabled') {
        if (!p.authorizationEndpoint)
          this.logger.write(
            'ERROR',
            'mas_cli::sync',
            277,
            'Provider has discovery disabled but no authorization endpoint set',
            {
              'provider.id': p.id,
            },
          );
        if (!p.tokenEndpoint)
          this.logger.write(
            'ERROR',
            'mas_cli::sync',
            281,
            'Provider has discovery disabled but no token endpoint set',
            {
              'provider.id': p.id,
            },
          );
        if (!p.jwksUri)
          this.logger.write(
            'WARN',
            'mas_cli::sync',
            285,
            'Provider has discovery disabled but no JWKS URI set',
            {
              'provider.id': p.id,
            },
          );
      }
    }
    // static clients
    for (const c of config.clients) {
      const existing = this.store.clients.get(c.clientId);
      this.logger.write(
        'INFO',
        'mas_cli::sync',
        existing ? 408 : 410,
        existing ? 'Updating client' : 'Adding client',
        {
          'client.id': c.clientId,
        },
      );
      this.store.clients.set(c.clientId, {
        id: c.clientId,
        isStatic: true,
        authMethod: c.clientAuthMethod,
        secret: c.clientSecret,
        redirectUris: c.redirectUris,
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
        name: c.clientName,
        uri: c.clientUri,
        createdAt: existing?.createdAt ?? now,
      });
    }
    for (const [id, c] of this.store.clients)
      if (c.isStatic && !config.clients.some((x) => x.clientId === id)) {
        this.logger.write('INFO', 'mas_cli::sync', 384, 'Deleting client', { 'client.id': id });
        this.store.clients.delete(id);
      }
    return { added, updated, disabled };
  }

  /** The metadata cache warm-up MAS runs at start-up (`metadata-cache-warmup` context). */
  private async warmUpMetadata(): Promise<void> {
    const ctx = this.logger.context('metadata-cache-warmup');
    for (const row of this.store.enabledProviders()) {
      const p = row.config;
      if (p.discoveryMode === 'disabled') continue;
      if (!p.issuer) {
        this.logger.write(
          'ERROR',
          'mas_handlers::upstream_oauth2::cache',
          188,
          "Provider doesn't have an issuer set, but discovery is enabled!",
          { 'provider.id': p.id },
          ctx,
        );
        continue;
      }
      try {
        await this.metadata.get(p.issuer, p.discoveryMode === 'oidc');
      } catch (err) {
        this.logger.write(
          'ERROR',
          'mas_handlers::upstream_oauth2::cache',
          193,
          'Failed to fetch provider metadata',
          { issuer: p.issuer, error: err as MasError },
          ctx,
        );
      }
    }
  }

  /** a provider the upstream routes may use: synced and enabled */
  enabledProvider(id: string): ProviderRow | undefined {
    const row = this.store.providers.get(id.toUpperCase());
    return row && !row.disabledAt ? row : undefined;
  }

  providerConfig(id: string): ProviderConfig | undefined {
    return this.store.providers.get(id)?.config;
  }

  serves(resource: ResourceName): boolean {
    return !!this.config?.http.resources.has(resource);
  }

  // --- URLs ---------------------------------------------------------------------------------

  /** `UrlBuilder::absolute_url_for`: the route joined onto `http.public_base` */
  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.cfg.http.publicBase).href;
  }

  /** `UrlBuilder::relative_url_for`: the public base's path prefix plus the route */
  relative(path: string): string {
    const prefix = new URL(this.cfg.http.publicBase).pathname.replace(/\/+$/, '');
    return `${prefix}${path}`;
  }

  get issuer(): string {
    return this.cfg.http.issuer;
  }

  // --- cookies and sessions ---------------------------------------------------------------

  setCookie(req: Req, name: string, value: string | undefined): void {
    const base = new URL(this.cfg.http.publicBase);
    const attrs = [`Path=${base.pathname}`, 'HttpOnly', 'SameSite=Lax'];
    if (base.protocol === 'https:') attrs.push('Secure');
    if (value === undefined) req.setCookies.push(`${name}=; Max-Age=0; ${attrs.join('; ')}`);
    else req.setCookies.push(`${name}=${value}; Max-Age=${COOKIE_MAX_AGE}; ${attrs.join('; ')}`);
  }

  readCookie<T>(req: Req, name: string): T | undefined {
    const raw = req.ctx.cookies[name];
    if (!raw) return undefined;
    try {
      return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  writeCookie(req: Req, name: string, value: unknown): void {
    this.setCookie(req, name, Buffer.from(JSON.stringify(value)).toString('base64url'));
  }

  /** the active browser session from the `session` cookie, if any */
  browserSession(req: Req) {
    const info = this.readCookie<{ current?: string }>(req, 'session');
    const session = info?.current ? this.store.browserSessions.get(info.current) : undefined;
    if (!session || session.finishedAt) return undefined;
    const user = this.store.users.get(session.userId);
    if (!user) return undefined;
    return { session, user };
  }

  startBrowserSession(req: Req, userId: string) {
    const session = {
      id: newId(),
      userId,
      createdAt: new Date(),
      finishedAt: null,
    };
    this.store.browserSessions.set(session.id, session);
    this.writeCookie(req, 'session', { current: session.id });
    return session;
  }

  /** the `csrf` cookie token, created when missing */
  csrf(req: Req): string {
    const existing = this.readCookie<{ token: string; exp: number }>(req, 'csrf');
    if (existing && existing.exp > Date.now()) return existing.token;
    const token = randomUrlSafe(24);
    this.writeCookie(req, 'csrf', { token, exp: Date.now() + 60 * 60 * 1000 });
    return token;
  }

  verifyCsrf(req: Req, form: URLSearchParams): void {
    const cookie = this.readCookie<{ token: string; exp: number }>(req, 'csrf');
    if (!cookie) throw new RouteFailure(new MasError('Missing CSRF cookie'), 'internal', 500);
    if (cookie.exp <= Date.now()) throw new RouteFailure(new MasError('CSRF token expired'), 'internal', 500);
    if (form.get('csrf') !== cookie.token)
      throw new RouteFailure(new MasError('CSRF token mismatch'), 'internal', 500);
  }

  /** `PostAuthAction::go_next` */
  goNext(action: PostAuthAction | undefined): string {
    if (!action) return this.relative('/');
    switch (action.kind) {
      case 'continue_authorization_grant':
        return this.relative(`/consent/${action.id}`);
      case 'continue_compat_sso_login':
        return this.relative(`/complete-compat-sso/${action.id}`);
      case 'link_upstream':
        return this.relative(`/upstream/link/${action.id}`);
    }
  }

  // --- error responses ----------------------------------------------------------------------

  /** `GenericError` / `InternalError`: the log line and the error page */
  failure(req: Req, failure: RouteFailure): Reply {
    const error = failure.error;
    if (failure.record)
      this.logger.write(failure.record.level, failure.record.target, failure.record.line, error, {}, req.log);
    if (failure.kind === 'internal')
      this.logger.write('ERROR', 'mas_axum_utils::fancy_error', 67, error, {}, req.log);
    else this.logger.write('WARN', 'mas_axum_utils::fancy_error', 38, error, {}, req.log);
    return errorPage(failure.status, { description: error.message, details: error.sources });
  }

  /** `record_error!`: the line a route logs for an error it turns into a response */
  recordError(req: Req, target: string, line: number, level: 'ERROR' | 'WARN', error: MasError): void {
    this.logger.write(level, target, line, error, {}, req.log);
  }

  unavailable(): Reply {
    return json(503, { detail: `MAS is not running: ${this.refused ?? 'not started'}` });
  }
}

const newId = () => newUlid();

async function importSigningKeys(config: MasConfig): Promise<SigningKey[]> {
  const out: SigningKey[] = [];
  for (const k of config.secrets.keys) {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: k.pem, format: 'pem', passphrase: k.password });
    } catch (err) {
      throw new MasError(`could not load key: ${(err as Error).message}`);
    }
    const publicJwk = await exportJWK(createPublicKey(privateKey));
    const kid = k.kid ?? (await calculateJwkThumbprint(publicJwk));
    let alg: string;
    if (privateKey.asymmetricKeyType === 'rsa') alg = 'RS256';
    else if (privateKey.asymmetricKeyType === 'ec') {
      const crv = publicJwk.crv;
      alg = crv === 'P-384' ? 'ES384' : crv === 'P-521' ? 'ES512' : crv === 'secp256k1' ? 'ES256K' : 'ES256';
    } else alg = 'EdDSA';
    out.push({ kid, alg, privateKey, publicJwk: { ...publicJwk, kid, use: 'sig', alg } });
  }
  return out;
}
