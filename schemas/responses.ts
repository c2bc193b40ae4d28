import { z } from "zod";
import type { CommissionLedger } from "../durable/commission-ledger";
import type { CalculationView as CalculationViewType, CommissionSummary as CommissionSummaryType, ConsignorStatement as ConsignorStatementType } from "../durable/commission-ledger/types";
import type { Inventory } from "../durable/inventory";
import type { CloseOutcome as CloseOutcomeType, UnsoldReport as UnsoldReportType } from "../durable/inventory/closing";
import type { ShopifyConflictView as ShopifyConflictViewType } from "../durable/inventory/shopify";
import type { SaleSession } from "../durable/sale-session";
import { ERROR_CODES, type ErrorBody as ErrorBodyType, type Result } from "../lib/errors";
import type { RateTable as RateTableType } from "../lib/money";
import type { ReconcileReport as ReconcileReportType } from "../producers/reconciler";
import type { ArchiveOutput as ArchiveOutputType } from "../workflows/archive";
import type { ShopifyReconcileOutput as ShopifyReconcileOutputType } from "../workflows/shopify-reconcile";
import { ARCHIVE_KINDS, type ArchiveManifest as ArchiveManifestType, type ArchivePart as ArchivePartType } from "./archive";
import type * as domain from "./domain";
import type { ShopifyStatus as ShopifyStatusType } from "./shopify";

/*
 * What the API answers, as zod schemas: the OpenAPI document (GET /openapi.json) is generated from
 * them with zod's own `z.toJSONSchema`. The TypeScript types the code answers with stay where they
 * are (schemas/domain.ts, durable/*, …); the assertions at the end of this file make `npm run
 * typecheck` fail the moment a schema here and the type it describes drift apart.
 *
 * Units, as everywhere in the API: money in integer cents, rates and discounts in basis points
 * (10000 = 100 %), times in epoch milliseconds.
 */

// ---------------------------------------------------------------- units

const Cents = (what: string) => z.number().int().describe(`${what}, in integer cents.`);
const Bp = (what: string) => z.number().int().describe(`${what}, in basis points (10000 = 100 %).`);
const Ms = (what: string) => z.number().int().describe(`${what}, epoch milliseconds.`);
const Count = (what: string) => z.number().int().describe(what);
const Tier = z.enum(["standard", "volunteer", "super"]);

// ---------------------------------------------------------------- errors

/** The error envelope: every error answer of the API. */
export const ErrorBody = z.object({
  code: z.enum(ERROR_CODES).describe("A stable code (see lib/errors.ts); the HTTP status follows from it."),
  message: z.string().describe("What went wrong, for a person."),
  details: z.unknown().optional().describe("Machine-readable specifics, by code: `items`/`reasons` (ITEM_UNAVAILABLE), `rule`/`limit` (ITEM_RULE_VIOLATED), `maxBytes` (PAYLOAD_TOO_LARGE), `issues` (VALIDATION_FAILED), `requestId` (INTERNAL), …"),
});
export const ErrorEnvelope = z.object({ error: ErrorBody }).describe("The error envelope: `{error:{code,message,details?}}`.");

// ---------------------------------------------------------------- events, rates, consignors, keys

export const Health = z.object({ ok: z.literal(true) });

export const ItemRules = z
  .object({
    maxItemsPerConsignor: z.number().int().nullable().describe("Items one consignor may enter; null = no limit."),
    minPrice: z.number().int().nullable().describe("The lowest price a consignor may set, in integer cents; null = none."),
    priceStep: z.number().int().nullable().describe("Prices go in steps of this many cents; null = any cent."),
  })
  .describe("What consignors may enter themselves (admins are not held to it).");

export const EventRecord = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: Ms("When the event was created"),
  closedAt: Ms("When the organizer closed the event").nullable().describe("When the event was closed (epoch ms); null while open."),
  itemRules: ItemRules,
});

export const RateTable = z.object({
  base: Bp("Every consignor's commission rate"),
  volunteerBonus: Bp("Added for volunteer consignors"),
  superBonus: Bp("Added for super consignors"),
});

export const FeesView = z.object({ consignorFee: Cents("The event's consignor fee, taken once from each consignor's payout") });
export const FeesSet = z.object({
  consignorFee: Cents("The event's consignor fee"),
  changed: Count("Consignors whose fee entries changed"),
});

