import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  akSubject,
  authentikOf,
  logEvidence,
  masPath,
  masYaml,
  providerPairs,
  quote,
  secretShape,
  secretsEqual,
} from './facts.js';

const SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];

/**
 * `authentik-client-secret-mismatch`: MAS's client_secret is not the confidential provider's
 * Client Secret, so the code exchange fails with `invalid_client`. Compared in constant time
 * (`Secret.equals`), or by fingerprint for a bundle; only lengths and fingerprints are shown.
 * A `client_secret_file` cannot be compared (ssochain does not read MAS's files) and is left
 * alone, as is a provider whose secret the token may not see.
 */
export const authentikClientSecret: ChainCheck = {
  id: 'authentik/client-secret',
  codes: ['authentik-client-secret-mismatch'],
  run(snap) {
    if (!authentikOf(snap)) return [];
    const out: Finding[] = [];
    for (const pair of providerPairs(snap)) {
      const { mas, ak } = pair;
      if (ak.client_type !== 'confidential') continue;
      if (!mas.token_endpoint_auth_method || !SECRET_METHODS.includes(mas.token_endpoint_auth_method))
        continue;
      if (mas.client_secret_file || !mas.client_secret || !ak.client_secret) continue;
      if (secretsEqual(mas.client_secret, ak.client_secret)) continue;
      const m = secretShape(mas.client_secret);
      const a = secretShape(ak.client_secret);
      const hint =
        Math.abs(m.length - a.length) === 1
          ? ' The lengths differ by one: often a trailing newline from a YAML `|` block, or a stray quote.'
          : m.length === 0
            ? ' MAS has an empty secret.'
            : '';
      out.push(
        makeFinding('authentik-client-secret-mismatch', {
          subject: akSubject(ak),
          detail: `MAS's client_secret for provider ${mas.id} is not the Client Secret of the Authentik provider ${quote(ak.name)} (compared without revealing either).${hint} Authentik answers the code exchange with "invalid_client" and the user does not get into Matrix.`,
          evidence: [
            {
              source: 'mas-config',
              excerpt: `${masPath(pair.index, 'client_secret')}: ${m.length} characters, sha256 ${m.sha256}…`,
            },
            {
              source: 'authentik-api',
              excerpt: `provider ${ak.name} client_secret: ${a.length} characters, sha256 ${a.sha256}…`,
            },
            ...logEvidence(snap, ['invalid_client']),
          ],
          fix: {
            summary: `Copy the Client Secret from Applications > Providers > ${ak.name} into the MAS provider, ideally as client_secret_file from a Kubernetes Secret (MAS trims it); for a SOPS file use \`ssochain sops edit\`, commit and reconcile.`,
            snippet: masYaml(
              mas,
              { client_secret_file: '/secrets/authentik/client-secret' },
              'or client_secret: "<the Client Secret>"',
            ),
            repair: 'mas-set-client-secret',
          },
        }),
      );
    }
    return out;
  },
};
