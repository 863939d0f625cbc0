import type { ChainCheck } from '../chain-check.js';
import { authentikChecks } from './authentik/index.js';
import { clientChecks } from './client/index.js';
import { lifecycleChecks } from './lifecycle/index.js';
import { mappingChecks } from './mapping/index.js';
import { masRuntimeChecks } from './mas/index.js';
import { oidcChecks } from './oidc/index.js';
import { synapseRuntimeChecks } from './synapse/index.js';

/** Every check over a live chain's snapshot, in chain order (the config checks run beside them). */
export const CHAIN_CHECKS: readonly ChainCheck[] = [
  ...authentikChecks,
  ...oidcChecks,
  ...mappingChecks,
  ...masRuntimeChecks,
  ...synapseRuntimeChecks,
  ...clientChecks,
  ...lifecycleChecks,
];
