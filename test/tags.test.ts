import fc from "fast-check";
import { PDFDocument, type PDFFont, StandardFonts } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { ID_PATTERN } from "../lib/ids";
import { CODE128_PATTERNS, code128Checksum, code128Symbols, encodeCode128 } from "../lib/tags/code128";
import { LAYOUTS, MARKS, PAGE, type TagData, type TagFormat, cellOrigin, perPage, renderTags } from "../lib/tags/render";
import { formatPrice, toPrintable } from "../lib/tags/text";
import { type PageContent, decodeCode128, readPdf } from "./tags-pdf";

/** Widths "211214" → modules "11010010000". */
const modules = (widths: string) => Array.from(widths, (w, i) => (i % 2 === 0 ? "1" : "0").repeat(Number(w))).join("");

/** The fewest symbols (start included) of any B/C encoding, by exhaustive search: the reference for the encoder. */
function fewestSymbols(text: string): number {
  const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
  const rest = (i: number, set: "B" | "C"): number => {
    if (i === text.length) return 0;
    const pair = isDigit(text[i]) && isDigit(text[i + 1]);
    if (set === "B") return Math.min(1 + rest(i + 1, "B"), pair ? 2 + rest(i + 2, "C") : Infinity);
    return Math.min(pair ? 1 + rest(i + 2, "C") : Infinity, 2 + rest(i + 1, "B"));
  };
  return 1 + Math.min(rest(0, "B"), isDigit(text[0]) && isDigit(text[1]) ? rest(0, "C") : Infinity);
}

const ids = fc.stringMatching(ID_PATTERN);

describe("Code 128", () => {
  it("has the symbol patterns of the specification", () => {
    // Start A/B/C and the stop with its termination bar, as printed in the specification.
    expect(modules(CODE128_PATTERNS[103]!)).toBe("11010000100");
    expect(modules(CODE128_PATTERNS[104]!)).toBe("11010010000");
    expect(modules(CODE128_PATTERNS[105]!)).toBe("11010011100");
    expect(modules(CODE128_PATTERNS[106]!)).toBe("1100011101011");
    // Data symbols of the specification's example "HI345678": H, I, CODE C, 34, 56, 78, check 67.
    expect([40, 41, 99, 34, 56, 78, 67].map((v) => modules(CODE128_PATTERNS[v]!))).toEqual([
      "11000101000", "11000100010", "10111011110", "10001011000", "11100010110", "11000010100", "10000101100",
    ]);
    expect(modules(CODE128_PATTERNS[0]!)).toBe("11011001100");
    // Every symbol: 3 bars and 3 spaces of 1–4 modules, 11 in all, an even number of bar modules;
    // all 107 distinct, and together with the reverse stop (211133) every such pattern there is.
    const all = new Set<string>();
    for (const digits of CODE128_PATTERNS.slice(0, 106)) {
      const w = Array.from(digits, Number);
      expect(w.length).toBe(6);
      expect(w.every((x) => x >= 1 && x <= 4)).toBe(true);
      expect(w.reduce((a, b) => a + b, 0)).toBe(11);
      expect((w[0]! + w[2]! + w[4]!) % 2).toBe(0);
      all.add(digits);
    }
    all.add(CODE128_PATTERNS[106]!.slice(0, 6)).add("211133");
    expect(all.size).toBe(108);
  });

  it("computes the check symbol as the specification's examples", () => {
    expect(code128Checksum([103, 40, 41, 99, 34, 56, 78])).toBe(67); // "HI345678" from Start A
    expect(code128Checksum([103, 33, 34, 35, 36, 37, 38])).toBe(42); // "ABCDEF" in A
    expect(code128Checksum([104, 65, 66, 67, 68, 69, 70])).toBe(97); // "abcdef" in B
    expect(code128Checksum([105, 34, 56, 78])).toBe(73); // "345678" in C
    expect(encodeCode128("abcdef").symbols).toEqual([104, 65, 66, 67, 68, 69, 70, 97, 106]);
    expect(encodeCode128("345678").symbols).toEqual([105, 34, 56, 78, 73, 106]);
    expect(encodeCode128("HI345678").symbols).toEqual([104, 40, 41, 99, 34, 56, 78, 68, 106]); // from Start B: 1406 + 1
  });

  it("switches to code set C for digits only where it saves symbols", () => {
    expect(code128Symbols("c17-42")).toEqual([104, 67, 17, 23, 13, 20, 18]);
    expect(code128Symbols("c1234")).toEqual([104, 67, 99, 12, 34]);
    expect(code128Symbols("1234")).toEqual([105, 12, 34]);
    expect(code128Symbols("12345")).toEqual([104, 17, 99, 23, 45]); // as short as Start C 12 34, Code B, 5; ties keep B
    expect(code128Symbols("123")).toEqual([104, 17, 18, 19]);
    expect(code128Symbols("1234ab")).toEqual([105, 12, 34, 100, 65, 66]);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."0123456789a-"), minLength: 1, maxLength: 12 }), (text) => {
        expect(code128Symbols(text).length).toBe(fewestSymbols(text));
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips random ids and printable ASCII through a decoder of module widths", () => {
    fc.assert(
      fc.property(fc.oneof(ids, fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 80 })), (text) => {
        const code = encodeCode128(text);
        expect(code.widths.reduce((a, b) => a + b, 0)).toBe(code.modules);
        expect(code.modules).toBe(11 * (code.symbols.length - 1) + 13);
        expect(decodeCode128(code.widths)).toBe(text);
      }),
      { numRuns: 1_000 },
    );
    // The decoder is no rubber stamp: one element changed breaks the check or a pattern.
    const widths = encodeCode128("c17-42").widths;
    widths[10] = widths[10] === 1 ? 2 : 1;
    widths[11] = widths[11] === 1 ? 2 : 1;
    expect(() => decodeCode128(widths)).toThrow();
  });

  it("refuses what it cannot encode", () => {
    for (const text of ["", "é", "a\nb", "\x7f", "Ł", "👗"]) expect(() => encodeCode128(text)).toThrow(RangeError);
  });
});

