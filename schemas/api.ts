import { z } from "zod";
import { BasisPoints, EpochMs, Id, ONLINE_SESSION, PriceCents, Role, Text, Tier, TransactionId } from "./common";

/** Items one bulk upsert may carry. */
export const MAX_ITEMS_PER_UPSERT = 5_000;
/** Items one hold or one checkout may carry: a very full cart, and well inside one queue message. */
export const MAX_ITEMS_PER_CART = 200;

export const EventCreate = z.strictObject({ id: Id, name: Text(200) });
export type EventCreate = z.infer<typeof EventCreate>;

export const RatesBody = z
  .strictObject({ base: BasisPoints, volunteerBonus: BasisPoints, superBonus: BasisPoints })
  .refine((r) => r.base + Math.max(r.volunteerBonus, r.superBonus) <= 10_000, {
    message: "base plus the larger bonus must not exceed 10000 basis points",
  });
export type RatesBody = z.infer<typeof RatesBody>;

export const ConsignorBody = z.strictObject({ name: Text(200), tier: Tier });
export type ConsignorBody = z.infer<typeof ConsignorBody>;

/** Extra item data chosen by the organizer; bounded so a row never approaches the 128 KiB value limit. */
const ItemData = z
  .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((d) => Object.keys(d).length <= 32, "at most 32 keys");

export const ItemInput = z.strictObject({
  id: Id,
  consignorId: Id,
  title: Text(200),
  category: Text(100),
  size: Text(50),
  price: PriceCents,
  data: ItemData.optional(),
});
export type ItemInput = z.infer<typeof ItemInput>;

export const ItemsUpsert = z.strictObject({
  items: z
    .array(ItemInput)
    .min(1)
    .max(MAX_ITEMS_PER_UPSERT)
    .refine((items) => new Set(items.map((i) => i.id)).size === items.length, "item ids must be unique in one call"),
});

export const ItemPatch = z
  .strictObject({
    version: z.number().int().min(1),
    consignorId: Id.optional(),
    title: Text(200).optional(),
    category: Text(100).optional(),
    size: Text(50).optional(),
    price: PriceCents.optional(),
    data: ItemData.optional(),
    status: z.literal("transfer").optional(),
  })
  .refine((p) => Object.keys(p).length > 1, "name at least one field to change");
export type ItemPatch = z.infer<typeof ItemPatch>;

export const SessionCreate = z
  .strictObject({ id: Id.refine((id) => id !== ONLINE_SESSION, `"${ONLINE_SESSION}" is the session of online sales, not one to create`), name: Text(200), startTime: EpochMs, endTime: EpochMs })
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
  ttlSeconds: z.number().int().min(10).max(3_600).optional(),
});
export type HoldCreate = z.infer<typeof HoldCreate>;

export const TransactionCreate = z.strictObject({
  id: TransactionId,
  registerId: Id,
  shopperCode: Text(64),
  items: CartItems,
  holdId: Id.optional(),
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
