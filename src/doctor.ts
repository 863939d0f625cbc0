import type { Hop } from './codes/registry.js';
import type { ChainCheck } from './checks/chain-check.js';
import { runChainChecks } from './checks/chain-check.js';
import { LINT_CHECKS } from './checks/lint-checks.js';
import type { SecretRef, SsochainConfig } from './config/schema.js';
import { buildReport } from './diagnosis/build-report.js';
import { redactFindings } from './report/redact.js';
import type { Finding, Report, SourceReport } from './report/types.js';
import { storeConfigView, StoredConfigView } from './snapshot/config-documents.js';
import { Redactor, Secret, isSecret } from './snapshot/secret.js';
import { SNAPSHOT_SCHEMA_VERSION, type ChainSnapshot, type Fetched } from './snapshot/types.js';
import type { SopsAdapter } from './sources/files/load.js';
import type { FetchLike } from './sources/http.js';
import type { SnapshotPart, Source, SourceContext } from './sources/source.js';
import { runLintChecks } from './lint.js';

export interface ProgressEvent {
  source: string;
  state: 'start' | 'done' | 'note';
  status?: string;
  ms?: number;
  message?: string;
}

export interface CollectOptions {
  config: SsochainConfig;
  sources: readonly Source[];
  resolveSecret: SourceContext['secret'];
  fetch?: FetchLike;
  /** most HTTP requests in flight at once, over all sources */
  concurrency?: number;
  user?: string;
  sops?: SopsAdapter;
  progress?: (event: ProgressEvent) => void;
  now?: () => Date;
}

/** Limits how many requests are in flight at once; the rest wait their turn. */
export function limitConcurrency(fetchImpl: FetchLike, limit: number): FetchLike {
  let active = 0;
  const queue: (() => void)[] = [];
  const acquire = () =>
    new Promise<void>((resolve) => {
      if (active < limit) {
        active++;
        resolve();
      } else queue.push(() => resolve());
    });
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };
  return (async (input: Parameters<FetchLike>[0], init?: Parameters<FetchLike>[1]) => {
    await acquire();
    try {
      const response = await fetchImpl(input, init);
      // hold the slot until the body is read, so a slow body counts as a busy request
      const body = await response.arrayBuffer();
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } finally {
      release();
    }
  }) as FetchLike;
}

const PART_OF_SOURCE: Record<string, keyof SnapshotPart> = {
  'authentik-api': 'authentik',
  'mas-config': 'masConfig',
  'mas-admin': 'masAdmin',
  'mas-runtime': 'masRuntime',
  synapse: 'synapse',
};

const SKIPPED = (reason: string) => ({ status: 'skipped', reason }) as const;

/**
 * Gathers the snapshot: wave 1 (the MAS config: local, and it names the issuers to discover),
 * then every network source at once. A source that throws is recorded as an error, never fatal.
 */
export async function collectSnapshot(options: CollectOptions): Promise<ChainSnapshot> {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.config.timeouts.default;
  const fetchImpl = limitConcurrency(
    options.fetch ?? fetch,
    options.concurrency ?? options.config.concurrency,
  );
  const ctx: SourceContext = {
    config: options.config,
    secret: options.resolveSecret,
    fetch: fetchImpl,
    timeoutMs,
    ...(options.user ? { user: options.user } : {}),
    ...(options.sops ? { sops: options.sops } : {}),
    progress: (source, message) => options.progress?.({ source, state: 'note', message }),
  };
  let merged: SnapshotPart = {};
  for (const wave of [1, 2] as const) {
    const sources = options.sources.filter((s) => s.wave === wave);
    const results = await Promise.all(
      sources.map(async (source) => {
        options.progress?.({ source: source.name, state: 'start' });
        const started = performance.now();
        try {
          const part = await source.collect(ctx, merged);
          options.progress?.({
            source: source.name,
            state: 'done',
            status: partStatus(part),
            ms: Math.round(performance.now() - started),
          });
          return part;
        } catch (err) {
          // a source must not throw; when one does (a bug), its part says so instead of "skipped"
          const ms = Math.round(performance.now() - started);
          options.progress?.({ source: source.name, state: 'done', status: 'error', ms });
          const failed: Fetched<never> = {
            status: 'error',
            ms,
            error: {
              code: 'ERR_SOURCE_INVALID',
              message: `the ${source.name} source failed: ${(err as Error)?.message ?? String(err)}`,
            },
          };
          const slot = PART_OF_SOURCE[source.name];
          return (slot ? { [slot]: failed } : {}) as SnapshotPart;
        }
      }),
    );
    for (const part of results) merged = mergeParts(merged, part);
  }
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    takenAt: now().toISOString(),
    ...(options.user ? { user: options.user } : {}),
    authentik:
      merged.authentik ??
      SKIPPED(options.config.authentik ? 'no Authentik source ran' : 'authentik is not configured'),
    discovery: merged.discovery ?? {},
    masConfig:
      merged.masConfig ??
      SKIPPED(options.config.mas?.config ? 'no MAS config source ran' : 'mas.config is not configured'),
    masAdmin:
      merged.masAdmin ??
      SKIPPED(options.config.mas?.admin ? 'no MAS admin source ran' : 'mas.admin is not configured'),
    masRuntime:
      merged.masRuntime ??
      SKIPPED(options.config.mas ? 'no MAS runtime source ran' : 'mas is not configured'),
    synapse:
      merged.synapse ??
      SKIPPED(options.config.synapse ? 'no Synapse source ran' : 'synapse is not configured'),
    logs: merged.logs ?? [],
    configDocuments: (merged.configViews ?? []).map(storeConfigView),
    ...(merged.loaderFindings?.length ? { fileFindings: merged.loaderFindings } : {}),
    ...(options.config.ignore.length ? { ignore: options.config.ignore } : {}),
  };
}

