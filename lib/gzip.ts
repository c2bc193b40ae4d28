const encoder = new TextEncoder();

/**
 * The UTF-8 of `chunks` concatenated, gzipped as it is written: only the compressed bytes are
 * ever held whole (an archive page of NDJSON shrinks about sevenfold, and so does what the
 * storage it goes to keeps of it).
 */
export async function gzipChunks(chunks: Iterable<string>): Promise<Uint8Array> {
  const stream = new CompressionStream("gzip");
  const writer = stream.writable.getWriter();
  // Read while writing, or a write waits forever for room.
  const compressed = new Response(stream.readable).arrayBuffer();
  for (const chunk of chunks) await writer.write(encoder.encode(chunk));
  await writer.close();
  return new Uint8Array(await compressed);
}

/** The text of a gzipped body. */
export function gunzipText(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body.pipeThrough(new DecompressionStream("gzip"))).text();
}
