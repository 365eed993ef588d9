/**
 * Words longer than this get no suggestion: nobody misspells a paragraph, and comparing one
 * costs time in its length squared (a 200,000-character value once took seconds per field).
 */
const LONGEST_WORD = 256;

/** The closest candidate to a misspelt word, or undefined when nothing is close enough. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > LONGEST_WORD) return undefined;
  const lower = word.toLowerCase();
  const bare = withoutPunctuation(lower);
  // Allow about one edit in three characters, at least one, so "kling3" finds "kling-3.0"
  // but "foo" does not find "veo-3.1".
  const limit = Math.max(1, Math.ceil(lower.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    // Only a candidate closer than the best so far matters: the distance stops counting there.
    const within = bestDistance - 1;
    // punctuation is the usual slip in ids ("kling3" for "kling-3.0"): also compare without it
    const d = Math.min(
      editDistance(lower, other, within),
      editDistance(bare, withoutPunctuation(other), within),
    );
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function withoutPunctuation(word: string): string {
  return word.replace(/[-_.\s]/g, '');
}

/**
 * Damerau–Levenshtein distance (optimal string alignment: a swap of two letters is one edit),
 * counted up to `max`: any distance over it comes back as `max + 1`, found as soon as the
 * lengths or a whole row of the table show it.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const cols = b.length + 1;
  // three rows of the table: the one before last (for swaps), the last, and this one
  let twoBack: number[] = new Array(cols).fill(0);
  let previous: number[] = Array.from({ length: cols }, (_, j) => j);
  let current: number[] = new Array(cols).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowLeast = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, twoBack[j - 2]! + 1);
      }
      current[j] = v;
      if (v < rowLeast) rowLeast = v;
    }
    // every later row is at least this row's least value
    if (rowLeast > max) return max + 1;
    [twoBack, previous, current] = [previous, current, twoBack];
  }
  const distance = previous[cols - 1]!;
  return distance > max ? max + 1 : distance;
}
