import type { FindingCode, Hop } from '../../../codes/registry.js';

/**
 * What a failed sign-in leaves behind, by hop: MAS's log and error-page wording
 * (crates/handlers/src/upstream_oauth2, crates/oidc-client; reference/mas.md §6), Synapse's,
 * and Authentik's event messages. Used to name the hop where a person's sign-in broke. The
 * table is in chain order, so the earliest hop with evidence wins.
 */
export interface FailureSignature {
  hop: Hop;
  pattern: RegExp;
  /** what it means, as the end of "the evidence points at the <hop> hop: ..." */
  reason: string;
  /** the finding that explains and fixes it */
  code?: FindingCode;
}

export const FAILURE_SIGNATURES: readonly FailureSignature[] = [
  {
    hop: 'authentik',
    pattern: /Invalid redirect URI|Redirect URI Error|mismatching redirection URI/i,
    reason: "Authentik rejected MAS's callback URL (redirect URI not registered)",
    code: 'authentik-redirect-uri-missing',
  },
  {
    hop: 'authentik',
    pattern: /Error from the provider: access_denied|PolicyResult|Permission denied|does not have access/i,
    reason: 'Authentik denied the user access to the application',
    code: 'authentik-access-denied',
  },
  {
    hop: 'oidc',
    pattern: /issuer URLs don't match|IssuerUrlsDontMatch|could not validate claim "iss"/,
    reason: "MAS's configured issuer is not byte-equal to Authentik's",
    code: 'oidc-issuer-mismatch',
  },
  {
    hop: 'oidc',
    pattern:
      /Failed to fetch provider metadata|Fetching provider metadata failed|UnknownIssuer|invalid peer certificate/,
    reason: "MAS could not fetch Authentik's discovery document",
    code: 'oidc-discovery-unreachable',
  },
  {
    hop: 'oidc',
    pattern: /missing field `keys`|none of the keys worked|Failed to fetch JWKS|wrong signature alg/,
    reason: "MAS could not verify Authentik's id_token (signing key, algorithm or JWKS)",
    code: 'oidc-jwks-invalid',
  },
  {
    hop: 'oidc',
    pattern: /"?invalid_client"?|Client authentication failed|Request to the token endpoint failed/,
    reason: "Authentik refused MAS's client credentials at the token endpoint",
    code: 'authentik-client-secret-mismatch',
  },
  {
    hop: 'mapping',
    pattern: /rendered to an empty string|could not be rendered from the upstream provider's response/,
    reason: 'a claims_imports template rendered empty (a claim is missing from what Authentik sends)',
    code: 'mapping-claim-missing',
  },
  {
    hop: 'mapping',
    pattern: /which does not pass the policy check|Policy error/,
    reason: "the localpart MAS derived breaks MAS's username policy",
    code: 'mapping-localpart-invalid',
  },
  {
    hop: 'mapping',
    pattern:
      /which is already used by another user|Localpart template returned an existing username|User exists/,
    reason: 'the localpart belongs to an existing MAS user without a link to this Authentik identity',
    code: 'mapping-localpart-taken',
  },
  {
    hop: 'mapping',
    pattern: /is not available on this homeserver|Localpart not available|M_USER_IN_USE/,
    reason: 'the localpart exists in Synapse but not in MAS',
    code: 'mapping-localpart-synapse-only',
  },
  {
    hop: 'mas',
    pattern: /Missing session cookie|Session not found|State parameter mismatch|Provider not found/,
    reason:
      'MAS lost the sign-in session between start and callback (the callback reached another host, took longer than 10 minutes, or the provider id changed)',
  },
  {
    hop: 'synapse',
    pattern: /Homeserver connection error|Failed to check localpart availability from Synapse/,
    reason: 'MAS could not reach Synapse to check the localpart',
    code: 'synapse-unreachable',
  },
];

export interface SignatureMatch {
  signature: FailureSignature;
  text: string;
}

/** Every signature a text matches. */
export function classify(text: string): FailureSignature[] {
  return FAILURE_SIGNATURES.filter((s) => s.pattern.test(text));
}
