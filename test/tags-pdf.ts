// Test helpers for the tags PDF: a Code 128 decoder of module widths, and a reader of what a page's
// content streams draw (text runs, filled and stroked rectangles, barcodes as rows of bars).
import { PDFArray, PDFDocument, PDFName, PDFRawStream, PDFRef, PDFStream } from "pdf-lib";
import { CODE128_PATTERNS } from "../lib/tags/code128";

const BY_PATTERN = new Map(CODE128_PATTERNS.slice(0, 106).map((pattern, value) => [pattern, value]));

/**
 * The text of a Code 128 symbol given its bar/space widths in modules (quiet zones excluded):
 * checks the start, every pattern, the check symbol, the stop and the termination bar; follows
 * code sets B and C and their switches. Throws on anything else.
 */
export function decodeCode128(widths: readonly number[]): string {
  if (widths.length < 6 * 3 + 7 || (widths.length - 7) % 6 !== 0) throw new Error(`not a Code 128 width count: ${widths.length}`);
  if (widths.some((w) => !Number.isInteger(w) || w < 1 || w > 4)) throw new Error(`widths out of 1–4: ${widths.join("")}`);
  if (widths.slice(-7).join("") !== "2331112") throw new Error("no stop pattern");
  const values: number[] = [];
  for (let k = 0; k < widths.length - 7; k += 6) {
    const group = widths.slice(k, k + 6);
    const modules = group.reduce((a, b) => a + b, 0);
    const value = BY_PATTERN.get(group.join(""));
    if (modules !== 11 || value === undefined) throw new Error(`no symbol ${group.join("")} at element ${k}`);
    values.push(value);
  }
  const check = values.pop()!;
  let sum = values[0]!;
  for (let i = 1; i < values.length; i++) sum += values[i]! * i;
  if (sum % 103 !== check) throw new Error(`check symbol ${check}, computed ${sum % 103}`);
  let set: "B" | "C";
  if (values[0] === 104) set = "B";
  else if (values[0] === 105) set = "C";
  else throw new Error(`start symbol ${values[0]} is not Start B or C`);
  let text = "";
  for (const value of values.slice(1)) {
    if (set === "B") {
      if (value === 99) set = "C";
      else if (value < 95) text += String.fromCharCode(value + 32);
      else throw new Error(`code set B value ${value} not supported`);
    } else if (value === 100) set = "B";
    else if (value < 100) text += String(value).padStart(2, "0");
    else throw new Error(`code set C value ${value} not supported`);
  }
  return text;
}

/** Widths in modules from measured bars: [x, width] each, left to right (spaces are the gaps). */
export function moduleWidths(bars: readonly { x: number; width: number }[]): { widths: number[]; module: number } {
  if ((bars.length - 4) % 3 !== 0) throw new Error(`not a Code 128 bar count: ${bars.length}`);
  const symbols = (bars.length - 4) / 3; // with start and check; the stop has 4 bars
  const span = bars.at(-1)!.x + bars.at(-1)!.width - bars[0]!.x;
  const module = span / (11 * symbols + 13);
  const widths: number[] = [];
  bars.forEach((bar, i) => {
    if (i > 0) widths.push((bar.x - (bars[i - 1]!.x + bars[i - 1]!.width)) / module);
    widths.push(bar.width / module);
  });
  const rounded = widths.map((w) => Math.round(w));
  const worst = Math.max(...widths.map((w, i) => Math.abs(w - rounded[i]!)));
  if (worst > 0.05) throw new Error(`element widths are not whole modules (off by ${worst.toFixed(3)})`);
  return { widths: rounded, module };
}

// ——— PDF content ———

/** WinAnsi codes 0x80–0x9f (the rest of 0x20–0xff is Latin-1). */
const WIN_ANSI_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";

export function winAnsiToString(bytes: readonly number[]): string {
  return bytes.map((b) => (b >= 0x80 && b <= 0x9f ? WIN_ANSI_HIGH[b - 0x80]! : String.fromCharCode(b))).join("");
}

