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
    if (batch.queue === "transactions") return consumeTransactions(batch, env);
    if (batch.queue === "transactions-dlq") return consumeDeadLetters(batch, env);
    if (batch.queue === "shopify-sync") return consumeShopifySync(batch, env);
    if (batch.queue === "shopify-events") return consumeShopifyEvents(batch, env);
    console.error(`no consumer for queue ${batch.queue}; retrying its ${batch.messages.length} message(s)`);
    batch.retryAll({ delaySeconds: 60 });
  },
  scheduled: onSchedule,
} satisfies ExportedHandler<Env, unknown>;
