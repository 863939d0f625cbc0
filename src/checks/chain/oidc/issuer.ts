import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  logEvidence,
  masOf,
  masPath,
  masSubject,
  masYaml,
  providerPairs,
  quote,
} from '../authentik/facts.js';

/** Where two issuers first differ, and what kind of difference it is, in words. */
export function issuerDifference(mas: string, discovered: string): { index: number; words: string } {
  let index = 0;
  while (index < mas.length && index < discovered.length && mas[index] === discovered[index]) index++;
  if (`${mas}/` === discovered)
    return {
      index,
      words:
        "the discovery issuer ends with a slash that MAS's issuer lacks (Authentik's per-application issuers always end with /)",
    };
  if (mas === `${discovered}/`)
    return { index, words: "MAS's issuer has a trailing slash that the discovery issuer lacks" };
  if (mas.toLowerCase() === discovered.toLowerCase())
    return { index, words: 'they differ only in upper/lower case' };
  let a: URL | undefined;
  let b: URL | undefined;
  try {
    a = new URL(mas);
    b = new URL(discovered);
  } catch {
    return { index, words: `they differ from character ${index + 1} on` };
  }
  if (a.protocol !== b.protocol)
    return {
      index,
      words: `the scheme differs (${a.protocol.slice(0, -1)} in MAS, ${b.protocol.slice(0, -1)} in discovery)${
        b.protocol === 'http:'
          ? ': Authentik builds the issuer from the scheme of the request it gets, so a proxy that does not pass X-Forwarded-Proto makes it http'
          : ''
      }`,
    };
  if (a.host !== b.host)
    return {
      index,
      words: `the host differs (${a.host} in MAS, ${b.host} in discovery): Authentik builds the issuer from the Host of the request, so MAS and Authentik's proxy must agree on the public name`,
    };
  return { index, words: `the path differs (${a.pathname} in MAS, ${b.pathname} in discovery)` };
}

/**
 * `oidc-issuer-mismatch`: MAS compares its configured `issuer` with the `issuer` of the
 * discovery document byte for byte (`issuer URLs don't match: expected …, got …`), and later
 * checks every id_token's `iss` against it as well. A missing trailing slash, http against
 * https, or another host name all break sign-in. Both strings are shown with the first
 * difference marked.
 */
export const oidcIssuer: ChainCheck = {
  id: 'oidc/issuer',
  codes: ['oidc-issuer-mismatch'],
  run(snap) {
    const mas = masOf(snap);
    if (!mas) return [];
    const pairs = providerPairs(snap);
    const out: Finding[] = [];
    mas.providers.forEach((p, index) => {
      const d = snap.discovery[p.id];
      if (!p.enabled || !p.issuer || d?.status !== 'ok') return;
      const discovered = d.data.document.issuer;
      if (typeof discovered !== 'string' || discovered === p.issuer) return;
      const diff = issuerDifference(p.issuer, discovered);
      const strict = (p.discovery_mode || 'oidc') === 'oidc';
      const ak = pairs.find((x) => x.mas.id === p.id)?.ak;
      const globalMode = ak?.issuer_mode === 'global';
      const evidence: Evidence[] = [
        {
          source: 'discovery',
          excerpt: [
            `MAS issuer:       ${quote(p.issuer)}`,
            `discovery issuer: ${quote(discovered)}`,
            `${' '.repeat(18 + 1 + diff.index)}^ first difference`,
          ].join('\n'),
        },
      ];
      if (d.data.redirects?.length)
        evidence.push({
          source: 'discovery',
          excerpt: `redirected: ${[d.data.url, ...d.data.redirects].join(' -> ')}`,
        });
      if (globalMode)
        evidence.push({ source: 'authentik-api', excerpt: `provider ${ak!.name}: issuer_mode global` });
      evidence.push(...logEvidence(snap, ["issuer URLs don't match", 'invalid claim "iss"']));
      const httpDowngrade = discovered.startsWith('http://') && p.issuer.startsWith('https://');
      out.push(
        makeFinding('oidc-issuer-mismatch', {
          subject: masSubject(p),
          detail: `MAS provider ${p.id} is configured with issuer ${quote(p.issuer)}, but the discovery document says ${quote(discovered)}: ${diff.words}. ${
            strict
              ? `MAS compares them byte for byte and refuses the metadata ("issuer URLs don't match: expected ${quote(p.issuer)}, got ${quote(discovered)}").`
              : "With discovery_mode insecure MAS loads the metadata anyway, but then rejects every id_token, whose iss is the discovery issuer, not MAS's."
          }${globalMode ? ` The Authentik provider uses issuer mode "global"; with "per provider" its issuer is the /application/o/<slug>/ URL that discovery lives under.` : ''}`,
          evidence,
          fix: httpDowngrade
            ? {
                summary:
                  "Fix the proxy in front of Authentik first (pass X-Forwarded-Proto and Host), so Authentik's issuer is the public https URL MAS already has; copying an http issuer into MAS only hides the problem.",
              }
            : {
                summary: `Set ${masPath(index, 'issuer')} to exactly ${quote(discovered)} (for a SOPS file: \`ssochain sops edit\`, commit, \`flux reconcile\`).`,
                snippet: masYaml(p, { issuer: `'${discovered}'` }),
                repair: 'mas-set-issuer',
              },
        }),
      );
    });
    return out;
  },
};