function partStatus(part: SnapshotPart): string {
  const fetched = [
    part.authentik,
    part.masConfig,
    part.masAdmin,
    part.masRuntime,
    part.synapse,
    ...Object.values(part.discovery ?? {}),
  ].filter(Boolean) as Fetched<unknown>[];
  if (fetched.length === 0) return 'ok';
  return fetched.every((f) => f.status === 'ok')
    ? 'ok'
    : (fetched.find((f) => f.status !== 'ok')?.status ?? 'ok');
}

function mergeParts(a: SnapshotPart, b: SnapshotPart): SnapshotPart {
  return {
    ...a,
    ...b,
    discovery: { ...(a.discovery ?? {}), ...(b.discovery ?? {}) },
    logs: [...(a.logs ?? []), ...(b.logs ?? [])],
    configViews: [...(a.configViews ?? []), ...(b.configViews ?? [])],
    loaderFindings: [...(a.loaderFindings ?? []), ...(b.loaderFindings ?? [])],
  };
}

/** Every source's status for the report's `sources` list. */
export function sourceReports(snap: ChainSnapshot): SourceReport[] {
  const entry = (name: string, f: Fetched<unknown>): SourceReport => ({
    name,
    status: f.status === 'ok' ? 'ok' : f.status === 'skipped' ? 'skipped' : 'unreachable',
    ms: 'ms' in f ? f.ms : 0,
    ...(f.status === 'skipped' ? { reason: f.reason } : f.status !== 'ok' ? { reason: f.error.message } : {}),
  });
  const out = [entry('mas-config', snap.masConfig), entry('authentik-api', snap.authentik)];
  const discovery = Object.entries(snap.discovery);
  if (discovery.length === 0)
    out.push({ name: 'discovery', status: 'skipped', ms: 0, reason: 'no MAS upstream provider to discover' });
  for (const [id, f] of discovery) out.push(entry(discovery.length > 1 ? `discovery:${id}` : 'discovery', f));
  out.push(
    entry('mas-admin', snap.masAdmin),
    entry('mas-runtime', snap.masRuntime),
    entry('synapse', snap.synapse),
  );
  return out;
}

/** Hops no source could observe: unknown unless a finding says otherwise. */
function unknownHops(snap: ChainSnapshot): Hop[] {
  const ok = (f: Fetched<unknown>) => f.status === 'ok';
  const discoveryOk = Object.values(snap.discovery).some(ok);
  const out: Hop[] = [];
  if (!ok(snap.authentik)) out.push('authentik');
  if (!discoveryOk) out.push('oidc');
  if (!ok(snap.authentik) || !ok(snap.masConfig)) out.push('mapping');
  if (!ok(snap.masConfig) && !ok(snap.masRuntime)) out.push('mas');
  if (!ok(snap.synapse)) out.push('synapse');
  if (!ok(snap.synapse) && !ok(snap.masRuntime)) out.push('client');
  if (!ok(snap.masAdmin) && !ok(snap.authentik)) out.push('lifecycle');
  out.push('platform');
  return out;
}

/** Every secret a snapshot holds, so the redactor can remove any copy that slipped into a text. */
function snapshotSecrets(value: unknown, redactor: Redactor, seen = new Set<unknown>()): Redactor {
  if (value === null || typeof value !== 'object' || seen.has(value)) return redactor;
  seen.add(value);
  if (isSecret(value)) return redactor.add(value);
  for (const v of Object.values(value as Record<string, unknown>)) snapshotSecrets(v, redactor, seen);
  return redactor;
}

/**
 * Judges a snapshot: the config checks on its stored config documents, the chain checks on the
 * rest, then the diagnosis. Pure, so `doctor` and `analyze` (offline, on a bundle) agree.
 */
