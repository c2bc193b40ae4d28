const encoder = new TextEncoder();

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data));
}

/** `bytes` random bytes as base64url without padding. */
export function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Constant-time string equality (for comparing a presented key with the bootstrap secret). */
export function safeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

/** SHA-256 (hex) of the UTF-8 of `chunks` concatenated, hashed as a stream: the whole is never built. */
export async function sha256OfChunks(chunks: Iterable<string>): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  for (const chunk of chunks) await writer.write(encoder.encode(chunk));
  await writer.close();
  return hex(await digest.digest);
}

/** Lower-case hex of a digest. */
export const hex = (digest: ArrayBuffer) => [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
