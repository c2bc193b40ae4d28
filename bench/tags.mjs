// Times renderTags (lib/tags/render.ts) for 500 tags in each format, in Node: the module is bundled
// with esbuild (wrangler's, in node_modules) into a temp file, as Node cannot load the project's
// extensionless TypeScript imports itself. Prints median, min and max of several runs after warm-up.
//   node bench/tags.mjs [count] [runs]      (defaults 500 and 15)
// Optional: TAGS_OUT=/tmp/tags.pdf writes the last "tags" PDF there.
//   node bench/tags.mjs --sample out.pdf    writes the six-tag sample of docs/tags-sample.png instead:
//   pdftoppm -r 110 -png -singlefile out.pdf docs/tags-sample   (poppler-utils; not needed by CI)
import { build } from "esbuild";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";

const SAMPLE = process.argv[2] === "--sample" ? process.argv[3] : undefined;
const COUNT = Number(process.argv[2] ?? 500);
const RUNS = Number(process.argv[3] ?? 15);
const WARMUP = 3;

const dir = mkdtempSync(join(tmpdir(), "tags-bench-"));
try {
  const outfile = join(dir, "render.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("../lib/tags/render.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    outfile,
    logLevel: "error",
  });
  const { renderTags } = await import(pathToFileURL(outfile).href);

  if (SAMPLE) {
    const sample = [
      { itemId: "c17-42", title: "Rain boots, yellow, barely worn", size: "9", price: 1250, discountAllowed: true, donate: false },
      { itemId: "c17-43", title: "Carter's fleece sleeper set (3 pieces) with matching hat and mittens, blue and grey stripes, machine washable, never worn", size: "12M", price: 800, discountAllowed: false, donate: true },
      { itemId: "c17-44", title: "Wooden train set from Łódź 🚂, 42 pieces with bridge", size: "3+", price: 2500, discountAllowed: true, donate: true },
      { itemId: "c17-45", title: "Winter coat, hooded, navy", size: "4T", price: 1800, discountAllowed: false, donate: false },
      { itemId: "c17-1001", title: "Jogging stroller", size: "", price: 12500, discountAllowed: true, donate: false },
      { itemId: "c17-47", title: "Board books, set of 5", size: "", price: 50, discountAllowed: true, donate: true },
    ].map((tag) => ({ ...tag, consignorId: "c17" }));
    writeFileSync(SAMPLE, await renderTags(sample, "tags", { eventName: "Spring 2026 Sale" }));
    console.log(`wrote ${SAMPLE}`);
  } else {
    await bench(renderTags);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function bench(renderTags) {
  const words = ["Rain", "boots", "fleece", "sleeper", "set", "wooden", "train", "Carter's", "blue", "striped", "winter", "coat", "hooded", "Łódź", "size", "barely", "worn"];
  const tags = Array.from({ length: COUNT }, (_, i) => ({
    itemId: `c${17 + (i % 40)}-${i + 1}`,
    consignorId: `c${17 + (i % 40)}`,
    title: Array.from({ length: 3 + (i % 12) }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(" "),
    size: ["NB", "6M", "12M", "2T", "4T", "8", "XL"][i % 7],
    price: 50 + ((i * 137) % 20000),
    discountAllowed: i % 3 !== 0,
    donate: i % 4 === 0,
  }));

  const stats = (ms) => {
    const sorted = [...ms].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    return { median: +median.toFixed(1), min: +sorted[0].toFixed(1), max: +sorted.at(-1).toFixed(1) };
  };
  const results = {};
  for (const format of ["tags", "labels"]) {
    let bytes;
    for (let k = 0; k < WARMUP; k++) bytes = await renderTags(tags, format, { eventName: "Spring 2026" });
    const times = [];
    for (let k = 0; k < RUNS; k++) {
      const start = performance.now();
      bytes = await renderTags(tags, format, { eventName: "Spring 2026" });
      times.push(performance.now() - start);
    }
    if (format === "tags" && process.env.TAGS_OUT) writeFileSync(process.env.TAGS_OUT, bytes);
    results[format] = { ...stats(times), bytes: bytes.length };
    console.log(`${format}: ${COUNT} in ${results[format].median} ms median (min ${results[format].min}, max ${results[format].max}; ${RUNS} runs), ${bytes.length} bytes`);
  }
  console.log(JSON.stringify({ count: COUNT, runs: RUNS, node: process.version, results }));
}
