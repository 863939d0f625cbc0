import type { MasConfigFacts } from '../../../snapshot/types.js';

/**
 * MAS's username rules for a localpart from an upstream provider (policies/register/
 * register.rego, with `data.registration` from `policy.data` in the MAS config). The codes and
 * messages are MAS's; the policy check runs for `force`/`require` localparts and refuses the
 * sign-in with `Upstream account provider returned "<x>" as username, which does not pass the
 * policy check: <msg>`.
 */
export interface Violation {
  code: string;
  msg: string;
}

interface Constraints {
  literals?: unknown;
  substrings?: unknown;
  regexes?: unknown;
  prefixes?: unknown;
  suffixes?: unknown;
}

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Rego's `regex.match` is an unanchored RE2 search; a pattern JavaScript cannot read never matches here. */
function search(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern).test(s);
  } catch {
    return false;
  }
}

function matches(s: string, c: Constraints): boolean {
  return (
    list(c.regexes).some((r) => search(r, s)) ||
    list(c.substrings).some((x) => s.includes(x)) ||
    list(c.literals).some((x) => s === x) ||
    list(c.suffixes).some((x) => s.endsWith(x)) ||
    list(c.prefixes).some((x) => s.startsWith(x))
  );
}

function registration(mas: MasConfigFacts | undefined): { banned?: Constraints; allowed?: Constraints } {
  const data = (mas?.raw?.policy as { data?: { registration?: unknown } } | undefined)?.data?.registration;
  if (!data || typeof data !== 'object') return {};
  const r = data as { banned_usernames?: unknown; allowed_usernames?: unknown };
  const obj = (v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Constraints) : undefined;
  return { banned: obj(r.banned_usernames), allowed: obj(r.allowed_usernames) };
}

export function localpartViolations(localpart: string, mas: MasConfigFacts | undefined): Violation[] {
  const out: Violation[] = [];
  const serverName = mas?.matrix.homeserver ?? 'localhost:8008';
  const chars = [...localpart].length;
  if (chars === 0) out.push({ code: 'username-too-short', msg: 'username too short' });
  if ([...`@${localpart}:${serverName}`].length > 255)
    out.push({ code: 'username-too-long', msg: 'username too long' });
  if (/^[0-9]+$/.test(localpart))
    out.push({
      code: 'username-all-numeric',
      msg: 'username must contain at least one non-numeric character',
    });
  if (!/^[a-z0-9.=_/+-]+$/.test(localpart))
    out.push({ code: 'username-invalid-chars', msg: 'username contains invalid characters' });
  const { banned, allowed } = registration(mas);
  if (banned && matches(localpart, banned)) out.push({ code: 'username-banned', msg: 'username is banned' });
  if (allowed && !matches(localpart, allowed))
    out.push({ code: 'username-not-allowed', msg: 'username is not allowed' });
  return out;
}
