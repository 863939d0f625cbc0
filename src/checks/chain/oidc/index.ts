import type { ChainCheck } from '../../chain-check.js';
import { oidcAlg } from './alg.js';
import { oidcDiscovery } from './discovery.js';
import { oidcInsecureEndpoint } from './insecure-endpoint.js';
import { oidcIssuer } from './issuer.js';
import { oidcJwks } from './jwks.js';

/** The checks of the oidc hop, in the order MAS meets their subjects. */
export const oidcChecks: readonly ChainCheck[] = [
  oidcDiscovery,
  oidcIssuer,
  oidcInsecureEndpoint,
  oidcJwks,
  oidcAlg,
];
