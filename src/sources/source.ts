import type { SsochainConfig } from '../config/schema.js';
import type { Secret } from '../snapshot/secret.js';
import type { ChainSnapshot } from '../snapshot/types.js';
import type { Finding } from '../report/types.js';
import type { SopsAdapter } from './files/load.js';
import type { ConfigView } from './files/config-view.js';
import type { FetchLike } from './http.js';

/** Everything a source may use; all I/O goes through here so tests and the sandbox stay on loopback. */
export interface SourceContext {
  config: SsochainConfig;
  /** resolves a credential reference from the config; throws ConfigError when it cannot */
  secret(ref: NonNullable<SsochainConfig['authentik']>['token']): Promise<Secret>;
  fetch: FetchLike;
  timeoutMs: number;
  /** the user a run focuses on (`doctor --user`, `trace`) */
  user?: string;
  sops?: SopsAdapter;
  /** reports progress for the live display ("authentik-api: 3/7 requests") */
  progress?: (source: string, message: string) => void;
}

/**
 * Parts of the snapshot that sources produce. Sources run in two waves: the MAS config
 * first (local, fast, and it says which issuers to discover), then all network sources at once.
 */
export type SnapshotPart = Partial<Omit<ChainSnapshot, 'schemaVersion' | 'takenAt'>> & {
  /** config documents found by the MAS-config source, for the config-level (lint) checks */
  configViews?: ConfigView[];
  /** what reading a config file itself found (a SOPS file that does not open or verify) */
  loaderFindings?: Finding[];
};

export interface Source {
  name: string;
  wave: 1 | 2;
  collect(ctx: SourceContext, earlier: SnapshotPart): Promise<SnapshotPart>;
}