export const CloseOutcome = z.object({
  closedAt: Ms("When the event was closed"),
  donated: Count("Unsold items moved to `transfer` as donated"),
  pickup: Count("Unsold items moved to `transfer` for pickup"),
});

export const ConsignorRecord = z.object({
  id: z.string(),
  name: z.string(),
  tier: Tier,
  fee: Cents("This consignor's fee instead of the event's").nullable().describe("This consignor's fee in integer cents; null = the event's."),
  updatedAt: Ms("Last change"),
});

export const ApiKey = z.object({
  id: z.string().describe("The key's id (for revoking it; not the key)."),
  role: z.enum(["register", "consignor"]),
  eventId: z.string(),
  consignorId: z.string().nullable(),
  label: z.string(),
  createdAt: Ms("When the key was issued"),
  revokedAt: Ms("When it was revoked").nullable().describe("When the key was revoked (epoch ms); null while it works."),
});
export const ApiKeyIssued = ApiKey.extend({ key: z.string().describe("The key itself: shown in this answer only (stored as SHA-256). Send it as `Authorization: Bearer <key>`.") });
export const ApiKeyList = z.object({ keys: z.array(ApiKey) });

// ---------------------------------------------------------------- items

export const ItemsUpserted = z.object({
  created: Count("Items created"),
  updated: Count("Items replaced"),
  ids: z.array(z.string()).describe("The id of each item, in the order sent (assigned ones included)."),
});

export const InventoryItem = z.object({
  id: z.string(),
  consignorId: z.string(),
  title: z.string(),
  category: z.string(),
  size: z.string(),
  price: Cents("The tag price"),
  discountAllowed: z.boolean().describe("Whether the item sells at a discount session's price."),
  donate: z.boolean().describe("Whether it is donated, rather than picked up, if it does not sell."),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).describe("The organizer's extra fields."),
  status: z.enum(["modifiable", "locked", "sold", "transfer"]),
  transferReason: z.enum(["donated", "pickup", "withdrawn", "transfer"]).nullable().describe("Why it left the sale (status `transfer`)."),
  shopifyId: z.string().nullable().describe("The Shopify product (GID), once listed."),
  shopifyVariantId: z.string().nullable(),
  shopifyInventoryItemId: z.string().nullable(),
  shopifyPushedVersion: z.number().int().nullable().describe("The item version whose data Shopify last acknowledged."),
  lastSynced: Ms("When Shopify last acknowledged a change").nullable(),
  lastModified: Ms("Last change"),
  version: z.number().int().describe("Increases with every change; PATCH and DELETE name it."),
  soldTransactionId: z.string().nullable(),
  soldSessionId: z.string().nullable(),
});
export const ItemPage = z.object({
  items: z.array(InventoryItem),
  next: z.string().nullable().describe("The `after` of the following page; null on the last."),
});
export const ItemDeleted = z.object({
  deleted: z.boolean().describe("Gone for good."),
  withdrawn: z.boolean().describe("Shopify listed it: moved to `transfer` (reason `withdrawn`) instead, so the listing comes down."),
});

// ---------------------------------------------------------------- sessions and sales

export const SaleSessionSummary = z.object({
  id: z.string(),
  eventId: z.string(),
  name: z.string(),
  status: z.enum(["initial", "active", "completed", "cancelled"]),
  startTime: Ms("Planned start"),
  endTime: Ms("Planned end"),
  discount: Bp("Off the tag price of the items that allow it (5000 = half price; 0 = full price)"),
  metadata: z.object({
    totalSales: Cents("Sales standing (voids deducted)"),
    totalCommissions: Cents("Consignors' commissions on them"),
    itemCount: Count("Items offered"),
    soldCount: Count("Items sold"),
    transactionCount: Count("Transactions, voided included"),
    voidCount: Count("Voided transactions"),
    activeHolds: Count("Holds still active"),
    lastTransactionAt: Ms("Last sale").nullable(),
  }),
  createdAt: Ms("Created"),
  startedAt: Ms("Started").nullable(),
  endedAt: Ms("Completed or cancelled").nullable(),
  archivedAt: Ms("When the nightly archive moved its transactions out (read from D1 and R2 after)").nullable(),
});

export const SessionList = z.object({
  sessions: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      status: z.string().describe("`initial`, `active`, `completed` or `cancelled`."),
      discount: Bp("Off the tag price of the items that allow it; 0 = full price"),
    }),
  ),
});

