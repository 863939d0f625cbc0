/**
 * "Did you mean …?" for config keys and enum values: the closest known word by optimal string
 * alignment distance (Levenshtein plus adjacent transpositions, the usual typo), after
 * normalising case, dashes and camelCase, which are spelling habits rather than typos.
 */

export function normaliseWord(word: string): string {
  return word
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
}

/** Optimal string alignment distance between two strings. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** How many edits still count as a typo for a word of this length. */
function tolerance(length: number): number {
  if (length <= 3) return 1;
  if (length <= 8) return 2;
  return 3;
}

/** The closest candidate, or undefined when nothing is close enough to be a plausible typo. */
export function closestWord(word: string, candidates: Iterable<string>): string | undefined {
  const target = normaliseWord(word);
  let best: { word: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = normaliseWord(candidate) === target ? 0 : editDistance(target, normaliseWord(candidate));
    if (
      distance <= tolerance(Math.max(target.length, candidate.length)) &&
      (!best || distance < best.distance)
    ) {
      best = { word: candidate, distance };
    }
  }
  return best?.word;
}
