import { z } from "zod";
import { BasisPoints, EpochMs, Id, PriceCents, TransactionId } from "./common";

/**
 * Messages on the `transactions` queue. Versioned: a consumer accepts every version it knows, so a
 * deploy never strands messages written by the previous one. Each item carries its price,
 * consignor and rate snapshot so the consumer needs no lookup.
 */
const MessageItem = z.strictObject({
  itemId: Id,
  consignorId: Id,
  /** What it sold for (a discount session's price, when it had one). */
  price: PriceCents,
  commissionRate: BasisPoints,
  /** The price on its tag, when it sold for less (a discount session); absent = `price`. */
  tagPrice: PriceCents.optional(),
});
export type MessageItem = z.infer<typeof MessageItem>;

const Envelope = {
  v: z.literal(1),
  eventId: Id,
  sessionId: Id,
  transactionId: TransactionId,
  registerId: Id,
  occurredAt: EpochMs,
  items: z.array(MessageItem).min(1).max(200),
};

export const TransactionCompleted = z.strictObject({
  ...Envelope,
  type: z.literal("transaction.completed"),
  total: z.number().int().min(0),
  commissionTotal: z.number().int().min(0),
});
export type TransactionCompleted = z.infer<typeof TransactionCompleted>;

export const TransactionVoided = z.strictObject({
  ...Envelope,
  type: z.literal("transaction.voided"),
  reason: z.string().max(500),
});
export type TransactionVoided = z.infer<typeof TransactionVoided>;

export const TransactionMessage = z.discriminatedUnion("type", [TransactionCompleted, TransactionVoided]);
export type TransactionMessage = z.infer<typeof TransactionMessage>;

/**
 * A register's hold placed or ended (released, expired, consumed by its checkout, or the session
 * ended). The Inventory keeps which items are held, so the online channel stops offering them
 * while a register has them in a cart. The ledger ignores these.
 */
export const HoldChanged = z.strictObject({
  v: z.literal(1),
  type: z.literal("hold.changed"),
  eventId: Id,
  sessionId: Id,
  holdId: Id,
  state: z.enum(["placed", "ended"]),
  items: z.array(Id).min(1).max(200),
  occurredAt: EpochMs,
});
export type HoldChanged = z.infer<typeof HoldChanged>;

/** Everything a session's outbox puts on the `transactions` queue. */
export const SessionMessage = z.discriminatedUnion("type", [TransactionCompleted, TransactionVoided, HoldChanged]);
export type SessionMessage = z.infer<typeof SessionMessage>;
