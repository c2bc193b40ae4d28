import { Hono } from "hono";
import { z } from "zod";
import { unwrap } from "../../lib/errors";
import { Id, TransactionId } from "../../schemas/common";
import { CalculationPage, CalculationView, CommissionSummary, ConsignorStatement, ReconcileReport, RetryStarted } from "../../schemas/responses";
import { startCommissionRetry } from "../commission-retry";
import { reconcileEvent } from "../reconciler";
import { authorize } from "./auth";
import { parse, type AppEnv } from "./context";
import { documented, json } from "./route-docs";
import { ledgerOf, requireEvent } from "./stubs";

export const commissions = new Hono<AppEnv>();

const CalculationListQuery = z.strictObject({
  status: z.enum(["pending", "completed", "error"]).optional(),
  after: z.string().max(64).optional().describe("Calculations after this transaction id: the `next` of the page before."),
  limit: z.coerce.number().int().min(1).max(500).optional().describe("Calculations per page (default 100)."),
});

const ReconcileQuery = z.strictObject({
  settleSeconds: z.coerce.number().int().min(0).max(86_400).optional().describe("Leave alone transactions younger than this many seconds (default 60)."),
});

commissions.get("/:eventId/commissions", documented({
  operationId: "getCommissions",
  tag: "Commissions",
  summary: "Commissions of the event",
  description:
    "Per consignor: sales, reversals, adjustments, fees, balance, payout (never below 0) and what fees left unpaid; calculations by status; totals and the house's share (fees are the house's). Amounts in integer cents.",
  access: ["admin"],
  responses: { 200: json(CommissionSummary, "The ledger's summary.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).summary()));
}));

commissions.get("/:eventId/commissions/calculations", documented({
  operationId: "listCalculations",
  tag: "Commissions",
  summary: "List calculations",
  description: "Calculations in transaction-id order, a page at a time (`next` is the following page's `after`), optionally of one status.",
  access: ["admin"],
  query: CalculationListQuery,
  responses: { 200: json(CalculationPage, "A page of calculations.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const query = parse(CalculationListQuery, c.req.query(), "query");
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).listCalculations(query.status ?? null, query.after ?? "", query.limit ?? 100)));
}));

commissions.get("/:eventId/commissions/calculations/:txId", documented({
  operationId: "getCalculation",
  tag: "Commissions",
  summary: "A calculation",
  description: "One transaction's calculation with its per-item commissions (cents) and rates (basis points).",
  access: ["admin"],
  responses: { 200: json(CalculationView, "The calculation.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  authorize(c, ["admin"]);
  return c.json(unwrap(await ledgerOf(c.env, eventId).getCalculation(txId)));
}));

/** Another round of retries for a calculation in `error`, once its cause is fixed. */
commissions.post("/:eventId/commissions/calculations/:txId/retry", documented({
  operationId: "retryCalculation",
  tag: "Commissions",
  summary: "Retry a calculation in error",
  description: "Another round of retries (a `commission-retry` workflow) for a calculation in `error`, once its cause is fixed (say, the consignor is registered).",
  access: ["admin"],
  responses: { 202: json(RetryStarted, "The round and the workflow instance running it.") },
  errors: ["NOT_FOUND", "INVALID_TRANSITION"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  const actor = authorize(c, ["admin"]);
  const outcome = unwrap(await ledgerOf(c.env, eventId).beginRetryRound(txId, actor));
  const instanceId = await startCommissionRetry(c.env, { eventId, transactionId: txId, round: outcome.round });
  return c.json({ transactionId: txId, round: outcome.round, instanceId } satisfies z.infer<typeof RetryStarted>, 202);
}));

/** Runs the reconciler for this event now (the nightly cron runs it for every event). */
commissions.post("/:eventId/commissions/reconcile", documented({
  operationId: "reconcileCommissions",
  tag: "Commissions",
  summary: "Run the reconciler now",
  description:
    "Compares every session's transactions with the ledger and puts back on the queue whatever the ledger never received (the nightly cron does it for every event). Transactions younger than `settleSeconds` are left alone.",
  access: ["admin"],
  query: ReconcileQuery,
  responses: { 200: json(ReconcileReport, "What was checked and re-emitted.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const { settleSeconds } = parse(ReconcileQuery, c.req.query(), "query");
  await requireEvent(c.env, eventId);
  return c.json(await reconcileEvent(c.env, eventId, (settleSeconds ?? 60) * 1000));
}));

commissions.get("/:eventId/consignors/:consignorId/statement", documented({
  operationId: "getStatement",
  tag: "Consignors",
  summary: "A consignor's statement",
  description:
    "Every item sold (tag price and price paid in cents, rate in basis points, commission, whether online), every entry (`sale`, `reversal`, `adjustment`, `fee`), the totals (`fees` ≤ 0, `balance`, `payout` ≥ 0, `owedByConsignor`) and the sales not yet calculated. A consignor key reads its own.",
  access: ["admin", "consignor"],
  responses: { 200: json(ConsignorStatement, "The statement.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  authorize(c, ["admin", "consignor"], { eventId, consignorId });
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).statement(consignorId)));
}));
