import { isSecretPath } from '../checks/mas/secret-values.js';
import type { SsochainConfig } from '../config/schema.js';
import { SsochainError } from '../errors.js';
import type { Finding } from '../report/types.js';
import { Secret } from '../snapshot/secret.js';
import type { Fetched, MasConfigFacts, MasProviderFacts } from '../snapshot/types.js';
import type { ConfigView, PathSeg } from './files/config-view.js';
import { loadConfigFile, loadConfigText, type LoadedInput, type SopsAdapter } from './files/load.js';
import { kubeSecretReader, type ReadKubeSecret } from './kube.js';
import { sopsAdapterFor } from './files/sops-adapter.js';
import type { Source, SourceContext, SnapshotPart } from './source.js';

/**
 * The MAS config as MAS would run it. The lint loader finds every MAS document in the file the
 * user named (a plain config, a Kubernetes Secret, ESS values with
 * `matrixAuthenticationService.additional.*.config`, a HelmRelease, a SOPS file decrypted in
 * memory); this source merges them the way ESS's renderer and MAS's figment do (maps merge
 * deeply, lists append, scalars replace), adds what the ESS chart sets itself, applies MAS's
 * defaults, and keeps secrets as `Secret`. It runs in the first wave: it is local, and it tells
 * the network sources which issuers and which shared secret MAS uses.
 */

export const REDACTED = '<redacted>';

/** MAS's built-in `http.public_base` (and so its issuer) when the config has no `http` section. */
export const MAS_DEFAULT_PUBLIC_BASE = 'http://[::]:8080/';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Deep merge as ESS's renderer and figment's `admerge` do: maps merge, lists append, scalars replace. */
export function mergeConfigs(base: unknown, over: unknown): unknown {
  if (isRecord(base) && isRecord(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeConfigs(out[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  return over === undefined ? base : over;
}

/** The name of an ESS `additional` entry a view came from, or undefined. */
function essAdditionalName(view: ConfigView): string | undefined {
  for (const seg of view.via) {
    const m = /(?:^|\.)matrixAuthenticationService\.additional\.(.+)\.config$/.exec(seg);
    if (m) return m[1];
  }
  return undefined;
}

/** The ESS web listener (config-overrides.yaml.tpl): the chart mounts the admin API on it. */
const ESS_LISTENERS = [
  {
    name: 'web',
    resources: ['human', 'discovery', 'oauth', 'compat', 'assets', 'graphql', 'adminapi'].map((name) => ({
      name,
    })),
    binds: [{ port: 8080 }],
  },
  {
    name: 'internal',
    resources: [{ name: 'health' }, { name: 'prometheus' }, { name: 'connection-info' }],
    binds: [{ port: 8081 }],
  },
];

/**
 * What the ESS chart writes into MAS's config itself (its overrides win over `additional`):
 * the public base from the MAS ingress host, the homeserver from `serverName`, the modern
 * Synapse API and its own listeners. Values it takes from generated Secrets stay unknown.
 */
function essOverrides(values: unknown): Record<string, unknown> | undefined {
  if (!isRecord(values) || !isRecord(values.matrixAuthenticationService)) return undefined;
  const mas = values.matrixAuthenticationService;
  if (mas.enabled === false) return undefined;
  const out: Record<string, unknown> = { http: { listeners: ESS_LISTENERS } };
  const host = isRecord(mas.ingress) ? str(mas.ingress.host) : undefined;
  if (host) (out.http as Record<string, unknown>).public_base = `https://${host}`;
  const matrix: Record<string, unknown> = { kind: 'synapse_modern' };
  const serverName = str(values.serverName);
  if (serverName) matrix.homeserver = serverName;
  out.matrix = matrix;
  return out;
}

export interface EffectiveMasConfig {
  data: Record<string, unknown>;
  /** the documents merged, in order, for the origin line */
  parts: string[];
  /** true when ESS values took part (the chart's own settings were added) */
  ess: boolean;
}

/**
 * Merges the MAS documents of one file into the config MAS runs: whole documents first, then
 * ESS `additional` entries in the chart's order (alphabetical by name), then other fragments,
 * then the chart's own settings when ESS values are present.
 */
export function effectiveMasConfig(views: readonly ConfigView[]): EffectiveMasConfig | undefined {
  const mas = views.filter((v) => v.kind === 'mas' && isRecord(v.data));
  const rank = (v: ConfigView) => (!v.fragment ? 0 : essAdditionalName(v) !== undefined ? 1 : 2);
  const ordered = mas
    .map((view, index) => ({ view, index }))
    .sort((a, b) => {
      const r = rank(a.view) - rank(b.view);
      if (r) return r;
      const na = essAdditionalName(a.view);
      const nb = essAdditionalName(b.view);
      if (na !== undefined && nb !== undefined && na !== nb) return na < nb ? -1 : 1;
      return a.index - b.index;
    })
    .map((e) => e.view);
  let data: unknown = {};
  for (const view of ordered) data = mergeConfigs(data, view.data);
  const parts = ordered.map((v) => (v.via.length ? `${v.file}#${v.via.join('/')}` : v.file));
  let ess = false;
  for (const view of views) {
    if (view.kind !== 'ess-values') continue;
    const over = essOverrides(view.data);
    if (!over) continue;
    data = mergeConfigs(data, over);
    ess = true;
    parts.push(`${view.file} (settings the ESS chart adds)`);
  }
  if (parts.length === 0) return undefined;
  return { data: data as Record<string, unknown>, parts, ess };
}

/** A copy of the config with every credential value replaced by `<redacted>`. */
export function redactConfig(value: unknown, path: PathSeg[] = []): unknown {
  if (path.length && isSecretPath(path) && value !== null && value !== undefined) return REDACTED;
  if (Array.isArray(value)) return value.map((v, i) => redactConfig(v, [...path, i]));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, [...path, k])]));
  return value;
}

