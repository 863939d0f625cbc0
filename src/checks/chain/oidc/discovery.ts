import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainSnapshot, FetchError, MasProviderFacts } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { authentikOf, issuerSlug, logEvidence, masOf, masSubject, quote } from '../authentik/facts.js';

/** What MAS's `insecure_verify_metadata` demands of every discovery document, with its wording. */
const REQUIRED: [string, string][] = [
  ['issuer', 'issuer is missing'],
  ['authorization_endpoint', 'authorization endpoint is missing'],
  ['token_endpoint', 'token endpoint is missing'],
  ['jwks_uri', 'JWK Set URI is missing'],
  ['response_types_supported', 'supported response types are missing'],
  ['subject_types_supported', 'supported subject types are missing'],
  ['id_token_signing_alg_values_supported', 'supported ID token signing algorithm values are missing'],
];

const LOG_NEEDLES = [
  'Failed to fetch provider metadata',
  'Fetching provider metadata failed',
  'UnknownIssuer',
];

/** Why Authentik answers 404 for this issuer, when its facts tell. */
function notFoundHint(snap: ChainSnapshot, p: MasProviderFacts): string | undefined {
  const ak = authentikOf(snap);
  const slug = issuerSlug(p.issuer);
  if (!ak || !slug) return undefined;
  const app = ak.applications.find((a) => a.slug === slug);
  const used = ak.providers.find((x) => x.client_id === p.client_id);
  const usedApp = used ? ak.applications.find((a) => a.provider === used.pk) : undefined;
  if (!app) {
    const right = usedApp
      ? ` The provider with MAS's client_id belongs to the application ${quote(usedApp.slug)}, so the issuer should name that slug.`
      : '';
    return `Authentik has no application with the slug ${quote(slug)} from MAS's issuer (applications: ${
      ak.applications.map((a) => a.slug).join(', ') || 'none'
    }).${right}`;
  }
  if (app.provider === null) return `The application ${quote(slug)} has no provider assigned.`;
  return undefined;
}

function fixFor(error: FetchError, p: MasProviderFacts): { summary: string; snippet?: string } {
  switch (error.code) {
    case 'ERR_SOURCE_TLS':
      return {
        summary:
          "Make MAS trust the identity provider's certificate authority: mount a PEM bundle (your CA plus the public roots MAS needs) into the MAS container and point SSL_CERT_FILE at it, or serve Authentik with a publicly trusted certificate.",
        snippet: `# MAS container (e.g. ESS values / Deployment)
env:
  - name: SSL_CERT_FILE
    value: /etc/ssl/custom/ca-bundle.pem`,
      };
    case 'ERR_SOURCE_DNS':
      return {
        summary: `Make the issuer's host resolve from where MAS runs (cluster DNS, /etc/hosts of the pod), or use a name that does and yields the same issuer.`,
      };
    case 'ERR_SOURCE_HTTP_STATUS':
      return error.status === 404
        ? {
            summary:
              "Assign the provider to an application in Authentik and make the slug in MAS's issuer that application's slug (https://<authentik>/application/o/<slug>/).",
          }
        : { summary: `Make ${error.url ?? 'the discovery URL'} answer 200 with the provider's metadata.` };
    case 'ERR_SOURCE_NOT_JSON':
      return {
        summary:
          'Exempt /application/o/ from any login or authentication layer in front of the identity provider: MAS must get the JSON document itself.',
      };
    case 'ERR_SOURCE_INVALID':
      return { summary: `Set the MAS provider ${p.id}'s issuer to the identity provider's issuer URL.` };
    default:
      return {
        summary: `Make ${error.url ?? 'the discovery URL'} reachable from where MAS runs: check that the identity provider runs, the port, network policies and proxies.`,
      };
  }
}

/**
 * `oidc-discovery-unreachable`: MAS cannot load its upstream provider's metadata from
 * `<issuer>/.well-known/openid-configuration` (DNS, TLS trust such as a private CA, HTTP status,
 * not JSON), or the document lacks what MAS demands of every provider metadata. MAS then
 * fails every sign-in through that provider with `Failed to fetch provider metadata`.
 */
export const oidcDiscovery: ChainCheck = {
  id: 'oidc/discovery',
  codes: ['oidc-discovery-unreachable'],
  run(snap) {
    const mas = masOf(snap);
    if (!mas) return [];
    const out: Finding[] = [];
    for (const p of mas.providers) {
      if (!p.enabled) continue;
      const d = snap.discovery[p.id];
      if (!d || d.status === 'skipped') continue;
      if (d.status !== 'ok') {
        const hint = d.error.status === 404 ? notFoundHint(snap, p) : undefined;
        const evidence: Evidence[] = [
          {
            source: 'discovery',
            excerpt: [
              d.error.url,
              d.error.status !== undefined ? `HTTP ${d.error.status}` : undefined,
              d.error.code,
            ]
              .filter(Boolean)
              .join(' — '),
          },
          ...logEvidence(snap, LOG_NEEDLES),
        ];
        out.push(
          makeFinding('oidc-discovery-unreachable', {
            subject: masSubject(p),
            detail: `${d.error.message}.${hint ? ` ${hint}` : ''} MAS fetches this document before every sign-in through provider ${p.id} and fails with "Failed to fetch provider metadata". ssochain fetched it from where it runs; from inside the MAS pod the result can differ (DNS, CA trust).`,
            evidence,
            fix: fixFor(d.error, p),
          }),
        );
        continue;
      }
      const doc = d.data.document;
      const missing = REQUIRED.filter(([key]) => doc[key] === undefined || doc[key] === null);
      const strict = (p.discovery_mode || 'oidc') === 'oidc';
      const scopes = doc.scopes_supported;
      const noOpenid = strict && Array.isArray(scopes) && !scopes.includes('openid');
      if (missing.length === 0 && !noOpenid) continue;
      const errors = [...missing.map(([, m]) => m), ...(noOpenid ? ['missing openid scope'] : [])];
      out.push(
        makeFinding('oidc-discovery-unreachable', {
          title: 'MAS rejects the OIDC discovery document',
          subject: masSubject(p),
          detail: `The discovery document at ${d.data.url} loads, but MAS rejects it: "${errors[0]}"${
            errors.length > 1
              ? ` (and ${errors
                  .slice(1)
                  .map((e) => `"${e}"`)
                  .join(', ')})`
              : ''
          }. Without valid metadata MAS cannot start a sign-in through provider ${p.id}.`,
          evidence: [
            { source: 'discovery', excerpt: `${d.data.url}: keys ${Object.keys(doc).sort().join(', ')}` },
            ...logEvidence(snap, LOG_NEEDLES),
          ],
          fix: {
            summary:
              'Check that the issuer points at an OpenID Connect provider (for Authentik: https://<authentik>/application/o/<slug>/); if the provider cannot publish complete metadata, set the missing endpoints in the MAS provider.',
          },
        }),
      );
    }
    return out;
  },
};
