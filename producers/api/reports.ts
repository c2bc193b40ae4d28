import { Hono, type Context } from "hono";
import type { z } from "zod";
import type { UnsoldReport } from "../../durable/inventory/closing";
import { divRound } from "../../lib/money";
import { Id } from "../../schemas/common";
import { ReportSummary, UnsoldReport as Unsold } from "../../schemas/responses";
import { authorize } from "./auth";
import { parse, type AppEnv } from "./context";
import { documented, json } from "./route-docs";
import { inventoryOf, requireEvent } from "./stubs";
import { unwrap } from "../../lib/errors";

export const reports = new Hono<AppEnv>();

type SessionRow = {
  id: string;
  name: string;
  archived_at: number | null;
  status: string | null;
  total_sales: number | null;
  total_commissions: number | null;
  item_count: number | null;
  sold_count: number | null;
  transaction_count: number | null;
  void_count: number | null;
  taken_at: number | null;
};
type LedgerRow = {
  total_calculations: number;
  error_count: number;
  pending: number;
  completed: number;
  errored: number;
  total_sales: number;
  consignor_total: number;
  house_share: number;
  consignors: string;
  taken_at: number;
};
type Payout = {
  consignorId: string;
  name: string | null;
  tier: string | null;
  sales: number;
  reversals: number;
  adjustments: number;
  /** Absent in snapshots written before fees. */
  fees?: number;
  balance: number;
  payout?: number;
  owedByConsignor?: number;
};

async function payouts(env: Env, eventId: string): Promise<{ ledger: LedgerRow | null; consignors: Payout[] }> {
  const ledger = await env.DB.prepare("SELECT * FROM ledger_snapshots WHERE event_id = ?").bind(eventId).first<LedgerRow>();
  return { ledger, consignors: ledger ? (JSON.parse(ledger.consignors) as Payout[]) : [] };
}

/**
 * The event from D1 (eventually consistent: as of the snapshots' times): per-session totals and
 * sell-through, commissions by status, and what each consignor is to be paid.
 */
