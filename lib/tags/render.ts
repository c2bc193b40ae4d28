/**
 * Printable consignment tags as a PDF, pure and Workers-safe (pdf-lib with the standard fonts; no
 * Node API, no eval, no canvas).
 *
 * - `"tags"`: 6 tags a US-letter page (2 columns × 3 rows of 4" × 3.5" inside a 0.25" margin, for
 *   card stock), with dashed cut guides; each tag has the event, the consignor, the price, the size,
 *   the title (wrapped to three lines), the discount and donate marks, and the item id as a Code 128
 *   barcode with the id printed under it.
 * - `"labels"`: Avery 5160 sheets (30 labels of 2.625" × 1", 3 columns × 10 rows): price, size,
 *   barcode, id and short marks; no guides (the sheet is die-cut).
 *
 * pdf-lib makes the document (pages, the two standard fonts, saving); each page's content is one
 * stream written here as text, which is several times faster than pdf-lib's drawing calls for
 * hundreds of bars. Bars are vector rectangles, one filled path per barcode, with the module width
 * a whole number of 1/300" dots and the barcode's left edge on that grid, so 300 and 600 dpi printers
 * print every module alike. Text the standard fonts cannot encode (WinAnsi) is replaced (see
 * `toPrintable`). An empty list gives a one-page PDF that says there is nothing to print.
 */
import { PDFDocument, type PDFFont, PDFName, type PDFPage, StandardFonts } from "pdf-lib";
import { ID_PATTERN } from "../ids";
import { QUIET_ZONE_MODULES, encodeCode128 } from "./code128";
import { type Measure, fitLine, formatPrice, toPrintable, wrapLines } from "./text";

export interface TagData {
  /** The item id, the barcode's content: 1–64 of [A-Za-z0-9._-], starting with a letter or digit. */
  itemId: string;
  consignorId: string;
  /** The item's title; wrapped and truncated to fit. */
  title: string;
  size: string;
  /** The tag price in integer cents. */
  price: number;
  /** The item may be sold at half price on discount day. */
  discountAllowed: boolean;
  /** The item is donated if unsold (else it goes back to the consignor). */
  donate: boolean;
}

export type TagFormat = "tags" | "labels";

export interface RenderOptions {
  /** Printed small at the top of each tag (not on labels) and in the document title. */
  eventName?: string;
  /** Positions to leave blank at the start of the first page (a partly used label sheet): 0 to one less than a page. */
  skip?: number;
}

/** US letter, in PDF points (1/72"). */
export const PAGE = { width: 612, height: 792 } as const;

export interface Layout {
  columns: number;
  rows: number;
  /** Left edge of the first column and top edge of the first row, from the page's bottom-left corner. */
  left: number;
  top: number;
  cellWidth: number;
  cellHeight: number;
  pitchX: number;
  pitchY: number;
}

export const LAYOUTS: Record<TagFormat, Layout> = {
  // 0.25" margins; 4" × 3.5" tags touching each other, so one cut serves two tags.
  tags: { columns: 2, rows: 3, left: 18, top: 792 - 18, cellWidth: 288, cellHeight: 252, pitchX: 288, pitchY: 252 },
  // Avery 5160: 0.1875" side and 0.5" top margins, 2.625" × 1" labels at 2.75" × 1" pitch.
  labels: { columns: 3, rows: 10, left: 13.5, top: 792 - 36, cellWidth: 189, cellHeight: 72, pitchX: 198, pitchY: 72 },
};

export const perPage = (format: TagFormat) => LAYOUTS[format].columns * LAYOUTS[format].rows;

/** Bottom-left corner of position `index` (0-based, row by row from the top left) on its page. */
export function cellOrigin(format: TagFormat, index: number): { x: number; y: number } {
  const layout = LAYOUTS[format];
  const slot = index % perPage(format);
  const column = slot % layout.columns;
  const row = Math.floor(slot / layout.columns);
  return { x: layout.left + column * layout.pitchX, y: layout.top - row * layout.pitchY - layout.cellHeight };
}

export const MARKS = {
  discount: "\u00bd PRICE OK",
  fullPrice: "FULL PRICE ONLY",
  donate: "DONATE IF UNSOLD",
  keep: "RETURN IF UNSOLD",
  labelDiscount: "\u00bd OK",
  labelFullPrice: "FULL PRICE",
  labelDonate: "DONATE",
  labelKeep: "RETURN",
} as const;

