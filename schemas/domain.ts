import type { Role } from "./common";

/** Who is acting: the api key behind the request, or the system itself (alarms, consumers). */
export interface Actor {
  keyId: string;
  role: Role | "system";
  eventId?: string;
  consignorId?: string;
}

export const systemActor = (keyId: string): Actor => ({ keyId, role: "system" });

export type SessionStatus = "initial" | "active" | "completed" | "cancelled";
export type SessionItemStatus = "available" | "pending" | "sold";
export type InventoryStatus = "modifiable" | "locked" | "sold" | "transfer";
export type TransactionStatus = "completed" | "voided";

export interface EventRecord {
  id: string;
  name: string;
  createdAt: number;
  /** When the organizer closed the event (unsold items donated or set out for pickup); null while open. */
  closedAt: number | null;
  /** What consignors may enter themselves (null = no limit). */
  itemRules: ItemRules;
}

export interface ItemRules {
  maxItemsPerConsignor: number | null;
  minPrice: number | null;
  priceStep: number | null;
}

/** The seed's SaleSession, without its item map. */
export interface SaleSessionSummary {
  id: string;
  eventId: string;
  name: string;
  status: SessionStatus;
  startTime: number;
  endTime: number;
  /** Basis points off the tag price of the items that allow it (5000 = half price); 0 = full price. */
  discount: number;
  metadata: {
    totalSales: number;
    totalCommissions: number;
    itemCount: number;
    soldCount: number;
    transactionCount: number;
    voidCount: number;
    activeHolds: number;
    lastTransactionAt: number | null;
  };
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** When the nightly archive moved its transactions out (they are then read from D1 and R2). */
  archivedAt: number | null;
}

export interface TransactionItemView {
  itemId: string;
  consignorId: string;
  title: string;
  /** What it sold for, in cents. */
  price: number;
  /** The price on its tag (more than `price` in a discount session). */
  tagPrice: number;
  commissionRate: number;
  commission: number;
}

export interface TransactionView {
  id: string;
  eventId: string;
  sessionId: string;
  registerId: string;
  shopperCode: string;
  holdId: string | null;
  status: TransactionStatus;
  total: number;
  commissionTotal: number;
  items: TransactionItemView[];
  createdAt: number;
  voidedAt: number | null;
  voidReason: string | null;
}

export interface HoldView {
  id: string;
  registerId: string;
  status: "active" | "released" | "expired" | "consumed";
  items: string[];
  createdAt: number;
  expiresAt: number;
}

/** The seed's InventoryState item. */
export interface InventoryItem {
  id: string;
  consignorId: string;
  title: string;
  category: string;
  size: string;
  /** The tag price, in cents. */
  price: number;
  /** Whether the item sells at a discount session's price. */
  discountAllowed: boolean;
  /** Whether it is donated, rather than picked up, if it does not sell. */
  donate: boolean;
  data: Record<string, string | number | boolean | null>;
  status: InventoryStatus;
  /** Why it left the sale (status `transfer`): donated, pickup, withdrawn, or transfer (an admin's). */
  transferReason: "donated" | "pickup" | "withdrawn" | "transfer" | null;
  /** The item's Shopify product (GID), once listed. */
  shopifyId: string | null;
  shopifyVariantId: string | null;
  shopifyInventoryItemId: string | null;
  /** The item version whose data Shopify last acknowledged. */
  shopifyPushedVersion: number | null;
  /** When Shopify last acknowledged a change of this item (epoch ms). */
  lastSynced: number | null;
  lastModified: number;
  version: number;
  soldTransactionId: string | null;
  soldSessionId: string | null;
}

/** What a session needs of an item when it starts. */
export interface SessionItemSeed {
  id: string;
  consignorId: string;
  title: string;
  category: string;
  size: string;
  /** The tag price, in cents. */
  price: number;
  discountAllowed: boolean;
}

export interface ConsignorRecord {
  id: string;
  name: string;
  tier: "standard" | "volunteer" | "super";
  /** This consignor's fee in cents instead of the event's; null = the event's. */
  fee: number | null;
  updatedAt: number;
}

/** A write that may have been a replay of an earlier identical one. */
export interface Replayable<T> {
  value: T;
  replayed: boolean;
}

/** The session id of online (Shopify) sales (defined with the ids, in common.ts). */
export { ONLINE_SESSION } from "./common";
