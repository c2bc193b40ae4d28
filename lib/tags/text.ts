/**
 * Text for the tags: prices, and titles made printable with the PDF standard fonts (which encode
 * WinAnsi only), then fitted to a width. Pure; the font is anything that can measure a string.
 */

/** Integer cents → "$12.50", "$1,250.00". */
export function formatPrice(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`a tag price is a non-negative integer of cents: ${cents}`);
  const dollars = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `$${dollars}.${String(cents % 100).padStart(2, "0")}`;
}

/** Characters with no WinAnsi form and no decomposition to one: their nearest printable letters. */
const FALLBACK: Record<string, string> = {
  Ł: "L", ł: "l", Đ: "D", đ: "d", Ħ: "H", ħ: "h", ı: "i", Ŀ: "L", ŀ: "l", Ŧ: "T", ŧ: "t", ĸ: "k",
  Ŋ: "N", ŋ: "n", Ə: "E", ə: "e", ẞ: "SS", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-",
  "\u2032": "'", "\u2033": '"', "\u2044": "/", "\u2215": "/", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
};

/** Dropped without a trace: emoji and their joiners and selectors, other marks, invisible format characters. */
const DROPPED = /^(?:\p{Extended_Pictographic}|\p{M}|\p{Cf}|\p{Emoji_Modifier}|[\u{1f1e6}-\u{1f1ff}])$/u;

/**
 * `text` with every character the font cannot encode replaced: decomposed to a supported base
 * letter where one exists ("Ș" → "S"), a known look-alike ("Ł" → "L"), dropped (emoji, joiners),
 * or "?". Line breaks, tabs and runs of spaces become one space (and where something was dropped,
 * no space is left before punctuation).
 */
export function toPrintable(text: string, supported: ReadonlySet<number>): string {
  let out = "";
  let dropped = false;
  for (const ch of text.normalize("NFC")) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
      out += " ";
    } else if (supported.has(code)) {
      out += ch;
    } else if (FALLBACK[ch] !== undefined) {
      out += FALLBACK[ch];
    } else if (DROPPED.test(ch)) {
      dropped = true;
    } else {
      let replaced = "";
      for (const part of ch.normalize("NFKD")) {
        const partCode = part.codePointAt(0)!;
        if (supported.has(partCode) && partCode >= 0x20) replaced += part;
        else if (FALLBACK[part] !== undefined) replaced += FALLBACK[part];
        else if (!/^\p{M}$/u.test(part)) {
          replaced = "";
          break;
        }
      }
      out += replaced === "" ? "?" : replaced;
    }
  }
  out = out.replace(/\s+/g, " ").trim();
  // "train 🚂, 42" → "train, 42", not "train , 42".
  return dropped ? out.replace(/ ([,.;:!)])/g, "$1") : out;
}

/** Anything that measures text: a pdf-lib font is one. */
export interface Measure {
  widthOfTextAtSize(text: string, size: number): number;
}

const ELLIPSIS = "\u2026";

/** `text` if it fits `maxWidth`, else its longest prefix that fits with "…" after it. */
export function fitLine(text: string, font: Measure, size: number, maxWidth: number): string {
  if (font.widthOfTextAtSize(text, size) <= maxWidth) return text;
  const chars = Array.from(text);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (font.widthOfTextAtSize(chars.slice(0, mid).join("").trimEnd() + ELLIPSIS, size) <= maxWidth) low = mid;
    else high = mid - 1;
  }
  return low === 0 ? "" : chars.slice(0, low).join("").trimEnd() + ELLIPSIS;
}

/**
 * `text` wrapped at spaces into at most `maxLines` lines of `maxWidth`; a word longer than a line is
 * broken; text left over ends the last line with "…".
 */
export function wrapLines(text: string, font: Measure, size: number, maxWidth: number, maxLines: number): string[] {
  const words = text.split(" ").filter((word) => word !== "");
  const lines: string[] = [];
  let line = "";
  let index = 0;
  while (index < words.length && lines.length < maxLines) {
    const word = words[index]!;
    const candidate = line === "" ? word : `${line} ${word}`;
    if (font.widthOfTextAtSize(candidate, size) <= maxWidth) {
      line = candidate;
      index += 1;
    } else if (line !== "") {
      lines.push(line);
      line = "";
    } else {
      // One word wider than the line: as many of its characters as fit, the rest on the next line.
      const chars = Array.from(word);
      let take = 1;
      while (take < chars.length && font.widthOfTextAtSize(chars.slice(0, take + 1).join(""), size) <= maxWidth) take += 1;
      lines.push(chars.slice(0, take).join(""));
      words[index] = chars.slice(take).join("");
    }
  }
  if (line !== "" && lines.length < maxLines) lines.push(line);
  if (index < words.length && lines.length > 0) {
    const rest = [lines.pop()!, ...words.slice(index)].join(" ");
    lines.push(fitLine(rest + ELLIPSIS, font, size, maxWidth).replace(/\u2026\u2026$/, ELLIPSIS));
  }
  return lines;
}
