import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  akSubject,
  authentikOf,
  masPath,
  masSubject,
  masYaml,
  providerPairs,
  quote,
  usersOfInterest,
} from '../authentik/facts.js';
import { claimsFor, renderFor } from './claims.js';
import {
  importsOf,
  referencedClaims,
  requestedScopes,
  SCOPE_OF_CLAIM,
  templatePath,
  type ImportSpec,
} from './imports.js';

/** MAS's own words for a required attribute that fails (link.rs, callback.rs). */
function masWords(imp: ImportSpec, kind: 'empty' | 'error', error?: string): string {
  if (imp.attr === 'subject')
    return kind === 'empty' ? 'Subject is empty' : `Could not extract subject from ID token (${error})`;
  return kind === 'empty'
    ? `Template ${quote(imp.template)} rendered to an empty string`
    : `Template ${quote(imp.template)} could not be rendered from the upstream provider's response for required claim (${error})`;
}

/**
 * `mapping-claim-missing`: a claims_imports template MAS requires (`action: require`, and always
 * the subject) renders empty or fails, so the sign-in ends with MAS's "rendered to an empty
 * string". Judged twice:
 *
 * - for everyone, from the configuration: the template reads a claim of a scope MAS does not
 *   request, or that Authentik puts only into userinfo (`include_claims_in_id_token` off) while
 *   MAS does not fetch userinfo (a scope missing on the provider is authentik-scope-mapping-missing);
 * - for the user in focus or the sampled users, by rendering the template with MiniJinja over
 *   the claims Authentik would issue them (`preview_user`), which also finds empty user data.
 */