describe("tag text", () => {
  it("prints cents as dollars", () => {
    expect([0, 5, 50, 1250, 100_000, 123_456_789].map(formatPrice)).toEqual(["$0.00", "$0.05", "$0.50", "$12.50", "$1,000.00", "$1,234,567.89"]);
    expect(() => formatPrice(12.5)).toThrow(RangeError);
    expect(() => formatPrice(-1)).toThrow(RangeError);
  });

  it("replaces what WinAnsi cannot encode", () => {
    const winAnsi = new Set([...Array.from({ length: 95 }, (_, i) => i + 0x20), ...Array.from({ length: 96 }, (_, i) => i + 0xa0), 0x2026, 0x2014, 0x2019]);
    expect(toPrintable("Łódź  wooden\ntrain 🚂 set", winAnsi)).toBe("Lódz wooden train set");
    expect(toPrintable("Ｔ-shirt ﬁne ½", winAnsi)).toBe("T-shirt fine ½");
    expect(toPrintable("Train set 🚂, 42 pieces 👍🏽!", winAnsi)).toBe("Train set, 42 pieces!");
    expect(toPrintable("👩‍👧 дерево 木", winAnsi)).toBe("?????? ?");
    expect(toPrintable("Carter’s — nice…", winAnsi)).toBe("Carter’s — nice…");
  });
});

const tag = (i: number, over: Partial<TagData> = {}): TagData => ({
  itemId: `c17-${i}`,
  consignorId: "c17",
  title: `Item number ${i}`,
  size: ["NB", "6M", "12M", "2T", "4T", "XL"][i % 6]!,
  price: 100 * i + (i % 100),
  discountAllowed: i % 2 === 0,
  donate: i % 3 === 0,
  ...over,
});

/** The texts and barcodes of each position of each page, by where they are drawn. */
function byCell(pages: PageContent[], format: TagFormat) {
  const layout = LAYOUTS[format];
  const cells: { page: number; slot: number; texts: string[]; barcodes: PageContent["barcodes"] }[] = [];
  pages.forEach((page, p) => {
    for (let slot = 0; slot < perPage(format); slot++) {
      const { x, y } = cellOrigin(format, slot);
      const inside = (px: number, py: number) => px >= x && px <= x + layout.cellWidth && py >= y && py <= y + layout.cellHeight;
      const texts = page.texts.filter((t) => inside(t.x, t.y)).map((t) => t.text);
      const barcodes = page.barcodes.filter((b) => inside(b.x, b.y));
      if (texts.length > 0 || barcodes.length > 0) cells.push({ page: p, slot, texts, barcodes });
    }
  });
  return cells;
}

