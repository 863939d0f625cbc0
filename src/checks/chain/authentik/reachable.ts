import type { Finding } from '../../../report/types.js';
import type { FetchError } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';

const TOKEN_SNIPPET = `# ssochain.yaml
authentik:
  url: https://auth.example.org
  token:
    env: SSOCHAIN_AUTHENTIK_TOKEN   # or file: / kubernetesSecret: ; never on the command line`;

function fixFor(error: FetchError): { summary: string; snippet?: string } {
  switch (error.code) {
    case 'ERR_SOURCE_AUTH':
      return {
        summary:
          'Create an API token in Authentik (Directory > Tokens and App passwords > Create, intent "API", for a user allowed to read providers, flows, users and events) and point authentik.token at it.',
        snippet: TOKEN_SNIPPET,
      };
    case 'ERR_SOURCE_FORBIDDEN':
      return {
        summary:
          "Give the token's user the permission named above (Directory > Users > the user > Permissions, or a role with it), or use a token of a superuser for diagnosis.",
      };
    case 'ERR_SOURCE_CONFIG':
      return {
        summary: 'Make the credential in authentik.token readable by ssochain.',
        snippet: TOKEN_SNIPPET,
      };
    case 'ERR_SOURCE_TLS':
      return {
        summary:
          "Trust Authentik's certificate authority (caFile in ssochain.yaml), or fix the certificate Authentik serves.",
      };
    case 'ERR_SOURCE_DNS':
    case 'ERR_SOURCE_CONNECT':
    case 'ERR_SOURCE_TIMEOUT':
      return {
        summary:
          'Check authentik.url in ssochain.yaml and that Authentik runs and is reachable from where ssochain runs (from inside the cluster, use the service URL).',
      };
    default:
      return {
        summary:
          'Check that authentik.url is the base URL of the Authentik server itself (not a proxy login page), then run ssochain doctor again.',
      };
  }
}

/**
 * `authentik-unreachable`: the Authentik source could not read the API at all (network, TLS,
 * token not accepted, permission missing), or read it only in part. Both say in words what
 * failed and, for a 403, which permission the token lacks; the token never appears.
 */
export const authentikReachable: ChainCheck = {
  id: 'authentik/reachable',
  codes: ['authentik-unreachable'],
  run(snap) {
    const a = snap.authentik;
    if (a.status === 'unreachable' || a.status === 'error') {
      const e = a.error;
      return [
        makeFinding('authentik-unreachable', {
          subject: 'api/authentik',
          detail: `${e.message} Without the Authentik API, ssochain cannot judge the provider, the flows or the users; the checks of the authentik hop were not run.`,
          evidence: [
            {
              source: 'authentik-api',
              excerpt: [e.url, e.status !== undefined ? `HTTP ${e.status}` : undefined, e.code]
                .filter(Boolean)
                .join(' — '),
            },
          ],
          fix: fixFor(e),
        }),
      ];
    }
    if (a.status !== 'ok' || !a.data.gaps?.length) return [];
    const gaps = a.data.gaps;
    const out: Finding[] = [];
    const first = gaps[0]!.error;
    out.push(
      makeFinding('authentik-unreachable', {
        subject: 'api/authentik',
        title: 'Part of the Authentik API could not be read',
        detail: `ssochain read the providers and applications, but not ${gaps.length === 1 ? 'one part' : `${gaps.length} parts`}: ${gaps
          .map((g) => `${g.part}: ${g.error.message}`)
          .join(
            ' ',
          )} Checks that need those parts were judged without them, so problems there can go unseen.`,
        evidence: gaps.slice(0, 6).map((g) => ({
          source: 'authentik-api' as const,
          excerpt: `${g.part}: ${[g.error.url, g.error.status !== undefined ? `HTTP ${g.error.status}` : undefined, g.error.code].filter(Boolean).join(' — ')}`,
        })),
        fix: fixFor(first),
      }),
    );
    return out;
  },
};
