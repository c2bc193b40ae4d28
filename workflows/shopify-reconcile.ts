import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { unwrap } from "../lib/errors";
import { bulkResults, bulkState, startBulkProductSet, type BulkLine, type BulkPurpose } from "../lib/shopify/bulk";
import { ShopifyClient, ShopifyStop } from "../lib/shopify/client";
import { shopifyConfig } from "../lib/shopify/config";
import { readCatalogue, startCatalogueQuery } from "../lib/shopify/drift";
import { ordersSince } from "../lib/shopify/orders";
import { pushPlan, resolveLocation } from "../lib/shopify/push";
import { ensureWebhookSubscriptions } from "../lib/shopify/subscriptions";
import { ShopifyReconcileParams } from "../schemas/shopify";
import type { Inventory } from "../durable/inventory";

/** Items per bulk listing (one JSONL upload and one bulk operation). */
const BULK_PAGE = 10_000;
/** Unlisted items below this count are listed one call each (a bulk operation has a fixed cost). */
const BULK_MIN = 50;
/** Items per page of pushes (one compare-and-set call takes at most 250 quantities). */
const PUSH_PAGE = 250;
/** Bounds on the loops, so a run always ends (the next run carries on). */
const MAX_PAGES = 400;
const MAX_POLLS = 120;

export interface ShopifyReconcileOutput {
  eventId: string;
  listed: number;
  /** Listed items whose new data (a discount session's prices) went by bulk operation. */
  repriced: number;
  pushed: number;
  conflicts: number;
  /** Orders read by the inbound half, and the online sales they brought that webhooks had missed. */
  orders: number;
  importedSales: number;
  /** The drift check, when it ran: items compared, conflicts found, items listed again. */
  drift?: { checked: number; conflicts: number; relisted: number };
  skipped?: string;
}

const STEP = { retries: { limit: 5, delay: "5 seconds" as const, backoff: "exponential" as const }, timeout: "5 minutes" as const };

/**
 * `shopify-reconcile`, the outbound half: brings Shopify up to date on everything of the event it
 * has not acknowledged. First the items never listed — many at once as a bulk operation, a few
 * one by one — then, page by page, every item whose data or availability changed. Each step is
 * idempotent (productSet upserts by the item's metafield; quantities go by compare-and-set with
 * an idempotency key), so a retried step or a restarted run does no harm. Throttling is paced by
 * the client; a failure that needs a person stops the run and shows on the event's status.
 */
export class ShopifyReconcileWorkflow extends WorkflowEntrypoint<Env, ShopifyReconcileParams> {
  override async run(event: WorkflowEvent<ShopifyReconcileParams>, step: WorkflowStep): Promise<ShopifyReconcileOutput> {
    const params = ShopifyReconcileParams.safeParse(event.payload);
    if (!params.success) throw new NonRetryableError(`invalid parameters: ${params.error.message}`);
    const { eventId } = params.data;
    const output: ShopifyReconcileOutput = { eventId, listed: 0, repriced: 0, pushed: 0, conflicts: 0, orders: 0, importedSales: 0 };
    const config = shopifyConfig(this.env);
    if (!config) return { ...output, skipped: "Shopify is not configured" };
    const inventory = this.env.INVENTORY.getByName(eventId);
    const guarded = async <T>(fn: (client: ShopifyClient) => Promise<T>): Promise<T> => {
      const client = new ShopifyClient(config, { maxRetryTime: 120_000 });
      try {
        return await fn(client);
      } catch (error) {
        if (error instanceof ShopifyStop) {
          await inventory.shopifyFailed(`${error.code}: ${error.message}`, true);
          throw new NonRetryableError(`Shopify needs a person: ${error.message}`);
        }
        throw error;
      }
    };

    const status = await step.do("status", STEP, async () => unwrap(await inventory.shopifyStatus()));
    if (!status.enabled) return { ...output, skipped: "the event is not enabled for Shopify" };
    if (status.stopped) return { ...output, skipped: `stopped until a person acts: ${status.lastError?.message ?? ""}` };

    const locationId = await step.do("location", STEP, () =>
      guarded(async (client) => {
        const id = await resolveLocation(client, status.locationId);
        unwrap(await inventory.shopifyRecord({ pushed: [], conflicts: [], locationId: id }));
        return { id };
      }),
    );

    if (config.publicOrigin) {
      await step.do("webhook subscriptions", STEP, () => guarded((client) => ensureWebhookSubscriptions(client, `${config.publicOrigin}/v1/shopify/webhooks`)));
    }

    // Items never listed: a bulk operation per page when many, one call each when few.
    let afterSeq = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const planned = await step.do(`listing ${page}: plan`, STEP, async () => {
        const plan = unwrap(await inventory.shopifyPage("unlisted", afterSeq, BULK_PAGE));
        return { count: plan.entries.length, lastSeq: plan.entries.at(-1)?.seq ?? afterSeq };
      });
      if (planned.count === 0) break;
      if (planned.count >= BULK_MIN) {
        output.listed += await this.bulkPage(step, `listing ${page}`, "listing", inventory, eventId, afterSeq, locationId.id, guarded);
      } else {
        const pushed = await step.do(`listing ${page}: one by one`, STEP, () =>
          guarded(async (client) => {
            const plan = unwrap(await inventory.shopifyPage("unlisted", afterSeq, BULK_PAGE));
            const outcome = await pushPlan(client, plan, locationId.id);
            unwrap(await inventory.shopifyRecord(outcome));
            return { listed: outcome.pushed.filter((p) => p.listing).length, conflicts: outcome.conflicts.length };
          }),
        );
        output.listed += pushed.listed;
        output.conflicts += pushed.conflicts;
      }
      afterSeq = planned.lastSeq;
    }

