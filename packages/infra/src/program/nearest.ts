/**
 * Levenshtein distance (insertions, deletions, substitutions), case-insensitive: enough to
 * point `instancetype` at `instanceType`. Written out (a dozen lines) because no edit-distance
 * package is among the dependencies.
 */
export function editDistance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min(
        next[j - 1]! + 1,
        row[j]! + 1,
        row[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[y.length]!;
}

/** The candidate closest to `word` (the first of equals). */
export function nearest(word: string, candidates: readonly string[]): string {
  return candidates.reduce((best, k) =>
    editDistance(word, k) < editDistance(word, best) ? k : best,
  );
}
