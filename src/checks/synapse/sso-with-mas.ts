import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { subjectFor } from '../../sources/files/config-view.js';
import { get, isRecord, isTrue } from '../util.js';

/** Synapse refuses "SSO cannot be enabled when OAuth delegation is enabled". */
export const ssoWithMas: LintCheck = {
  id: 'synapse/sso-with-mas',
  codes: ['synapse-oidc-with-mas'],
  appliesTo: ['synapse'],
  run(view) {
    const d = view.data;
    const masEnabled =
      isTrue(get(d, 'matrix_authentication_service', 'enabled')) ||
      isTrue(get(d, 'experimental_features', 'msc3861', 'enabled'));
    if (!masEnabled) return [];
    const enabled: { key: string; what: string }[] = [];
    const providers = get(d, 'oidc_providers');
    if (Array.isArray(providers) && providers.length) {
      const names = providers.map((p) =>
        isRecord(p) ? String(p.idp_id ?? p.idp_name ?? p.issuer ?? '?') : '?',
      );
      enabled.push({ key: 'oidc_providers', what: `oidc_providers (${names.join(', ')})` });
    }
    if (isRecord(get(d, 'oidc_config')) && get(d, 'oidc_config', 'enabled') !== false)
      enabled.push({ key: 'oidc_config', what: 'oidc_config' });
    if (isRecord(get(d, 'saml2_config')) && get(d, 'saml2_config', 'sp_config') !== undefined)
      enabled.push({ key: 'saml2_config', what: 'saml2_config' });
    if (isTrue(get(d, 'cas_config', 'enabled'))) enabled.push({ key: 'cas_config', what: 'cas_config' });
    if (isTrue(get(d, 'jwt_config', 'enabled'))) enabled.push({ key: 'jwt_config', what: 'jwt_config' });
    return enabled.map(({ key, what }) =>
      makeFinding('synapse-oidc-with-mas', {
        subject: subjectFor(view),
        detail:
          `${what} is enabled together with MAS. Synapse stops at startup with "SSO cannot be enabled when OAuth delegation is enabled". ` +
          'With MAS, the identity provider (Authentik) is configured in MAS, not in Synapse.',
        evidence: [{ source: 'file', excerpt: `${key}: …` }],
        fix: {
          summary:
            `Remove ${key} from the Synapse config and configure the provider in MAS under upstream_oauth2.providers ` +
            '(`ssochain lint` on the MAS config shows the translated block). Keep the Authentik redirect URI in step: MAS uses <public_base>/upstream/callback/<provider id>.',
          repair: 'synapse-remove-sso',
        },
        location: view.locate([key]),
      }),
    );
  },
};
