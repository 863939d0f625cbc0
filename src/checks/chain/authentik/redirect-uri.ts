import type { Evidence, Finding } from '../../../report/types.js';
import type { AkRedirectUri, AuthentikFacts } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  akCurl,
  akSubject,
  authentikOf,
  callbackUrl,
  legacyRedirectUris,
  masOf,
  providerPairs,
  quote,
} from './facts.js';

/**
 * Python's `re.fullmatch(pattern, s)`, which Authentik applies to `regex` redirect URIs,
 * evaluated with a JavaScript RegExp after translating the syntax that differs: leading inline
 * flags `(?i)`, named groups `(?P<n>…)`/`(?P=n)`, `\A` and `\Z`. Returns undefined for what
 * cannot be translated faithfully (scoped flags, atomic groups, possessive quantifiers,
 * conditionals) and for a pattern JavaScript rejects.
 */
export function pyFullmatch(pattern: string, s: string): boolean | undefined {
  let p = pattern;
  let flags = '';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(p);
  if (lead) {
    p = p.slice(lead[0].length);
    for (const f of lead[1]!) {
      if ('ims'.includes(f) && !flags.includes(f)) flags += f;
      if (f === 'x') p = stripVerbose(p);
    }
  }
  if (/\(\?[aiLmsux-]+[:)]|\(\?>|[*+?}]\+|\(\?\(/.test(p)) return undefined;
  p = p
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '(?<![\\s\\S])')
    .replace(/\\Z/g, '(?![\\s\\S])');
  try {
    return new RegExp(`(?<![\\s\\S])(?:${p})(?![\\s\\S])`, flags).test(s);
  } catch {
    return undefined;
  }
}

/** re.VERBOSE: whitespace and `#` comments outside character classes are ignored. */
function stripVerbose(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      out += c + (p[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < p.length && p[i] !== '\n') i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

type Match = 'match' | 'no' | 'unknown';

function matches(entry: AkRedirectUri, uri: string): Match {
  if (entry.matching_mode === 'strict') return entry.url === uri ? 'match' : 'no';
  const r = pyFullmatch(entry.url, uri);
  return r === undefined ? 'unknown' : r ? 'match' : 'no';
}

/** Why a registered URL is not the callback, when it nearly is. */
function nearMiss(registered: string, expected: string): string | undefined {
  const strip = (u: string) => u.replace(/\/+$/, '');
  if (strip(registered) === strip(expected)) return 'differs only by a trailing slash';
  if (registered.toLowerCase() === expected.toLowerCase())
    return 'differs only in upper/lower case (MAS sends the provider ID in upper case)';
  let r: URL;
  let e: URL;
  try {
    r = new URL(registered);
    e = new URL(expected);
  } catch {
    return undefined;
  }
  const cb = /\/upstream\/callback\/([0-9A-Za-z]{26})\/?$/;
  const rid = cb.exec(r.pathname)?.[1];
  const eid = cb.exec(e.pathname)?.[1];
  if (r.origin !== e.origin && r.pathname === e.pathname)
    return `points at ${r.origin} instead of ${e.origin} (MAS's http.public_base)`;
  if (r.origin === e.origin && rid && eid && rid.toUpperCase() !== eid)
    return `names provider ID ${rid}, but the MAS provider's id is ${eid} (was the id changed?)`;
  if (r.origin === e.origin && rid && rid.toUpperCase() === eid && r.pathname !== e.pathname)
    return `has the path ${r.pathname}, but MAS's public_base puts the callback at ${e.pathname}`;
  return undefined;
}

function eventEvidence(ak: AuthentikFacts): Evidence[] {
  return ak.events
    .filter((e) => e.action === 'configuration_error' && /redirect/i.test(String(e.context.message ?? '')))
    .slice(0, 3)
    .map((e) => ({
      source: 'authentik-api' as const,
      excerpt: `event configuration_error ${e.created}: ${String(e.context.message)}${
        typeof e.context.redirect_uri === 'string' ? ` (client used ${e.context.redirect_uri})` : ''
      }`,
    }));
}

/**
 * `authentik-redirect-uri-missing`: MAS sends `<public_base>upstream/callback/<ULID>` as
 * redirect_uri; Authentik accepts it only if one of the provider's authorization redirect
 * URIs matches: string equality for `strict`, `re.fullmatch` for `regex` (Authentik before
 * 2024.10.3 treats every entry as a regex). An empty list is filled by Authentik with the
 * first redirect_uri it sees, so it is not reported; neither is a list with a regex whose
 * Python syntax has no faithful JavaScript equivalent (it may match).
 */
export const authentikRedirectUri: ChainCheck = {
  id: 'authentik/redirect-uri',
  codes: ['authentik-redirect-uri-missing'],
  run(snap) {
    const ak = authentikOf(snap);
    const mas = masOf(snap);
    if (!ak || !mas) return [];
    const out: Finding[] = [];
    for (const pair of providerPairs(snap)) {
      const expected = callbackUrl(mas.publicBase, pair.mas.id);
      // no public_base, or MAS's unusable default (http://[::]:8080/): mas-public-base-default says so
      if (!expected || /^https?:\/\/(\[::\]|0\.0\.0\.0)(:\d+)?\//.test(expected)) continue;
      const entries = pair.ak.redirect_uris.filter((r) => r.redirect_uri_type !== 'logout');
      if (entries.length === 0) continue;
      const results = entries.map((e) => ({ e, m: matches(e, expected) }));
      if (results.some((r) => r.m === 'match')) continue;
      // a regex ssochain cannot evaluate faithfully may well match: no guess, no finding
      if (results.some((r) => r.m === 'unknown')) continue;
      const hints = entries.flatMap((e) => {
        const h = nearMiss(e.url, expected);
        return h ? [`${quote(e.url)} ${h}`] : [];
      });
      const legacy = legacyRedirectUris(ak.version);
      const list = [...entries.map((e) => ({ matching_mode: e.matching_mode, url: e.url }))];
      const body = legacy
        ? {
            redirect_uris: [
              ...entries.map((e) => e.url),
              expected.replace(/[.?+*^$()[\]{}|\\]/g, '\\$&'),
            ].join('\n'),
          }
        : { redirect_uris: [...list, { matching_mode: 'strict', url: expected }] };
      out.push(
        makeFinding('authentik-redirect-uri-missing', {
          subject: akSubject(pair.ak),
          detail: `MAS sends the redirect URI ${quote(expected)} for provider ${pair.mas.id}, but none of the ${entries.length} redirect URI(s) of the Authentik provider ${quote(pair.ak.name)} matches it (strict entries must be equal, regex entries must match in full). Authentik refuses the sign-in with "Redirect URI Error".${
            hints.length ? ` ${hints.join('; ')}.` : ''
          }`,
          evidence: [
            {
              source: 'mas-config',
              excerpt: `http.public_base: ${mas.publicBase} -> redirect_uri ${expected}`,
            },
            {
              source: 'authentik-api',
              excerpt: `provider ${pair.ak.name} redirect_uris: ${entries.map((e) => `${e.matching_mode} ${e.url}`).join(', ')}`,
            },
            ...eventEvidence(ak),
          ],
          fix: {
            summary: `Add ${quote(expected)} as a strict redirect URI: Applications > Providers > ${pair.ak.name} > Edit > Redirect URIs/Origins.`,
            snippet: akCurl(ak.url, 'PATCH', `/providers/oauth2/${pair.ak.pk}/`, body),
            repair: 'authentik-add-redirect-uri',
          },
        }),
      );
    }
    return out;
  },
};
