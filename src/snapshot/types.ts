import type { StoredConfigDocument } from './config-documents.js';
import type { Finding } from '../report/types.js';
import type { Secret } from './secret.js';

/**
 * Everything ssochain learned about one deployment, as plain serialisable data. Sources fill
 * it, checks read it, `collect` writes it (secrets become fingerprints) and `analyze` reads it
 * back. A part a source could not fetch is a `Fetched` with a status other than ok, so a check
 * can tell "absent" from "not looked at" and never reports a false ok.
 */
export const SNAPSHOT_SCHEMA_VERSION = 1;

export type SourceName =
  'authentik-api' | 'discovery' | 'mas-config' | 'mas-admin' | 'synapse' | 'kube' | 'log';

export type FetchErrorCode =
  | 'ERR_SOURCE_TIMEOUT'
  | 'ERR_SOURCE_DNS'
  | 'ERR_SOURCE_CONNECT'
  | 'ERR_SOURCE_TLS'
  | 'ERR_SOURCE_HTTP_STATUS'
  | 'ERR_SOURCE_NOT_JSON'
  | 'ERR_SOURCE_AUTH'
  | 'ERR_SOURCE_FORBIDDEN'
  | 'ERR_SOURCE_CONFIG'
  | 'ERR_SOURCE_INVALID';

export interface FetchError {
  code: FetchErrorCode;
  /** one plain sentence: what failed, in words an admin understands (no secrets) */
  message: string;
  /** HTTP status when there was one */
  status?: number;
  url?: string;
}

export type Fetched<T> =
  | { status: 'ok'; ms: number; data: T }
  | { status: 'skipped'; reason: string }
  | { status: 'unreachable' | 'error'; ms: number; error: FetchError };

/** A secret as it sits in a snapshot: the live value while diagnosing, a fingerprint in a bundle. */
export type SecretValue = Secret | { $secret: true; sha256: string; length: number };

// ---------------------------------------------------------------- Authentik

export interface AkRedirectUri {
  matching_mode: 'strict' | 'regex';
  url: string;
  /** 2026.x: logout entries do not count for sign-in; absent = authorization */
  redirect_uri_type?: 'authorization' | 'logout';
}

export interface AkProvider {
  pk: number;
  name: string;
  client_type: 'confidential' | 'public';
  client_id: string;
  client_secret?: SecretValue;
  redirect_uris: AkRedirectUri[];
  signing_key: string | null;
  encryption_key?: string | null;
  property_mappings: string[];
  sub_mode?: string;
  issuer_mode?: string;
  include_claims_in_id_token?: boolean;
  authorization_flow?: string | null;
  authentication_flow?: string | null;
  assigned_application_slug?: string | null;
  grant_types?: string[];
}

export interface AkApplication {
  pk: string;
  slug: string;
  name: string;
  provider: number | null;
  policy_engine_mode?: string;
}

export interface AkScopeMapping {
  pk: string;
  name: string;
  scope_name: string;
  managed?: string | null;
}

export interface AkKeypair {
  pk: string;
  name: string;
  /** 'rsa' | 'ec' | 'ed25519' ... as far as the API tells */
  key_type?: string | null;
  private_key_available?: boolean;
}

export interface AkUser {
  pk: number;
  uuid?: string;
  username: string;
  name: string;
  email?: string;
  is_active: boolean;
  last_login?: string | null;
  type?: string;
  groups?: string[];
  /** the user's hashed id: the `sub` Authentik sends in the default sub_mode hashed_user_id */
  uid?: string;
}

export interface AkStage {
  pk: string;
  name: string;
  component: string;
  /** the stage's settings as the API returns them (user_creation_mode, create_users_as_inactive...) */
  settings: Record<string, unknown>;
}

export interface AkFlow {
  pk: string;
  slug: string;
  name: string;
  designation: string;
  /** who may run it: none, require_unauthenticated, ... */
  authentication?: string;
  /** stages in binding order */
  stages: { order: number; stage: AkStage; policies?: number }[];
}

export interface AkEvent {
  pk: string;
  action: string;
  created: string;
  username?: string;
  app?: string;
  context: Record<string, unknown>;
}

export interface AuthentikFacts {
  url: string;
  version?: string;
  providers: AkProvider[];
  applications: AkApplication[];
  scopeMappings: AkScopeMapping[];
  keypairs: AkKeypair[];
  flows: AkFlow[];
  /** identification stages (or sources) and the enrollment flow each links ("Sign up") */
  enrollmentLinks: { stage: string; enrollmentFlow: string | null; via?: 'identification' | 'source' }[];
  /** brands and their default authentication flow (flow pk) */
  brands?: { domain: string; default: boolean; flowAuthentication: string | null }[];
  /** invitations (their tokens are not kept) */
  invitations?: { name: string; flow: string | null; expires: string | null; singleUse: boolean }[];
  users: AkUser[];
  events: AkEvent[];
  /** per application slug and username: check_access answer */
  access: { application: string; username: string; passing: boolean; messages: string[] }[];
  /** per provider pk and username: preview_user claims */
  claimsPreview: { provider: number; username: string; claims: Record<string, unknown> }[];
  /** lists cut at a cap: absence beyond the cap is not proof */
  truncated?: { part: 'users' | 'events'; fetched: number; total: number }[];
  /** parts that could not be read while the rest could (e.g. a missing permission) */
  gaps?: { part: string; error: FetchError }[];
}