/** Every text run and barcode lies inside the tag it starts in (widths measured as drawn: no kerning). */
async function expectInsideCells(pages: PageContent[], format: TagFormat) {
  const doc = await PDFDocument.create();
  const fonts: Record<string, PDFFont> = { F1: await doc.embedFont(StandardFonts.Helvetica), F2: await doc.embedFont(StandardFonts.HelveticaBold) };
  const width = (text: string, font: string, size: number) => Array.from(text).reduce((sum, ch) => sum + fonts[font]!.widthOfTextAtSize(ch, size), 0);
  const layout = LAYOUTS[format];
  for (const page of pages) {
    const items = [
      ...page.texts.map((t) => ({ what: t.text, left: t.x, right: t.x + width(t.text, t.font, t.size), bottom: t.y - 0.25 * t.size, top: t.y + 0.75 * t.size })),
      ...page.barcodes.map((b) => ({ what: b.text, left: b.x, right: b.x + b.width, bottom: b.y, top: b.y + b.height })),
    ];
    for (const item of items) {
      const slot = Array.from({ length: perPage(format) }, (_, k) => k).find((k) => {
        const { x, y } = cellOrigin(format, k);
        return item.left >= x && item.left <= x + layout.cellWidth && item.bottom >= y - 1 && item.bottom <= y + layout.cellHeight;
      });
      expect(slot, item.what).toBeDefined();
      const { x, y } = cellOrigin(format, slot!);
      expect(item.right, item.what).toBeLessThanOrEqual(x + layout.cellWidth - 4);
      expect(item.top, item.what).toBeLessThanOrEqual(y + layout.cellHeight - 4);
      expect(item.bottom, item.what).toBeGreaterThanOrEqual(y + 2);
    }
  }
}

async function checkRun(format: TagFormat, count: number, pagesExpected: number, skip = 0) {
  const tags = Array.from({ length: count }, (_, i) => tag(i + 1));
  const pages = await readPdf(await renderTags(tags, format, { eventName: "Spring 2026", skip }));
  expect(pages.length).toBe(pagesExpected);
  for (const page of pages) expect([page.width, page.height]).toEqual([PAGE.width, PAGE.height]);

  const cells = byCell(pages, format);
  expect(cells.length).toBe(count);
  await expectInsideCells(pages, format);
  const layout = LAYOUTS[format];
  cells.forEach((cell, i) => {
    const t = tags[i]!;
    const position = skip + i;
    expect([cell.page, cell.slot]).toEqual([Math.floor(position / perPage(format)), position % perPage(format)]);
    // One barcode per tag, decoded from the drawn bars, inside its tag with its quiet zones.
    expect(cell.barcodes.map((b) => b.text)).toEqual([t.itemId]);
    const barcode = cell.barcodes[0]!;
    const { x } = cellOrigin(format, cell.slot);
    expect(barcode.x - 10 * barcode.module).toBeGreaterThanOrEqual(x);
    expect(barcode.x + barcode.width + 10 * barcode.module).toBeLessThanOrEqual(x + layout.cellWidth);
    expect(barcode.module).toBeGreaterThanOrEqual(0.96); // 4 dots at 300 dpi for these short ids
    expect(barcode.height).toBeGreaterThanOrEqual(format === "tags" ? 40 : 25);
    // The text of the tag.
    expect(cell.texts).toContain(formatPrice(t.price));
    expect(cell.texts).toContain(t.size);
    expect(cell.texts).toContain(t.itemId);
    if (format === "tags") {
      expect(cell.texts).toContain(t.consignorId);
      expect(cell.texts).toContain(t.title);
      expect(cell.texts).toContain("Spring 2026");
      expect(cell.texts).toContain(t.discountAllowed ? MARKS.discount : MARKS.fullPrice);
      expect(cell.texts).toContain(t.donate ? MARKS.donate : MARKS.keep);
    } else {
      expect(cell.texts).toContain(t.discountAllowed ? MARKS.labelDiscount : MARKS.labelFullPrice);
      expect(cell.texts).toContain(t.donate ? MARKS.labelDonate : MARKS.labelKeep);
    }
  });
  return pages;
}

