import type { Finding, Location } from '../../report/types.js';
import {
  subjectFor,
  type ConfigView,
  type PathSeg,
  type ScalarEntry,
} from '../../sources/files/config-view.js';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { masPath } from './config-data.js';
import { locationWithin } from './scalar-column.js';
import { isSecretPath } from './secret-values.js';

interface Suspect {
  name: string;
  /** what the character should most likely have been ('' = nothing) */
  replacement: string;
  kind: 'quote' | 'space' | 'invisible' | 'bidi';
}

const SUSPECTS: Record<string, Suspect> = {
  '\u201C': { name: 'left double quotation mark “', replacement: '"', kind: 'quote' },
  '\u201D': { name: 'right double quotation mark ”', replacement: '"', kind: 'quote' },
  '\u201E': { name: 'double low-9 quotation mark „', replacement: '"', kind: 'quote' },
  '\u201F': { name: 'double high-reversed-9 quotation mark ‟', replacement: '"', kind: 'quote' },
  '\u2018': { name: 'left single quotation mark ‘', replacement: "'", kind: 'quote' },
  '\u2019': { name: 'right single quotation mark ’', replacement: "'", kind: 'quote' },
  '\u201A': { name: 'single low-9 quotation mark ‚', replacement: "'", kind: 'quote' },
  '\u201B': { name: 'single high-reversed-9 quotation mark ‛', replacement: "'", kind: 'quote' },
  '\u00AB': { name: 'left-pointing double angle quotation mark «', replacement: '"', kind: 'quote' },
  '\u00BB': { name: 'right-pointing double angle quotation mark »', replacement: '"', kind: 'quote' },
  '\u2039': { name: 'single left-pointing angle quotation mark ‹', replacement: "'", kind: 'quote' },
  '\u203A': { name: 'single right-pointing angle quotation mark ›', replacement: "'", kind: 'quote' },
  '\u2032': { name: 'prime ′', replacement: "'", kind: 'quote' },
  '\u2033': { name: 'double prime ″', replacement: '"', kind: 'quote' },
  '\uFF02': { name: 'fullwidth quotation mark ＂', replacement: '"', kind: 'quote' },
  '\uFF07': { name: 'fullwidth apostrophe ＇', replacement: "'", kind: 'quote' },
  '\u00A0': { name: 'no-break space (U+00A0)', replacement: ' ', kind: 'space' },
  '\u202F': { name: 'narrow no-break space (U+202F)', replacement: ' ', kind: 'space' },
  '\u2007': { name: 'figure space (U+2007)', replacement: ' ', kind: 'space' },
  '\u3000': { name: 'ideographic space (U+3000)', replacement: ' ', kind: 'space' },
  '\u200B': { name: 'zero-width space (U+200B)', replacement: '', kind: 'invisible' },
  '\u200C': { name: 'zero-width non-joiner (U+200C)', replacement: '', kind: 'invisible' },
  '\u200D': { name: 'zero-width joiner (U+200D)', replacement: '', kind: 'invisible' },
  '\u2060': { name: 'word joiner (U+2060)', replacement: '', kind: 'invisible' },
  '\uFEFF': {
    name: 'byte order mark / zero-width no-break space (U+FEFF)',
    replacement: '',
    kind: 'invisible',
  },
  '\u00AD': { name: 'soft hyphen (U+00AD)', replacement: '', kind: 'invisible' },
  '\u2028': { name: 'line separator (U+2028)', replacement: '', kind: 'invisible' },
  '\u2029': { name: 'paragraph separator (U+2029)', replacement: '', kind: 'invisible' },
  '\u200E': { name: 'left-to-right mark (U+200E)', replacement: '', kind: 'bidi' },
  '\u200F': { name: 'right-to-left mark (U+200F)', replacement: '', kind: 'bidi' },
  '\u061C': { name: 'Arabic letter mark (U+061C)', replacement: '', kind: 'bidi' },
  '\u202A': { name: 'left-to-right embedding (U+202A)', replacement: '', kind: 'bidi' },
  '\u202B': { name: 'right-to-left embedding (U+202B)', replacement: '', kind: 'bidi' },
  '\u202C': { name: 'pop directional formatting (U+202C)', replacement: '', kind: 'bidi' },
  '\u202D': { name: 'left-to-right override (U+202D)', replacement: '', kind: 'bidi' },
  '\u202E': { name: 'right-to-left override (U+202E)', replacement: '', kind: 'bidi' },
  '\u2066': { name: 'left-to-right isolate (U+2066)', replacement: '', kind: 'bidi' },
  '\u2067': { name: 'right-to-left isolate (U+2067)', replacement: '', kind: 'bidi' },
  '\u2068': { name: 'first strong isolate (U+2068)', replacement: '', kind: 'bidi' },
  '\u2069': { name: 'pop directional isolate (U+2069)', replacement: '', kind: 'bidi' },
};

/**
 * Values that are prose shown to people (a provider's button label, the service name, an
 * imprint, an email sender name). Typographic apostrophes, no-break spaces, joiners and
 * direction marks are legitimate there (“Bob’s server”, Persian or Arabic names), so only the
 * characters that are never useful are reported in them.
 */
