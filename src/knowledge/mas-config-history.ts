/**
 * What MAS's configuration used to accept and no longer does, and the mistakes people make
 * often enough to deserve a precise answer instead of a generic "unknown key". Every entry was
 * checked against MAS's published schema at each release tag (docs/config.schema.json in
 * element-hq/matrix-authentication-service) and the commit that removed it.
 *
 * Places use the notation of `masKeyPlaces()`: dotted keys, `[]` for "every list entry".
 */

export interface RemovedKey {
  /** where the key used to live, e.g. `upstream_oauth2.providers[].claims_imports.email` */
  place: string;
  key: string;
  /** the first MAS release without it */
  removedIn: string;
  /** what happened and what to do now, one or two sentences */
  note: string;
}

export const MAS_REMOVED_KEYS: readonly RemovedKey[] = [
  {
    place: 'upstream_oauth2.providers[].claims_imports.email',
    key: 'set_email_verification',
    removedIn: 'v0.13.0',
    note: 'Removed with the email verification codes (commit 0513f198d): MAS now treats every imported email as verified, so delete the key.',
  },
  {
    place: 'branding',
    key: 'logo_uri',
    removedIn: 'v1.21.0',
    note: 'It was never used by the templates and was removed (commit f948dec45); delete it.',
  },
  ...['agent_host', 'agent_port', 'collector_endpoint', 'username', 'password', 'protocol'].map(
    (key): RemovedKey => ({
      place: 'telemetry.tracing',
      key,
      removedIn: 'v0.9.0',
      note: 'The Jaeger and Zipkin exporters were removed (commit eb950151a); use `exporter: otlp` with `endpoint` instead.',
    }),
  ),
];

export interface RemovedValue {
  /** the schema definition whose values changed */
  definition: string;
  value: string;
  removedIn: string;
  note: string;
}

/** Enum values MAS used to accept. An unknown value makes MAS refuse to start, so these are errors. */
export const MAS_REMOVED_VALUES: readonly RemovedValue[] = [
  {
    definition: 'Resource',
    value: 'spa',
    removedIn: 'v0.9.0',
    note: 'The separate single-page-app resource is gone; the `human` and `assets` resources serve the UI.',
  },
  ...['jaeger', 'zipkin'].map((value): RemovedValue => ({
    definition: 'TracingExporterKind',
    value,
    removedIn: 'v0.9.0',
    note: 'The Jaeger and Zipkin exporters were removed (commit eb950151a); use `otlp`.',
  })),
  ...['b3', 'b3multi'].map((value): RemovedValue => ({
    definition: 'Propagator',
    value,
    removedIn: 'v0.9.0',
    note: 'Only `tracecontext`, `baggage` and `jaeger` propagators remain.',
  })),
];

export interface KnownMistake {
  /** where it is a mistake (`` for the root, `*` anywhere) */
  place: string;
  key: string;
  /** the key or place that was meant */
  meant: string;
  note: string;
}

/**
 * Keys that look plausible but are wrong in a specific way. Synapse-dialect keys are not here:
 * the dialect check owns them (`mas-config-dialect`).
 */
export const MAS_KNOWN_MISTAKES: readonly KnownMistake[] = [
  {
    place: '*',
    key: 'claim_imports',
    meant: 'claims_imports',
    note: 'MAS reads `claims_imports` (plural "claims"); with the typo every import silently falls back to `ignore`.',
  },
  {
    place: '*',
    key: '<<',
    meant: 'the keys written out',
    note: 'MAS reads its config with figment’s plain YAML provider, which does not apply YAML merge keys: `<<: *anchor` stays a key of its own that MAS ignores, so the merged settings are missing. Write the keys out (anchors and aliases for whole values do work).',
  },
  {
    place: '',
    key: 'client_secret',
    meant: 'clients[].client_secret',
    note: 'A top-level `client_secret` is ignored (seen in element-hq/matrix-authentication-service#3613); it belongs to an entry of `clients` (or of `upstream_oauth2.providers`).',
  },
  {
    place: '',
    key: 'providers',
    meant: 'upstream_oauth2.providers',
    note: 'Upstream identity providers are listed under `upstream_oauth2.providers`.',
  },
  {
    place: '',
    key: 'upstream_oauth',
    meant: 'upstream_oauth2',
    note: 'The section is called `upstream_oauth2`.',
  },
  {
    place: 'upstream_oauth2',
    key: 'provider',
    meant: 'providers',
    note: 'The list is called `providers` (plural) and must be a YAML list.',
  },
];
