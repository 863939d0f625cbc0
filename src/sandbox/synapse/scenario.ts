import { z } from 'zod';

/** The Synapse release whose behaviour the emulator follows (checked against the real one). */
export const SYNAPSE_VERSION = '1.160.0';

/** `server_name` of the sandbox homeserver; MAS's default `matrix.homeserver` must match it. */
export const SANDBOX_SERVER_NAME = 'sandbox.local';

/**
 * The sandbox's MAS <-> Synapse shared secret (`matrix_authentication_service.secret` here,
 * `matrix.secret` in MAS). A sandbox-only value, printed by `sandbox up`.
 */
export const SANDBOX_MAS_SHARED_SECRET = 'sandbox-mas-synapse-shared-secret';

/** The homeserver.yaml a healthy sandbox Synapse runs with when a scenario gives none. */
export function defaultHomeserverConfig(urls: { mas: string; synapse: string }): string {
  return [
    `server_name: ${SANDBOX_SERVER_NAME}`,
    `public_baseurl: ${urls.synapse}/`,
    'report_stats: false',
    'matrix_authentication_service:',
    '  enabled: true',
    `  endpoint: ${urls.mas}/`,
    `  secret: ${SANDBOX_MAS_SHARED_SECRET}`,
    '',
  ].join('\n');
}

export const SynapseUserSchema = z
  .object({
    localpart: z.string().min(1),
    displayname: z.string().nullable().optional(),
    avatarUrl: z.string().nullable().optional(),
    admin: z.boolean().default(false),
    deactivated: z.boolean().default(false),
    locked: z.boolean().default(false),
    suspended: z.boolean().default(false),
    /**
     * How the account came to exist. Synapse itself does not record this; the sandbox keeps it so
     * scenarios can hold Synapse-only accounts (`admin-api`, `registration`) that MAS does not know.
     */
    createdVia: z.enum(['mas', 'admin-api', 'registration']).default('mas'),
    emails: z.array(z.string()).default([]),
    devices: z
      .array(
        z.union([z.string(), z.object({ id: z.string(), displayName: z.string().nullable().optional() })]),
      )
      .default([]),
    /** milliseconds since the epoch; defaults to the emulator's start time */
    creationTs: z.number().int().optional(),
  })
  .strict();

export const AppServiceSchema = z
  .object({
    id: z.string(),
    /** exclusive user namespaces, as regexes over full user ids (like `@irc_.*:sandbox.local`) */
    users: z
      .array(z.object({ regex: z.string(), exclusive: z.boolean().default(true) }).strict())
      .default([]),
  })
  .strict();

/**
 * The `synapse:` section of a scenario file.
 *
 * - `config`: homeserver.yaml as an admin writes it; `${MAS_URL}` / `${SYNAPSE_URL}` are filled in
 *   before parsing. Absent: {@link defaultHomeserverConfig}.
 * - `users`: accounts that exist in Synapse's database when the scenario starts.
 * - `appservices`: registered application services (only their user namespaces matter here).
 * - `version`: what `server_version` and the `Server` header report.
 */
export const SynapseSectionSchema = z
  .object({
    config: z.string().optional(),
    users: z.array(SynapseUserSchema).default([]),
    appservices: z.array(AppServiceSchema).default([]),
    version: z.string().default(SYNAPSE_VERSION),
  })
  .strict();

export type SynapseSection = z.infer<typeof SynapseSectionSchema>;
export type SynapseUserSeed = z.infer<typeof SynapseUserSchema>;
export type AppServiceSeed = z.infer<typeof AppServiceSchema>;