function isProse(path: readonly PathSeg[]): boolean {
  const last = path[path.length - 1];
  if (path[0] === 'policy' && path[1] === 'data') return true;
  return ['human_name', 'service_name', 'imprint', 'client_name', 'from', 'reply_to'].includes(String(last));
}

const NEVER_USEFUL = new Set([
  '\u200B',
  '\u2060',
  '\uFEFF',
  '\u00AD',
  '\u2028',
  '\u2029',
  '\u202A',
  '\u202B',
  '\u202D',
  '\u202E',
]);

interface Hit {
  index: number;
  char: string;
  suspect: Suspect;
}

/** True when the text holds any character this check reports (for other checks to defer to it). */
export function containsSuspectCharacter(value: string): boolean {
  for (const char of value) if (SUSPECTS[char]) return true;
  return false;
}

function hitsIn(value: string, prose: boolean): Hit[] {
  const hits: Hit[] = [];
  let index = 0;
  for (const char of value) {
    const suspect = SUSPECTS[char];
    if (suspect && (!prose || NEVER_USEFUL.has(char))) hits.push({ index, char, suspect });
    index += char.length;
  }
  return hits;
}

/** The value with every suspect character replaced; quotes wrapping the whole value are dropped. */
export function cleanValue(value: string): string {
  let out = value;
  const chars = [...out];
  const first = chars[0];
  const last = chars[chars.length - 1];
  if (
    chars.length >= 2 &&
    first &&
    last &&
    SUSPECTS[first]?.kind === 'quote' &&
    SUSPECTS[last]?.kind === 'quote'
  ) {
    out = chars.slice(1, -1).join('');
  }
  let cleaned = '';
  for (const char of out) cleaned += SUSPECTS[char]?.replacement ?? char;
  return cleaned;
}

/** The value with every suspect character spelled out as an escape, so the evidence shows it. */
function visible(value: string): string {
  let out = '';
  for (const char of value)
    out +=
      SUSPECTS[char] && SUSPECTS[char].kind !== 'quote'
        ? `\\u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
        : char;
  return JSON.stringify(out).replace(/\\\\u/g, '\\u');
}

/** Where the first suspect character sits (see scalar-column.ts for how sure that is). */
function locationOf(view: ConfigView, entry: ScalarEntry, hit: Hit): Location {
  return locationWithin(entry.location, entry.value, hit.index, view.encrypted);
}

function describeHits(hits: readonly Hit[]): string {
  const names = [...new Set(hits.map((h) => h.suspect.name))];
  const positions = hits.map((h) => h.index + 1).join(', ');
  return `${names.join(', ')} (at character ${positions})`;
}

/**
 * Typographic quotes and invisible characters in keys and values. They arrive by copying from
 * chat, word processors and web pages (the seed runbook itself is rendered HTML), and they make
 * a value silently different: an issuer `“https://…/”` never equals the discovery issuer, a
 * client_id with a zero-width space never matches Authentik's, a template with curly quotes does
 * not compile. The fix shows the value cleaned (never for a credential, which is not shown).
 */
export function runSmartQuotesCheck(view: ConfigView): Finding[] {
  const out: Finding[] = [];
  for (const entry of view.scalars()) {
    const prose = !entry.isKey && isProse(entry.path);
    const hits = hitsIn(entry.value, prose);
    if (!hits.length) continue;
    const secret = !entry.isKey && isSecretPath(entry.path);
    const where = masPath(entry.path);
    const cleaned = cleanValue(entry.value);
    const what = entry.isKey
      ? `The key \`${where}\``
      : secret
        ? `The credential at \`${where}\``
        : `The value of \`${where}\``;
    const detail = `${what} contains ${describeHits(hits)}. MAS compares and uses the text exactly as written, so it differs from what was meant (typically copied from a chat, a word processor or a web page).`;
    const snippet = entry.isKey
      ? `${cleaned}:`
      : secret
        ? undefined
        : `${String(entry.path[entry.path.length - 1])}: ${JSON.stringify(cleaned)}`;
    out.push(
      makeFinding('mas-config-smart-quotes', {
        subject: subjectFor(view),
        detail,
        evidence: [
          {
            source: 'mas-config',
            excerpt: secret
              ? `${where}: <redacted, ${entry.value.length} characters>`
              : `${where}: ${visible(entry.value)}`,
          },
        ],
        fix: {
          summary: secret
            ? `Retype the value of \`${where}\` by hand (or paste it from a plain-text source): it is a credential, so it is not shown here.`
            : `Replace the typographic or invisible characters with plain ASCII: straight quotes (or none), ordinary spaces.`,
          ...(snippet !== undefined ? { snippet } : {}),
        },
        location: locationOf(view, entry, hits[0]!),
      }),
    );
  }
  return out;
}

export const masSmartQuotes: LintCheck = {
  id: 'mas/smart-quotes',
  codes: ['mas-config-smart-quotes'],
  appliesTo: ['mas'],
  run: (view) => runSmartQuotesCheck(view),
};
