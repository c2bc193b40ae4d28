import { z } from "zod";
import { UUID_PATTERN } from "../lib/ids";
import { BasisPoints, EpochMs, FEES_SESSION, Id, ONLINE_SESSION, PriceCents, Role, Text, Tier, TransactionId } from "./common";

/** Items one bulk upsert may carry. */
export const MAX_ITEMS_PER_UPSERT = 5_000;
/** Items one hold or one checkout may carry: a very full cart, and well inside one queue message. */
export const MAX_ITEMS_PER_CART = 200;

export const EventCreate = z.strictObject({ id: Id, name: Text(200) });
export type EventCreate = z.infer<typeof EventCreate>;

/** A fee in whole cents, 0 to $10,000. */
const FeeCents = z.number().int("whole cents").min(0).max(1_000_000).describe("A fee in integer cents, 0 to 1000000 ($10,000).");

/** The event's consignor fee (taken from each consignor's payout once). */
export const FeesBody = z.strictObject({ consignorFee: FeeCents });
export type FeesBody = z.infer<typeof FeesBody>;

/** What consignors may enter themselves: how many items each, the lowest price, the price step. */
export const ItemRulesBody = z.strictObject({
  maxItemsPerConsignor: z.number().int().min(1).max(10_000).nullable().describe("Items one consignor may enter; null = no limit."),
  minPrice: PriceCents.nullable().describe("The lowest price a consignor may set, in integer cents; null = none."),
  priceStep: z.number().int().min(1).max(10_000).nullable().describe("Prices go in steps of this many cents (50 = half dollars); null = any cent."),
});
export type ItemRulesBody = z.infer<typeof ItemRulesBody>;

export const RatesBody = z
  .strictObject({ base: BasisPoints, volunteerBonus: BasisPoints, superBonus: BasisPoints })
  .refine((r) => r.base + Math.max(r.volunteerBonus, r.superBonus) <= 10_000, {
    message: "base plus the larger bonus must not exceed 10000 basis points",
  });
export type RatesBody = z.infer<typeof RatesBody>;

export const ConsignorBody = z.strictObject({
  name: Text(200),
  tier: Tier,
  /** This consignor's fee in cents, instead of the event's (0 waives it); absent = the event's. */
  fee: FeeCents.nullable().optional().describe("This consignor's fee in integer cents instead of the event's (0 waives it); null or absent = the event's."),
});
export type ConsignorBody = z.infer<typeof ConsignorBody>;

/** Extra item data chosen by the organizer; bounded so a row never approaches the 128 KiB value limit. */
const ItemData = z
  .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((d) => Object.keys(d).length <= 32, "at most 32 keys");

export const ItemInput = z.strictObject({
  /** Assigned as `{consignorId}-{n}` when not given. */
  id: Id.optional().describe("The tag's id (its barcode); when absent the item gets `{consignorId}-{n}`."),
  consignorId: Id,
  title: Text(200),
  category: Text(100),
  size: Text(50),
  price: PriceCents,
  /** Whether the item may sell at a discount session's price (the tag says so). */
  discountAllowed: z.boolean().default(true).describe("Whether the item may sell at a discount session's price (default true)."),
  /** Whether the item is donated, rather than picked up, if it does not sell. */
  donate: z.boolean().default(false).describe("Whether the item is donated, rather than picked up, if it does not sell (default false)."),
  data: ItemData.optional(),
});
export type ItemInput = z.infer<typeof ItemInput>;

export const ItemsUpsert = z.strictObject({
  requestId: z
    .string()
    .regex(UUID_PATTERN, "a UUID")
    .optional()
    .describe(
      "A UUID made once per submission and sent again with it after a lost answer: the same call again answers the same ids (200, `Idempotent-Replayed: true`) and adds nothing; another body or key with it is 422 IDEMPOTENCY_KEY_REUSED. Without it, items without an id are added again by a repeat.",
    ),
  items: z
    .array(ItemInput)
    .min(1)
    .max(MAX_ITEMS_PER_UPSERT)
    .refine((items) => {
      const ids = items.flatMap((i) => (i.id === undefined ? [] : [i.id]));
      return new Set(ids).size === ids.length;
    }, "item ids must be unique in one call"),
});

export const ItemPatch = z
  .strictObject({
    version: z.number().int().min(1).describe("The item's current version (VERSION_CONFLICT otherwise)."),
    consignorId: Id.optional(),
    title: Text(200).optional(),
    category: Text(100).optional(),
    size: Text(50).optional(),
    price: PriceCents.optional(),
    discountAllowed: z.boolean().optional(),
    donate: z.boolean().optional(),
    data: ItemData.optional(),
    status: z.literal("transfer").optional().describe("Admin only: move a locked, unsold item out of the sale between sessions."),
  })
  .refine((p) => Object.keys(p).length > 1, "name at least one field to change");
export type ItemPatch = z.infer<typeof ItemPatch>;

export const SessionCreate = z
  .strictObject({
    id: Id.refine((id) => id !== ONLINE_SESSION, `"${ONLINE_SESSION}" is the session of online sales, not one to create`).refine(
      (id) => id !== FEES_SESSION,
      `"${FEES_SESSION}" is where the archive keeps consignor fees, not a session to create`,
    ),
    name: Text(200),
    startTime: EpochMs,
    endTime: EpochMs,
    /** Basis points off the tag price of every item that allows it (5000 = the half-price day); 0 = full price. */
    discount: z
      .number()
      .int("whole basis points")
      .min(0)
      .max(9_900)
      .default(0)
      .describe("Basis points off the tag price of every item that allows it (5000 = half price); 0 (default) = full price."),
  })
  .refine((s) => s.endTime > s.startTime, "endTime must be after startTime");
export type SessionCreate = z.infer<typeof SessionCreate>;

const CartItems = z
  .array(Id)
  .min(1)
  .max(MAX_ITEMS_PER_CART)
  .refine((ids) => new Set(ids).size === ids.length, "an item may appear once");

export const HoldCreate = z.strictObject({
  id: Id,
  registerId: Id,
  items: CartItems,
  ttlSeconds: z.number().int().min(10).max(3_600).optional().describe("How long the hold lasts, in seconds (default: the deployment's HOLD_TTL_SECONDS, 600)."),
});
export type HoldCreate = z.infer<typeof HoldCreate>;

export const TransactionCreate = z.strictObject({
  id: TransactionId,
  registerId: Id.describe("The register's label (not checked against the key)."),
  shopperCode: Text(64),
  items: CartItems,
  holdId: Id.optional().describe("Sell the items of this hold (made by the same key)."),
});
export type TransactionCreate = z.infer<typeof TransactionCreate>;

export const VoidBody = z.strictObject({ reason: Text(500) });

export const ApiKeyCreate = z
  .strictObject({
    role: Role.exclude(["admin"]),
    consignorId: Id.optional(),
    label: Text(200),
  })
  .refine((k) => (k.role === "consignor") === (k.consignorId !== undefined), {
    message: "consignorId is required for a consignor key and only for one",
    path: ["consignorId"],
  });
export type ApiKeyCreate = z.infer<typeof ApiKeyCreate>;

/** Sales a register queued while offline, posted together once it is back online. */
export const MAX_TRANSACTIONS_PER_UPLOAD = 100;
export const TransactionUpload = z.strictObject({
  transactions: z
    .array(TransactionCreate)
    .min(1)
    .max(MAX_TRANSACTIONS_PER_UPLOAD)
    .refine((txs) => new Set(txs.map((t) => t.id)).size === txs.length, "transaction ids must be unique in one upload"),
});
