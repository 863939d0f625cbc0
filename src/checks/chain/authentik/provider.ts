import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  aimsAtAuthentik,
  akCurl,
  akSubject,
  authentikOf,
  issuerSlug,
  masOf,
  masPath,
  masSubject,
  masYaml,
  providerPairs,
  quote,
} from './facts.js';

/**
 * `authentik-provider-missing`: a MAS upstream provider aimed at Authentik (its issuer is on
 * Authentik's host or has the `/application/o/<slug>/` form) uses a client_id no Authentik
 * OAuth2 provider has. The slug in the issuer usually leads to the provider that was meant.
 *
 * `authentik-application-missing`: the provider MAS uses is assigned to no application, so
 * Authentik has no issuer and no discovery document for it (404).
 */
export const authentikProvider: ChainCheck = {
  id: 'authentik/provider',
  codes: ['authentik-provider-missing', 'authentik-application-missing'],
  run(snap) {
    const ak = authentikOf(snap);
    const mas = masOf(snap);
    if (!ak || !mas) return [];
    const out: Finding[] = [];
    mas.providers.forEach((p, index) => {
      if (!p.enabled || !p.client_id || !aimsAtAuthentik(p, ak)) return;
      if (ak.providers.some((x) => x.client_id === p.client_id)) return;
      const slug = issuerSlug(p.issuer);
      const app = slug ? ak.applications.find((a) => a.slug === slug) : undefined;
      const meant = app ? ak.providers.find((x) => x.pk === app.provider) : undefined;
      const evidence: Evidence[] = [
        { source: 'mas-config', excerpt: `${masPath(index, 'client_id')}: ${p.client_id}` },
        {
          source: 'authentik-api',
          excerpt: `GET /api/v3/providers/oauth2/?client_id=${encodeURIComponent(p.client_id)} -> count 0; client IDs present: ${
            ak.providers.map((x) => `${x.name}=${x.client_id}`).join(', ') || '(no OAuth2 providers)'
          }`,
        },
      ];
      if (meant)
        evidence.push({
          source: 'authentik-api',
          excerpt: `application ${app!.slug} (from the MAS issuer) -> provider ${meant.name}, client_id ${meant.client_id}`,
        });
      out.push(
        makeFinding('authentik-provider-missing', {
          subject: masSubject(p),
          detail: `MAS provider ${p.id} signs in with client_id ${quote(p.client_id)}, but no Authentik OAuth2 provider has that client ID. Authentik answers the authorize request with "Client ID Error" (The client identifier (client_id) is missing or invalid.).${
            meant
              ? ` The issuer names the application ${quote(app!.slug)}, whose provider ${quote(meant.name)} has client_id ${quote(meant.client_id)}: most likely the one meant.`
              : ''
          }`,
          evidence,
          fix: meant
            ? {
                summary: `Set the MAS provider's client_id to ${quote(meant.client_id)} (and its client_secret to that provider's Client Secret), or create the provider in Authentik.`,
                snippet: masYaml(p, {
                  client_id: quote(meant.client_id),
                  client_secret: '<the Client Secret of this Authentik provider>',
                }),
              }
            : {
                summary:
                  'Create an OAuth2/OpenID provider in Authentik (Applications > Providers > Create) for Matrix, assign it to an application, and copy its Client ID and Client Secret into the MAS provider.',
              },
        }),
      );
    });

    for (const pair of providerPairs(snap)) {
      const { ak: provider, app } = pair;
      if (provider.assigned_application_slug || app) continue;
      const slug = issuerSlug(pair.mas.issuer) ?? 'matrix';
      const evidence: Evidence[] = [
        {
          source: 'authentik-api',
          excerpt: `provider ${provider.name}: assigned_application_slug: null; no application has provider ${provider.pk}`,
        },
      ];
      const d = snap.discovery[pair.mas.id];
      if (d && (d.status === 'error' || d.status === 'unreachable'))
        evidence.push({ source: 'discovery', excerpt: d.error.message });
      out.push(
        makeFinding('authentik-application-missing', {
          subject: akSubject(provider),
          detail: `The Authentik provider ${quote(provider.name)} (client_id ${quote(provider.client_id)}) is not assigned to any application. Authentik publishes issuer, discovery document and JWKS only through an application (/application/o/<slug>/), so MAS's discovery gets 404 and no sign-in can start.`,
          evidence,
          fix: {
            summary: `Create an application with slug ${quote(slug)} (the slug in MAS's issuer) and select ${quote(provider.name)} as its provider: Applications > Applications > Create.`,
            snippet: akCurl(ak.url, 'POST', '/core/applications/', {
              name: 'Matrix',
              slug,
              provider: provider.pk,
            }),
          },
        }),
      );
    }
    return out;
  },
};