export function analyzeSnapshot(
  snap: ChainSnapshot,
  chainChecks: readonly ChainCheck[],
): { report: Report; errors: string[] } {
  const views = [...(snap.configDocuments ?? []).map((d) => new StoredConfigView(d)), ...contextViews(snap)];
  const lint = runLintChecks(views, LINT_CHECKS);
  const chain = runChainChecks(snap, chainChecks);
  const findings: Finding[] = [...(snap.fileFindings ?? []), ...lint.findings, ...chain.findings];
  const redactor = snapshotSecrets(snap, new Redactor());
  const kept = dedupe(findings.filter((f) => !(snap.ignore ?? []).some((rule) => suppresses(rule, f))));
  const report = buildReport(redactFindings(kept, redactor), {
    sources: sourceReports(snap),
    unknownHops: unknownHops(snap),
  });
  return { report, errors: [...lint.errors, ...chain.errors] };
}

/** Facts from live sources that config checks may consult, as views no check judges. */
function contextViews(snap: ChainSnapshot): StoredConfigView[] {
  if (snap.authentik.status !== 'ok') return [];
  const redirectUris = snap.authentik.data.providers.flatMap((p) => p.redirect_uris.map((r) => r.url));
  if (redirectUris.length === 0) return [];
  return [
    new StoredConfigView({
      kind: 'context',
      file: 'authentik-api',
      via: ['providers.redirect_uris'],
      fragment: true,
      encrypted: false,
      data: { authentikRedirectUris: redirectUris },
      positions: {},
    }),
  ];
}

function suppresses(rule: NonNullable<ChainSnapshot['ignore']>[number], f: Finding): boolean {
  if (rule.code !== f.code) return false;
  if (rule.subject && rule.subject !== f.subject) return false;
  if (rule.match) {
    let re: RegExp;
    try {
      re = new RegExp(rule.match);
    } catch {
      return false;
    }
    return re.test(f.detail) || f.evidence.some((e) => re.test(e.excerpt));
  }
  return true;
}

/** Codes that describe one fact of the deployment, however many places see it. */
const ONE_PER_CHAIN = new Set<string>([
  'synapse-mas-secret-mismatch',
  'synapse-server-name-mismatch',
  'mas-public-base-default',
]);

/**
 * The same problem seen by a config check and a chain check is reported once: for a fact of the
 * whole deployment, the finding that points at a file line keeps the other's evidence.
 */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const key = `${f.code}|${f.subject}|${f.location ? `${f.location.file}:${f.location.line}` : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const out: Finding[] = [];
  for (const f of unique) {
    if (!ONE_PER_CHAIN.has(f.code)) {
      out.push(f);
      continue;
    }
    const same = out.findIndex((g) => g.code === f.code);
    if (same < 0) {
      out.push(f);
      continue;
    }
    const g = out[same]!;
    const [keep, drop] = g.location || !f.location ? [g, f] : [f, g];
    out[same] = { ...keep, evidence: [...keep.evidence, ...drop.evidence] };
  }
  return out;
}

export { Secret };

export interface RunDoctorOptions extends Omit<CollectOptions, 'sources' | 'resolveSecret'> {
  sources?: readonly Source[];
  resolveSecret?: SourceContext['secret'];
  /** folder that relative paths in the config are resolved against */
  configDir?: string;
  env?: Record<string, string | undefined>;
}

/** Collects and judges in one go: the library face of `ssochain doctor`. */
export async function runDoctor(
  options: RunDoctorOptions,
): Promise<{ snapshot: ChainSnapshot; report: Report; errors: string[] }> {
  const [{ DEFAULT_SOURCES }, { CHAIN_CHECKS }, { secretResolver }] = await Promise.all([
    import('./sources/index.js'),
    import('./checks/chain/index.js'),
    import('./sources/secrets.js'),
  ]);
  const resolveSecret =
    options.resolveSecret ??
    secretResolver({ env: options.env ?? {}, ...(options.configDir ? { cwd: options.configDir } : {}) });
  // a credential the config names but nobody can read is a configuration error (exit 2), found
  // before any request is made, not a diagnosis
  const c = options.config;
  const refs: [string, SecretRef | undefined][] = [
    ['authentik.token', c.authentik?.token],
    ['mas.admin.clientSecret', c.mas?.admin?.clientSecret],
    ['synapse.sharedSecret', c.synapse?.sharedSecret],
    ['synapse.adminToken', c.synapse?.adminToken],
  ];
  for (const [what, ref] of refs) {
    if (ref && !('kubernetesSecret' in ref))
      await (resolveSecret as (r: SecretRef, w: string) => Promise<unknown>)(ref, what);
  }
  const snapshot = await collectSnapshot({
    ...options,
    sources: options.sources ?? DEFAULT_SOURCES,
    resolveSecret,
  });
  const { report, errors } = analyzeSnapshot(snapshot, CHAIN_CHECKS);
  return { snapshot, report, errors };
}

/** A snapshot as JSON for a support bundle: secrets become fingerprints, any stray copy is cut. */
export function bundleJson(snapshot: ChainSnapshot): string {
  const redactor = snapshotSecrets(snapshot, new Redactor());
  const text = JSON.stringify({ bundle: 'ssochain-snapshot', createdBy: 'ssochain', snapshot }, null, 2);
  return redactor.redact(text) + '\n';
}
