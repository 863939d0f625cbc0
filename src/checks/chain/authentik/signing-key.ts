import type { Evidence, Finding } from '../../../report/types.js';
import type { AkKeypair, AuthentikFacts, ChainSnapshot } from '../../../snapshot/types.js';
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
  type ProviderPair,
} from './facts.js';

/** A key pair Authentik can sign id_tokens with, of the wanted type; the self-signed one first. */
function usableKey(ak: AuthentikFacts, type: 'rsa' | 'ec'): AkKeypair | undefined {
  const usable = ak.keypairs.filter((k) => k.key_type === type && k.private_key_available !== false);
  return usable.find((k) => k.name === 'authentik Self-signed Certificate') ?? usable[0];
}

function discoveryEvidence(snap: ChainSnapshot, pair: ProviderPair): Evidence[] {
  const d = discoveryOf(snap, pair.mas.id);
  if (!d) return [];
  const out: Evidence[] = [];
  const algs = d.document.id_token_signing_alg_values_supported;
  if (algs !== undefined)
    out.push({
      source: 'discovery',
      excerpt: `id_token_signing_alg_values_supported: ${JSON.stringify(algs)}`,
    });
  if (d.jwks?.status === 'ok')
    out.push({
      source: 'discovery',
      excerpt: `${d.jwks.data.url}: ${JSON.stringify(d.jwks.data.body).slice(0, 200)}`,
    });
  return out;
}

/**
 * `authentik-no-signing-key`: without a signing key Authentik signs id_tokens with HS256 and the
 * client secret, and publishes an empty JWKS; MAS verifies only with asymmetric keys from the
 * JWKS, so every sign-in fails (`missing field \`keys\`` / `none of the keys worked`).
 *
 * `authentik-signing-alg-mismatch`: Authentik signs with RS256 for an RSA key and ES256/384/512
 * for an EC key; MAS insists on exactly its `id_token_signed_response_alg` (default RS256) and
 * fails with `wrong signature alg` otherwise.
 */
export const authentikSigningKey: ChainCheck = {
  id: 'authentik/signing-key',
  codes: ['authentik-no-signing-key', 'authentik-signing-alg-mismatch'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak) return [];
    const out: Finding[] = [];
    for (const pair of providerPairs(snap)) {
      const p = pair.ak;
      const masAlg = pair.mas.id_token_signed_response_alg || 'RS256';
      if (p.signing_key === null) {
        const key = usableKey(ak, masAlg.startsWith('ES') ? 'ec' : 'rsa') ?? usableKey(ak, 'rsa');
        out.push(
          makeFinding('authentik-no-signing-key', {
            subject: akSubject(p),
            detail: `The Authentik provider ${quote(p.name)} has no signing key, so Authentik signs id_tokens with HS256 using the client secret and its JWKS has no keys. MAS verifies id_tokens only with the public keys of the JWKS and never with the client secret, so every sign-in fails ("missing field \`keys\`" or "none of the keys worked").`,
            evidence: [
              { source: 'authentik-api', excerpt: `provider ${p.name}: signing_key: null` },
              ...discoveryEvidence(snap, pair),
              ...logEvidence(snap, ['missing field `keys`', 'none of the keys worked']),
            ],
            fix: {
              summary: key
                ? `Select ${quote(key.name)} as Signing Key: Applications > Providers > ${p.name} > Edit > Advanced protocol settings > Signing Key.`
                : `Create a key pair (System > Certificates > Generate, RSA) and select it as Signing Key of ${quote(p.name)} (Applications > Providers > ${p.name} > Edit > Advanced protocol settings).`,
              ...(key
                ? { snippet: akCurl(ak.url, 'PATCH', `/providers/oauth2/${p.pk}/`, { signing_key: key.pk }) }
                : {}),
              repair: 'authentik-set-signing-key',
            },
          }),
        );
        continue;
      }
      const key = ak.keypairs.find((k) => k.pk === p.signing_key);
      const type = key?.key_type;
      if (!key || !type) continue; // key pairs not readable, or a server without key_type
      const family = masAlg.slice(0, 2);
      let problem: string | undefined;
      if (type === 'rsa' && masAlg !== 'RS256')
        problem = `Authentik signs with RS256 for the RSA key ${quote(key.name)}, but MAS expects ${masAlg}`;
      else if (type === 'ec' && family !== 'ES')
        problem = `Authentik signs with ES256/ES384/ES512 (by curve) for the EC key ${quote(key.name)}, but MAS expects ${masAlg}`;
      else if (type === 'ec') {
        const algs = discoveryOf(snap, pair.mas.id)?.document.id_token_signing_alg_values_supported;
        const signs = Array.isArray(algs) && algs.length === 1 ? String(algs[0]) : undefined;
        if (signs?.startsWith('ES') && signs !== masAlg)
          problem = `Authentik signs with ${signs} for the EC key ${quote(key.name)}, but MAS expects ${masAlg}`;
      } else if (type !== 'rsa' && type !== 'ec')
        problem = `the signing key ${quote(key.name)} is of type ${type}, which Authentik cannot sign id_tokens with (RSA or EC only)`;
      if (!problem) continue;
      // Authentik signs RSA keys with RS256 only, so a key swap helps only across families
      const wanted = family === 'ES' ? 'ec' : masAlg === 'RS256' ? 'rsa' : undefined;
      const candidate = wanted && wanted !== type ? usableKey(ak, wanted) : undefined;
      const replacement = candidate && candidate.pk !== key.pk ? candidate : undefined;
      const algs = discoveryOf(snap, pair.mas.id)?.document.id_token_signing_alg_values_supported;
      const advertised = Array.isArray(algs) && algs.length === 1 ? String(algs[0]) : undefined;
      const masShould = type === 'rsa' ? 'RS256' : advertised?.startsWith('ES') ? advertised : 'ES256';
      out.push(
        makeFinding('authentik-signing-alg-mismatch', {
          subject: akSubject(p),
          detail: `${problem}. MAS checks the id_token's alg against id_token_signed_response_alg (default RS256) and fails with "wrong signature alg" (or "none of the keys worked" when no key of that type is published).`,
          evidence: [
            {
              source: 'authentik-api',
              excerpt: `provider ${p.name}: signing_key ${key.name} (key_type ${type})`,
            },
            {
              source: 'mas-config',
              excerpt: `${masPath(pair.index, 'id_token_signed_response_alg')}: ${pair.mas.id_token_signed_response_alg || '(unset: RS256)'}`,
            },
            ...discoveryEvidence(snap, pair),
            ...logEvidence(snap, ['wrong signature alg']),
          ],
          fix: replacement
            ? {
                summary: `Select the ${(wanted ?? type).toUpperCase()} key ${quote(replacement.name)} as Signing Key of ${quote(p.name)} (Applications > Providers > ${p.name} > Edit > Advanced protocol settings), or set MAS's id_token_signed_response_alg to what Authentik signs with.`,
                snippet: akCurl(ak.url, 'PATCH', `/providers/oauth2/${p.pk}/`, {
                  signing_key: replacement.pk,
                }),
                repair: 'authentik-set-signing-key',
              }
            : {
                summary:
                  masShould === 'RS256'
                    ? 'Set MAS id_token_signed_response_alg to RS256 (or remove it: RS256 is the default); Authentik signs with RS256 for every RSA key.'
                    : `Set MAS id_token_signed_response_alg to ${masShould}, the algorithm Authentik signs with for this key, or give the provider an RSA key.`,
                snippet: masYaml(pair.mas, { id_token_signed_response_alg: masShould }),
                repair: 'mas-set-alg',
              },
        }),
      );
    }
    return out;
  },
};
