// Global IDs, cursors, timestamps and money as Shopify writes them.
import { GraphQLError } from "graphql";

let counter = 7_412_000_000_000;
/** Numeric ids keep growing across resets, so an id a client still holds never names a new object. */
export function nextId(): number {
  counter += 1 + Math.floor(Math.random() * 3);
  return counter;
}

export function gid(type: string, id: number | string, query?: string): string {
  return `gid://shopify/${type}/${id}${query ? `?${query}` : ""}`;
}

/** `gid://shopify/Product/123` → `{ type: "Product", id: 123 }`; anything else → null. */
export function parseGid(value: unknown): { type: string; id: number; query: string } | null {
  if (typeof value !== "string") return null;
  const m = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?(.*))?$/.exec(value);
  if (!m) return null;
  return { type: m[1]!, id: Number(m[2]), query: m[3] ?? "" };
}

/** The numeric id of a GID of the given type, or null. */
export function idOf(type: string, value: unknown): number | null {
  const parsed = parseGid(value);
  return parsed && parsed.type === type ? parsed.id : null;
}

/** GraphQL `DateTime`: ISO 8601 to the second, UTC (`2026-11-27T10:00:00Z`). */
export function isoNow(): string {
  return isoSeconds(Date.now());
}
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
/** REST webhook timestamps carry an offset (`2026-11-27T10:00:00+00:00`); the emulated shop is on UTC. */
export function restTime(iso: string | null): string | null {
  return iso === null ? null : iso.replace(/Z$/, "+00:00");
}

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}
export function decodeCursor(cursor: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // fall through
  }
  throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: "BAD_REQUEST" } });
}

/** Money as an integer of cents: Shopify's decimal strings in, two-decimal strings out. */
export function parseMoney(value: unknown): number | null {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^-?\d+(\.\d+)?$/.test(text.trim())) return null;
  return Math.round(Number(text) * 100);
}
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
