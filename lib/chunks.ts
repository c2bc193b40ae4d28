/**
 * Big text built as chunks of at most about `max` characters: their concatenation is exactly
 * `pieces.join(separator)`. V8 allocates strings above ~128 KiB in a space that only a full
 * collection frees; a page of archive rows built as one string leaves megabytes there per page,
 * while chunks this small die young and are freed at once.
 */
export function joinInChunks(pieces: Iterable<string>, separator = "", max = 32 * 1024): string[] {
  const chunks: string[] = [];
  let current = "";
  let first = true;
  for (const piece of pieces) {
    const next = first ? piece : separator + piece;
    first = false;
    if (current.length > 0 && current.length + next.length > max) {
      chunks.push(current);
      current = "";
    }
    current += next;
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current);
  return chunks;
}
