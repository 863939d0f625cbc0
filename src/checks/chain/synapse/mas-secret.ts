import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { synapseOf } from './presence.js';

/** Synapse's answer to a wrong shared secret (synapse/rest/synapse/mas/_base.py). */
const WRONG_SECRET = /must only be called by MAS/;

/**
 * `synapse-mas-secret-mismatch`: Synapse answered the `/_synapse/mas` probe with 403 "This
 * endpoint must only be called by MAS": the bearer secret is not Synapse's
 * `matrix_authentication_service.secret`. With MAS's own `matrix.secret` that is exactly what
 * MAS meets on every provisioning call; with ssochain's copy it may be the copy that is stale.
 */
export const synapseMasSecret: ChainCheck = {
  id: 'synapse/mas-secret',
  codes: ['synapse-mas-secret-mismatch'],
  run(snap): Finding[] {
    const probe = synapseOf(snap)?.masApiProbe;
    if (probe?.status !== 'ok' || probe.data.status !== 403) return [];
    // a 403 from a proxy is not Synapse speaking
    if (!WRONG_SECRET.test(probe.data.error ?? '') && probe.data.errcode !== 'M_FORBIDDEN') return [];
    const fromMas = probe.data.secretFrom !== 'ssochain-config';
    return [
      makeFinding('synapse-mas-secret-mismatch', {
        subject: 'synapse/shared-secret',
        detail: fromMas
          ? 'Synapse refuses the shared secret in MAS\'s `matrix.secret` (403 "This endpoint must only be called by MAS"), so every call MAS makes to Synapse fails: no account is checked or created, and the provisioning jobs keep failing. The two values differ (compared by Synapse; neither is shown here).'
          : 'Synapse refuses the shared secret in ssochain.yaml (synapse.sharedSecret) with 403 "This endpoint must only be called by MAS". MAS keeps its own copy in a file ssochain cannot read, so either that copy differs from Synapse\'s too, or only ssochain\'s copy is out of date.',
        evidence: [
          {
            source: 'synapse',
            excerpt: `GET ${probe.data.url ?? '/_synapse/mas/is_localpart_available'} with ${fromMas ? "MAS's matrix.secret" : 'synapse.sharedSecret'} — HTTP 403${probe.data.errcode ? ` ${probe.data.errcode}` : ''}${probe.data.error ? ` "${probe.data.error}"` : ''}`,
          },
        ],
        fix: {
          summary:
            "Give MAS and Synapse the same shared secret: MAS `matrix.secret` (or `matrix.secret_file`) must equal Synapse's `matrix_authentication_service.secret` (or the contents of `secret_path`; both sides trim files). Restart both, then run ssochain doctor again.",
          snippet: [
            '# MAS config',
            'matrix:',
            '  secret_file: /secrets/mas-synapse-shared-secret',
            '# homeserver.yaml',
            'matrix_authentication_service:',
            '  secret_path: /secrets/mas-synapse-shared-secret   # the same file, or the same value',
          ].join('\n'),
        },
      }),
    ];
  },
};
