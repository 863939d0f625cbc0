import type { FindingCode } from '../codes/registry.js';
import type { Finding } from '../report/types.js';

/**
 * Cause → effects. When a cause is present, a finding with one of its codes follows from it:
 * it stays in the report (the evidence is useful) but says so instead of shouting twice, and
 * the verdict names the cause. Order matters only for readability.
 */
export const CONSEQUENCES: Partial<Record<FindingCode, readonly FindingCode[]>> = {
  'mas-config-dialect': ['mas-provider-missing', 'user-never-signed-in', 'user-sign-in-failed'],
  'mas-config-misplaced': ['mas-provider-missing', 'user-never-signed-in', 'user-sign-in-failed'],
  'mas-provider-missing': ['user-never-signed-in', 'user-sign-in-failed'],
  'authentik-unreachable': ['authentik-provider-missing', 'authentik-application-missing'],
  'authentik-application-missing': ['oidc-discovery-unreachable', 'oidc-jwks-invalid', 'user-sign-in-failed'],
  'authentik-provider-missing': [
    'authentik-application-missing',
    'oidc-discovery-unreachable',
    'user-sign-in-failed',
  ],
  'authentik-no-signing-key': [
    'oidc-jwks-invalid',
    'oidc-alg-unsupported',
    'authentik-signing-alg-mismatch',
    'user-sign-in-failed',
  ],
  'authentik-signing-alg-mismatch': ['oidc-alg-unsupported', 'user-sign-in-failed'],
  'authentik-redirect-uri-missing': ['user-sign-in-failed', 'user-never-signed-in'],
  'authentik-client-secret-mismatch': ['user-sign-in-failed'],
  'authentik-client-auth-mismatch': ['user-sign-in-failed'],
  'authentik-scope-mapping-missing': ['mapping-claim-missing', 'user-sign-in-failed'],
  'authentik-user-inactive': ['user-sign-in-failed', 'user-never-signed-in'],
  'authentik-access-denied': ['user-sign-in-failed', 'user-never-signed-in'],
  'authentik-enrollment-flow-broken': ['user-never-signed-in', 'authentik-user-inactive'],
  'oidc-discovery-unreachable': ['oidc-jwks-invalid', 'oidc-alg-unsupported', 'user-sign-in-failed'],
  'oidc-issuer-mismatch': ['user-sign-in-failed', 'user-never-signed-in'],
  'oidc-jwks-invalid': ['user-sign-in-failed'],
  'mapping-claim-missing': ['user-sign-in-failed'],
  'mapping-localpart-taken': ['user-sign-in-failed'],
  'mapping-localpart-synapse-only': ['user-sign-in-failed', 'synapse-orphan-user'],
  'mas-unreachable': ['mas-admin-api-unavailable', 'client-issuer-mismatch', 'client-login-not-routed'],
  'mas-public-base-default': [
    'client-issuer-mismatch',
    'authentik-redirect-uri-missing',
    'mas-unreachable',
    'user-sign-in-failed',
  ],
  'synapse-mas-secret-mismatch': ['mas-worker-stalled', 'user-not-provisioned'],
  'synapse-unreachable': ['user-not-provisioned', 'mas-worker-stalled'],
  'synapse-msc3861-removed': ['synapse-unreachable'],
  'synapse-oidc-with-mas': ['synapse-unreachable'],
  'mas-worker-stalled': ['user-not-provisioned'],
};

/** Marks every finding that follows from another finding present in the same report. */
export function markConsequences(findings: readonly Finding[]): Finding[] {
  const present = new Set(findings.map((f) => f.code));
  return findings.map((f) => {
    if (f.consequenceOf) return f;
    for (const [cause, effects] of Object.entries(CONSEQUENCES) as [FindingCode, readonly FindingCode[]][]) {
      if (cause !== f.code && present.has(cause) && effects.includes(f.code))
        return { ...f, consequenceOf: cause };
    }
    return f;
  });
}
