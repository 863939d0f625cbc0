import type { ChainCheck } from '../../chain-check.js';
import { masAdminApi } from './admin-api.js';
import { masPublicBaseRuntime } from './public-base-runtime.js';
import { masReachable } from './reachable.js';
import { masWorkerStalled } from './worker-stalled.js';

/**
 * The live checks of the mas hop (the MAS config itself is judged by the lint checks over the
 * stored config documents): is MAS up, what issuer does it really advertise, can ssochain use
 * its admin API, and does its provisioning worker keep up.
 */
export const masRuntimeChecks: readonly ChainCheck[] = [
  masReachable,
  masPublicBaseRuntime,
  masAdminApi,
  masWorkerStalled,
];
