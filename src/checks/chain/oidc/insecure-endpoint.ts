import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { logEvidence, masOf, masSubject } from '../authentik/facts.js';

/** The metadata URLs MAS's strict validation checks, in its order (oauth2-types oidc.rs `validate`). */
const FIELDS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'registration_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'userinfo_endpoint',
  'pushed_authorization_request_endpoint',
  'end_session_endpoint',
];

/**
 * `oidc-insecure-endpoint`: with `discovery_mode: oidc` (the default) MAS requires every
 * metadata URL to be https and refuses the document otherwise
 * (`<field>'s URL doesn't use a https scheme: <url>`, for the first one it meets).
 */
export const oidcInsecureEndpoint: ChainCheck = {
  id: 'oidc/insecure-endpoint',
  codes: ['oidc-insecure-endpoint'],
  run(snap) {
    const mas = masOf(snap);
    if (!mas) return [];
    const out: Finding[] = [];
    for (const p of mas.providers) {
      const d = snap.discovery[p.id];
      if (!p.enabled || d?.status !== 'ok' || (p.discovery_mode || 'oidc') !== 'oidc') continue;
      const doc = d.data.document;
      const insecure = FIELDS.flatMap((field) => {
        const v = doc[field];
        if (typeof v !== 'string') return [];
        try {
          return new URL(v).protocol === 'https:' ? [] : [{ field, url: v }];
        } catch {
          return [];
        }
      });
      if (insecure.length === 0) continue;
      const first = insecure[0]!;
      out.push(
        makeFinding('oidc-insecure-endpoint', {
          subject: masSubject(p),
          detail: `The discovery document of provider ${p.id} lists non-https URLs (${insecure.map((i) => i.field).join(', ')}), and MAS's strict discovery (discovery_mode oidc, the default) refuses it: "${first.field}'s URL doesn't use a https scheme: ${new URL(first.url).href}". Usually a proxy in front of the identity provider does not pass X-Forwarded-Proto, so it builds http URLs.`,
          evidence: [
            ...insecure
              .slice(0, 5)
              .map((i) => ({ source: 'discovery' as const, excerpt: `${i.field}: ${i.url}` })),
            ...logEvidence(snap, ["doesn't use a https scheme"]),
          ],
          fix: {
            summary:
              "Make the proxy pass X-Forwarded-Proto (and Host) so the identity provider builds https URLs, and point MAS's issuer at its public https address. Do not switch to discovery_mode: insecure to silence this; it turns metadata validation off altogether.",
          },
        }),
      );
    }
    return out;
  },
};
