import { z } from 'zod';
import { SANDBOX_ENCRYPTION_HEX, sandboxRsaKeyPem } from './sandbox-keys.js';

/**
 * The `mas:` section of a scenario file. `config` is the MAS configuration exactly as an admin
 * writes it (YAML text; unknown keys are ignored, as MAS does), `configFragments` are merged
 * over it in order (ESS-style: maps merge, lists append, scalars replace). Everything else is
 * the state of MAS's database and worker when the scenario starts.
 */

/** The fixed sandbox values the default config uses; the Authentik emulator uses the same. */
export const SANDBOX_DEFAULTS = {
  providerId: '01KQDJTR1ZVTG8JQ220F5BNBFZ',
  clientId: 'ssochain-sandbox-matrix',
  clientSecret: 'ssochain-sandbox-matrix-client-secret-not-for-production',
  /** appended to the Authentik emulator's URL: Authentik's per-application issuer, with its `/` */
  issuerPath: '/application/o/matrix/',
  homeserver: 'sandbox.local',
  matrixSecret: 'sandbox-mas-synapse-shared-secret',
  adminClientId: '01KQDJVZ7A0000000000000ADM',
  adminClientSecret: 'sandbox-mas-admin-client-secret',
} as const;

const UpstreamLinkSchema = z
  .object({
    /** provider ULID */
    provider: z.string(),
    subject: z.string(),
    humanAccountName: z.string().optional(),
  })
  .strict();

const UserSchema = z
  .object({
    username: z.string(),
    /** enables password login for this user (when `passwords.enabled`) */
    password: z.string().optional(),
    admin: z.boolean().default(false),
    locked: z.boolean().default(false),
    deactivated: z.boolean().default(false),
    legacyGuest: z.boolean().default(false),
    emails: z.array(z.string()).default([]),
    displayname: z.string().optional(),
    upstreamLinks: z.array(UpstreamLinkSchema).default([]),
    /** false: the provisioning job is still queued (runs at start unless the worker is stalled) */
    provisioned: z.boolean().default(true),
  })
  .strict();

export const MasSectionSchema = z
  .object({
    config: z.string().optional(),
    configFragments: z.array(z.string()).default([]),
    /** how MAS names its config file in error messages */
    configPath: z.string().default('config.yaml'),
    /** contents of files the config refers to (`secret_file`, `client_secret_file`, ...) */
    files: z.record(z.string(), z.string()).default({}),
    /** values for the default config (used only when `config` is absent) */
    defaults: z
      .object({
        providerId: z.string().default(SANDBOX_DEFAULTS.providerId),
        clientId: z.string().default(SANDBOX_DEFAULTS.clientId),
        clientSecret: z.string().default(SANDBOX_DEFAULTS.clientSecret),
        /** default: `${AUTHENTIK_URL}/application/o/matrix/` */
        issuer: z.string().optional(),
        homeserver: z.string().default(SANDBOX_DEFAULTS.homeserver),
        matrixSecret: z.string().default(SANDBOX_DEFAULTS.matrixSecret),
      })
      .strict()
      .prefault({}),
    users: z.array(UserSchema).default([]),
    unlinkedUpstreamLinks: z.array(UpstreamLinkSchema).default([]),
    worker: z
      .object({
        stalled: z.boolean().default(false),
        delayMs: z.number().int().nonnegative().default(0),
        /** real milliseconds per second of MAS's retry back-off (5s, 10s, 20s, ...) */
        retryMsPerSecond: z.number().nonnegative().default(1),
      })
      .strict()
      .prefault({}),
    /** the admin-API client to report in `info()`; by default the first one the config grants */
    adminClient: z.union([z.literal(false), z.object({ clientId: z.string() }).strict()]).optional(),
    /** extra CA certificates (PEM text, or a path relative to the scenario) MAS trusts */
    trustCa: z.array(z.string()).default([]),
    logLevel: z.enum(['info', 'debug']).default('info'),
  })
  .strict();

export type MasSection = z.infer<typeof MasSectionSchema>;
export type MasUserSeed = z.infer<typeof UserSchema>;

/** The default MAS configuration: healthy, with the Authentik emulator as upstream provider. */
export function defaultConfigText(
  urls: { authentik: string; mas: string; synapse: string },
  d: MasSection['defaults'],
): string {
  const issuer = d.issuer ?? `${urls.authentik}${SANDBOX_DEFAULTS.issuerPath}`;
  const key = sandboxRsaKeyPem()
    .trim()
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
  return `# ssochain sandbox: the emulated MAS's default configuration (real MAS keys only)
http:
  public_base: "${urls.mas}/"
  listeners:
    - name: web
      resources:
        - name: discovery
        - name: human
        - name: oauth
        - name: compat
        - name: graphql
        - name: assets
        - name: adminapi
      binds:
        - address: "[::]:8080"
    - name: internal
      resources:
        - name: health
      binds:
        - host: localhost
          port: 8081
database:
  uri: postgresql://mas@localhost/mas
secrets:
  encryption: ${SANDBOX_ENCRYPTION_HEX}
  keys:
    - kid: sandbox-rsa
      key: |
${key}
matrix:
  kind: synapse
  homeserver: ${d.homeserver}
  endpoint: "${urls.synapse}"
  secret: "${d.matrixSecret}"
passwords:
  enabled: false
clients:
  - client_id: ${SANDBOX_DEFAULTS.adminClientId}
    client_auth_method: client_secret_basic
    client_secret: "${SANDBOX_DEFAULTS.adminClientSecret}"
policy:
  data:
    admin_clients:
      - ${SANDBOX_DEFAULTS.adminClientId}
    client_registration:
      # loopback test clients register http:// redirect URIs
      allow_insecure_uris: true
upstream_oauth2:
  providers:
    - id: ${d.providerId}
      human_name: Authentik
      issuer: "${issuer}"
      client_id: "${d.clientId}"
      client_secret: "${d.clientSecret}"
      token_endpoint_auth_method: client_secret_basic
      scope: "openid profile email"
      # the sandbox serves plain http on loopback, and discovery_mode: oidc (the default)
      # refuses any non-https URL in the provider metadata
      discovery_mode: insecure
      claims_imports:
        localpart:
          action: require
          template: "{{ user.preferred_username }}"
        displayname:
          action: suggest
          template: "{{ user.name }}"
        email:
          action: suggest
          template: "{{ user.email }}"
`;
}
