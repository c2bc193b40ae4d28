/**
 * Code 128 (ISO/IEC 15417), code sets B and C: text → symbol values → module widths.
 *
 * A symbol is 11 modules: bar, space, bar, space, bar, space, each 1–4 modules wide (the stop
 * symbol is followed by a 2-module termination bar, 13 modules in all). The encoder picks the
 * shortest mix of code set B (one printable ASCII character per symbol) and code set C (two digits
 * per symbol), so numeric runs take half the width. Code set A (control characters) is never
 * needed for printable text and is not used. Pure and synchronous; no platform API.
 */

/**
 * The element widths of symbol values 0–106: bar, space, bar, space, bar, space (the stop, 106,
 * has its termination bar as a seventh element). Values 0–102 are data, 103/104/105 Start A/B/C.
 */
export const CODE128_PATTERNS: readonly string[] = [
  "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
  "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
  "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
  "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
  "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
  "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
  "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
  "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
  "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
  "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
  "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];

export const START_B = 104;
export const START_C = 105;
/** In code set B: switch to C. */
export const CODE_C = 99;
/** In code set C: switch to B. */
export const CODE_B = 100;
export const STOP = 106;
/** The quiet zone each side of a symbol, in modules (the minimum of ISO/IEC 15417). */
export const QUIET_ZONE_MODULES = 10;

export interface Code128 {
  /** Start, data (with code set switches), check symbol, stop. */
  symbols: number[];
  /** Bar and space widths in modules, left to right, starting and ending with a bar. */
  widths: number[];
  /** The symbol's width in modules, without quiet zones: 11 × (symbols − 1) + 13. */
  modules: number;
}

/** The check symbol: (start + Σ value × position) mod 103, positions counted from 1 after the start. */
export function code128Checksum(symbolsFromStart: readonly number[]): number {
  let sum = symbolsFromStart[0] ?? 0;
  for (let i = 1; i < symbolsFromStart.length; i++) sum += symbolsFromStart[i]! * i;
  return sum % 103;
}

/** Whether every character of `text` is printable ASCII (space to `~`), what this encoder takes. */
export function isCode128Encodable(text: string): boolean {
  return text.length > 0 && /^[\x20-\x7e]+$/.test(text);
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * The symbol values of `text` (start symbol and data, no check symbol), the fewest possible with
 * code sets B and C: a small dynamic program over (position, current code set).
 */
export function code128Symbols(text: string): number[] {
  if (!isCode128Encodable(text)) {
    throw new RangeError(`Code 128 B/C encodes printable ASCII only, and not the empty text: ${JSON.stringify(text)}`);
  }
  const n = text.length;
  const codes = Array.from(text, (c) => c.charCodeAt(0));
  const pairAt = (i: number) => i + 1 < n && isDigit(codes[i]!) && isDigit(codes[i + 1]!);
  // costB[i] / costC[i]: symbols needed for text[i..] when the current set is B / C.
  const costB = new Array<number>(n + 1).fill(0);
  const costC = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const pair = pairAt(i);
    costB[i] = Math.min(1 + costB[i + 1]!, pair ? 2 + costC[i + 2]! : Infinity);
    costC[i] = Math.min(pair ? 1 + costC[i + 2]! : Infinity, 2 + costB[i + 1]!);
  }
  let set: "B" | "C" = pairAt(0) && costC[0]! < costB[0]! ? "C" : "B";
  const symbols = [set === "C" ? START_C : START_B];
  let i = 0;
  while (i < n) {
    const pair = pairAt(i);
    if (set === "B") {
      if (pair && 2 + costC[i + 2]! < 1 + costB[i + 1]!) {
        symbols.push(CODE_C);
        set = "C";
        continue;
      }
      symbols.push(codes[i]! - 32);
      i += 1;
    } else {
      if (pair && 1 + costC[i + 2]! <= 2 + costB[i + 1]!) {
        symbols.push((codes[i]! - 48) * 10 + (codes[i + 1]! - 48));
        i += 2;
        continue;
      }
      symbols.push(CODE_B);
      set = "B";
    }
  }
  return symbols;
}

/** The complete symbol of `text`: values with check and stop, and the bar/space widths in modules. */
export function encodeCode128(text: string): Code128 {
  const symbols = code128Symbols(text);
  symbols.push(code128Checksum(symbols), STOP);
  const widths: number[] = [];
  for (const value of symbols) {
    const pattern = CODE128_PATTERNS[value]!;
    for (let k = 0; k < pattern.length; k++) widths.push(pattern.charCodeAt(k) - 48);
  }
  return { symbols, widths, modules: 11 * (symbols.length - 1) + 13 };
}
