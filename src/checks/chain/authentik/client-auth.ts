import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  akCurl,
  akSubject,
  authentikOf,
  discoveryOf,
  logEvidence,
  masPath,
  masYaml,
  providerPairs,
  quote,
  versionAtLeast,
} from './facts.js';

const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'];

/**
 * `authentik-client-auth-mismatch`: how MAS authenticates at Authentik's token endpoint
 * (`token_endpoint_auth_method`) must fit the provider's client type: confidential takes
 * client_secret_basic or client_secret_post (what Authentik advertises), public takes none.
 * A public client with a secret method works but protects nothing, and is reported too. On
 * Authentik >= 2026.5 the provider's grant types must also allow the authorization code grant.
 */
export const authentikClientAuth: ChainCheck = {
  id: 'authentik/client-auth',
  codes: ['authentik-client-auth-mismatch'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak) return [];
    const out: Finding[] = [];
    for (const pair of providerPairs(snap)) {
      const method = pair.mas.token_endpoint_auth_method;
      if (!method) continue; // mas-config-invalid reports a missing method
      const type = pair.ak.client_type;
      const evidence: Evidence[] = [
        { source: 'authentik-api', excerpt: `provider ${pair.ak.name}: client_type ${type}` },
        { source: 'mas-config', excerpt: `${masPath(pair.index, 'token_endpoint_auth_method')}: ${method}` },
      ];
      const supported = discoveryOf(snap, pair.mas.id)?.document.token_endpoint_auth_methods_supported;
      if (Array.isArray(supported))
        evidence.push({
          source: 'discovery',
          excerpt: `token_endpoint_auth_methods_supported: ${JSON.stringify(supported)}`,
        });
      evidence.push(...logEvidence(snap, ['invalid_client']));
      let detail: string | undefined;
      let fix: { summary: string; snippet?: string } | undefined;
      if (type === 'confidential' && method === 'none') {
        detail = `The Authentik provider ${quote(pair.ak.name)} is confidential, but MAS is set to token_endpoint_auth_method: none and sends no client secret. Authentik answers the code exchange with "invalid_client" and the user, already logged in at Authentik, does not get into Matrix.`;
        fix = {
          summary: `Use client_secret_basic in MAS with the provider's Client Secret (or make the provider Public: Applications > Providers > ${pair.ak.name} > Edit > Client type).`,
          snippet: masYaml(pair.mas, {
            token_endpoint_auth_method: 'client_secret_basic',
            client_secret: '<the Client Secret of this Authentik provider>',
          }),
        };
      } else if (type === 'confidential' && !SECRET_METHODS.includes(method)) {
        detail = `MAS authenticates with ${method}, which Authentik does not accept for the ${quote(pair.ak.name)} provider (it takes client_secret_basic or client_secret_post): the code exchange fails with "invalid_client".`;
        fix = {
          summary: 'Set token_endpoint_auth_method to client_secret_basic and give MAS the Client Secret.',
          snippet: masYaml(pair.mas, {
            token_endpoint_auth_method: 'client_secret_basic',
            client_secret: '<the Client Secret of this Authentik provider>',
          }),
        };
      } else if (type === 'public' && method !== 'none') {
        detail = `The Authentik provider ${quote(pair.ak.name)} is public, while MAS authenticates with ${method}. Sign-in works, but Authentik never checks the secret of a public client: MAS's client secret protects nothing, and anyone who knows the client ID is treated like MAS.`;
        fix = {
          summary: `Make the provider Confidential (Applications > Providers > ${pair.ak.name} > Edit > Client type) and put its Client Secret into MAS, or set MAS to token_endpoint_auth_method: none and remove the secret.`,
          snippet: akCurl(ak.url, 'PATCH', `/providers/oauth2/${pair.ak.pk}/`, {
            client_type: 'confidential',
          }),
        };
      } else if (
        Array.isArray(supported) &&
        method !== 'none' &&
        supported.length > 0 &&
        !supported.includes(method)
      ) {
        detail = `MAS authenticates with ${method}, but the discovery document lists only ${supported.join(', ')}: the code exchange will fail with "invalid_client".`;
        fix = {
          summary: `Set token_endpoint_auth_method to one of ${supported.join(', ')}.`,
          snippet: masYaml(pair.mas, { token_endpoint_auth_method: String(supported[0]) }),
        };
      }
      if (
        !detail &&
        pair.ak.grant_types &&
        versionAtLeast(ak.version, 2026, 5) &&
        !pair.ak.grant_types.includes('authorization_code')
      ) {
        detail = `The Authentik provider ${quote(pair.ak.name)} does not allow the authorization_code grant (grant types: ${
          pair.ak.grant_types.join(', ') || 'none'
        }), which is the only one MAS uses: Authentik refuses the sign-in.`;
        fix = {
          summary: `Allow the grant types authorization_code and refresh_token: Applications > Providers > ${pair.ak.name} > Edit > Advanced protocol settings.`,
          snippet: akCurl(ak.url, 'PATCH', `/providers/oauth2/${pair.ak.pk}/`, {
            grant_types: [...new Set([...pair.ak.grant_types, 'authorization_code', 'refresh_token'])],
          }),
        };
        evidence.splice(1, 0, {
          source: 'authentik-api',
          excerpt: `provider ${pair.ak.name}: grant_types ${JSON.stringify(pair.ak.grant_types)}`,
        });
      }
      if (detail && fix)
        out.push(
          makeFinding('authentik-client-auth-mismatch', {
            subject: akSubject(pair.ak),
            detail,
            evidence,
            fix,
          }),
        );
    }
    return out;
  },
};