/** 1/300": module widths are whole multiples of it, barcode edges lie on its grid. */
const DOT = 0.24;
const MUTED = 0.35;
const GUIDE = 0.6;
const num = (value: number) => String(Math.round(value * 1000) / 1000);

/** A standard font: its resource name on every page, WinAnsi encoding, and widths as drawn (no kerning). */
class Font implements Measure {
  private readonly widths = new Map<string, number>();
  constructor(
    readonly key: string,
    readonly pdf: PDFFont,
  ) {}
  widthOfTextAtSize(text: string, size: number): number {
    let total = 0;
    for (const ch of text) {
      let width = this.widths.get(ch);
      if (width === undefined) {
        width = this.pdf.widthOfTextAtSize(ch, 1000);
        this.widths.set(ch, width);
      }
      total += width;
    }
    return (total * size) / 1000;
  }
  /** The text as a PDF hex string of WinAnsi codes (the text must be printable: see toPrintable). */
  encode(text: string): string {
    return this.pdf.encodeText(text).toString();
  }
}

/** One page's content stream, as text. */
class Content {
  private readonly parts: string[] = [];
  private gray = 0;

  private fillGray(gray: number) {
    if (gray !== this.gray) {
      this.parts.push(`${num(gray)} g`);
      this.gray = gray;
    }
  }

  text(text: string, x: number, y: number, font: Font, size: number, gray = 0) {
    if (text === "") return;
    this.fillGray(gray);
    this.parts.push(`BT /${font.key} ${num(size)} Tf ${num(x)} ${num(y)} Td ${font.encode(text)} Tj ET`);
  }

  textRight(text: string, right: number, y: number, font: Font, size: number, gray = 0) {
    this.text(text, right - font.widthOfTextAtSize(text, size), y, font, size, gray);
  }

  textCentered(text: string, centerX: number, y: number, font: Font, size: number, gray = 0) {
    this.text(text, centerX - font.widthOfTextAtSize(text, size) / 2, y, font, size, gray);
  }

  fillRect(x: number, y: number, width: number, height: number, gray = 0) {
    this.fillGray(gray);
    this.parts.push(`${num(x)} ${num(y)} ${num(width)} ${num(height)} re f`);
  }

  strokeRect(x: number, y: number, width: number, height: number, lineWidth: number) {
    this.parts.push(`q ${num(lineWidth)} w ${num(x)} ${num(y)} ${num(width)} ${num(height)} re S Q`);
  }

  /** Lines in one path, stroked once: [x1, y1, x2, y2] each. */
  lines(segments: [number, number, number, number][], lineWidth: number, gray: number, dash?: [number, number]) {
    const path = segments.map(([x1, y1, x2, y2]) => `${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l`).join(" ");
    this.parts.push(`q ${num(gray)} G ${num(lineWidth)} w ${dash ? `[${dash[0]} ${dash[1]}] 0 d ` : ""}${path} S Q`);
  }

  /**
   * The barcode of `text`: bars `height` high, bottom at `y`, centred on `centerX` within `maxWidth`
   * (quiet zones included), one path filled once. The module is the widest whole number of dots up
   * to `maxModule` that fits (or narrower than two dots if even that does not fit); returns it.
   */
  barcode(text: string, centerX: number, y: number, maxWidth: number, height: number, maxModule: number): number {
    const code = encodeCode128(text);
    const fit = Math.min(maxModule, maxWidth / (code.modules + 2 * QUIET_ZONE_MODULES));
    const module = fit >= 2 * DOT ? Math.floor(fit / DOT + 1e-9) * DOT : fit;
    let x = Math.round((centerX - (code.modules * module) / 2) / DOT) * DOT;
    const tail = ` ${num(y)} `;
    const h = ` ${num(height)} re`;
    this.fillGray(0);
    let path = "";
    for (let k = 0; k < code.widths.length; k++) {
      const w = code.widths[k]! * module;
      if (k % 2 === 0) path += `${num(x)}${tail}${num(w)}${h}\n`;
      x += w;
    }
    this.parts.push(`${path}f`);
    return module;
  }

  /** A mark: a box with centred bold text, white on black when `strong`, black in an outline otherwise. */
  mark(text: string, font: Font, x: number, y: number, width: number, height: number, size: number, strong: boolean) {
    if (strong) this.fillRect(x, y, width, height, 0);
    else this.strokeRect(x + 0.375, y + 0.375, width - 0.75, height - 0.75, 0.75);
    this.textCentered(fitLine(text, font, size, width - 4), x + width / 2, y + (height - size * 0.72) / 2, font, size, strong ? 1 : 0);
  }

  toString(): string {
    return this.parts.join("\n");
  }
}

