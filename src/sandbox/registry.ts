import type { EmulatorDefinition } from './emulator.js';
import type { ServiceName } from './scenario/schema.js';

/**
 * The emulators the stack can host, loaded lazily. Each emulator adds its own line here.
 */
export const EMULATORS: Partial<Record<ServiceName, () => Promise<EmulatorDefinition<unknown>>>> = {};
