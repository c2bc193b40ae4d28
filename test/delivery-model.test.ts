import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TransactionMessage } from "../schemas/messages";
import worker from "../worker";
import { call, createSession, item, seedEvent } from "./helpers";

/**
 * Whatever the queue does — deliver twice, reorder, or redeliver messages a crashed consumer had
 * already applied but not acked — the ledger and the inventory end where a plain model says.
 */

// D3 does not allow a discount: in a discount session it still sells at its tag price.
const ITEMS = [item("D1", "c1", 1001), item("D2", "c2", 1005), { ...item("D3", "c3", 333), discountAllowed: false }, item("D4", "c1", 2599), item("D5", "c2", 7)];
const TIER_RATE: Record<string, number> = { c1: 6000, c2: 7000, c3: 7500 };

/** Commission by a rounding written independently of lib/money (prices are positive). */
const share = (price: number, rate: number) => Math.floor((price * rate + 5_000) / 10_000);
/** What an item sells for with `discount` basis points off, rounded the same independent way (never below a cent). */
const salePrice = (it: (typeof ITEMS)[number], discount: number) =>
  it.discountAllowed === false ? it.price : Math.max(1, Math.floor((it.price * (10_000 - discount) + 5_000) / 10_000));

const history = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("sell" as const), items: fc.uniqueArray(fc.nat(ITEMS.length - 1), { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("void" as const), tx: fc.nat(20) }) },
  ),
  { minLength: 1, maxLength: 14 },
);

let run = 0;

describe("delivery schedules", () => {
  it("ledger and inventory equal the model under duplicates, reordering and crashes", async () => {
    await fc.assert(
      // Sales of a full-price session, or of a discount session (the messages carry both prices).
      fc.asyncProperty(history, fc.infiniteStream(fc.nat(1_000_000)), fc.constantFrom(0, 5000, 2500), async (steps, random, discount) => {
        const line = (it: (typeof ITEMS)[number]) => {
          const price = salePrice(it, discount);
          return { itemId: it.id, consignorId: it.consignorId, price, commissionRate: TIER_RATE[it.consignorId]!, ...(price !== it.price ? { tagPrice: it.price } : {}) };
        };
        const eventId = `dm-${++run}`;
        await seedEvent(eventId, ITEMS);
        await createSession(eventId, "s1");

        // Build a valid history: an item is sold again only after the sale that had it is voided.
        const owner = new Map<string, number>();
        const sales: { id: string; items: typeof ITEMS; voided: boolean }[] = [];
        const messages: TransactionMessage[] = [];
        for (const step of steps) {
          if (step.kind === "sell") {
            const chosen = step.items.map((i) => ITEMS[i]!).filter((it) => !owner.has(it.id));
            if (chosen.length === 0) continue;
            const id = `00000000-0000-4000-8000-${String(run * 100 + sales.length).padStart(12, "0")}`;
            for (const it of chosen) owner.set(it.id, sales.length);
            sales.push({ id, items: chosen, voided: false });
            messages.push({
              v: 1,
              type: "transaction.completed",
              eventId,
              sessionId: "s1",
              transactionId: id,
              registerId: "reg-1",
              occurredAt: 1_000 + messages.length,
              items: chosen.map(line),
              total: chosen.reduce((s, it) => s + salePrice(it, discount), 0),
              commissionTotal: 0,
            });
          } else {
            const sale = sales[step.tx % Math.max(sales.length, 1)];
            if (!sale || sale.voided) continue;
            sale.voided = true;
            for (const it of sale.items) owner.delete(it.id);
            messages.push({
              v: 1,
              type: "transaction.voided",
              eventId,
              sessionId: "s1",
              transactionId: sale.id,
              registerId: "reg-1",
              occurredAt: 1_000 + messages.length,
              items: sale.items.map(line),
              reason: "model",
            });
          }
        }

        // The queue: every message at least once, some twice, in a shuffled order, in batches; after
        // a batch the consumer may "crash" before its acks land, so some applied messages come again.
        const next = () => random.next().value;
        let pending = messages.flatMap((m) => (next() % 3 === 0 ? [m, m] : [m]));
        let deliveries = 0;
        while (pending.length > 0 && deliveries < 200) {
          pending = pending.map((m) => ({ m, k: next() })).sort((a, b) => a.k - b.k).map((x) => x.m);
          const size = 1 + (next() % Math.min(pending.length, 6));
          const batchBodies = pending.slice(0, size);
          pending = pending.slice(size);
          const batch = createMessageBatch(
            "transactions",
            batchBodies.map((body, i) => ({ id: `d-${deliveries}-${i}`, timestamp: new Date(), attempts: 1, body })),
          );
          const ctx = createExecutionContext();
          await worker.queue(batch, env);
          const result = await getQueueResult(batch, ctx);
          deliveries++;
          // Nothing here is a transient failure: everything is acked…
          expect(result.explicitAcks).toHaveLength(batchBodies.length);
          // …but a crash can lose the acks of the batch's tail, and the queue delivers those again.
          if (next() % 4 === 0) pending.push(...batchBodies.slice(next() % batchBodies.length));
        }

        const model = new Map<string, number>();
        for (const sale of sales) {
          if (sale.voided) continue;
          for (const it of sale.items) model.set(it.consignorId, (model.get(it.consignorId) ?? 0) + share(salePrice(it, discount), TIER_RATE[it.consignorId]!));
        }
        const summary = (await call("GET", `/v1/events/${eventId}/commissions`)).body;
        expect(summary.calculations).toEqual({ pending: 0, completed: sales.length, error: 0 });
        expect(summary.metadata.totalCalculations).toBe(sales.length);
        const balances = Object.fromEntries(summary.consignors.filter((c: { balance: number }) => c.balance !== 0).map((c: { consignorId: string; balance: number }) => [c.consignorId, c.balance]));
        expect(balances).toEqual(Object.fromEntries([...model].filter(([, v]) => v !== 0)));
        const standing = sales.filter((s) => !s.voided).reduce((sum, s) => sum + s.items.reduce((t, it) => t + salePrice(it, discount), 0), 0);
        // Each calculation keeps both prices of every line.
        for (const sale of sales) {
          const calc = (await call("GET", `/v1/events/${eventId}/commissions/calculations/${sale.id}`)).body;
          expect(calc.items.map((i: { itemId: string; price: number; tagPrice: number }) => [i.itemId, i.price, i.tagPrice])).toEqual(
            sale.items.map((it) => [it.id, salePrice(it, discount), it.price]),
          );
        }
        expect(summary.totalSales).toBe(standing);
        expect(summary.consignorTotal + summary.houseShare).toBe(standing);
        for (const c of summary.consignors) {
          // A reversal is the exact negation of its sale: only standing sales remain.
          expect(c.sales + c.reversals + c.adjustments).toBe(c.balance);
        }
        for (const it of ITEMS) {
          const stored = (await call("GET", `/v1/events/${eventId}/items/${it.id}`)).body;
          const holder = owner.get(it.id);
          expect({ item: it.id, status: stored.status, tx: stored.soldTransactionId }).toEqual({
            item: it.id,
            status: holder === undefined ? "locked" : "sold",
            tx: holder === undefined ? null : sales[holder]!.id,
          });
        }
      }),
      { numRuns: 30 },
    );
  });
});
