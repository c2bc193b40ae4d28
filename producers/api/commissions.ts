import { Hono } from "hono";
import { z } from "zod";
import { unwrap } from "../../lib/errors";
import { Id, TransactionId } from "../../schemas/common";
import { startCommissionRetry } from "../commission-retry";
import { reconcileEvent } from "../reconciler";
import { authorize } from "./auth";
import { parse, type AppEnv } from "./context";
import { ledgerOf, requireEvent } from "./stubs";

export const commissions = new Hono<AppEnv>();

const ListQuery = z.strictObject({
  status: z.enum(["pending", "completed", "error"]).optional(),
  after: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

commissions.get("/:eventId/commissions", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).summary()));
});

commissions.get("/:eventId/commissions/calculations", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const query = parse(ListQuery, c.req.query(), "query");
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).listCalculations(query.status ?? null, query.after ?? "", query.limit ?? 100)));
});

commissions.get("/:eventId/commissions/calculations/:txId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  authorize(c, ["admin"]);
  return c.json(unwrap(await ledgerOf(c.env, eventId).getCalculation(txId)));
});

/** Another round of retries for a calculation in `error`, once its cause is fixed. */
commissions.post("/:eventId/commissions/calculations/:txId/retry", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  const actor = authorize(c, ["admin"]);
  const outcome = unwrap(await ledgerOf(c.env, eventId).beginRetryRound(txId, actor));
  const instanceId = await startCommissionRetry(c.env, { eventId, transactionId: txId, round: outcome.round });
  return c.json({ transactionId: txId, round: outcome.round, instanceId }, 202);
});

/** Runs the reconciler for this event now (the nightly cron runs it for every event). */
commissions.post("/:eventId/commissions/reconcile", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const { settleSeconds } = parse(z.strictObject({ settleSeconds: z.coerce.number().int().min(0).max(86_400).optional() }), c.req.query(), "query");
  await requireEvent(c.env, eventId);
  return c.json(await reconcileEvent(c.env, eventId, (settleSeconds ?? 60) * 1000));
});

commissions.get("/:eventId/consignors/:consignorId/statement", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  authorize(c, ["admin", "consignor"], { eventId, consignorId });
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).statement(consignorId)));
});
