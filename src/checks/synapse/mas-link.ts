import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import type { Finding } from '../../report/types.js';
import { Secret } from '../../snapshot/secret.js';
import { subjectFor, type ConfigView } from '../../sources/files/config-view.js';
import { get } from '../util.js';

/**
 * When a MAS config and a Synapse config are linted together, the two ends of their link must
 * agree: MAS's matrix.homeserver is Synapse's server_name, and both hold the same shared
 * secret. Secrets are compared in constant time and never shown.
 */
export const masSynapseLink: LintCheck = {
  id: 'synapse/mas-link',
  codes: ['synapse-server-name-mismatch', 'synapse-mas-secret-mismatch'],
  appliesTo: ['synapse'],
  run(synapse, all) {
    const out: Finding[] = [];
    const masViews = all.filter(
      (v): v is ConfigView => v.kind === 'mas' && get(v.data, 'matrix') !== undefined,
    );
    const serverName = get(synapse.data, 'server_name');
    const synapseSecret = get(synapse.data, 'matrix_authentication_service', 'secret');
    for (const mas of masViews) {
      const homeserver = get(mas.data, 'matrix', 'homeserver');
      if (typeof serverName === 'string' && typeof homeserver === 'string' && homeserver !== serverName) {
        out.push(
          makeFinding('synapse-server-name-mismatch', {
            subject: subjectFor(mas),
            detail: `MAS matrix.homeserver is "${homeserver}" but Synapse server_name is "${serverName}" (${subjectFor(synapse)}). MAS builds every Matrix ID from matrix.homeserver, so provisioning and token checks fail.`,
            evidence: [
              { source: 'mas-config', excerpt: `matrix.homeserver: ${homeserver}` },
              { source: 'file', excerpt: `server_name: ${serverName}` },
            ],
            fix: {
              summary: `Set MAS matrix.homeserver to "${serverName}" (the server_name, not the client URL).`,
            },
            location: mas.locate(['matrix', 'homeserver'], 'value'),
          }),
        );
      }
      const masSecret = get(mas.data, 'matrix', 'secret');
      if (
        typeof masSecret === 'string' &&
        typeof synapseSecret === 'string' &&
        !new Secret(masSecret).equals(synapseSecret)
      ) {
        out.push(
          makeFinding('synapse-mas-secret-mismatch', {
            subject: subjectFor(synapse),
            detail: `Synapse matrix_authentication_service.secret differs from MAS matrix.secret (${subjectFor(mas)}). Synapse will answer MAS's provisioning calls with 403 "This endpoint must only be called by MAS" and reject token introspection results.`,
            evidence: [
              {
                source: 'file',
                excerpt: 'matrix_authentication_service.secret ≠ matrix.secret (values not shown)',
              },
            ],
            fix: {
              summary:
                'Use one shared secret on both sides, ideally from one Kubernetes Secret mounted as secret_path / secret_file.',
            },
            location: synapse.locate(['matrix_authentication_service', 'secret'], 'value'),
          }),
        );
      }
    }
    return out;
  },
};
