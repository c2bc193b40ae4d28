import { describe, expect, it } from "vitest";
import { gunzipText, gzipChunks } from "../lib/gzip";

describe("gzip of archive parts", () => {
  it("compresses chunks to the same bytes every time, and decompresses to their concatenation", async () => {
    const chunks = Array.from({ length: 400 }, (_, i) => `${JSON.stringify({ id: `T${i}`, title: `Item ${i} "ü" \\ \n`, price: i * 7 })}\n`);
    const once = await gzipChunks(chunks);
    const again = await gzipChunks([chunks.join("")]);
    expect(once).toEqual(again);
    expect(once.byteLength).toBeLessThan(chunks.join("").length / 4);
    expect(await gunzipText(new Response(once).body!)).toBe(chunks.join(""));
  });
});
