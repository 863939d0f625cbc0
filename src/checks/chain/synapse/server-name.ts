import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { masConfigOf, revealedServerNames } from './presence.js';

/**
 * `synapse-server-name-mismatch`, seen live: MAS's `matrix.homeserver` is not the server name
 * Synapse uses, as Synapse reveals it in its federation key and in the user ids it returns.
 * MAS builds every Matrix ID from `matrix.homeserver`, so with the wrong one Synapse refuses
 * or misplaces what MAS sends.
 */
export const synapseServerName: ChainCheck = {
  id: 'synapse/server-name',
  codes: ['synapse-server-name-mismatch'],
  run(snap): Finding[] {
    const mas = masConfigOf(snap);
    const configured = mas?.matrix.homeserver;
    if (!configured) return [];
    const revealed = revealedServerNames(snap);
    const different = revealed.filter((r) => r.name !== configured);
    if (different.length === 0) return [];
    const actual = different[0]!.name;
    return [
      makeFinding('synapse-server-name-mismatch', {
        subject: 'synapse/server_name',
        detail: `MAS's \`matrix.homeserver\` is \`${configured}\`, but Synapse's server name is \`${actual}\`. MAS builds Matrix IDs as @localpart:${configured}; Synapse only accepts its own (@localpart:${actual}), so provisioning and sign-ins fail or land on the wrong IDs (syn2mas: "MAS configuration has the wrong \`matrix.homeserver\` set").`,
        evidence: [
          { source: 'mas-config', excerpt: `matrix.homeserver: ${configured} (${mas.origin})` },
          ...different
            .slice(0, 4)
            .map((r) => ({ source: 'synapse' as const, excerpt: `${r.where}: ${r.name}` })),
        ],
        fix: {
          summary: `Set MAS's \`matrix.homeserver\` to Synapse's \`server_name\` (\`${actual}\`), not the client URL's host, and restart MAS. ESS sets it from the values' \`serverName\`.`,
          snippet: `matrix:\n  homeserver: ${actual}   # = Synapse server_name`,
        },
      }),
    ];
  },
};
