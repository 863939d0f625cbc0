import type { ChainCheck } from '../../chain-check.js';
import { mappingClaimMissing } from './claim-missing.js';
import { mappingLocalpartCollision } from './localpart-collision.js';
import { mappingLocalpartInvalid } from './localpart-invalid.js';
import { mappingLocalpartSynapseOnly } from './localpart-synapse-only.js';
import { mappingLocalpartTaken } from './localpart-taken.js';

/**
 * The checks of the mapping hop, in the order MAS applies them at a first sign-in. The
 * template syntax itself (mapping-template-invalid) is judged by the MAS config checks, which
 * see the file and its positions.
 */
export const mappingChecks: readonly ChainCheck[] = [
  mappingClaimMissing,
  mappingLocalpartInvalid,
  mappingLocalpartTaken,
  mappingLocalpartSynapseOnly,
  mappingLocalpartCollision,
];
