import type { ChainCheck } from '../chain-check.js';
import { authentikChecks } from './authentik/index.js';

/** Every check over a live chain's snapshot, in chain order (the config checks run beside them). */
export const CHAIN_CHECKS: readonly ChainCheck[] = [...authentikChecks];
