import type { SopsAdapter } from './load.js';

export interface SopsAdapterOptions {
  ageKeyFile?: string;
  env: Record<string, string | undefined>;
}

/** Placeholder until the SOPS codec lands: reports every SOPS file as not checked. */
export function sopsAdapterFor(_options: SopsAdapterOptions): SopsAdapter {
  return {
    hasIdentities: async () => false,
    decrypt: async () => undefined,
  };
}
