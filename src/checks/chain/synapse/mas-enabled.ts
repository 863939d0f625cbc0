import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { synapseOf } from './presence.js';

const SNIPPET = `# homeserver.yaml (Synapse >= 1.136)
matrix_authentication_service:
  enabled: true
  endpoint: http://matrix-authentication-service:8080/   # where Synapse reaches MAS (internal URL is fine)
  secret_path: /secrets/mas-shared-secret               # the same value as MAS matrix.secret / secret_file
# ESS sets this block itself when matrixAuthenticationService.enabled is true`;

/**
 * `synapse-mas-not-enabled`, seen live: Synapse registers `auth_metadata` (stable and MSC2965)
 * and `/_synapse/mas/*` only when `matrix_authentication_service.enabled` is true, so both
 * answering 404 means Synapse does not delegate sign-in to MAS. A 400 or 403 from the MAS API
 * proves the integration is on (then a 404 elsewhere is a proxy matter, not this).
 */
export const synapseMasEnabled: ChainCheck = {
  id: 'synapse/mas-enabled',
  codes: ['synapse-mas-not-enabled'],
  run(snap): Finding[] {
    const s = synapseOf(snap);
    const md = s?.authMetadata;
    if (!s || !md || md.status === 'ok' || md.status === 'skipped') return [];
    const unrecognised = md.error.status === 404 || md.error.status === 400;
    if (!unrecognised) return [];
    const probe = s.masApiProbe;
    if (probe?.status === 'ok' && (probe.data.status === 400 || probe.data.status === 403)) return [];
    const evidence: Evidence[] = [
      {
        source: 'synapse',
        excerpt: `${md.error.url ?? s.authMetadataUrl ?? 'auth_metadata'} — HTTP ${md.error.status}`,
      },
    ];
    if (probe?.status === 'ok')
      evidence.push({
        source: 'synapse',
        excerpt: `${probe.data.url ?? '/_synapse/mas/is_localpart_available'} — HTTP ${probe.data.status}${probe.data.errcode ? ` ${probe.data.errcode}` : ''}`,
      });
    if (s.wellKnown?.status === 'ok' && !('org.matrix.msc2965.authentication' in s.wellKnown.data))
      evidence.push({
        source: 'synapse',
        excerpt: `${s.wellKnownUrl ?? '/.well-known/matrix/client'}: no org.matrix.msc2965.authentication`,
      });
    return [
      makeFinding('synapse-mas-not-enabled', {
        subject: 'synapse/matrix_authentication_service',
        detail: `Synapse answers ${md.error.status} for auth_metadata${probe?.status === 'ok' ? ` and ${probe.data.status} for /_synapse/mas/is_localpart_available` : ''}: it serves these only when \`matrix_authentication_service.enabled\` is true, so the running Synapse does not delegate sign-in to MAS. Clients then find no MAS to sign in with, and MAS cannot create accounts in Synapse.`,
        evidence,
        fix: {
          summary:
            'Enable the matrix_authentication_service section in the config Synapse runs with (and remove any experimental_features.msc3861 block), then restart Synapse.',
          snippet: SNIPPET,
        },
      }),
    ];
  },
};
