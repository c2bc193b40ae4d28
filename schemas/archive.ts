import { z } from "zod";
import { Id } from "./common";

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

export interface ArchivePart {
  key: string;
  count: number;
  bytes: number;
  sha256: string;
}

export interface ArchiveManifest {
  eventId: string;
  sessionId: string;
  archivedAt: number;
  kinds: Record<ArchiveKind, { count: number; parts: ArchivePart[] }>;
}

export const SessionRef = z.strictObject({ eventId: Id, sessionId: Id });
export type SessionRef = z.infer<typeof SessionRef>;
