import { authentikSource } from './authentik.js';
import { discoverySource } from './discovery.js';
import { masAdminSource } from './mas-admin.js';
import { masConfigSource } from './mas-config.js';
import { masRuntimeSource } from './mas-runtime.js';
import type { Source } from './source.js';
import { synapseConfigSource } from './synapse-config.js';
import { synapseSource } from './synapse.js';

/** Every source doctor runs: wave 1 reads config files, wave 2 asks the live services. */
export const DEFAULT_SOURCES: readonly Source[] = [
  masConfigSource,
  synapseConfigSource,
  authentikSource,
  discoverySource,
  masAdminSource,
  masRuntimeSource,
  synapseSource,
];
