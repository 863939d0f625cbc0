import type { FindingCode, Hop, Severity } from '../codes/registry.js';

export type EvidenceSource =
  'authentik-api' | 'discovery' | 'mas-config' | 'mas-admin' | 'synapse' | 'kube' | 'log' | 'file';

export interface Evidence {
  source: EvidenceSource;
  excerpt: string;
}

export interface Fix {
  summary: string;
  snippet?: string;
  docs?: string;
  /** id of a repair action that can apply this fix, or null when it must be done by hand */
  repair: string | null;
}

export interface Location {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  hop: Hop;
  subject: string;
  title: string;
  detail: string;
  evidence: Evidence[];
  fix?: Fix;
  location?: Location;
  /** set by diagnosis when this finding follows from an earlier one */
  consequenceOf?: FindingCode;
}

export type HopStatus = 'ok' | 'broken' | 'degraded' | 'unknown';

export interface ChainLink {
  hop: Hop;
  status: HopStatus;
  findings: FindingCode[];
}

export type SourceStatus = 'ok' | 'unreachable' | 'skipped';

export interface SourceReport {
  name: string;
  status: SourceStatus;
  ms: number;
  reason?: string;
}

export interface Report {
  tool: { name: 'ssochain'; version: string };
  verdict: { ok: boolean; brokenLink: Hop | null; summary: string };
  chain: ChainLink[];
  findings: Finding[];
  sources: SourceReport[];
}