export const SessionItem = z.object({
  id: z.string(),
  title: z.string(),
  category: z.string(),
  size: z.string(),
  tagPrice: Cents("The price on its tag"),
  price: Cents("What it sells for in this session"),
  status: z.enum(["available", "held", "sold", "sold_online"]).describe("Whether it can be sold now, or why not."),
});

export const PriceList = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      size: z.string(),
      tagPrice: Cents("The price on its tag"),
      price: Cents("What it sells for in this session"),
    }),
  ),
  next: z.string().nullable().describe("The `after` of the following page; null on the last."),
});

export const EventList = z.object({
  events: z.array(z.object({ id: z.string(), name: z.string(), createdAt: Ms("When it was created") })),
  next: z.string().nullable().describe("The `after` of the following page; null on the last."),
});

export const TransactionPage = z.object({
  transactions: z.array(z.lazy(() => TransactionView)),
  next: z.string().nullable().describe("The `after` of the following page; null on the last."),
  archived: z.boolean().describe("The nightly archive pruned this session's transactions (read them from D1 and R2)."),
});

export const LiveTicket = z.object({
  ticket: z.string().describe("Offer it as a WebSocket subprotocol beside `protocol`; good for one socket."),
  expiresAt: Ms("When it stops being accepted"),
  protocol: z.string().describe("The subprotocol of the live totals (`consignment.live.v1`)."),
});

export const Me = z.object({
  keyId: z.string(),
  role: z.enum(["admin", "register", "consignor", "system"]),
  eventId: z.string().nullable(),
  consignorId: z.string().nullable(),
});

export const HoldView = z.object({
  id: z.string(),
  registerId: z.string(),
  status: z.enum(["active", "released", "expired", "consumed"]),
  items: z.array(z.string()),
  createdAt: Ms("Placed"),
  expiresAt: Ms("Expires"),
});

export const TransactionItemView = z.object({
  itemId: z.string(),
  consignorId: z.string(),
  title: z.string(),
  price: Cents("What it sold for"),
  tagPrice: Cents("The price on its tag (more than `price` in a discount session)"),
  commissionRate: Bp("The consignor's rate"),
  commission: Cents("The consignor's share: round(price × rate / 10000), halves away from zero"),
});

export const TransactionView = z.object({
  id: z.string().describe("The transaction id (a UUID, lower case)."),
  eventId: z.string(),
  sessionId: z.string(),
  registerId: z.string(),
  shopperCode: z.string(),
  holdId: z.string().nullable(),
  status: z.enum(["completed", "voided"]),
  total: Cents("The cart's total"),
  commissionTotal: Cents("The consignors' commissions"),
  items: z.array(TransactionItemView),
  createdAt: Ms("Sold"),
  voidedAt: Ms("Voided").nullable(),
  voidReason: z.string().nullable(),
});

export const TransactionUploadResult = z.object({
  results: z
    .array(
      z.union([
        z.object({ id: z.string(), status: z.union([z.literal(201), z.literal(200)]).describe("201 sold; 200 a replay."), transaction: TransactionView }),
        z.object({ id: z.string(), status: z.number().int().describe("The HTTP status a single checkout would have answered."), error: ErrorBody }),
      ]),
    )
    .describe("One per transaction sent, in order: each is its own checkout with its own idempotency."),
});

// ---------------------------------------------------------------- commissions

const CalculationStatus = z.enum(["pending", "completed", "error"]);

export const CalculationView = z.object({
  transactionId: z.string(),
  sessionId: z.string(),
  status: CalculationStatus,
  attempts: Count("Calculation attempts"),
  round: Count("Retry round"),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  saleTotal: Cents("The sale's total"),
  baseAmount: Cents("Commission at the base rate").nullable(),
  bonusAmount: Cents("Commission from tier bonuses").nullable(),
  totalAmount: Cents("All commissions").nullable(),
  items: z.array(
    z.object({
      itemId: z.string(),
      consignorId: z.string(),
      price: Cents("What it sold for"),
      tagPrice: Cents("What its tag said"),
      rate: Bp("The consignor's rate"),
      baseCommission: Cents("At the base rate"),
      commission: Cents("At the consignor's rate"),
    }),
  ),
  voided: z.boolean(),
  voidReason: z.string().nullable(),
  occurredAt: Ms("The sale"),
  completedAt: Ms("Calculated").nullable(),
});
export const CalculationPage = z.object({ calculations: z.array(CalculationView), next: z.string().nullable().describe("The `after` of the following page; null on the last.") });