/** A URL as MAS serialises a parsed `Url` (a bare origin gains its `/`); other text stays as is. */
function asMasUrl(value: string): string {
  try {
    return new URL(value).href;
  } catch {
    return value;
  }
}

function secretOf(value: unknown): Secret | undefined {
  const s = str(value);
  return s === undefined || s === '' ? undefined : new Secret(s);
}

function providerFacts(p: Record<string, unknown>): MasProviderFacts {
  const facts: MasProviderFacts = {
    id: str(p.id) ?? '',
    enabled: p.enabled !== false,
    id_token_signed_response_alg: str(p.id_token_signed_response_alg) ?? 'RS256',
    scope: str(p.scope) ?? 'openid',
    discovery_mode: str(p.discovery_mode) ?? 'oidc',
    fetch_userinfo: p.fetch_userinfo === true,
    claims_imports: isRecord(p.claims_imports) ? p.claims_imports : {},
  };
  const issuer = str(p.issuer);
  if (issuer !== undefined) facts.issuer = issuer;
  const humanName = str(p.human_name);
  if (humanName !== undefined) facts.human_name = humanName;
  const clientId = str(p.client_id);
  if (clientId !== undefined) facts.client_id = clientId;
  const secret = secretOf(p.client_secret);
  if (secret) facts.client_secret = secret;
  const secretFile = str(p.client_secret_file);
  if (secretFile !== undefined) facts.client_secret_file = secretFile;
  const method = str(p.token_endpoint_auth_method);
  if (method !== undefined) facts.token_endpoint_auth_method = method;
  return facts;
}

function listenerResources(http: unknown): string[] {
  if (!isRecord(http) || !Array.isArray(http.listeners)) return [];
  const out: string[] = [];
  for (const listener of http.listeners) {
    if (!isRecord(listener) || !Array.isArray(listener.resources)) continue;
    for (const r of listener.resources) {
      const name = isRecord(r) ? str(r.name) : str(r);
      if (name) out.push(name);
    }
  }
  return out;
}

/** The facts checks need from an effective MAS config, with MAS's defaults applied. */
export function masConfigFacts(data: Record<string, unknown>, origin: string): MasConfigFacts {
  const http = data.http;
  let publicBase: string | undefined;
  let issuer: string | undefined;
  if (!isRecord(http)) {
    publicBase = MAS_DEFAULT_PUBLIC_BASE;
    issuer = MAS_DEFAULT_PUBLIC_BASE;
  } else {
    const base = str(http.public_base);
    // with an `http` section MAS requires public_base; without it MAS refuses to start
    if (base !== undefined) publicBase = asMasUrl(base);
    const own = str(http.issuer);
    issuer = own !== undefined ? asMasUrl(own) : publicBase;
  }
  const upstream = isRecord(data.upstream_oauth2) ? data.upstream_oauth2.providers : undefined;
  const providers = Array.isArray(upstream) ? upstream.filter(isRecord).map(providerFacts) : [];
  const m = isRecord(data.matrix) ? data.matrix : {};
  const matrix: MasConfigFacts['matrix'] = {
    homeserver: str(m.homeserver) ?? 'localhost:8008',
    endpoint: asMasUrl(str(m.endpoint) ?? 'http://localhost:8008/'),
    kind: str(m.kind) ?? 'synapse',
  };
  const secret = secretOf(m.secret);
  if (secret) matrix.secret = secret;
  const secretFile = str(m.secret_file);
  if (secretFile !== undefined) matrix.secret_file = secretFile;
  const passwords = isRecord(data.passwords) ? data.passwords : {};
  const clients = Array.isArray(data.clients) ? data.clients.filter(isRecord) : [];
  const policyData = isRecord(data.policy) && isRecord(data.policy.data) ? data.policy.data : {};
  const adminClients = Array.isArray(policyData.admin_clients)
    ? policyData.admin_clients.map(str).filter((s): s is string => s !== undefined)
    : [];
  const facts: MasConfigFacts = {
    origin,
    providers,
    matrix,
    passwordsEnabled: passwords.enabled !== false,
    adminApiEnabled: listenerResources(http).includes('adminapi'),
    clientIds: clients.map((c) => str(c.client_id)).filter((s): s is string => s !== undefined),
    adminClients,
    raw: redactConfig(data) as Record<string, unknown>,
  };
  if (publicBase !== undefined) facts.publicBase = publicBase;
  if (issuer !== undefined) facts.issuer = issuer;
  return facts;
}