reports.get("/:eventId/reports/summary", documented({
  operationId: "getReportSummary",
  tag: "Reports",
  summary: "The event's summary",
  description:
    "From D1, as of the last snapshots (eventually consistent; each part says `asOf`): per-session totals (cents) and sell-through (basis points), online sales, commissions by status, and every consignor's payout.",
  access: ["admin"],
  responses: { 200: json(ReportSummary, "The summary.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const event = await requireEvent(c.env, eventId);
  const { results: sessions } = await c.env.DB.prepare(
    `SELECT s.id, s.name, s.archived_at, n.status, n.total_sales, n.total_commissions, n.item_count, n.sold_count,
       n.transaction_count, n.void_count, n.taken_at
     FROM sessions s LEFT JOIN session_snapshots n ON n.event_id = s.event_id AND n.session_id = s.id
     WHERE s.event_id = ? ORDER BY s.created_at, s.id`,
  )
    .bind(eventId)
    .all<SessionRow>();
  const { ledger, consignors } = await payouts(c.env, eventId);
  // Online sales (Shopify) are the Inventory's, read live; they are not a session's.
  const online = unwrap(await inventoryOf(c.env, eventId).onlineSummary());
  const perSession = sessions.map((s) => ({
    sessionId: s.id,
    name: s.name,
    status: s.status ?? "initial",
    archived: s.archived_at !== null,
    totalSales: s.total_sales ?? 0,
    totalCommissions: s.total_commissions ?? 0,
    itemCount: s.item_count ?? 0,
    soldCount: s.sold_count ?? 0,
    transactionCount: s.transaction_count ?? 0,
    voidCount: s.void_count ?? 0,
    // Sold share of the items offered, in basis points.
    sellThroughBp: s.item_count ? divRound((s.sold_count ?? 0) * 10_000, s.item_count) : 0,
    asOf: s.taken_at,
  }));
  return c.json({
    event,
    totals: {
      totalSales: perSession.reduce((n, s) => n + s.totalSales, online.totalSales),
      soldCount: perSession.reduce((n, s) => n + s.soldCount, online.transactionCount),
      transactionCount: perSession.reduce((n, s) => n + s.transactionCount, online.transactionCount),
    },
    sessions: perSession,
    online,
    commissions: ledger
      ? {
          calculations: { pending: ledger.pending, completed: ledger.completed, error: ledger.errored },
          totalSales: ledger.total_sales,
          consignorTotal: ledger.consignor_total,
          houseShare: ledger.house_share,
          asOf: ledger.taken_at,
        }
      : null,
    payouts: consignors,
  } satisfies z.infer<typeof ReportSummary>);
}));

/**
 * One CSV cell. Text that a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`,
 * a tab or a carriage return: a consignor's name, an item's title) is neutralised with a leading
 * `'`; numbers (amounts in cents, negative ones too) are ours and stay numbers.
 */
const csvField = (value: string | number | null) => {
  let text = value === null ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Consignor payouts as CSV (amounts in cents), for the organizer's spreadsheet. */
reports.get("/:eventId/reports/payouts.csv", documented({
  operationId: "getPayoutsCsv",
  tag: "Reports",
  summary: "Payouts as CSV",
  description:
    "One line per consignor: `consignor_id,name,tier,sales_cents,reversals_cents,adjustments_cents,fees_cents,balance_cents,payout_cents,owed_by_consignor_cents` (amounts in integer cents; as of the last ledger snapshot). Cells a spreadsheet would run as a formula start with `'`.",
  access: ["admin"],
  responses: { 200: { description: "The CSV (an attachment).", media: "text/csv", headers: { "Content-Disposition": "`attachment; filename=\"{eventId}-payouts.csv\"`" } } },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  const { consignors } = await payouts(c.env, eventId);
  const header = "consignor_id,name,tier,sales_cents,reversals_cents,adjustments_cents,fees_cents,balance_cents,payout_cents,owed_by_consignor_cents";
  const lines = consignors.map((p) =>
    [p.consignorId, p.name, p.tier, p.sales, p.reversals, p.adjustments, p.fees ?? 0, p.balance, p.payout ?? Math.max(0, p.balance), p.owedByConsignor ?? Math.max(0, -p.balance)]
      .map(csvField)
      .join(","),
  );
  return csv(c, `${eventId}-payouts.csv`, header, lines);
}));

function csv(c: Context<AppEnv>, filename: string, header: string, lines: string[]) {
  c.header("Content-Type", "text/csv; charset=utf-8");
  c.header("Content-Disposition", `attachment; filename="${filename}"`);
  return c.body([header, ...lines].join("\r\n") + "\r\n");
}

const UNSOLD_HEADER = "list,consignor_id,item_id,title,category,size,price_cents";
const unsoldLines = (report: UnsoldReport) =>
  (["pickup", "donated"] as const).flatMap((list) =>
    report[list].map((i) => [list, i.consignorId, i.itemId, i.title, i.category, i.size, i.price].map(csvField).join(",")),
  );

/**
 * What did not sell (live, from the Inventory): the pickup list and the donations with their
 * values. Before the event is closed, what would happen to what is unsold now.
 */
reports.get("/:eventId/reports/unsold", documented({
  operationId: "getUnsoldReport",
  tag: "Reports",
  summary: "What did not sell",
  description: "Live, from the Inventory: every consignor's items to pick up and those donated, with tag prices (cents) and totals. Before the close, what would happen to what is unsold now.",
  access: ["admin"],
  responses: { 200: json(Unsold, "The pickup and donation lists.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  return c.json(unwrap(await inventoryOf(c.env, eventId).unsold(null)));
}));

reports.get("/:eventId/reports/unsold.csv", documented({
  operationId: "getUnsoldReportCsv",
  tag: "Reports",
  summary: "What did not sell, as CSV",
  description: "`list,consignor_id,item_id,title,category,size,price_cents`: one line per item, `pickup` then `donated` (prices in integer cents).",
  access: ["admin"],
  responses: { 200: { description: "The CSV (an attachment).", media: "text/csv", headers: { "Content-Disposition": "`attachment; filename=\"{eventId}-unsold.csv\"`" } } },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const report = unwrap(await inventoryOf(c.env, eventId).unsold(null));
  return csv(c, `${eventId}-unsold.csv`, UNSOLD_HEADER, unsoldLines(report));
}));

/** A consignor's own lists: what to collect, and what was donated (for a tax receipt). */
reports.get("/:eventId/consignors/:consignorId/unsold", documented({
  operationId: "getConsignorUnsold",
  tag: "Consignors",
  summary: "A consignor's unsold items",
  description: "What to collect, and what was donated (tag prices in cents, for a tax receipt). A consignor key reads its own.",
  access: ["admin", "consignor"],
  responses: { 200: json(Unsold, "The consignor's pickup and donation lists.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  authorize(c, ["admin", "consignor"], { eventId, consignorId });
  return c.json(unwrap(await inventoryOf(c.env, eventId).unsold(consignorId)));
}));

reports.get("/:eventId/consignors/:consignorId/unsold.csv", documented({
  operationId: "getConsignorUnsoldCsv",
  tag: "Consignors",
  summary: "A consignor's unsold items, as CSV",
  description: "`list,consignor_id,item_id,title,category,size,price_cents`: one line per item, `pickup` then `donated` (prices in integer cents). A consignor key reads its own.",
  access: ["admin", "consignor"],
  responses: {
    200: { description: "The CSV (an attachment).", media: "text/csv", headers: { "Content-Disposition": "`attachment; filename=\"{eventId}-{consignorId}-unsold.csv\"`" } },
  },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  authorize(c, ["admin", "consignor"], { eventId, consignorId });
  const report = unwrap(await inventoryOf(c.env, eventId).unsold(consignorId));
  return csv(c, `${eventId}-${consignorId}-unsold.csv`, UNSOLD_HEADER, unsoldLines(report));
}));