// ---------------------------------------------------------------- OIDC (as MAS sees it)

export interface DiscoveryFacts {
  /** the URL fetched: <issuer>/.well-known/openid-configuration, exactly as MAS builds it */
  url: string;
  document: Record<string, unknown>;
  /** redirects followed on the way, as MAS's HTTP client follows them (reqwest, up to 10) */
  redirects?: string[];
  jwks?: Fetched<{ url: string; body: unknown }>;
}

// ---------------------------------------------------------------- MAS

export interface MasProviderFacts {
  id: string;
  enabled: boolean;
  issuer?: string;
  human_name?: string;
  client_id?: string;
  client_secret?: SecretValue;
  client_secret_file?: string;
  token_endpoint_auth_method?: string;
  id_token_signed_response_alg: string;
  scope: string;
  discovery_mode: string;
  fetch_userinfo: boolean;
  claims_imports: Record<string, unknown>;
}

export interface MasConfigFacts {
  /** where the config came from: a file, a SOPS file, a Kubernetes Secret */
  origin: string;
  publicBase?: string;
  issuer?: string;
  providers: MasProviderFacts[];
  matrix: {
    homeserver?: string;
    endpoint?: string;
    kind?: string;
    secret?: SecretValue;
    secret_file?: string;
  };
  passwordsEnabled?: boolean;
  adminApiEnabled: boolean;
  /** `clients[].client_id`: the clients MAS knows (the admin API needs one) */
  clientIds?: string[];
  /** `policy.data.admin_clients`: the clients allowed `urn:mas:admin` */
  adminClients?: string[];
  /** the effective config data with every secret value replaced by `<redacted>` */
  raw: Record<string, unknown>;
}

export interface MasUserFacts {
  id: string;
  username: string;
  admin: boolean;
  locked_at: string | null;
  deactivated_at: string | null;
  created_at: string;
}

export interface MasLinkFacts {
  id: string;
  provider_id: string;
  subject: string;
  user_id: string | null;
  human_account_name?: string | null;
}

export interface MasAdminFacts {
  users: MasUserFacts[];
  links: MasLinkFacts[];
  providers: { id: string; issuer: string | null; disabled_at: string | null }[];
  /** true when the list was cut at the page limit: absence is then not proof */
  truncated: boolean;
}

export interface MasRuntimeFacts {
  /** MAS's own discovery document, fetched from its public base */
  discovery?: Fetched<Record<string, unknown>>;
  /** GET /_matrix/client/v3/login through the public client URL */
  compatLogin?: Fetched<{ url?: string; status: number; body: unknown }>;
}

// ---------------------------------------------------------------- Synapse

export interface SynapseFacts {
  url: string;
  versions?: string[];
  wellKnown?: Fetched<Record<string, unknown>>;
  /** where the client well-known was fetched (the server name's host, or the Synapse URL) */
  wellKnownUrl?: string;
  authMetadata?: Fetched<Record<string, unknown>>;
  /** which auth_metadata endpoint answered (stable v1, else the unstable MSC2965 one) */
  authMetadataUrl?: string;
  /**
   * GET /_synapse/mas/is_localpart_available without a localpart: 400 means the secret works,
   * 403 that it is wrong, 404 that the integration is off. `secretFrom` tells whose secret was
   * sent: MAS's `matrix.secret` (what MAS itself sends) or the one in ssochain.yaml.
   */
  masApiProbe?: Fetched<{
    /** where the probe was answered: MAS's `matrix.endpoint` when reachable, else the Synapse URL */
    url?: string;
    status: number;
    errcode?: string;
    error?: string;
    secretFrom?: 'mas-config' | 'ssochain-config';
  }>;
  /** GET /_matrix/key/v2/server: the server name Synapse signs with */
  serverKey?: Fetched<{ server_name: string }>;
  /** per localpart: query_user answers (only definite ones: 200 exists, 404 does not) */
  users: { localpart: string; exists: boolean; deactivated?: boolean; userId?: string }[];
  /** the admin API's user list when an admin token is configured */
  adminUsers?: Fetched<
    {
      name: string;
      deactivated: boolean;
      creation_ts?: number;
      is_guest?: boolean;
      user_type?: string | null;
      /** looked up for users MAS does not know: application-service users are not MAS's */
      appservice_id?: string | null;
    }[]
  >;
  /** true when the admin list was cut at the limit: absence from it is then not proof */
  adminUsersTruncated?: boolean;
}

export interface LogLineFacts {
  source: string;
  line: string;
}

export interface ChainSnapshot {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  takenAt: string;
  /** which user the run focuses on, when given (`trace`, `doctor --user`) */
  user?: string;
  authentik: Fetched<AuthentikFacts>;
  /** per MAS provider id */
  discovery: Record<string, Fetched<DiscoveryFacts>>;
  masConfig: Fetched<MasConfigFacts>;
  masAdmin: Fetched<MasAdminFacts>;
  masRuntime: Fetched<MasRuntimeFacts>;
  synapse: Fetched<SynapseFacts>;
  logs: LogLineFacts[];
  /** the MAS config documents found, masked, with positions: the config checks run on these */
  configDocuments?: StoredConfigDocument[];
  /** findings made while reading config files (SOPS that does not open or verify): facts of the read */
  fileFindings?: Finding[];
  /** suppressions from ssochain.yaml, kept so `analyze` applies them as `doctor` did */
  ignore?: { code: string; subject?: string; match?: string; reason: string }[];
}
