/**
 * Every finding code ssochain can emit, declared once. Titles, severities and hops here feed
 * the report, SARIF rules, `ssochain codes` and the docs pages; checks only add subject,
 * detail, evidence and fix. Codes are a stable contract: never rename one, only add.
 */
export const HOPS = [
  'authentik',
  'oidc',
  'mapping',
  'mas',
  'synapse',
  'client',
  'lifecycle',
  'platform',
] as const;
export type Hop = (typeof HOPS)[number];

/** The hops that form the chain proper, in order; lifecycle and platform sit beside it. */
export const CHAIN_HOPS = ['authentik', 'oidc', 'mapping', 'mas', 'synapse', 'client'] as const;

export const SEVERITIES = ['error', 'warn', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface CodeMeta {
  hop: Hop;
  severity: Severity;
  repairable: boolean;
  title: string;
}

const c = (hop: Hop, severity: Severity, repairable: boolean, title: string): CodeMeta => ({
  hop,
  severity,
  repairable,
  title,
});

export const CODES = {
  'authentik-unreachable': c(
    'authentik',
    'error',
    false,
    'Authentik API is unreachable or the token lacks a permission',
  ),
  'authentik-provider-missing': c(
    'authentik',
    'error',
    false,
    'No Authentik OAuth2 provider has the client_id MAS uses',
  ),
  'authentik-application-missing': c(
    'authentik',
    'error',
    false,
    'The OAuth2 provider is not assigned to an application',
  ),
  'authentik-redirect-uri-missing': c(
    'authentik',
    'error',
    true,
    "MAS's callback URL is not among the provider's redirect URIs",
  ),
  'authentik-no-signing-key': c(
    'authentik',
    'error',
    true,
    'The provider has no signing key, so id_tokens are HS256 and the JWKS is empty',
  ),
  'authentik-signing-alg-mismatch': c(
    'authentik',
    'error',
    true,
    "The signing key type does not match MAS's id_token_signed_response_alg",
  ),
  'authentik-scope-mapping-missing': c(
    'authentik',
    'error',
    true,
    'The provider lacks scope mappings that MAS needs',
  ),
  'authentik-client-auth-mismatch': c(
    'authentik',
    'error',
    false,
    "The provider's client type does not fit MAS's token_endpoint_auth_method",
  ),
  'authentik-client-secret-mismatch': c(
    'authentik',
    'error',
    true,
    "MAS's client_secret differs from the provider's",
  ),
  'authentik-enrollment-flow-broken': c(
    'authentik',
    'error',
    true,
    'The enrollment flow cannot create a usable user',
  ),
  'authentik-enrollment-unreachable': c('authentik', 'warn', false, 'Nothing links to the enrollment flow'),
  'authentik-access-denied': c('authentik', 'error', false, 'An application policy denies the user'),
  'authentik-user-inactive': c('authentik', 'error', true, 'The user is inactive in Authentik'),
  'authentik-email-unverified': c('authentik', 'info', false, 'The id_token says email_verified is false'),
  'oidc-discovery-unreachable': c('oidc', 'error', false, 'The OIDC discovery document cannot be fetched'),
  'oidc-issuer-mismatch': c('oidc', 'error', true, "MAS's issuer is not byte-equal to the discovery issuer"),
  'oidc-jwks-invalid': c('oidc', 'error', false, 'The jwks_uri does not return usable keys'),
  'oidc-alg-unsupported': c(
    'oidc',
    'error',
    false,
    "MAS's id_token_signed_response_alg is not supported by the provider",
  ),
  'oidc-insecure-endpoint': c('oidc', 'warn', false, 'A non-https endpoint while MAS discovery is strict'),
  'mapping-claim-missing': c('mapping', 'error', true, 'A claims_imports template renders empty for a user'),
  'mapping-localpart-invalid': c(
    'mapping',
    'error',
    false,
    "The rendered localpart breaks MAS's localpart policy",
  ),
  'mapping-localpart-collision': c(
    'mapping',
    'error',
    false,
    'Two identity-provider users map to the same localpart',
  ),
  'mapping-localpart-taken': c(
    'mapping',
    'error',
    true,
    'A MAS user already holds the localpart without a link for this subject',
  ),
  'mapping-localpart-synapse-only': c(
    'mapping',
    'error',
    true,
    'The localpart exists in Synapse but not in MAS',
  ),
  'mapping-template-invalid': c('mapping', 'error', false, 'A claims_imports template does not compile'),
  'mas-config-dialect': c(
    'mas',
    'error',
    true,
    'Synapse-style OIDC keys in the MAS config, which MAS ignores',
  ),
  'mas-config-unknown-key': c('mas', 'warn', true, 'A key MAS does not know (or no longer knows)'),
  'mas-config-invalid': c('mas', 'error', false, "The MAS config breaks MAS's own validation rules"),
  'mas-config-misplaced': c('mas', 'error', true, 'MAS config sits where the ESS chart does not read it'),
  'mas-config-smart-quotes': c(
    'mas',
    'error',
    false,
    'Typographic quotes or invisible characters in a value',
  ),
  'mas-public-base-default': c('mas', 'error', false, 'http.public_base is unset or not publicly usable'),
  'mas-provider-missing': c(
    'mas',
    'error',
    true,
    'MAS has no usable upstream provider for the identity provider',
  ),
  'mas-unreachable': c('mas', 'error', false, 'MAS is not reachable'),
  'mas-admin-api-unavailable': c(
    'mas',
    'warn',
    false,
    'The MAS admin API is not enabled or the client lacks urn:mas:admin',
  ),
  'mas-worker-stalled': c('mas', 'error', false, 'MAS users exist whose Synapse account never appeared'),
  'synapse-unreachable': c('synapse', 'error', false, 'Synapse is not reachable'),
  'synapse-mas-not-enabled': c('synapse', 'error', false, 'Synapse does not delegate authentication to MAS'),
  'synapse-mas-config-invalid': c(
    'synapse',
    'error',
    false,
    'The matrix_authentication_service block is malformed',
  ),
  'synapse-msc3861-removed': c(
    'synapse',
    'error',
    true,
    'experimental_features.msc3861 is present; Synapse >= 1.157 refuses to start',
  ),
  'synapse-oidc-with-mas': c('synapse', 'error', true, 'Synapse has its own SSO enabled together with MAS'),
  'synapse-mas-secret-mismatch': c('synapse', 'error', false, "Synapse rejects MAS's shared secret"),
  'synapse-server-name-mismatch': c(
    'synapse',
    'error',
    false,
    "MAS's matrix.homeserver differs from Synapse's server_name",
  ),
  'synapse-orphan-user': c('synapse', 'warn', false, 'A Synapse user that MAS does not know'),
  'client-login-not-routed': c('client', 'warn', false, '/_matrix/client/v3/login is not served by MAS'),
  'client-issuer-mismatch': c(
    'client',
    'error',
    false,
    "The well-known or auth_metadata issuer differs from MAS's issuer",
  ),
  'user-never-signed-in': c(
    'lifecycle',
    'info',
    true,
    'The user exists in Authentik but never signed in through MAS',
  ),
  'user-sign-in-failed': c(
    'lifecycle',
    'error',
    false,
    'The user tried to sign in but no MAS account resulted',
  ),
  'user-not-provisioned': c('lifecycle', 'error', true, 'The MAS user exists but the Synapse user does not'),
  'user-lifecycle-drift': c(
    'lifecycle',
    'warn',
    true,
    'Account state differs between Authentik and MAS/Synapse',
  ),
  'platform-pod-not-ready': c('platform', 'error', false, 'MAS, Synapse or Authentik pods are not ready'),
  'platform-flux-not-ready': c(
    'platform',
    'error',
    false,
    'A Flux object is not Ready or has a stale revision',
  ),
  'platform-config-drift': c(
    'platform',
    'warn',
    false,
    'The MAS config in the GitOps repo differs from the running one',
  ),
  'sops-decrypt-failed': c(
    'platform',
    'error',
    false,
    'The SOPS file cannot be decrypted with the given age identities',
  ),
  'sops-mac-mismatch': c(
    'platform',
    'error',
    false,
    'The SOPS MAC does not verify (file edited without sops)',
  ),
  'sops-not-checked': c(
    'platform',
    'warn',
    false,
    'A SOPS-encrypted file was not checked because no age identity was given',
  ),
} as const satisfies Record<string, CodeMeta>;

export type FindingCode = keyof typeof CODES;

export function isFindingCode(value: string): value is FindingCode {
  return Object.prototype.hasOwnProperty.call(CODES, value);
}

export function codeMeta(code: FindingCode): CodeMeta {
  return CODES[code];
}

export function docsUrl(code: FindingCode): string {
  return `https://github.com/ssochain/ssochain/blob/main/docs/codes/${code}.md`;
}
