import { consumeShopifyEvents } from "./consumers/shopify-events";
import { consumeShopifySync } from "./consumers/shopify-sync";
import { consumeDeadLetters, consumeTransactions } from "./consumers/transactions";
import { app } from "./producers/api/app";
import { onSchedule } from "./producers/scheduled";

export { CommissionLedger } from "./durable/commission-ledger";
export { Inventory } from "./durable/inventory";
export { SaleSession } from "./durable/sale-session";
export { ArchiveWorkflow } from "./workflows/archive";
export { CommissionRetryWorkflow } from "./workflows/commission-retry";
export { ShopifyReconcileWorkflow } from "./workflows/shopify-reconcile";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    const started = Date.now();
    let error: unknown = null;
    try {
      await consume(batch, env);
    } catch (e) {
      error = e;
      throw e;
    } finally {
      console.log(JSON.stringify(batchLine(batch, Date.now() - started, error)));
    }
  },
  scheduled: onSchedule,
} satisfies ExportedHandler<Env, unknown>;

function consume(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === "transactions") return consumeTransactions(batch, env);
  if (batch.queue === "transactions-dlq") return consumeDeadLetters(batch, env);
  if (batch.queue === "shopify-sync") return consumeShopifySync(batch, env);
  if (batch.queue === "shopify-events") return consumeShopifyEvents(batch, env);
  console.error(`no consumer for queue ${batch.queue}; retrying its ${batch.messages.length} message(s)`);
  batch.retryAll({ delaySeconds: 60 });
  return Promise.resolve();
}

/** The one log line of a consumed batch: its queue, messages, the events they name, how long it took. */
function batchLine(batch: MessageBatch<unknown>, ms: number, error: unknown) {
  const eventIds = new Set<string>();
  for (const m of batch.messages) {
    const eventId = (m.body as { eventId?: unknown } | null)?.eventId;
    if (typeof eventId === "string") eventIds.add(eventId);
  }
  return {
    msg: "batch",
    queue: batch.queue,
    messages: batch.messages.length,
    messageIds: batch.messages.map((m) => m.id),
    eventIds: [...eventIds],
    ms,
    error: error === null ? null : error instanceof Error ? error.message : String(error),
  };
}
