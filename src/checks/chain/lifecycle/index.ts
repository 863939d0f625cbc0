import type { ChainCheck } from '../../chain-check.js';
import { userLifecycleDrift } from './drift.js';
import { userNeverSignedIn } from './never-signed-in.js';
import { userNotProvisioned } from './not-provisioned.js';
import { userSignInFailed } from './sign-in-failed.js';

/**
 * The per-person checks, for the focus user or, without one, every person seen: where their
 * account stands across Authentik, MAS and Synapse. The localpart conflicts a first sign-in
 * meets (mapping-localpart-taken, mapping-localpart-synapse-only) are the mapping hop's checks.
 */
export const lifecycleChecks: readonly ChainCheck[] = [
  userNeverSignedIn,
  userSignInFailed,
  userNotProvisioned,
  userLifecycleDrift,
];
