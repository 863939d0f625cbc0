import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { logEvidence, masOf, masSubject, providerPairs, quote } from '../authentik/facts.js';

const PARAMS: Record<string, readonly string[]> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};

/**
 * Judges a JWKS the way MAS reads it (mas-jose `PublicJsonWebKeySet`): an object with a `keys`
 * array whose every entry is an RSA, EC or OKP public key with its parameters (the whole set
 * fails to parse otherwise), and at least one key, since MAS verifies id_tokens only with
 * these keys.
 */
export function jwksProblem(body: unknown): { problem: string; mas: string } | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return { problem: 'it is not a JSON object', mas: 'Failed to fetch JWKS' };
  const keys = (body as Record<string, unknown>).keys;
  if (keys === undefined)
    return {
      problem: 'it has no "keys" field ({} is what Authentik publishes for a provider without a signing key)',
      mas: 'Failed to fetch JWKS: missing field `keys` at line 1 column 2',
    };
  if (!Array.isArray(keys))
    return { problem: '"keys" is not a list', mas: 'Failed to fetch JWKS: invalid type' };
  for (const [i, k] of keys.entries()) {
    const kty = k && typeof k === 'object' ? (k as Record<string, unknown>).kty : undefined;
    if (typeof kty !== 'string' || !PARAMS[kty])
      return {
        problem: `key ${i} has kty ${quote(String(kty))}; MAS reads only RSA, EC and OKP public keys, and one unreadable key spoils the whole set`,
        mas: `Failed to fetch JWKS: unknown variant \`${String(kty)}\`, expected one of \`RSA\`, \`EC\`, \`OKP\``,
      };
    const missing = PARAMS[kty]!.filter((p) => typeof (k as Record<string, unknown>)[p] !== 'string');
    if (missing.length)
      return {
        problem: `key ${i} (${kty}) lacks ${missing.join(', ')}`,
        mas: `Failed to fetch JWKS: missing field \`${missing[0]}\``,
      };
  }
  if (keys.length === 0)
    return {
      problem: '"keys" is empty (what Authentik publishes for a provider without a signing key)',
      mas: "Verifying the 'id_token' returned by the provider failed: none of the keys worked",
    };
  return undefined;
}

/**
 * `oidc-jwks-invalid`: the JWKS MAS would fetch (the provider's `jwks_uri` override, else the
 * discovery document's) cannot be fetched or holds no usable public key, so MAS can verify no
 * id_token. The evidence shows the key types and kids, which are public.
 */
export const oidcJwks: ChainCheck = {
  id: 'oidc/jwks',
  codes: ['oidc-jwks-invalid'],
  run(snap) {
    const mas = masOf(snap);
    if (!mas) return [];
    const pairs = providerPairs(snap);
    const out: Finding[] = [];
    for (const p of mas.providers) {
      const d = snap.discovery[p.id];
      if (!p.enabled || d?.status !== 'ok' || !d.data.jwks || d.data.jwks.status === 'skipped') continue;
      const j = d.data.jwks;
      const noKey = pairs.find((x) => x.mas.id === p.id)?.ak.signing_key === null;
      const cause = noKey
        ? ' The Authentik provider has no signing key: select one (see authentik-no-signing-key).'
        : '';
      if (j.status !== 'ok') {
        out.push(
          makeFinding('oidc-jwks-invalid', {
            subject: masSubject(p),
            detail: `${j.error.message}. MAS needs the key set to verify every id_token of provider ${p.id}; without it every sign-in fails with "Failed to fetch JWKS".${cause}`,
            evidence: [
              {
                source: 'discovery',
                excerpt: [
                  j.error.url,
                  j.error.status !== undefined ? `HTTP ${j.error.status}` : undefined,
                  j.error.code,
                ]
                  .filter(Boolean)
                  .join(' — '),
              },
              ...logEvidence(snap, ['Failed to fetch JWKS']),
            ],
            fix: {
              summary: `Make the jwks_uri answer 200 with the provider's public keys, as seen from MAS.`,
            },
          }),
        );
        continue;
      }
      const verdict = jwksProblem(j.data.body);
      if (!verdict) continue;
      const keys = (j.data.body as { keys?: unknown }).keys;
      const summary = Array.isArray(keys)
        ? keys
            .map(
              (k) =>
                `${(k as { kty?: string }).kty ?? '?'}${(k as { kid?: string }).kid ? ` kid ${(k as { kid: string }).kid}` : ''}`,
            )
            .join(', ') || 'no keys'
        : JSON.stringify(j.data.body).slice(0, 120);
      out.push(
        makeFinding('oidc-jwks-invalid', {
          subject: masSubject(p),
          detail: `The JWKS at ${j.data.url} is not usable for MAS: ${verdict.problem}. MAS fails every sign-in through provider ${p.id} with "${verdict.mas}".${cause}`,
          evidence: [
            { source: 'discovery', excerpt: `${j.data.url}: ${summary}` },
            ...logEvidence(snap, ['missing field `keys`', 'none of the keys worked', 'Failed to fetch JWKS']),
          ],
          fix: {
            summary: noKey
              ? 'Select a signing key on the Authentik provider (Applications > Providers > <provider> > Edit > Advanced protocol settings > Signing Key); the JWKS then publishes its public key.'
              : "Make the identity provider publish its signing key's public half at jwks_uri; if the MAS provider sets jwks_uri, remove or correct it. Restart MAS after a key change if it keeps failing.",
          },
        }),
      );
    }
    return out;
  },
};