export const RetryStarted = z.object({ transactionId: z.string(), round: Count("The new retry round"), instanceId: z.string().describe("The `commission-retry` workflow instance.") });

export const ReconcileReport = z.object({
  eventId: z.string(),
  sessions: Count("Sessions checked"),
  transactionsChecked: Count("Transactions checked"),
  reemitted: z.object({ completed: Count("Sales put back on the queue"), voided: Count("Voids put back on the queue") }),
  repaired: z.array(z.string()).describe("Transaction ids re-emitted (at most the first 100)."),
  error: z.string().optional().describe("Set when the event could not be reconciled."),
});

export const CommissionSummary = z.object({
  metadata: z.object({ totalCalculations: Count("Calculations"), errorCount: Count("In error"), lastCalculation: Ms("Last calculation").nullable() }),
  calculations: z.record(CalculationStatus, z.number().int()).describe("Calculations by status."),
  totalSales: Cents("Sales standing"),
  consignorTotal: Cents("Consignors' balances together"),
  houseShare: Cents("What the house keeps (fees included)"),
  consignorFee: Cents("The event's consignor fee"),
  consignors: z.array(
    z.object({
      consignorId: z.string(),
      name: z.string().nullable(),
      tier: Tier.nullable(),
      sales: Cents("Commissions on sales"),
      reversals: Cents("Reversed by voids (≤ 0)"),
      adjustments: Cents("Re-pricing adjustments"),
      fees: Cents("Fees (≤ 0)"),
      balance: Cents("sales + reversals + adjustments + fees"),
      payout: Cents("What to pay: the balance, never below 0"),
      owedByConsignor: Cents("What fees left unpaid"),
    }),
  ),
  adjustmentsRunning: Count("Re-pricing batches still running"),
});

export const ConsignorStatement = z.object({
  consignor: ConsignorRecord,
  items: z.array(
    z.object({
      transactionId: z.string(),
      sessionId: z.string().describe("`online` for a Shopify sale."),
      soldAt: Ms("Sold"),
      itemId: z.string(),
      tagPrice: Cents("What its tag said"),
      price: Cents("What it sold for"),
      rate: Bp("The consignor's rate"),
      commission: Cents("The consignor's share"),
      voided: z.boolean(),
      online: z.boolean().describe("Sold through Shopify."),
    }),
  ),
  entries: z.array(
    z.object({
      transactionId: z.string(),
      kind: z.enum(["sale", "reversal", "adjustment", "fee"]),
      amount: Cents("The entry (negative for reversals and fees)"),
      batchId: z.string().nullable(),
      at: Ms("Booked"),
    }),
  ),
  totals: z.object({
    sales: Cents("Commissions on sales"),
    reversals: Cents("Reversed (≤ 0)"),
    adjustments: Cents("Re-pricing"),
    fees: Cents("Fees (≤ 0)"),
    balance: Cents("The sum"),
    payout: Cents("The balance, never below 0"),
    owedByConsignor: Cents("What fees left unpaid"),
  }),
  uncalculated: z.array(
    z.object({ transactionId: z.string(), itemId: z.string(), price: Cents("What it sold for"), status: CalculationStatus, errorCode: z.string().nullable() }),
  ),
});

// ---------------------------------------------------------------- reports

export const UnsoldItem = z.object({
  itemId: z.string(),
  consignorId: z.string(),
  title: z.string(),
  category: z.string(),
  size: z.string(),
  price: Cents("The tag price: a donation's value for a receipt"),
});
export const UnsoldReport = z.object({
  closed: z.boolean().describe("Whether the event is closed (before, the lists say what would happen to what is unsold now)."),
  pickup: z.array(UnsoldItem),
  donated: z.array(UnsoldItem),
  totals: z.object({
    pickupCount: Count("Items to pick up"),
    pickupValue: Cents("Their tag prices"),
    donatedCount: Count("Items donated"),
    donatedValue: Cents("Their tag prices"),
  }),
});

export const OnlineSummary = z.object({
  transactionCount: Count("Online sales standing"),
  totalSales: Cents("Their total"),
  voidCount: Count("Refunded or cancelled"),
  refusedCount: Count("Order lines refused (the item had sold)"),
});