    // Listed items whose only change is their data (every price, when a discount session starts or
    // ends): a bulk operation per page when many (quantities untouched); a few go with the pushes below.
    afterSeq = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const planned = await step.do(`repricing ${page}: plan`, STEP, async () => {
        const plan = unwrap(await inventory.shopifyPage("data", afterSeq, BULK_PAGE));
        return { count: plan.entries.length, lastSeq: plan.entries.at(-1)?.seq ?? afterSeq };
      });
      if (planned.count < BULK_MIN) break;
      output.repriced += await this.bulkPage(step, `repricing ${page}`, "repricing", inventory, eventId, afterSeq, locationId.id, guarded);
      afterSeq = planned.lastSeq;
    }

    // Every listed item whose data or availability Shopify has not acknowledged, page by page.
    afterSeq = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const pushed = await step.do(`push ${page}`, STEP, () =>
        guarded(async (client) => {
          const plan = unwrap(await inventory.shopifyPage("listed", afterSeq, PUSH_PAGE));
          if (plan.entries.length === 0) return { count: 0, lastSeq: afterSeq, pushed: 0, conflicts: 0 };
          const outcome = await pushPlan(client, plan, locationId.id);
          unwrap(await inventory.shopifyRecord(outcome));
          return { count: plan.entries.length, lastSeq: plan.entries.at(-1)!.seq, pushed: outcome.pushed.length, conflicts: outcome.conflicts.length };
        }),
      );
      if (pushed.count === 0) break;
      output.pushed += pushed.pushed;
      output.conflicts += pushed.conflicts;
      afterSeq = pushed.lastSeq;
    }

    // Inbound: orders updated since the cursor, so a sale whose webhook was lost is still made
    // (the same transaction ids as the webhooks', so nothing doubles). Pages of orders, not of items.
    const since = await step.do("orders: cursor", STEP, async () => unwrap(await inventory.shopifyOrdersCursor()));
    let after: string | null = null;
    let latest = since;
    for (let page = 0; page < MAX_PAGES; page++) {
      const read: { orders: number; imported: number; latest: number; next: string | null } = await step.do(`orders ${page}`, STEP, () =>
        guarded(async (client) => {
          // Five minutes of overlap: an order changed just before the last run may be indexed late.
          const { orders, next } = await ordersSince(client, new Date(Math.max(0, since - 300_000)).toISOString(), after);
          let imported = 0;
          let newest = latest;
          for (const order of orders) {
            newest = Math.max(newest, order.updatedAt);
            const lines = order.lines
              .filter((l) => l.sku.startsWith(`${eventId}-`))
              .map((l) => ({ lineId: l.lineId, itemId: l.sku.slice(eventId.length + 1), price: l.price, quantity: l.quantity }));
            if (lines.length === 0) continue;
            const done = unwrap(await inventory.onlineOrder({ orderId: order.orderId, name: order.name, cancelled: order.cancelled, lines }));
            imported += done.sold.length + done.refused.length + done.voided.length;
          }
          return { orders: orders.length, imported, latest: newest, next };
        }),
      );
      output.orders += read.orders;
      output.importedSales += read.imported;
      latest = read.latest;
      after = read.next;
      if (!after) break;
    }
    if (latest > since) await step.do("orders: advance the cursor", STEP, async () => unwrap(await inventory.advanceShopifyOrdersCursor(latest)));

    // The drift check (nightly, or asked for): one bulk query of the event's products, compared
    // with ours item by item; what differs is repaired under the conflict rules.
    if (params.data.drift) {
      const operationId = await step.do("drift: start the bulk query", STEP, () => guarded((client) => startCatalogueQuery(client, eventId)));
      const url = await this.awaitBulk(step, "drift", operationId, guarded);
      output.drift = await step.do("drift: compare", STEP, async () => {
        // Read as it downloads, compared 2,000 items at a time: only the product ids are kept whole.
        let checked = 0;
        let conflicts = 0;
        const present: string[] = [];
        await readCatalogue(url, 2_000, async (states) => {
          const page = unwrap(await inventory.shopifyDrift(states));
          checked += page.checked;
          conflicts += page.conflicts;
          for (const s of states) present.push(s.productId);
        });
        const { relisted } = unwrap(await inventory.shopifyDriftMissing(present));
        return { checked, conflicts, relisted };
      });
    }
    return output;
  }

  /**
   * One page of items (`purpose`: never listed, or listed with only data to push) as one bulk
   * `productSet`: started, waited for, and its results recorded. Returns how many items it pushed.
   */
  private async bulkPage(
    step: WorkflowStep,
    label: string,
    purpose: BulkPurpose,
    inventory: DurableObjectStub<Inventory>,
    eventId: string,
    afterSeq: number,
    locationId: string,
    guarded: <T>(fn: (client: ShopifyClient) => Promise<T>) => Promise<T>,
  ): Promise<number> {
    const kind = purpose === "listing" ? "unlisted" : "data";
    const started = await step.do(`${label}: start bulk`, STEP, () =>
      guarded(async (client) => {
        const plan = unwrap(await inventory.shopifyPage(kind, afterSeq, BULK_PAGE));
        const bulk = await startBulkProductSet(client, eventId, plan.entries, locationId, purpose);
        return { operationId: bulk.operationId, lines: bulk.lines };
      }),
    );
    const url = await this.awaitBulk(step, label, started.operationId, guarded);
    return step.do(`${label}: results`, STEP, async () => {
      const results = await bulkResults(url, started.lines as BulkLine[]);
      unwrap(await inventory.shopifyRecord({ pushed: results.pushed, conflicts: [] }));
      if (results.failed.length > 0) console.warn(`shopify-reconcile ${eventId}: ${results.failed.length} item(s) not pushed by the bulk ${purpose}`, results.failed.slice(0, 5));
      return results.pushed.length;
    });
  }

  /** Polls a bulk operation (sleeping between polls, 1 s growing to 10 s) until it ends; its results URL. */
  private async awaitBulk(
    step: WorkflowStep,
    label: string,
    operationId: string,
    guarded: <T>(fn: (client: ShopifyClient) => Promise<T>) => Promise<T>,
  ): Promise<string> {
    for (let poll = 0; poll < MAX_POLLS; poll++) {
      await step.sleep(`${label}: wait ${poll}`, Math.min(10_000, 1_000 * 2 ** Math.floor(poll / 3)));
      const state = await step.do(`${label}: status ${poll}`, STEP, () => guarded((client) => bulkState(client, operationId)));
      if (state.status === "COMPLETED") {
        if (!state.url) throw new NonRetryableError(`bulk operation ${operationId} completed with no results (nothing listed)`);
        return state.url;
      }
      if (state.status === "FAILED" || state.status === "CANCELED" || state.status === "EXPIRED") {
        throw new NonRetryableError(`bulk operation ${operationId} ended ${state.status} (${state.errorCode ?? "no code"}); the next run lists again`);
      }
    }
    throw new NonRetryableError(`bulk operation ${operationId} still running after ${MAX_POLLS} polls; the next run picks it up`);
  }
}
