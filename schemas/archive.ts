import { z } from "zod";
import { FEES_SESSION, Id, ONLINE_SESSION } from "./common";

/** What an archive run copies from each completed session, and from which object. */
export const SESSION_KINDS = ["transactions", "transaction_items", "audit"] as const;
export const LEDGER_KINDS = ["calculations", "ledger_entries"] as const;
export const ARCHIVE_KINDS = [...SESSION_KINDS, ...LEDGER_KINDS] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];
export type LedgerKind = (typeof LEDGER_KINDS)[number];
export type ArchiveKind = (typeof ARCHIVE_KINDS)[number];

/** Rows per page (one step, one R2 part, one D1 batch): bounded memory whatever the session's size. */
export const ARCHIVE_PAGE = 2_000;

export type ArchiveRow = Record<string, string | number | null>;
export interface ArchivePage {
  rows: ArchiveRow[];
  /** Where the next page starts; null when this was the last. */
  next: string | null;
}

export const ArchiveParams = z.strictObject({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Set when an admin forces a new run on a night that already had one. */
  forcedAt: z.number().int().optional(),
});
export type ArchiveParams = z.infer<typeof ArchiveParams>;

/**
 * The fields of each kind, in order, as the objects hold them; D1 stores them under the same
 * names. A part's content checksum is taken over these values, so R2 and D1 can both be checked
 * against what the object held.
 */
export const ARCHIVE_COLUMNS: Record<ArchiveKind, readonly string[]> = {
  transactions: ["id", "register_id", "shopper_code", "hold_id", "status", "total", "commission_total", "item_count", "created_at", "actor", "voided_at", "void_reason", "void_actor"],
  transaction_items: ["tx_id", "position", "item_id", "consignor_id", "title", "price", "commission_rate", "commission", "tag_price"],
  audit: ["seq", "at", "actor", "entity", "entity_id", "action", "before", "after"],
  calculations: ["tx_id", "session_id", "status", "attempts", "error_code", "error", "sale_total", "base_amount", "bonus_amount", "total_amount", "voided_at", "occurred_at", "completed_at"],
  ledger_entries: ["seq", "consignor_id", "tx_id", "session_id", "kind", "amount", "batch_id", "created_at"],
};

export interface ArchivePart {
  key: string;
  count: number;
  bytes: number;
  /** SHA-256 of the NDJSON object in R2. */
  sha256: string;
  /** SHA-256 of the part's rows as ARCHIVE_COLUMNS values: what D1 must hold for this part. */
  contentSha256: string;
  /** The part's rows are those after `after` up to and including `last`, in the kind's key order. */
  after: string;
  last: string;
}

/**
 * One session as the nightly run finds it: a register session, an event's online channel
 * (session ONLINE_SESSION, whose rows the Inventory holds and which is never pruned), or an event's
 * consignor fees (session FEES_SESSION: the ledger's fee entries, which belong to no sale).
 */
export interface ArchiveCandidate {
  eventId: string;
  sessionId: string;
  /** Its transactions, their items and its audit trail were pruned already: only the ledger's rows are copied again. */
  pruned: boolean;
  /**
   * What was copied, recorded once it was: the ledger's version of the session's calculations and
   * entries; for the online channel also the Inventory's version of its sales.
   */
  version: string;
}

/** Whether the session is an event's online channel (the archive reads its rows from the Inventory). */
export const isOnline = (s: { sessionId: string }) => s.sessionId === ONLINE_SESSION;
/** Whether the session is an event's consignor fees (only ledger entries: the archive copies no session rows). */
export const isFees = (s: { sessionId: string }) => s.sessionId === FEES_SESSION;
/** D1's `audit_log.source` of a session's archived audit rows (and the first part of their ids). */
export const auditSource = (s: { sessionId: string }) => (isOnline(s) ? "shopify" : "session");

export interface ArchiveManifest {
  eventId: string;
  sessionId: string;
  archivedAt: number;
  kinds: Record<ArchiveKind, { count: number; parts: ArchivePart[] }>;
}

export const SessionRef = z.strictObject({ eventId: Id, sessionId: Id });
export type SessionRef = z.infer<typeof SessionRef>;
