import type { ChainCheck } from '../../chain-check.js';
import { synapseMasEnabled } from './mas-enabled.js';
import { synapseMasSecret } from './mas-secret.js';
import { synapseOrphanUsers } from './orphan-users.js';
import { synapseReachable } from './reachable.js';
import { synapseServerName } from './server-name.js';

/**
 * The live checks of the synapse hop (the homeserver.yaml itself is judged by the lint checks):
 * is Synapse up, does it delegate to MAS, does it accept MAS's secret, does it use the server
 * name MAS builds IDs with, and which of its users MAS does not know.
 */
export const synapseRuntimeChecks: readonly ChainCheck[] = [
  synapseReachable,
  synapseMasEnabled,
  synapseMasSecret,
  synapseServerName,
  synapseOrphanUsers,
];
