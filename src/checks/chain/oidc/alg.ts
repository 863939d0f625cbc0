import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { logEvidence, masOf, masPath, masSubject, masYaml, quote } from '../authentik/facts.js';

/**
 * `oidc-alg-unsupported`: judged from public data only. MAS accepts an id_token only when its
 * alg is exactly `id_token_signed_response_alg` (default RS256) and a JWKS key verifies it; MAS
 * never verifies HMAC (HS*) id_tokens. When the discovery document does not advertise MAS's
 * algorithm, or MAS is set to an HS algorithm, no sign-in can succeed. With API access the
 * same cause is judged from the Authentik key as authentik-signing-alg-mismatch.
 */
export const oidcAlg: ChainCheck = {
  id: 'oidc/alg',
  codes: ['oidc-alg-unsupported'],
  run(snap) {
    const mas = masOf(snap);
    if (!mas) return [];
    const out: Finding[] = [];
    mas.providers.forEach((p, index) => {
      const d = snap.discovery[p.id];
      if (!p.enabled || d?.status !== 'ok') return;
      const list = d.data.document.id_token_signing_alg_values_supported;
      if (!Array.isArray(list)) return; // oidc/discovery reports the missing field
      const algs = list.filter((a): a is string => typeof a === 'string');
      const alg = p.id_token_signed_response_alg || 'RS256';
      const hmac = alg.startsWith('HS');
      if (algs.includes(alg) && !hmac) return;
      const usable = algs.filter((a) => !a.startsWith('HS') && a !== 'none');
      const better = usable.includes('RS256') ? 'RS256' : usable[0];
      out.push(
        makeFinding('oidc-alg-unsupported', {
          subject: masSubject(p),
          detail: hmac
            ? `MAS provider ${p.id} expects ${alg} id_tokens, but MAS verifies id_tokens only with the asymmetric keys of the JWKS, never with the client secret: every sign-in fails ("none of the keys worked").`
            : `MAS provider ${p.id} expects ${alg} id_tokens, but the provider advertises only ${algs.map(quote).join(', ') || 'nothing'}. MAS rejects the id_token ("wrong signature alg", or "none of the keys worked" when no key fits).${
                algs.length === 1 && algs[0] === 'HS256'
                  ? ' HS256 alone means the provider has no signing key (see authentik-no-signing-key).'
                  : ''
              }`,
          evidence: [
            {
              source: 'discovery',
              excerpt: `id_token_signing_alg_values_supported: ${JSON.stringify(list)}`,
            },
            {
              source: 'mas-config',
              excerpt: `${masPath(index, 'id_token_signed_response_alg')}: ${p.id_token_signed_response_alg || '(unset: RS256)'}`,
            },
            ...logEvidence(snap, ['wrong signature alg', 'none of the keys worked']),
          ],
          fix: better
            ? {
                summary: `Set id_token_signed_response_alg to ${better} (what the provider signs with)${better === 'RS256' ? ', or remove it: RS256 is the default' : ', or give the provider an RSA key'}.`,
                snippet: masYaml(p, { id_token_signed_response_alg: better }),
              }
            : {
                summary:
                  'Give the provider an RSA signing key (Authentik: Applications > Providers > <provider> > Edit > Advanced protocol settings > Signing Key); MAS cannot verify HS256.',
              },
        }),
      );
    });
    return out;
  },
};
