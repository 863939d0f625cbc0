import { z } from 'zod';
import { CODES, HOPS } from '../../codes/registry.js';

export const SERVICES = ['authentik', 'mas', 'synapse'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const FaultSpecSchema = z
  .object({
    latencyMs: z.number().int().nonnegative().optional(),
    status: z.number().int().min(100).max(599).optional(),
    reset: z.boolean().optional(),
    malformed: z.boolean().optional(),
    slowBodyMs: z.number().int().nonnegative().optional(),
  })
  .strict();

/** faults: { <service>: { <endpoint group or '*'>: FaultSpec } } */
export const FaultsSchema = z.partialRecord(z.enum(SERVICES), z.record(z.string(), FaultSpecSchema));

const codeNames = Object.keys(CODES) as [string, ...string[]];

export const ExpectSchema = z
  .object({
    brokenLink: z.enum(HOPS).nullable(),
    findings: z.array(z.enum(codeNames)).default([]),
  })
  .strict();

/**
 * The top level of a scenario file. Each service section is validated by that service's
 * emulator (see `src/sandbox/<service>/scenario.ts`), so the emulators own their state format.
 */
export const ScenarioFileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'scenario names are lower-case words joined by dashes'),
    description: z.string().default(''),
    authentik: z.unknown().optional(),
    mas: z.unknown().optional(),
    synapse: z.unknown().optional(),
    faults: FaultsSchema.optional(),
    /** services served over https with a self-signed certificate nobody trusts */
    tls: z.partialRecord(z.enum(SERVICES), z.boolean()).optional(),
    /** the reverse proxy in front of Synapse and MAS */
    ingress: z
      .object({
        routeLoginToMas: z
          .boolean()
          .default(true)
          .describe('send /_matrix/client/*/login|logout|refresh to MAS'),
      })
      .strict()
      .optional(),
    expect: ExpectSchema,
  })
  .strict();

export type ScenarioFile = z.infer<typeof ScenarioFileSchema>;
export type FaultsConfig = z.infer<typeof FaultsSchema>;
