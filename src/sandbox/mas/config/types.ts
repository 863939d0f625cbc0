/** The parts of a MAS configuration the emulator acts on, after MAS's defaults are applied. */

export const RESOURCE_NAMES = [
  'health',
  'prometheus',
  'discovery',
  'human',
  'graphql',
  'oauth',
  'compat',
  'assets',
  'adminapi',
  'connection-info',
] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

export const TOKEN_AUTH_METHODS = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'sign_in_with_apple',
] as const;
export type TokenAuthMethod = (typeof TOKEN_AUTH_METHODS)[number];

export const CLIENT_AUTH_METHODS = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

export const DISCOVERY_MODES = ['oidc', 'insecure', 'disabled'] as const;
export const PKCE_METHODS = ['auto', 'always', 'never'] as const;
export const RESPONSE_MODES = ['query', 'form_post'] as const;
export const IMPORT_ACTIONS = ['ignore', 'suggest', 'force', 'require'] as const;
export const ON_CONFLICT = ['fail', 'add', 'replace', 'set'] as const;
export const ON_BACKCHANNEL_LOGOUT = ['do_nothing', 'logout_browser_only', 'logout_all'] as const;
export const HOMESERVER_KINDS = ['synapse', 'synapse_read_only', 'synapse_legacy', 'synapse_modern'] as const;

export type ImportAction = (typeof IMPORT_ACTIONS)[number];
export type OnConflict = (typeof ON_CONFLICT)[number];

export interface ImportPreference {
  action: ImportAction;
  template?: string;
}

export interface ClaimsImports {
  subject: { template?: string };
  skipConfirmation: boolean;
  localpart: ImportPreference & { onConflict: OnConflict };
  displayname: ImportPreference;
  email: ImportPreference;
  accountName: { template?: string };
}

export interface ProviderConfig {
  index: number;
  enabled: boolean;
  id: string;
  synapseIdpId?: string;
  issuer?: string;
  humanName?: string;
  brandName?: string;
  clientId: string;
  clientSecret?: string;
  tokenEndpointAuthMethod: TokenAuthMethod;
  tokenEndpointAuthSigningAlg?: string;
  idTokenSignedResponseAlg: string;
  scope: string;
  discoveryMode: (typeof DISCOVERY_MODES)[number];
  pkceMethod: (typeof PKCE_METHODS)[number];
  fetchUserinfo: boolean;
  userinfoSignedResponseAlg?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  jwksUri?: string;
  responseMode?: (typeof RESPONSE_MODES)[number];
  claimsImports: ClaimsImports;
  additionalAuthorizationParameters: [string, string][];
  forwardLoginHint: boolean;
  onBackchannelLogout: (typeof ON_BACKCHANNEL_LOGOUT)[number];
  registrationTokenRequired: boolean;
}

export interface ClientConfig {
  clientId: string;
  clientAuthMethod: ClientAuthMethod;
  clientName?: string;
  clientUri?: string;
  clientSecret?: string;
  redirectUris: string[];
}

export interface SigningKeyConfig {
  kid?: string;
  /** PEM text of the private key */
  pem: string;
  password?: string;
}

export interface StringConstraints {
  literals?: string[];
  substrings?: string[];
  regexes?: string[];
  prefixes?: string[];
  suffixes?: string[];
}

export interface PolicyData {
  admin_users?: string[];
  admin_clients?: string[];
  client_registration?: {
    allow_host_mismatch?: boolean;
    allow_insecure_uris?: boolean;
    allow_missing_client_uri?: boolean;
  };
  registration?: { allowed_usernames?: StringConstraints; banned_usernames?: StringConstraints };
  emails?: { allowed_addresses?: StringConstraints; banned_addresses?: StringConstraints };
  allowed_domains?: string[];
  banned_domains?: string[];
  [key: string]: unknown;
}

export interface MasConfig {
  http: {
    /** `http.public_base` as the url crate serialises it (always with a path, e.g. `http://[::]:8080/`) */
    publicBase: string;
    /** `http.issuer`, defaulting to the public base */
    issuer: string;
    /** true when the `http` section is absent and MAS's built-in listeners apply */
    defaultListeners: boolean;
    /** union of the resources every listener serves */
    resources: Set<ResourceName>;
  };
  matrix: {
    kind: (typeof HOMESERVER_KINDS)[number];
    homeserver: string;
    endpoint: string;
    secret: string;
  };
  passwords: { enabled: boolean; minimumComplexity: number };
  account: {
    emailChangeAllowed: boolean;
    displaynameChangeAllowed: boolean;
    passwordRegistrationEnabled: boolean;
    passwordRegistrationEmailRequired: boolean;
    passwordChangeAllowed: boolean;
    passwordRecoveryEnabled: boolean;
    accountDeactivationAllowed: boolean;
    loginWithEmailAllowed: boolean;
    passwordRegistrationTokenRequired: boolean;
    registrationTokenRequired: boolean;
  };
  branding: { tosUri?: string };
  captchaEnabled: boolean;
  policy: { data: PolicyData };
  secrets: { keys: SigningKeyConfig[] };
  clients: ClientConfig[];
  providers: ProviderConfig[];
  accessTokenTtl: number;
}
