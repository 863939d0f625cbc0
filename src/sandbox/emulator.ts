import type { z } from 'zod';
import type { Router } from './http/server.js';
import type { SandboxLog } from './log.js';
import type { ServiceName } from './scenario/schema.js';

/** What every emulator gets from the stack that hosts it. */
export interface StackEnv {
  /** base URLs of every service of the stack (http://127.0.0.1:PORT, no trailing slash) */
  urls: Record<ServiceName, string>;
  log: SandboxLog;
  /** folder of the scenario file, to resolve relative paths in it */
  scenarioDir: string;
}

export interface EmulatorInstance {
  router: Router;
  /** sandbox credentials and URLs worth printing by `sandbox up` (sandbox-only, never real secrets) */
  info(): Record<string, string>;
  close?(): Promise<void>;
}

export interface EmulatorDefinition<Section> {
  service: ServiceName;
  /** validates and fills defaults for this service's scenario section */
  section: z.ZodType<Section>;
  create(section: Section, env: StackEnv): Promise<EmulatorInstance> | EmulatorInstance;
}