export interface TextRun {
  text: string;
  x: number;
  y: number;
  font: string;
  size: number;
  gray: number;
}
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface Barcode {
  bars: Rect[];
  x: number;
  y: number;
  width: number;
  height: number;
  text: string;
  module: number;
}
export interface PageContent {
  width: number;
  height: number;
  texts: TextRun[];
  filled: Rect[];
  stroked: Rect[];
  lines: number;
  barcodes: Barcode[];
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

type Token = { kind: "num"; value: number } | { kind: "name"; value: string } | { kind: "hex"; value: number[] } | { kind: "op"; value: string } | { kind: "array"; value: Token[] };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const stack: Token[][] = [];
  let out = tokens;
  const re = /\s*(?:(-?\d*\.?\d+)|\/([^\s/<>[\]()]+)|<([0-9A-Fa-f\s]*)>|(\[)|(\])|([A-Za-z'"*]+))/y;
  let match: RegExpExecArray | null;
  let at = 0;
  while (at < source.length && (match = re.exec(source))) {
    at = re.lastIndex;
    if (match[1] !== undefined) out.push({ kind: "num", value: Number(match[1]) });
    else if (match[2] !== undefined) out.push({ kind: "name", value: match[2] });
    else if (match[3] !== undefined) {
      const hex = match[3].replace(/\s/g, "");
      out.push({ kind: "hex", value: Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16)) });
    } else if (match[4] !== undefined) {
      stack.push(out);
      out = [];
    } else if (match[5] !== undefined) {
      const array: Token = { kind: "array", value: out };
      out = stack.pop()!;
      out.push(array);
    } else out.push({ kind: "op", value: match[6]! });
  }
  if (source.slice(at).trim() !== "") throw new Error(`unparsed content at ${at}: ${source.slice(at, at + 40)}`);
  return tokens;
}

/** What one page draws, from its content streams (no transforms are expected; `cm` fails the read). */
function interpret(source: string, width: number, height: number): PageContent {
  const page: PageContent = { width, height, texts: [], filled: [], stroked: [], lines: 0, barcodes: [] };
  let operands: Token[] = [];
  let gray = 0;
  const grays: number[] = [];
  let path: Rect[] = [];
  let font = "";
  let size = 0;
  let tx = 0;
  let ty = 0;
  const nums = () => operands.map((t) => (t.kind === "num" ? t.value : NaN));
  for (const token of tokenize(source)) {
    if (token.kind !== "op") {
      operands.push(token);
      continue;
    }
    const n = nums();
    switch (token.value) {
      case "q":
        grays.push(gray);
        break;
      case "Q":
        gray = grays.pop() ?? 0;
        break;
      case "g":
        gray = n[0]!;
        break;
      case "BT":
        tx = ty = 0;
        break;
      case "Tf":
        font = (operands[0] as { value: string }).value;
        size = n[1]!;
        break;
      case "Td":
        tx += n[0]!;
        ty += n[1]!;
        break;
      case "Tj":
        page.texts.push({ text: winAnsiToString((operands[0] as { value: number[] }).value), x: tx, y: ty, font, size, gray });
        break;
      case "re":
        path.push({ x: n[0]!, y: n[1]!, width: n[2]!, height: n[3]! });
        break;
      case "m":
        page.lines += 1;
        break;
      case "f": {
        const rows = path.length >= 10 && path.every((r) => r.y === path[0]!.y && r.height === path[0]!.height);
        if (rows && gray === 0) {
          const bars = [...path].sort((a, b) => a.x - b.x);
          const { widths, module } = moduleWidths(bars);
          const last = bars.at(-1)!;
          page.barcodes.push({ bars, x: bars[0]!.x, y: bars[0]!.y, width: last.x + last.width - bars[0]!.x, height: bars[0]!.height, text: decodeCode128(widths), module });
        } else page.filled.push(...path);
        path = [];
        break;
      }
      case "S":
        page.stroked.push(...path);
        path = [];
        break;
      case "cm":
        throw new Error("unexpected transform");
      default:
        break;
    }
    operands = [];
  }
  return page;
}

/** Every page of `pdf`: its size and what its content streams draw, read without pdf-lib's own decoders. */
export async function readPdf(pdf: Uint8Array): Promise<PageContent[]> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const pages: PageContent[] = [];
  for (const page of doc.getPages()) {
    const { width, height } = page.getSize();
    const contents = page.node.get(PDFName.of("Contents"));
    const refs = contents instanceof PDFArray ? contents.asArray() : [contents];
    let source = "";
    for (const ref of refs) {
      const stream = ref instanceof PDFRef ? doc.context.lookup(ref) : ref;
      if (!(stream instanceof PDFRawStream)) throw new Error(`content is not a raw stream: ${stream?.constructor.name}`);
      const filter = (stream as PDFStream).dict.get(PDFName.of("Filter"));
      const raw = stream.getContents();
      const bytes = filter === PDFName.of("FlateDecode") ? await inflate(raw) : raw;
      for (let i = 0; i < bytes.length; i += 8192) source += String.fromCharCode(...bytes.subarray(i, i + 8192));
      source += "\n";
    }
    pages.push(interpret(source, width, height));
  }
  return pages;
}