const Payout = z.object({
  consignorId: z.string(),
  name: z.string().nullable(),
  tier: z.string().nullable(),
  sales: Cents("Commissions on sales"),
  reversals: Cents("Reversed"),
  adjustments: Cents("Re-pricing"),
  fees: Cents("Fees (≤ 0); absent in snapshots written before fees").optional(),
  balance: Cents("The sum"),
  payout: Cents("The balance, never below 0").optional(),
  owedByConsignor: Cents("What fees left unpaid").optional(),
});

export const ReportSummary = z.object({
  event: EventRecord,
  totals: z.object({
    totalSales: Cents("Sales of every session and online"),
    soldCount: Count("Items sold"),
    transactionCount: Count("Transactions"),
  }),
  sessions: z.array(
    z.object({
      sessionId: z.string(),
      name: z.string(),
      status: z.string().describe("initial, active, completed or cancelled, as of the last snapshot."),
      archived: z.boolean(),
      totalSales: Cents("Sales standing"),
      totalCommissions: Cents("Commissions"),
      itemCount: Count("Items offered"),
      soldCount: Count("Items sold"),
      transactionCount: Count("Transactions"),
      voidCount: Count("Voids"),
      sellThroughBp: Bp("Items sold out of those offered"),
      asOf: Ms("The snapshot's time").nullable(),
    }),
  ),
  online: OnlineSummary,
  commissions: z
    .object({
      calculations: z.object({ pending: Count("Pending"), completed: Count("Completed"), error: Count("In error") }),
      totalSales: Cents("Sales"),
      consignorTotal: Cents("Consignors' balances"),
      houseShare: Cents("The house's share"),
      asOf: Ms("The snapshot's time"),
    })
    .nullable(),
  payouts: z.array(Payout),
});

// ---------------------------------------------------------------- Shopify

export const ShopifyStatus = z.object({
  enabled: z.boolean(),
  configured: z.boolean().describe("Whether this deployment has Shopify's settings."),
  locationId: z.string().nullable(),
  syncMetadata: z.object({
    lastSyncTime: Ms("Last sync").nullable(),
    syncCount: Count("Syncs"),
    conflictCount: Count("Conflicts recorded"),
    lastSuccessfulSync: Ms("Last successful sync").nullable(),
  }),
  waiting: Count("Items whose changes Shopify has not yet acknowledged"),
  unlisted: Count("Items not yet listed"),
  openConflicts: Count("Conflicts a person still has to resolve"),
  stopped: z.boolean().describe("A person must act (bad token, app uninstalled, a refused request); syncing waits."),
  lastError: z.object({ message: z.string(), at: Ms("When") }).nullable(),
});
export const ShopifySettingsSaved = ShopifyStatus.extend({ reconcileInstance: z.string().nullable().describe("The reconcile workflow listing the items, if one runs.") });
export const ShopifySyncStarted = z.object({ instanceId: z.string(), started: z.boolean().describe("false: the reconcile already running is the one doing it.") });

const WorkflowStatus = z
  .enum(["queued", "running", "paused", "errored", "terminated", "complete", "waiting", "waitingForPause", "rollingBack", "unknown"])
  .describe("The Workflows instance status.");
const WorkflowError = z.object({ name: z.string(), message: z.string() });

export const ShopifyReconcileOutput = z.object({
  eventId: z.string(),
  listed: Count("Items listed"),
  repriced: Count("Listed items whose new data (a discount session's prices) went by bulk operation"),
  pushed: Count("Items pushed"),
  conflicts: Count("Conflicts found"),
  orders: Count("Orders read"),
  importedSales: Count("Online sales that webhooks had missed"),
  drift: z.object({ checked: Count("Items compared"), conflicts: Count("Conflicts"), relisted: Count("Listed again") }).optional(),
  skipped: z.string().optional(),
});
export const ShopifySyncRun = z.object({ instanceId: z.string(), status: WorkflowStatus, output: ShopifyReconcileOutput.optional(), error: WorkflowError.optional() });

export const ShopifyConflictView = z.object({
  id: z.number().int(),
  itemId: z.string(),
  kind: z.string().describe("double_sale, shopify_edit, quantity_edit, quantity_stale or product_deleted."),
  ours: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  theirs: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  action: z.string().describe("What was done."),
  at: Ms("Found"),
  resolvedAt: Ms("Resolved").nullable(),
});
export const ShopifyConflictPage = z.object({
  conflicts: z.array(ShopifyConflictView),
  next: z.string().nullable().describe("The query string of the following page (`?before=…&limit=…`); null on the last."),
});

