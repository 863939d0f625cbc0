import { z } from 'zod';

/**
 * Where a credential comes from. Never required on the command line: a flag value ends up in
 * `ps` and shell history. A literal `value` is allowed in the file for sandboxes and tests.
 */
export const SecretRefSchema = z.union([
  z.object({ env: z.string().min(1).describe('name of an environment variable holding the value') }).strict(),
  z.object({ file: z.string().min(1).describe('path of a file holding the value (trimmed)') }).strict(),
  z
    .object({
      kubernetesSecret: z
        .object({ namespace: z.string().min(1), name: z.string().min(1), key: z.string().min(1) })
        .strict()
        .describe('a key of a Kubernetes Secret, read through the current kubeconfig'),
    })
    .strict(),
  z.object({ value: z.string().min(1).describe('the value itself; for sandboxes only') }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

const Url = z.url({ protocol: /^https?$/ });

/** Where ssochain reads the MAS config from: the file MAS reads, a SOPS file in Git, or a Secret. */
export const MasConfigSourceSchema = z.union([
  z.object({ file: z.string().min(1) }).strict(),
  z
    .object({
      sopsFile: z.string().min(1).describe('SOPS-encrypted file in a GitOps checkout, decrypted in memory'),
      ageKeyFile: z.string().optional(),
    })
    .strict(),
  z
    .object({
      kubernetesSecret: z
        .object({
          namespace: z.string().min(1),
          name: z.string().min(1),
          key: z.string().default('values.yaml'),
        })
        .strict(),
    })
    .strict(),
]);

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    authentik: z
      .object({
        url: Url.describe('base URL of Authentik, e.g. https://auth.example.org'),
        token: SecretRefSchema.describe(
          'an API token (intent api) of a user allowed to read providers, flows, users and events',
        ),
        application: z
          .string()
          .optional()
          .describe('slug of the Matrix application; found through the client_id when omitted'),
      })
      .strict()
      .optional(),
    mas: z
      .object({
        url: Url.describe('the public base URL of MAS (http.public_base)'),
        internalUrl: Url.optional().describe('where ssochain reaches MAS if not through the public URL'),
        config: MasConfigSourceSchema.optional(),
        admin: z
          .object({ clientId: z.string().min(1), clientSecret: SecretRefSchema })
          .strict()
          .optional()
          .describe('a client in MAS clients + policy.data.admin_clients, for the admin API (urn:mas:admin)'),
      })
      .strict()
      .optional(),
    synapse: z
      .object({
        url: Url.describe('the client-server URL of Synapse, or the public homeserver URL'),
        serverName: z.string().optional(),
        sharedSecret: SecretRefSchema.optional().describe(
          'matrix_authentication_service.secret, to probe /_synapse/mas',
        ),
        adminToken: SecretRefSchema.optional().describe('a MAS-issued token with urn:synapse:admin:*'),
        config: MasConfigSourceSchema.optional().describe(
          'where homeserver.yaml (or the ESS values that carry it) can be read',
        ),
      })
      .strict()
      .optional(),
    timeouts: z
      .object({ default: z.number().int().positive().default(5000) })
      .strict()
      .default({ default: 5000 }),
    concurrency: z.number().int().positive().max(64).default(8),
    ignore: z
      .array(
        z
          .object({
            code: z.string().min(1),
            subject: z.string().optional().describe('only findings about this subject'),
            match: z
              .string()
              .optional()
              .describe('a regular expression the finding detail or evidence must match'),
            reason: z.string().min(3).describe('why this finding does not apply here (required)'),
          })
          .strict(),
      )
      .default([])
      .describe('findings to suppress; the report counts what was suppressed'),
    /** trust this CA bundle for TLS, as MAS would have to (private CAs) */
    caFile: z.string().optional(),
  })
  .strict();

export type SsochainConfig = z.infer<typeof ConfigSchema>;

/** JSON Schema for editors (yaml-language-server), generated from the same zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
}
