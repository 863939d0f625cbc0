import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  importsOf,
  managedId,
  referencedClaims,
  requestedScopes,
  SCOPE_OF_CLAIM,
} from '../mapping/imports.js';
import { akCurl, akSubject, authentikOf, masPath, providerPairs, quote } from './facts.js';

const SCOPES = ['openid', 'profile', 'email'] as const;

/**
 * `authentik-scope-mapping-missing`: Authentik only issues the scopes (and so the claims) whose
 * scope mapping is selected on the provider; a requested scope without one is silently dropped.
 * The scopes that matter are the ones MAS requests and the ones its claims_imports templates
 * read (`preferred_username`/`name` come with `profile`, `email` with `email`); `openid` is
 * needed for an id_token at all.
 */
export const authentikScopeMappings: ChainCheck = {
  id: 'authentik/scope-mappings',
  codes: ['authentik-scope-mapping-missing'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak) return [];
    // without the scope mappings themselves, the provider's list of ids says nothing
    if (ak.gaps?.some((g) => g.part === 'scopeMappings')) return [];
    const out: Finding[] = [];
    for (const pair of providerPairs(snap)) {
      const mappings = pair.ak.property_mappings.flatMap(
        (pk) => ak.scopeMappings.find((m) => m.pk === pk) ?? [],
      );
      const present = new Set(mappings.map((m) => m.scope_name));
      const requested = requestedScopes(pair.mas);
      /** scope -> why it is needed */
      const why = new Map<string, string[]>();
      const need = (scope: string, reason: string) => why.set(scope, [...(why.get(scope) ?? []), reason]);
      need('openid', 'an id_token is only issued for the openid scope');
      for (const s of SCOPES)
        if (s !== 'openid' && requested.has(s)) need(s, `MAS requests it (scope: ${quote(pair.mas.scope)})`);
      let fails = false;
      for (const imp of importsOf(pair.mas)) {
        for (const claim of referencedClaims(imp.template).claims) {
          const scope = SCOPE_OF_CLAIM[claim];
          if (!scope || !(SCOPES as readonly string[]).includes(scope) || scope === 'openid') continue;
          need(scope, `claims_imports.${imp.attr} (${imp.action}) reads ${claim}`);
          if (!present.has(scope) && imp.action === 'require') fails = true;
        }
      }
      const missing = [...why.keys()].filter((s) => !present.has(s));
      if (missing.length === 0) continue;
      if (missing.includes('openid')) fails = true;
      const toAdd = missing.flatMap((s) => ak.scopeMappings.find((m) => m.managed === managedId(s)) ?? []);
      const notFound = missing.filter((s) => !toAdd.some((m) => m.scope_name === s));
      const preview = ak.claimsPreview.find((c) => c.provider === pair.ak.pk);
      const evidence: Evidence[] = [
        {
          source: 'authentik-api',
          excerpt: `provider ${pair.ak.name} scope mappings: ${mappings.map((m) => m.scope_name).join(', ') || '(none)'}`,
        },
        {
          source: 'mas-config',
          excerpt: `${masPath(pair.index, 'scope')}: ${pair.mas.scope || '(unset: openid)'}`,
        },
      ];
      if (preview)
        evidence.push({
          source: 'authentik-api',
          excerpt: `preview_user for ${preview.username}: claims ${Object.keys(preview.claims).sort().join(', ')}`,
        });
      out.push(
        makeFinding('authentik-scope-mapping-missing', {
          subject: akSubject(pair.ak),
          detail: `The Authentik provider ${quote(pair.ak.name)} has no scope mapping for ${missing
            .map((s) => `${quote(s)} (${why.get(s)!.join('; ')})`)
            .join(
              ' and ',
            )}. Authentik drops a requested scope it has no mapping for, and the claims it carries never reach MAS.${
            fails
              ? ' A required claim is then empty, so the sign-in fails ("Template … rendered to an empty string").'
              : ' MAS then imports nothing for those attributes.'
          }`,
          evidence,
          fix: {
            summary: `Add ${missing.map((s) => `"authentik default OAuth Mapping: OpenID '${s}'"`).join(' and ')} to the provider's scopes: Applications > Providers > ${pair.ak.name} > Edit > Advanced protocol settings > Scopes.${
              notFound.length
                ? ` The managed mapping for ${notFound.join(', ')} is missing from this Authentik; create a scope mapping with that scope name first (Customization > Property Mappings).`
                : ''
            }`,
            ...(toAdd.length
              ? {
                  snippet: akCurl(ak.url, 'PATCH', `/providers/oauth2/${pair.ak.pk}/`, {
                    property_mappings: [...pair.ak.property_mappings, ...toAdd.map((m) => m.pk)],
                  }),
                }
              : {}),
            repair: 'authentik-add-scope-mappings',
          },
        }),
      );
    }
    return out;
  },
};