export const WebhookAnswer = z.object({
  accepted: z.boolean().describe("Queued for the sale; false for a topic the sale does not use."),
  reason: z.string().optional(),
});

// ---------------------------------------------------------------- archive

export const ArchiveStarted = z.object({ instanceId: z.string() });

export const ArchiveOutput = z.object({
  date: z.string().describe("The run's date (YYYY-MM-DD, UTC)."),
  sessions: z.array(
    z.object({
      eventId: z.string(),
      sessionId: z.string(),
      rows: Count("Rows copied"),
      bytes: z.number().int().describe("Bytes written to R2 (gzipped)."),
      pruned: z.boolean(),
      reason: z.string().nullable().describe("Why it was not pruned."),
    }),
  ),
  failed: z.array(z.object({ eventId: z.string(), sessionId: z.string(), error: z.string() })),
});
export const ArchiveRun = z.object({ instanceId: z.string(), status: WorkflowStatus, output: ArchiveOutput.optional(), error: WorkflowError.optional() });

export const ArchivePart = z.object({
  key: z.string().describe("The R2 key of the part (gzipped NDJSON)."),
  count: Count("Rows"),
  bytes: z.number().int().describe("Bytes of the stored (gzipped) object."),
  sha256: z.string().describe("SHA-256 of the stored object (hex)."),
  contentSha256: z.string().describe("SHA-256 of the rows' values: what D1 must hold for this part."),
  after: z.string(),
  last: z.string(),
});
export const ArchiveManifest = z.object({
  eventId: z.string(),
  sessionId: z.string(),
  archivedAt: Ms("Written"),
  kinds: z.record(z.enum(ARCHIVE_KINDS), z.object({ count: Count("Rows"), parts: z.array(ArchivePart) })),
});

// ---------------------------------------------------------------- drift checks (compile time only)

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Same<S extends z.ZodType, T> = Equal<z.infer<S>, T>;
/** Fails to compile, on its own line, unless `B` is `true`. */
type Check<B extends true> = B;
/** An intersection as one object type. */
type Flat<T> = { [K in keyof T]: T[K] };
/** The value of a Durable Object's RPC answer (`Promise<Result<T>>` → T). */
type Rpc<F> = F extends (...args: never[]) => Promise<Result<infer T>> ? T : never;

/**
 * Each schema above equals the type the code answers with: a field added, removed or retyped on
 * either side fails `npm run typecheck` here. (Answers built in the route handlers themselves are
 * typed with `z.infer` of these schemas there.)
 */
