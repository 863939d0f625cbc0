import type { EmulatorDefinition } from './emulator.js';
import type { ServiceName } from './scenario/schema.js';

/**
 * The emulators the stack can host, loaded lazily. Each emulator adds its own line here.
 */
export const EMULATORS: Partial<Record<ServiceName, () => Promise<EmulatorDefinition<unknown>>>> = {
  authentik: async () =>
    (await import('./authentik/index.js')).authentikEmulator as EmulatorDefinition<unknown>,
  mas: async () => (await import('./mas/index.js')).masEmulator as EmulatorDefinition<unknown>,
  synapse: async () => (await import('./synapse/index.js')).synapseEmulator as EmulatorDefinition<unknown>,
};