type MasConfigRef = NonNullable<NonNullable<SsochainConfig['mas']>['config']>;

function failure(started: number, message: string): Fetched<MasConfigFacts> {
  return {
    status: 'error',
    ms: Math.round(performance.now() - started),
    error: { code: 'ERR_SOURCE_CONFIG', message },
  };
}

/** Why nothing usable came out of a file: the loader's own finding (SOPS), or what it found instead. */
function nothingUsable(file: string, loaded: LoadedInput): string {
  const problem: Finding | undefined = loaded.findings[0];
  if (problem) return `${file}: ${problem.detail} (${problem.code})`;
  const kinds = [...new Set(loaded.views.map((v) => v.kind))];
  if (kinds.length)
    return `${file} holds no MAS configuration (found: ${kinds.join(', ')}); point mas.config at the file MAS reads, or at the ESS values that carry matrixAuthenticationService.additional.*.config`;
  return `${file} holds nothing recognisable as a MAS configuration`;
}

export interface MasConfigSourceOptions {
  /** reads a file through the loader; tests may replace it */
  load?: (file: string, sops: SopsAdapter | undefined) => Promise<LoadedInput>;
  /** reads a key of a Kubernetes Secret; tests may replace it */
  readKubeSecret?: ReadKubeSecret;
}

export function createMasConfigSource(options: MasConfigSourceOptions = {}): Source {
  const load = options.load ?? ((file, sops) => loadConfigFile(file, sops ? { sops } : {}));
  return {
    name: 'mas-config',
    wave: 1,
    async collect(ctx: SourceContext): Promise<SnapshotPart> {
      const ref: MasConfigRef | undefined = ctx.config.mas?.config;
      if (!ref) {
        return {
          masConfig: {
            status: 'skipped',
            reason: 'mas.config is not set in ssochain.yaml, so the MAS config was not read',
          },
        };
      }
      const started = performance.now();
      if ('kubernetesSecret' in ref) {
        // the values Secret Flux feeds to the HelmRelease, or a MAS config Secret, read live
        const k = ref.kubernetesSecret;
        const name = `secret/${k.namespace}/${k.name}#${k.key}`;
        let loaded: LoadedInput;
        try {
          const text = await (options.readKubeSecret ?? kubeSecretReader())(k.namespace, k.name, k.key);
          loaded = await loadConfigText(text, name, ctx.sops ? { sops: ctx.sops } : {});
        } catch (err) {
          if (err instanceof SsochainError) return { masConfig: failure(started, err.message) };
          throw err;
        }
        return fromLoaded(loaded, name, started);
      }
      const file = 'file' in ref ? ref.file : ref.sopsFile;
      const sops =
        'sopsFile' in ref && ref.ageKeyFile
          ? sopsAdapterFor({ ageKeyFile: ref.ageKeyFile, env: {} })
          : ctx.sops;
      ctx.progress?.('mas-config', `reading ${file}`);
      let loaded: LoadedInput;
      try {
        loaded = await load(file, sops);
      } catch (err) {
        if (err instanceof SsochainError) return { masConfig: failure(started, err.message) };
        throw err;
      }
      return fromLoaded(loaded, file, started);
    },
  };
}

function fromLoaded(loaded: LoadedInput, file: string, started: number): SnapshotPart {
  const effective = effectiveMasConfig(loaded.views);
  if (!effective)
    return {
      masConfig: failure(started, nothingUsable(file, loaded)),
      configViews: loaded.views,
      loaderFindings: loaded.findings,
    };
  const origin =
    effective.parts.length === 1 && effective.parts[0] === file
      ? file
      : `${file} (${effective.parts.length} parts merged: ${effective.parts.join(', ')})`;
  return {
    masConfig: {
      status: 'ok',
      ms: Math.round(performance.now() - started),
      data: masConfigFacts(effective.data, origin),
    },
    configViews: loaded.views,
    loaderFindings: loaded.findings,
  };
}

export const masConfigSource: Source = createMasConfigSource();