export type ResponseSchemasMatchTheCode = [
  Check<Same<typeof ErrorBody, ErrorBodyType>>,
  Check<Same<typeof EventRecord, domain.EventRecord>>,
  Check<Same<typeof ItemRules, domain.ItemRules>>,
  Check<Same<typeof RateTable, RateTableType>>,
  Check<Same<typeof CloseOutcome, CloseOutcomeType>>,
  Check<Same<typeof ConsignorRecord, domain.ConsignorRecord>>,
  Check<Same<typeof InventoryItem, domain.InventoryItem>>,
  Check<Same<typeof SaleSessionSummary, domain.SaleSessionSummary>>,
  Check<Same<typeof HoldView, domain.HoldView>>,
  Check<Same<typeof TransactionItemView, domain.TransactionItemView>>,
  Check<Same<typeof TransactionView, domain.TransactionView>>,
  Check<Same<typeof CalculationView, CalculationViewType>>,
  Check<Same<typeof CommissionSummary, CommissionSummaryType>>,
  Check<Same<typeof ConsignorStatement, ConsignorStatementType>>,
  Check<Same<typeof UnsoldReport, UnsoldReportType>>,
  Check<Same<typeof ReconcileReport, ReconcileReportType>>,
  Check<Same<typeof ShopifyStatus, ShopifyStatusType>>,
  Check<Same<typeof ShopifyConflictView, ShopifyConflictViewType>>,
  Check<Same<typeof ShopifyReconcileOutput, ShopifyReconcileOutputType>>,
  Check<Same<typeof ArchiveOutput, ArchiveOutputType>>,
  Check<Same<typeof ArchivePart, ArchivePartType>>,
  Check<Same<typeof ArchiveManifest, ArchiveManifestType>>,
  // What the routes hand on from the objects' RPC methods.
  Check<Same<typeof RateTable, Rpc<CommissionLedger["setRates"]>>>,
  Check<Same<typeof RateTable, Rpc<CommissionLedger["getRates"]>>>,
  Check<Same<typeof FeesSet, Rpc<CommissionLedger["setFees"]>>>,
  Check<Same<typeof FeesView, Rpc<CommissionLedger["getFees"]>>>,
  Check<Same<typeof ConsignorRecord, Rpc<CommissionLedger["getConsignor"]>>>,
  Check<Same<typeof ConsignorRecord, Rpc<CommissionLedger["upsertConsignor"]>["consignor"]>>,
  Check<Same<typeof CalculationView, Rpc<CommissionLedger["getCalculation"]>>>,
  Check<Same<typeof CalculationPage, Rpc<CommissionLedger["listCalculations"]>>>,
  Check<Same<typeof CommissionSummary, Rpc<CommissionLedger["summary"]>>>,
  Check<Same<typeof ConsignorStatement, Rpc<CommissionLedger["statement"]>>>,
  Check<Same<typeof EventRecord, Rpc<Inventory["createEvent"]>["value"]>>,
  Check<Same<typeof EventRecord, Rpc<Inventory["getEvent"]>>>,
  Check<Same<typeof EventRecord, Rpc<Inventory["setItemRules"]>>>,
  Check<Same<typeof CloseOutcome, Rpc<Inventory["closeEvent"]>>>,
  Check<Same<typeof ItemsUpserted, Rpc<Inventory["upsertItems"]>["value"]>>,
  Check<Same<typeof InventoryItem, Rpc<Inventory["getItem"]>>>,
  Check<Same<typeof InventoryItem, Rpc<Inventory["patchItem"]>>>,
  Check<Same<typeof ItemDeleted, Rpc<Inventory["deleteItem"]>>>,
  Check<Same<typeof ItemPage, Rpc<Inventory["listItems"]>>>,
  Check<Same<typeof UnsoldReport, Rpc<Inventory["unsold"]>>>,
  Check<Same<typeof OnlineSummary, Rpc<Inventory["onlineSummary"]>>>,
  Check<Same<typeof ShopifySettingsSaved, Flat<Rpc<Inventory["setShopifyEnabled"]>>>>,
  Check<Same<typeof ShopifyStatus, Rpc<Inventory["shopifyStatus"]>>>,
  Check<Same<typeof ShopifySyncStarted, Rpc<Inventory["reconcileShopify"]>>>,
  Check<Same<typeof ShopifyConflictView, Rpc<Inventory["resolveShopifyConflict"]>>>,
  Check<Same<typeof ShopifyConflictView, Rpc<Inventory["shopifyConflicts"]>[number]>>,
  Check<Same<typeof SaleSessionSummary, Rpc<SaleSession["init"]>["value"]>>,
  Check<Same<typeof SaleSessionSummary, Rpc<SaleSession["summary"]>>>,
  Check<Same<typeof SessionItem, Rpc<SaleSession["item"]>>>,
  Check<Same<typeof TransactionPage, Rpc<SaleSession["transactionPage"]>>>,
  Check<Same<typeof PriceList, Rpc<SaleSession["priceList"]>>>,
  Check<Same<typeof LiveTicket, Rpc<SaleSession["liveTicket"]>>>,
  Check<Same<typeof SessionList, { sessions: Rpc<Inventory["listSessions"]> }>>,
  Check<Same<typeof SaleSessionSummary, Rpc<SaleSession["start"]>>>,
  Check<Same<typeof SaleSessionSummary, Rpc<SaleSession["complete"]>>>,
  Check<Same<typeof SaleSessionSummary, Rpc<SaleSession["cancel"]>>>,
  Check<Same<typeof HoldView, Rpc<SaleSession["hold"]>["value"]>>,
  Check<Same<typeof HoldView, Rpc<SaleSession["releaseHold"]>>>,
  Check<Same<typeof TransactionView, Rpc<SaleSession["checkout"]>["value"]>>,
  Check<Same<typeof TransactionView, Rpc<SaleSession["getTransaction"]>>>,
  Check<Same<typeof TransactionView, Rpc<SaleSession["voidTransaction"]>["value"]>>,
];