export const mappingClaimMissing: ChainCheck = {
  id: 'mapping/claim-missing',
  codes: ['mapping-claim-missing'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak) return [];
    const out: Finding[] = [];
    const people = usersOfInterest(snap);
    for (const pair of providerPairs(snap)) {
      const requested = requestedScopes(pair.mas);
      const providerScopes = new Set(
        pair.ak.property_mappings.flatMap(
          (pk) => ak.scopeMappings.find((m) => m.pk === pk)?.scope_name ?? [],
        ),
      );
      const include = pair.ak.include_claims_in_id_token !== false;
      const required = importsOf(pair.mas).filter((i) => i.action === 'require');
      const notRequested = new Map<string, string[]>();
      const userinfoOnly: string[] = [];
      const failedAttrs = new Set<string>();
      for (const imp of required) {
        for (const claim of referencedClaims(imp.template).claims) {
          const scope = SCOPE_OF_CLAIM[claim];
          if (scope !== 'profile' && scope !== 'email') continue;
          if (!requested.has(scope)) {
            notRequested.set(scope, [...(notRequested.get(scope) ?? []), `${imp.attr} reads ${claim}`]);
            failedAttrs.add(imp.attr);
          } else if (providerScopes.has(scope) && !include && !pair.mas.fetch_userinfo) {
            userinfoOnly.push(`${imp.attr} reads ${claim}`);
            failedAttrs.add(imp.attr);
          }
        }
      }
      if (notRequested.size) {
        const scopes = [...notRequested.keys()];
        const newScope = [...new Set([...requested, 'openid', ...scopes])]
          .sort((a, b) => (a === 'openid' ? -1 : b === 'openid' ? 1 : 0))
          .join(' ');
        out.push(
          makeFinding('mapping-claim-missing', {
            subject: masSubject(pair.mas),
            detail: `MAS provider ${pair.mas.id} requires claims from ${scopes.map(quote).join(' and ')} (${[...notRequested.values()].flat().join('; ')}), but its scope ${quote(pair.mas.scope || 'openid')} does not request ${scopes.length === 1 ? 'that scope' : 'those scopes'}. Authentik then leaves the claims out, and every first sign-in ends with "Template … rendered to an empty string".`,
            evidence: [
              {
                source: 'mas-config',
                excerpt: `${masPath(pair.index, 'scope')}: ${pair.mas.scope || '(unset: openid)'}`,
              },
            ],
            fix: {
              summary: `Request the scopes in MAS: scope: "${newScope}".`,
              snippet: masYaml(pair.mas, { scope: quote(newScope) }),
            },
          }),
        );
      }
      if (userinfoOnly.length) {
        out.push(
          makeFinding('mapping-claim-missing', {
            subject: masSubject(pair.mas),
            detail: `The Authentik provider ${quote(pair.ak.name)} puts scope claims only into userinfo ("Include claims in id_token" is off), and MAS does not fetch userinfo, so required claims never reach it (${userinfoOnly.join('; ')}). Every first sign-in ends with "Template … rendered to an empty string".`,
            evidence: [
              {
                source: 'authentik-api',
                excerpt: `provider ${pair.ak.name}: include_claims_in_id_token: false`,
              },
              { source: 'mas-config', excerpt: `${masPath(pair.index, 'fetch_userinfo')}: false` },
            ],
            fix: {
              summary: `Set fetch_userinfo: true on the MAS provider, or switch on "Include claims in id_token" in Authentik (Applications > Providers > ${pair.ak.name} > Edit > Advanced protocol settings).`,
              snippet: masYaml(pair.mas, { fetch_userinfo: 'true' }),
              repair: 'mas-set-fetch-userinfo',
            },
          }),
        );
      }
      for (const user of people) {
        const claims = claimsFor(snap, pair, user);
        if (!claims) continue;
        const merged = { ...(claims.userinfo ?? {}), ...claims.idToken };
        for (const imp of required) {
          if (failedAttrs.has(imp.attr)) continue;
          const r = renderFor(imp.template, claims);
          if (!r || (r.ok && r.value !== '')) continue;
          const kind = r.ok ? 'empty' : 'error';
          const refs = [...referencedClaims(imp.template).claims];
          const absent = refs.filter((c) => !(c in merged));
          const blank = refs.filter((c) => c in merged && (merged[c] === '' || merged[c] === null));
          const available = Object.keys(merged).sort().join(', ');
          const cause = blank.length
            ? `the user's ${blank.join(', ')} ${blank.length === 1 ? 'is' : 'are'} empty in Authentik`
            : absent.length
              ? `Authentik's claims for this user have no ${absent.join(', ')} (they have: ${available})`
              : r.ok
                ? 'the template renders nothing for these claims'
                : r.error;
          out.push(
            makeFinding('mapping-claim-missing', {
              subject: `user/${user.username}`,
              detail: `For ${quote(user.username)}, MAS's required ${imp.attr} template ${quote(imp.template)} ${
                kind === 'empty' ? 'renders to an empty string' : 'fails to render'
              }: ${cause}. The sign-in ends with "${masWords(imp, kind, r.ok ? undefined : r.error)}".`,
              evidence: [
                {
                  source: 'mas-config',
                  excerpt: `${templatePath(pair.index, imp.attr)}: ${imp.template} (action ${imp.action})`,
                },
                {
                  source: 'authentik-api',
                  excerpt: `${claims.origin === 'preview' ? 'preview_user' : 'claims'} for ${user.username} via ${akSubject(pair.ak)}: ${
                    refs
                      .map((c) => `${c}=${c in merged ? JSON.stringify(merged[c]) : '(absent)'}`)
                      .join(', ') || available
                  }`,
                },
              ],
              fix: blank.length
                ? {
                    summary: `Fill in ${quote(user.username)}'s ${blank.join(', ')} in Authentik (Directory > Users > ${user.username} > Edit), or import the ${imp.attr} with suggest or force instead of require.`,
                  }
                : {
                    summary: `Use claims Authentik actually issues (${available}) in the template, or add a scope mapping that returns ${absent.join(', ') || 'the claim'}.`,
                  },
            }),
          );
        }
      }
    }
    return out;
  },
};
