import type { ChainCheck } from '../../chain-check.js';
import { authentikAccess } from './access.js';
import { authentikClientAuth } from './client-auth.js';
import { authentikClientSecret } from './client-secret.js';
import { authentikEmailVerified } from './email-verified.js';
import { authentikEnrollmentFlow } from './enrollment-flow.js';
import { authentikEnrollmentReachable } from './enrollment-reachable.js';
import { authentikProvider } from './provider.js';
import { authentikReachable } from './reachable.js';
import { authentikRedirectUri } from './redirect-uri.js';
import { authentikScopeMappings } from './scope-mappings.js';
import { authentikSigningKey } from './signing-key.js';
import { authentikUserInactive } from './user-inactive.js';

/** The checks of the authentik hop, in the order a sign-in meets their subjects. */
export const authentikChecks: readonly ChainCheck[] = [
  authentikReachable,
  authentikProvider,
  authentikRedirectUri,
  authentikClientAuth,
  authentikClientSecret,
  authentikSigningKey,
  authentikScopeMappings,
  authentikEnrollmentReachable,
  authentikEnrollmentFlow,
  authentikUserInactive,
  authentikAccess,
  authentikEmailVerified,
];
