import type http from 'node:http';
import { resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors.js';
import type { EmulatorDefinition, EmulatorInstance, StackEnv } from './emulator.js';
import { json, listen, listenTls, Router, type FaultTable, type RunningServer } from './http/server.js';
import { ingressListener } from './ingress.js';
import { SandboxLog } from './log.js';
import { EMULATORS } from './registry.js';
import { parseScenario, readScenario, substituteUrls } from './scenario/load.js';
import { SERVICES, type ScenarioFile, type ServiceName } from './scenario/schema.js';

export interface Stack {
  scenario: ScenarioFile;
  urls: Record<ServiceName, string>;
  /** the control API: logs, faults, info */
  controlUrl: string;
  /** the reverse proxy clients use: Synapse, with the compat login routed to MAS */
  clientUrl: string;
  log: SandboxLog;
  services: Partial<Record<ServiceName, EmulatorInstance>>;
  setFaults(service: ServiceName, faults: FaultTable): void;
  close(): Promise<void>;
}

export interface StartStackOptions {
  scenario?: string;
  scenarioFile?: string;
  /** extra faults on top of the scenario's, e.g. from `--latency` flags or a benchmark */
  faults?: Partial<Record<ServiceName, FaultTable>>;
  /** emulator definitions; defaults to the registry (tests may pass their own) */
  emulators?: Partial<Record<ServiceName, () => Promise<EmulatorDefinition<unknown>>>>;
}

/**
 * `mas.configFrom` names files (GitOps manifests, ESS values, SOPS-encrypted
 * or not) whose embedded configs become config fragments, read the same way `ssochain lint`
 * reads them. This is how the seed's SOPS-encrypted values Secret feeds the emulated MAS.
 */
async function resolveConfigFrom(scenario: ScenarioFile, dir: string, file: string): Promise<void> {
  const { loadConfigFile } = await import('../sources/files/load.js');
  const { sopsAdapterFor } = await import('../sources/files/sops-adapter.js');
  const { stringify } = await import('yaml');
  for (const service of ['mas'] as const) {
    const section = scenario[service] as Record<string, unknown> | undefined;
    if (!section || section.configFrom === undefined) continue;
    const entries = Array.isArray(section.configFrom) ? section.configFrom : [section.configFrom];
    const fragments: string[] = [];
    for (const entry of entries as { file?: unknown; ageKeyFile?: unknown }[]) {
      if (typeof entry?.file !== 'string')
        throw new InputError(`${file}: ${service}.configFrom entries need a file`, file);
      const path = resolvePath(dir, entry.file);
      const sops = sopsAdapterFor({
        env: {},
        ...(typeof entry.ageKeyFile === 'string' ? { ageKeyFile: resolvePath(dir, entry.ageKeyFile) } : {}),
      });
      const loaded = await loadConfigFile(path, { sops, wrongKeyIsInputError: true });
      for (const view of loaded.views) if (view.kind === service) fragments.push(stringify(view.data));
    }
    delete section.configFrom;
    section.configFragments = [...((section.configFragments as string[] | undefined) ?? []), ...fragments];
  }
}

/**
 * The services a scenario serves over TLS (`tls: { authentik: true }`). Read before the ports are
 * bound, from the raw text: the full validation happens after the URLs are known.
 */
function servicesOverTls(text: string): Set<ServiceName> {
  try {
    const tls = (parseYaml(text) as { tls?: Record<string, unknown> } | null)?.tls ?? {};
    return new Set(SERVICES.filter((s) => tls[s] === true));
  } catch {
    return new Set();
  }
}

/** A self-signed certificate made for this run: nobody trusts it, which is the point. */
async function untrustedCertificate(service: ServiceName): Promise<{ key: string; cert: string }> {
  const { generateKeyMaterial } = await import('./authentik/keys.js');
  const m = generateKeyMaterial(`${service}.sandbox.local`, 'rsa');
  return { key: m.keyPem, cert: m.certPem };
}

/**
 * Starts every emulated service of a scenario on loopback. Ports are bound first so the
 * scenario's `${..._URL}` placeholders can be filled before any service reads its state.
 */
export async function startStack(options: StartStackOptions = {}): Promise<Stack> {
  const source = readScenario({ name: options.scenario, file: options.scenarioFile });
  const targets = new Map<ServiceName, Router>();
  const servers: RunningServer[] = [];
  const tlsFor = servicesOverTls(source.text);
  const urls = {} as Record<ServiceName, string>;
  try {
    for (const service of SERVICES) {
      const listener: http.RequestListener = (req, res) => {
        const router = targets.get(service);
        if (router) return router.listener(req, res);
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"detail":"starting"}');
      };
      const server = tlsFor.has(service)
        ? await listenTls(listener, await untrustedCertificate(service))
        : await listen(listener);
      servers.push(server);
      urls[service] = server.url;
    }
    const { sandboxRsaKeyPem } = await import('./mas/sandbox-keys.js');
    const extra = { MAS_SIGNING_KEY: JSON.stringify(sandboxRsaKeyPem()) };
    const scenario = parseScenario(substituteUrls(source.text, urls, extra), source.file);
    await resolveConfigFrom(scenario, source.dir, source.file);
    const log = new SandboxLog();
    const env: StackEnv = { urls, log, scenarioDir: source.dir };
    const registry = options.emulators ?? EMULATORS;
    const services: Partial<Record<ServiceName, EmulatorInstance>> = {};
    for (const service of SERVICES) {
      const load = registry[service];
      if (!load) continue;
      const definition = await load();
      const parsed = definition.section.safeParse(scenario[service] ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new InputError(
          `${source.file}: ${service}.${issue.path.join('.')}: ${issue.message}`,
          source.file,
        );
      }
      const instance = await definition.create(parsed.data, env);
      instance.router.faults = {
        ...(scenario.faults?.[service] ?? {}),
        ...(options.faults?.[service] ?? {}),
      };
      services[service] = instance;
      targets.set(service, instance.router);
    }
    const control = new Router('control')
      .on('GET', '/logs', 'control', (ctx) => json(200, log.read(ctx.query.get('service') ?? undefined)))
      .on('GET', '/info', 'control', () =>
        json(200, {
          scenario: scenario.name,
          urls,
          services: Object.fromEntries(Object.entries(services).map(([k, v]) => [k, v.info()])),
        }),
      )
      .on('PUT', '/faults/:service', 'control', async (ctx) => {
        const router = targets.get(ctx.params.service as ServiceName);
        if (!router) return json(404, { detail: 'no such service' });
        router.faults = await ctx.json<FaultTable>();
        return json(200, router.faults);
      });
    const controlServer = await listen(control.listener);
    servers.push(controlServer);
    const ingress = await listen(
      ingressListener(urls, { routeLoginToMas: scenario.ingress?.routeLoginToMas ?? true }),
    );
    servers.push(ingress);
    return {
      scenario,
      urls,
      controlUrl: controlServer.url,
      clientUrl: ingress.url,
      log,
      services,
      setFaults(service, faults) {
        const router = targets.get(service);
        if (router) router.faults = faults;
      },
      async close() {
        await Promise.all(Object.values(services).map((s) => s.close?.()));
        await Promise.all(servers.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
}