describe("tags PDF", () => {
  it("prints 13 tags on 3 letter pages, 6 a page with cut guides, every barcode read back from the drawn bars", async () => {
    const pages = await checkRun("tags", 13, 3);
    for (const page of pages) expect(page.lines).toBe(7); // 3 vertical and 4 horizontal dashed cut lines
  });

  it("prints 31 labels on 2 Avery 5160 sheets, 30 a sheet, every barcode read back", async () => {
    const pages = await checkRun("labels", 31, 2);
    for (const page of pages) expect(page.lines).toBe(0);
  });

  it("leaves the first positions of a partly used sheet blank when asked", async () => {
    await checkRun("labels", 3, 2, 28);
    await checkRun("tags", 2, 1, 4);
    await expect(renderTags([tag(1)], "labels", { skip: 30 })).rejects.toThrow(RangeError);
    await expect(renderTags([tag(1)], "tags", { skip: -1 })).rejects.toThrow(RangeError);
  });

  it("survives long titles and characters the standard fonts lack, in every field", async () => {
    const odd = "Łódź 🚂👩‍👧 дерево 木 \u0000\t\n«ç» €";
    const tags: TagData[] = [
      tag(1, { title: `${odd} ${"very long title ".repeat(500)}`, size: odd, consignorId: odd }),
      tag(2, { title: "Supercalifragilisticexpialidocious".repeat(20), size: "X".repeat(200), consignorId: "c".repeat(64) }),
      tag(3, { title: "", size: "", price: 123_456_789_00 }),
      tag(4, { itemId: `A${"b".repeat(63)}` }), // the longest id: narrow bars, still whole modules
      tag(5, { itemId: "1234567890123456" }),
    ];
    for (const format of ["tags", "labels"] as const) {
      const [page] = await readPdf(await renderTags(tags, format, { eventName: `${odd} Spring` }));
      const cells = byCell([page!], format);
      expect(cells.map((c) => c.barcodes.map((b) => b.text))).toEqual(tags.map((t) => [t.itemId]));
      await expectInsideCells([page!], format);
      for (const cell of cells) expect(cell.texts.join(" ")).not.toMatch(/[^\x20-\x7e\u00a0-\u00ff€…—’]/);
      if (format === "tags") {
        const first = cells[0]!.texts;
        expect(first.filter((t) => t.includes("very long title")).length).toBeLessThanOrEqual(3);
        expect(first.some((t) => t.startsWith("Lódz ?????? ? «ç» €"))).toBe(true);
        expect(first.some((t) => t.endsWith("…"))).toBe(true);
      }
    }
  });

  it("gives one page saying there is nothing to print for no tags", async () => {
    for (const format of ["tags", "labels"] as const) {
      const pages = await readPdf(await renderTags([], format));
      expect(pages.length).toBe(1);
      expect(pages[0]!.texts.map((t) => t.text)).toEqual(["No tags to print."]);
      expect(pages[0]!.barcodes).toEqual([]);
    }
  });

  it("refuses an item id that is not an id and a price that is not whole cents", async () => {
    for (const bad of [tag(1, { itemId: "" }), tag(1, { itemId: "-x" }), tag(1, { itemId: "a b" }), tag(1, { itemId: "é" }), tag(1, { itemId: "a".repeat(65) })]) {
      await expect(renderTags([bad], "tags")).rejects.toThrow(RangeError);
    }
    await expect(renderTags([tag(1, { price: 1.5 })], "labels")).rejects.toThrow(RangeError);
    await expect(renderTags([tag(1, { price: -100 })], "labels")).rejects.toThrow(RangeError);
    await expect(renderTags([tag(1)], "poster" as TagFormat)).rejects.toThrow(RangeError);
  });

  it("gives the same bytes for the same tags", async () => {
    const tags = Array.from({ length: 7 }, (_, i) => tag(i));
    expect(await renderTags(tags, "tags", { eventName: "X" })).toEqual(await renderTags(tags, "tags", { eventName: "X" }));
  });

  it("renders 500 tags and 500 labels fast and small", async () => {
    const tags = Array.from({ length: 500 }, (_, i) => tag(i, { title: `Carter's fleece sleeper set with matching hat, number ${i}` }));
    for (const format of ["tags", "labels"] as const) {
      await renderTags(tags.slice(0, 10), format);
      const start = performance.now();
      const pdf = await renderTags(tags, format);
      const ms = performance.now() - start;
      // In Node about 50 ms (tags) and 30 ms (labels): bench/tags.mjs. The bound here only catches the pathological.
      expect(ms).toBeLessThan(3_000);
      expect(pdf.length).toBeLessThan(500_000);
      const pages = await readPdf(pdf);
      expect(pages.length).toBe(Math.ceil(500 / perPage(format)));
      expect(pages.flatMap((p) => p.barcodes.map((b) => b.text))).toEqual(tags.map((t) => t.itemId));
    }
  });
});
