import { essChecks } from './ess/index.js';
import type { LintCheck } from './lint-check.js';
import { masChecks } from './mas/index.js';
import { synapseChecks } from './synapse/index.js';

/** Every offline check, in chain order: MAS config, then ESS placement, then Synapse. */
export const LINT_CHECKS: readonly LintCheck[] = [...masChecks, ...essChecks, ...synapseChecks];
