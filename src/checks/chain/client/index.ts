import type { ChainCheck } from '../../chain-check.js';
import { clientIssuer } from './issuer.js';
import { clientLoginRouting } from './login-routing.js';

/** The checks of the client hop: what a Matrix client meets before it reaches MAS. */
export const clientChecks: readonly ChainCheck[] = [clientIssuer, clientLoginRouting];
