import { z } from "zod";
import { ID_PATTERN, UUID_PATTERN } from "../lib/ids";

export const Id = z.string().regex(ID_PATTERN, "1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-', starting with a letter or digit");
/**
 * The session id of online (Shopify) sales: a pseudo-session of every event, recorded by the
 * Inventory, never a register session's id (so its archive and ledger rows are its own).
 */
export const ONLINE_SESSION = "online";

export const TransactionId = z
  .string()
  .regex(UUID_PATTERN, "a UUID")
  .transform((id) => id.toLowerCase());

/** Whole cents, positive, at most $1,000,000 per item. */
export const PriceCents = z.number().int("whole cents").min(1).max(100_000_000);
/** Basis points: 0 to 10,000 (100 %). */
export const BasisPoints = z.number().int("whole basis points").min(0).max(10_000);
/** Epoch milliseconds. */
export const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000);

export const Tier = z.enum(["standard", "volunteer", "super"]);
export const Role = z.enum(["admin", "register", "consignor"]);
export type Role = z.infer<typeof Role>;

/** Free text from organizers: trimmed, bounded, never empty. */
export const Text = (max: number) => z.string().trim().min(1).max(max);