interface Fonts {
  regular: Font;
  bold: Font;
  supported: ReadonlySet<number>;
}

function drawTag(out: Content, fonts: Fonts, tag: TagData, x0: number, y0: number, eventName: string) {
  const { cellWidth: W, cellHeight: H } = LAYOUTS.tags;
  const pad = 14;
  const left = x0 + pad;
  const right = x0 + W - pad;
  const inner = W - 2 * pad;
  const top = y0 + H - pad;
  const { regular, bold } = fonts;

  // Header: the event, left; the consignor, right.
  const consignor = fitLine(toPrintable(tag.consignorId, fonts.supported), bold, 12, inner / 2);
  const consignorWidth = bold.widthOfTextAtSize(consignor, 12);
  out.textRight(consignor, right, top - 10, bold, 12);
  out.textRight("CONSIGNOR", right - consignorWidth - 4, top - 10, regular, 7, MUTED);
  if (eventName) out.text(fitLine(eventName, regular, 8, inner - consignorWidth - 50), left, top - 10, regular, 8, MUTED);

  // Price, left (smaller when it would meet the size); size, right.
  const size = fitLine(toPrintable(tag.size, fonts.supported), bold, 20, inner * 0.4);
  const sizeWidth = size ? Math.max(bold.widthOfTextAtSize(size, 20), regular.widthOfTextAtSize("SIZE", 7)) : 0;
  const priceText = formatPrice(tag.price);
  const priceSize = Math.min(34, (34 * (inner - sizeWidth - 12)) / bold.widthOfTextAtSize(priceText, 34));
  out.text(priceText, left, top - 48, bold, priceSize);
  if (size) {
    out.textRight("SIZE", right, top - 26, regular, 7, MUTED);
    out.textRight(size, right, top - 48, bold, 20);
  }
  out.fillRect(left, top - 57.375, inner, 0.75);

  // Title: three lines at most.
  const lines = wrapLines(toPrintable(tag.title, fonts.supported), regular, 11, inner, 3);
  lines.forEach((line, k) => out.text(line, left, top - 71 - 13 * k, regular, 11));

  // Marks.
  const markY = top - 127;
  const markWidth = (inner - 8) / 2;
  out.mark(tag.discountAllowed ? MARKS.discount : MARKS.fullPrice, bold, left, markY, markWidth, 20, 10, !tag.discountAllowed);
  out.mark(tag.donate ? MARKS.donate : MARKS.keep, bold, right - markWidth, markY, markWidth, 20, 10, tag.donate);

  // Barcode, and the id under it.
  const idY = y0 + pad;
  const barY = idY + 13;
  out.barcode(tag.itemId, x0 + W / 2, barY, W - 8, markY - 10 - barY, 1.44);
  out.textCentered(fitLine(tag.itemId, regular, 10, inner), x0 + W / 2, idY, regular, 10);
}

function drawLabel(out: Content, fonts: Fonts, tag: TagData, x0: number, y0: number) {
  const { cellWidth: W, cellHeight: H } = LAYOUTS.labels;
  const pad = 9;
  const left = x0 + pad;
  const right = x0 + W - pad;
  const inner = W - 2 * pad;
  const { regular, bold } = fonts;

  // Top row: price, left; size, right.
  const topY = y0 + H - 16;
  const size = fitLine(toPrintable(tag.size, fonts.supported), bold, 10, inner * 0.45);
  const sizeWidth = size ? bold.widthOfTextAtSize(size, 10) + regular.widthOfTextAtSize("SIZE ", 6) : 0;
  const priceText = formatPrice(tag.price);
  const priceSize = Math.min(13, (13 * (inner - sizeWidth - 8)) / bold.widthOfTextAtSize(priceText, 13));
  out.text(priceText, left, topY, bold, priceSize);
  if (size) {
    out.textRight(size, right, topY, bold, 10);
    out.textRight("SIZE ", right - bold.widthOfTextAtSize(size, 10), topY, regular, 6, MUTED);
  }

  // Bottom row: id, left; marks, right.
  const bottomY = y0 + 6;
  const discount = tag.discountAllowed ? MARKS.labelDiscount : MARKS.labelFullPrice;
  const donate = tag.donate ? MARKS.labelDonate : MARKS.labelKeep;
  const donateWidth = bold.widthOfTextAtSize(donate, 6.5) + 6;
  const discountWidth = bold.widthOfTextAtSize(discount, 6.5) + 6;
  out.mark(donate, bold, right - donateWidth, bottomY - 2, donateWidth, 9, 6.5, tag.donate);
  out.mark(discount, bold, right - donateWidth - 3 - discountWidth, bottomY - 2, discountWidth, 9, 6.5, !tag.discountAllowed);
  out.text(fitLine(tag.itemId, regular, 7, inner - donateWidth - discountWidth - 8), left, bottomY, regular, 7);

  // Barcode between the rows.
  const barY = bottomY + 10;
  out.barcode(tag.itemId, x0 + W / 2, barY, W - 4, topY - 4 - barY, 1.2);
}

