/**
 * sops' regular expressions (encrypted_regex, path_regex, …) are Go RE2 patterns. The common
 * ones mean the same in JavaScript; this translates the few Go spellings that differ and
 * refuses what JavaScript cannot express, rather than matching something else.
 */
export class GoRegexpError extends Error {}

export function compileGoRegexp(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  // Go puts flags in a leading group, JavaScript after the pattern
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading) {
    const goFlags = leading[1] ?? '';
    if (goFlags.includes('U'))
      throw new GoRegexpError(`'${pattern}': the (?U) flag has no JavaScript equivalent`);
    flags = [...new Set(goFlags)].join('');
    source = source.slice(leading[0].length);
  }
  source = source
    .replaceAll('(?P<', '(?<')
    .replaceAll('\\A', '^')
    .replaceAll('\\z', flags.includes('m') ? '(?![\\s\\S])' : '$');
  if (/\(\?[imsU-]+[:)]/.test(source)) {
    throw new GoRegexpError(`'${pattern}': inline flags inside the pattern are not supported`);
  }
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new GoRegexpError(`'${pattern}' is not a valid regular expression (${(err as Error).message})`);
  }
}
