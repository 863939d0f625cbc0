import type { EmulatorDefinition, EmulatorInstance, StackEnv } from '../emulator.js';
import { loadHomeserverConfig } from './config.js';
import { Homeserver, refusingRouter } from './homeserver.js';
import { SynapseLogger } from './logger.js';
import { registerAdminRoutes } from './routes-admin.js';
import { registerClientRoutes } from './routes-client.js';
import { registerMasRoutes } from './routes-mas.js';
import { registerWellKnownRoutes } from './routes-well-known.js';
import { defaultHomeserverConfig, SynapseSectionSchema, type SynapseSection } from './scenario.js';
import { SynapseStore } from './store.js';

export { SYNAPSE_ENDPOINT_GROUPS, type SynapseEndpointGroup } from './homeserver.js';
export {
  defaultHomeserverConfig,
  SANDBOX_MAS_SHARED_SECRET,
  SANDBOX_SERVER_NAME,
  SYNAPSE_VERSION,
  SynapseSectionSchema,
  type SynapseSection,
} from './scenario.js';
export { loadHomeserverConfig, SynapseConfigError, type HomeserverConfig } from './config.js';

export interface SynapseEmulatorInstance extends EmulatorInstance {
  /** null when the config made Synapse refuse to start */
  homeserver: Homeserver | null;
  /** the text Synapse printed to stderr when it refused to start */
  startupError: string | null;
}

export interface CreateSynapseOptions {
  now?: () => number;
}

/** Builds the emulated homeserver for one scenario section (exported for tests). */
export function createSynapse(
  section: SynapseSection,
  env: StackEnv,
  options: CreateSynapseOptions = {},
): SynapseEmulatorInstance {
  const now = options.now ?? Date.now;
  const logger = new SynapseLogger(env.log, () => new Date(now()));
  const text = section.config ?? defaultHomeserverConfig({ mas: env.urls.mas, synapse: env.urls.synapse });
  const loaded = loadHomeserverConfig(text, { baseDir: env.scenarioDir });
  if (!loaded.ok) {
    const startupError = loaded.error.format();
    logger.stderr(startupError);
    return {
      router: refusingRouter(),
      homeserver: null,
      startupError,
      info: () => ({ status: 'refused to start', error: startupError.split('\n').slice(-1)[0]!.trim() }),
    };
  }
  const config = loaded.config;
  const store = new SynapseStore(config.serverName, section.appservices, now);
  for (const seed of section.users) store.seed(seed);
  const port = new URL(env.urls.synapse).port || '8008';
  const hs = new Homeserver(config, store, logger, section.version, port, now);
  logger.write('WARNING', 'synapse.config.logger', 377, 'main', '***** STARTING SERVER *****');
  logger.write(
    'WARNING',
    'synapse.config.logger',
    378,
    'main',
    `Server /usr/lib/python3/dist-packages/synapse/app/homeserver.py version ${section.version}`,
  );
  registerClientRoutes(hs);
  registerWellKnownRoutes(hs);
  if (config.mas.enabled) registerMasRoutes(hs);
  registerAdminRoutes(hs);
  const router = hs.finish();
  return {
    router,
    homeserver: hs,
    startupError: null,
    info: () => ({
      status: 'running',
      version: section.version,
      server_name: config.serverName,
      public_baseurl: config.publicBaseurl,
      mas: config.mas.enabled ? `enabled (endpoint ${config.mas.endpoint})` : 'disabled',
      ...(config.mas.enabled && config.mas.secret ? { mas_shared_secret: config.mas.secret } : {}),
      users: String(store.users.size),
    }),
  };
}

export const synapseEmulator: EmulatorDefinition<SynapseSection> = {
  service: 'synapse',
  section: SynapseSectionSchema,
  create: (section, env) => createSynapse(section, env),
};