function drawGuides(out: Content) {
  const { columns, rows, left, top, pitchX, pitchY } = LAYOUTS.tags;
  const bottom = top - rows * pitchY;
  const right = left + columns * pitchX;
  const segments: [number, number, number, number][] = [];
  for (let c = 0; c <= columns; c++) segments.push([left + c * pitchX, bottom, left + c * pitchX, top]);
  for (let r = 0; r <= rows; r++) segments.push([left, top - r * pitchY, right, top - r * pitchY]);
  out.lines(segments, 0.5, GUIDE, [4, 3]);
}

function validate(tag: TagData, index: number) {
  if (!ID_PATTERN.test(tag.itemId)) throw new RangeError(`tag ${index}: the item id is not an id (1–64 of [A-Za-z0-9._-]): ${JSON.stringify(tag.itemId)}`);
  if (!Number.isSafeInteger(tag.price) || tag.price < 0) throw new RangeError(`tag ${index}: the price is not a non-negative integer of cents: ${tag.price}`);
}

/**
 * The PDF of `tags` in `format`, in the order given, row by row from the top left of each page.
 * Throws RangeError for an item id that is not an id, a price that is not whole cents, or a bad `skip`.
 * No tags: one page saying "No tags to print."
 */
export async function renderTags(tags: readonly TagData[], format: TagFormat, opts: RenderOptions = {}): Promise<Uint8Array> {
  if (format !== "tags" && format !== "labels") throw new RangeError(`unknown tag format: ${String(format)}`);
  const slots = perPage(format);
  const skip = opts.skip ?? 0;
  if (!Number.isInteger(skip) || skip < 0 || skip >= slots) throw new RangeError(`skip must be an integer from 0 to ${slots - 1}: ${skip}`);
  tags.forEach(validate);

  // No dates in the metadata: the same tags give the same bytes.
  const doc = await PDFDocument.create({ updateMetadata: false });
  const regularPdf = await doc.embedFont(StandardFonts.Helvetica);
  const fonts: Fonts = {
    regular: new Font("F1", regularPdf),
    bold: new Font("F2", await doc.embedFont(StandardFonts.HelveticaBold)),
    supported: new Set(regularPdf.getCharacterSet()),
  };
  const eventName = toPrintable(opts.eventName ?? "", fonts.supported);
  doc.setTitle(eventName ? `Tags: ${eventName}` : "Tags");
  doc.setCreator("consignment-pipeline");

  const finish = (page: PDFPage, content: Content) => {
    page.node.setFontDictionary(PDFName.of(fonts.regular.key), fonts.regular.pdf.ref);
    page.node.setFontDictionary(PDFName.of(fonts.bold.key), fonts.bold.pdf.ref);
    page.node.addContentStream(doc.context.register(doc.context.flateStream(content.toString())));
  };

  if (tags.length === 0) {
    const content = new Content();
    content.textCentered("No tags to print.", PAGE.width / 2, PAGE.height / 2, fonts.bold, 18);
    if (eventName) content.textCentered(fitLine(eventName, fonts.regular, 11, PAGE.width - 72), PAGE.width / 2, PAGE.height / 2 - 22, fonts.regular, 11, MUTED);
    finish(doc.addPage([PAGE.width, PAGE.height]), content);
  }
  let page: PDFPage | undefined;
  let content = new Content();
  for (let i = 0; i < tags.length; i++) {
    const position = skip + i;
    if (page === undefined || position % slots === 0) {
      if (page !== undefined) finish(page, content);
      page = doc.addPage([PAGE.width, PAGE.height]);
      content = new Content();
      if (format === "tags") drawGuides(content);
    }
    const { x, y } = cellOrigin(format, position);
    if (format === "tags") drawTag(content, fonts, tags[i]!, x, y, eventName);
    else drawLabel(content, fonts, tags[i]!, x, y);
  }
  if (page !== undefined) finish(page, content);
  return doc.save({ useObjectStreams: true, objectsPerTick: Number.POSITIVE_INFINITY });
}
