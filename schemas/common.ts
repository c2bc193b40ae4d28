import { z } from "zod";
import { ID_PATTERN, UUID_PATTERN } from "../lib/ids";

// The descriptions (`.describe`) are metadata only: they name the units in the OpenAPI document
// (GET /openapi.json) and change nothing in validation.

export const Id = z
  .string()
  .regex(ID_PATTERN, "1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-', starting with a letter or digit")
  .describe("An id: 1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-', starting with a letter or digit.");
/**
 * The session id of online (Shopify) sales: a pseudo-session of every event, recorded by the
 * Inventory, never a register session's id (so its archive and ledger rows are its own).
 */
export const ONLINE_SESSION = "online";
/**
 * The session id of an event's consignor fee entries in the archive: a pseudo-session whose only
 * rows are the ledger's `fee` entries (they belong to no sale), never a register session's id.
 */
export const FEES_SESSION = "fees";

export const TransactionId = z
  .string()
  .regex(UUID_PATTERN, "a UUID")
  .describe("A transaction id: a UUID (any version) chosen by the register, compared in lower case; the event's, never reused in another session.")
  .transform((id) => id.toLowerCase());

/** Whole cents, positive, at most $1,000,000 per item. */
export const PriceCents = z.number().int("whole cents").min(1).max(100_000_000).describe("Money in integer cents (1250 = $12.50).");
/** Basis points: 0 to 10,000 (100 %). */
export const BasisPoints = z.number().int("whole basis points").min(0).max(10_000).describe("A rate in basis points: 10000 = 100 %, 6000 = 60 %.");
/** Epoch milliseconds. */
export const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000).describe("A time in epoch milliseconds (UTC).");

export const Tier = z.enum(["standard", "volunteer", "super"]).describe("A consignor's tier: its commission rate is the event's base plus the tier's bonus (standard: no bonus).");
export const Role = z.enum(["admin", "register", "consignor"]);
export type Role = z.infer<typeof Role>;

/** Free text from organizers: trimmed, bounded, never empty. */
export const Text = (max: number) => z.string().trim().min(1).max(max);
