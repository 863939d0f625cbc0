/**
 * Tells what a YAML document is from its shape alone. Pure, so it can be tested with plain
 * objects. The sets below are the top-level keys each format is known by; a document is
 * what it shares most keys with, and a Kubernetes object is recognised by apiVersion + kind.
 */
export type DocumentKind =
  'mas' | 'synapse' | 'ess-values' | 'k8s-secret' | 'k8s-configmap' | 'helmrelease' | 'k8s-other' | 'unknown';

/** MAS's root sections (from its config schema) plus the Synapse-dialect blocks admins paste into MAS. */
export const MAS_ROOT_KEYS = new Set([
  'http',
  'database',
  'telemetry',
  'templates',
  'email',
  'secrets',
  'passwords',
  'matrix',
  'policy',
  'rate_limiting',
  'upstream_oauth2',
  'branding',
  'captcha',
  'account',
  'experimental',
  'clients',
]);
export const MAS_DIALECT_ROOT_KEYS = new Set([
  'upstream_oauth2_config',
  'user_mapping_provider',
  'oidc_config',
]);

/** Keys that only a Synapse homeserver.yaml has. */
export const SYNAPSE_KEYS = new Set([
  'server_name',
  'pid_file',
  'report_stats',
  'signing_key_path',
  'media_store_path',
  'log_config',
  'macaroon_secret_key',
  'registration_shared_secret',
  'form_secret',
  'trusted_key_servers',
  'public_baseurl',
  'matrix_authentication_service',
  'experimental_features',
  'oidc_providers',
  'enable_registration',
  'password_config',
  'app_service_config_files',
  'federation_domain_whitelist',
  'suppress_key_server_warning',
  'serve_server_wellknown',
  'saml2_config',
  'cas_config',
  'jwt_config',
  'sso',
  'max_upload_size',
  'url_preview_enabled',
  'enable_metrics',
  'worker_app',
  'instance_map',
  'redis',
]);

/** Top-level keys of the ESS `matrix-stack` chart's values. */
export const ESS_VALUES_KEYS = new Set([
  'matrixAuthenticationService',
  'serverName',
  'elementWeb',
  'elementAdmin',
  'matrixRTC',
  'wellKnownDelegation',
  'haproxy',
  'initSecrets',
  'deploymentMarkers',
  'certManager',
  'hookshot',
  'postgres',
  'global',
  'ingress',
  'imagePullSecrets',
  'labels',
  'tolerations',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function detectKind(data: unknown): DocumentKind {
  if (!isRecord(data)) return 'unknown';
  if (typeof data.apiVersion === 'string' && typeof data.kind === 'string') {
    if (data.kind === 'Secret') return 'k8s-secret';
    if (data.kind === 'ConfigMap') return 'k8s-configmap';
    if (data.kind === 'HelmRelease' && data.apiVersion.startsWith('helm.toolkit.fluxcd.io/'))
      return 'helmrelease';
    return 'k8s-other';
  }
  const keys = Object.keys(data);
  const ess = keys.filter((k) => ESS_VALUES_KEYS.has(k)).length;
  // `synapse:` as an object with chart-like keys is ESS; Synapse itself never has a `synapse` key
  const essSynapse =
    isRecord(data.synapse) && ('additional' in data.synapse || 'enabled' in data.synapse) ? 1 : 0;
  const synapse = keys.filter((k) => SYNAPSE_KEYS.has(k)).length;
  const mas = keys.filter((k) => MAS_ROOT_KEYS.has(k) || MAS_DIALECT_ROOT_KEYS.has(k)).length;
  if (ess + essSynapse > 0 && ess + essSynapse >= synapse && ess + essSynapse >= mas) return 'ess-values';
  // `listeners` and `database` exist in both MAS and Synapse: tell them apart by their shape
  let synapseScore = synapse;
  let masScore = mas;
  if (isRecord(data.database) && typeof data.database.name === 'string') synapseScore += 2;
  if (isRecord(data.database) && ('uri' in data.database || 'host' in data.database)) masScore += 1;
  if (Array.isArray(data.listeners)) synapseScore += 1;
  if (
    isRecord(data.matrix) &&
    ('homeserver' in data.matrix || 'secret' in data.matrix || 'endpoint' in data.matrix)
  )
    masScore += 2;
  if (synapseScore === 0 && masScore === 0) return 'unknown';
  return synapseScore > masScore ? 'synapse' : 'mas';
}

/** Which kind a file is, guessed from its name when its content is not decisive. */
export function kindFromFileName(name: string): 'mas' | 'synapse' | 'ess-values' | undefined {
  const n = name.toLowerCase().replace(/^.*[\\/]/, '');
  if (/homeserver|synapse/.test(n)) return 'synapse';
  if (/(^|[^a-z])mas([^a-z]|$)|matrix-authentication|auth-service/.test(n)) return 'mas';
  if (/values/.test(n)) return 'ess-values';
  return undefined;
}

/** Keys both a MAS config and homeserver.yaml may have, or that admins paste into either. */
const SHARED_KEYS = new Set(['oidc_providers', 'database', 'listeners']);

/**
 * Settles a document whose keys fit MAS and Synapse alike (e.g. only `oidc_providers`, pasted
 * from homeserver.yaml into the MAS config) by the file's name: `mas.yaml` is a MAS config
 * whatever Synapse-style block it holds. A key only one of them has always wins over the name.
 */
export function settleKind(detected: DocumentKind, data: unknown, hint: string | undefined): DocumentKind {
  if (!hint || !isRecord(data)) return detected;
  if (detected === 'unknown')
    return hint === 'mas' || hint === 'synapse' || hint === 'ess-values' ? hint : detected;
  if (detected === 'synapse' && hint === 'mas') {
    const synapseOnly = Object.keys(data).filter((k) => SYNAPSE_KEYS.has(k) && !SHARED_KEYS.has(k));
    return synapseOnly.length === 0 ? 'mas' : detected;
  }
  if (detected === 'mas' && hint === 'synapse') {
    const masOnly = Object.keys(data).filter(
      (k) => (MAS_ROOT_KEYS.has(k) || MAS_DIALECT_ROOT_KEYS.has(k)) && !SHARED_KEYS.has(k),
    );
    return masOnly.length === 0 ? 'synapse' : detected;
  }
  return detected;
}
