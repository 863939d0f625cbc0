import { stringify } from 'yaml';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { formatPath, subjectFor } from '../../sources/files/config-view.js';
import { get, isRecord } from '../util.js';

/**
 * Synapse 1.157 removed `experimental_features.msc3861`: a non-empty block makes it refuse to
 * start. The replacement is the stable `matrix_authentication_service` section; `admin_token`
 * becomes `secret` (the value MAS has as `matrix.secret`).
 */
export const msc3861Removed: LintCheck = {
  id: 'synapse/msc3861-removed',
  codes: ['synapse-msc3861-removed'],
  appliesTo: ['synapse'],
  run(view) {
    const block = get(view.data, 'experimental_features', 'msc3861');
    if (!isRecord(block) || Object.keys(block).length === 0) return [];
    const issuer = typeof block.issuer === 'string' ? block.issuer : undefined;
    const replacement: Record<string, unknown> = {
      matrix_authentication_service: {
        enabled: true,
        endpoint: issuer ?? 'http://<mas-service>:8080/',
        ...(typeof block.admin_token_path === 'string'
          ? { secret_path: block.admin_token_path }
          : { secret: '<the value of msc3861.admin_token, which equals MAS matrix.secret>' }),
      },
    };
    const path = ['experimental_features', 'msc3861'];
    return [
      makeFinding('synapse-msc3861-removed', {
        subject: subjectFor(view),
        detail:
          `${formatPath(path)} is set. Synapse 1.157 and later stop at startup with ` +
          '"experimental_features.msc3861 was removed. Use the matrix_authentication_service configuration instead."',
        evidence: [{ source: 'file', excerpt: `${formatPath(path)}: { ${Object.keys(block).join(', ')} }` }],
        fix: {
          summary:
            'Remove experimental_features.msc3861 and add the stable matrix_authentication_service section (Synapse >= 1.136). ' +
            'The endpoint may be the internal MAS URL; the secret is the one MAS has as matrix.secret. ' +
            'The MAS client Synapse used for introspection is no longer needed.',
          snippet: stringify(replacement),
          repair: 'synapse-migrate-msc3861',
        },
        location: view.locate(path),
      }),
    ];
  },
};
