import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, introspectWorkflow, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { CommissionLedger } from "../durable/commission-ledger";
import type { TransactionCompleted, TransactionVoided } from "../schemas/messages";
import worker from "../worker";
import { call, checkout, createSession, expectError, item, seedEvent, txId } from "./helpers";

const ledger = (eventId: string) => env.COMMISSION_LEDGER.getByName(eventId);

async function calculation(eventId: string, tx: string) {
  return (await call("GET", `/v1/events/${eventId}/commissions/calculations/${tx}`)).body;
}

async function waitForCalculation(eventId: string, tx: string, status = "completed") {
  await vi.waitFor(async () => expect((await calculation(eventId, tx)).status).toBe(status), { timeout: 5000, interval: 20 });
  return calculation(eventId, tx);
}

const sale = (eventId: string, items: { itemId: string; consignorId: string; price: number }[], extra: Partial<TransactionCompleted> = {}): TransactionCompleted => ({
  v: 1,
  type: "transaction.completed",
  eventId,
  sessionId: "s1",
  transactionId: txId(),
  registerId: "reg-1",
  occurredAt: Date.now(),
  items: items.map((i) => ({ ...i, commissionRate: 6000 })),
  total: items.reduce((s, i) => s + i.price, 0),
  commissionTotal: 0,
  ...extra,
});

const voidOf = (message: TransactionCompleted, reason = "void"): TransactionVoided => {
  const { total: _t, commissionTotal: _c, ...rest } = message;
  return { ...rest, type: "transaction.voided", occurredAt: message.occurredAt + 1, reason };
};

/**
 * Runs the worker's queue handler on one batch and returns what it acked and retried, with the
 * delay asked for each retry (the test batch does not keep retry options, so they are watched).
 */
async function deliver(queue: string, bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `m-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts, body })),
  );
  const delays = batch.messages.map((m) => vi.spyOn(m, "retry"));
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  const result = await getQueueResult(batch, ctx);
  const retryDelays = delays.flatMap((spy, i) => spy.mock.calls.map((args) => ({ message: i, delaySeconds: args[0]?.delaySeconds })));
  return { ...result, retryDelays };
}

describe("end to end: checkout → queue → consumer → ledger", () => {
  it("calculates each sale once with base, bonus and total, and reverses a void exactly", async () => {
    const { registerKey } = await seedEvent("e2e", [item("P1", "c1", 1001), item("P2", "c2", 1005), item("P3", "c3", 333), item("P4", "c2", 2000)]);
    await createSession("e2e", "s1");
    const first = await checkout("e2e", "s1", registerKey, ["P1", "P2", "P3"]);
    const calc = await waitForCalculation("e2e", first.body.id);
    // base: 601 + 603 + 200 = 1404; total: 601 + 704 + 250 = 1555.
    expect(calc).toMatchObject({ status: "completed", attempts: 1, saleTotal: 2339, baseAmount: 1404, bonusAmount: 151, totalAmount: 1555, voided: false });
    expect(calc.items.map((i: { rate: number }) => i.rate)).toEqual([6000, 7000, 7500]);

    const second = await checkout("e2e", "s1", registerKey, ["P4"]);
    await waitForCalculation("e2e", second.body.id);
    await call("POST", `/v1/events/e2e/sessions/s1/transactions/${second.body.id}/void`, { key: registerKey, body: { reason: "returned" } });
    await vi.waitFor(async () => expect((await calculation("e2e", second.body.id)).voided).toBe(true), { timeout: 5000, interval: 20 });

    const summary = (await call("GET", "/v1/events/e2e/commissions")).body;
    expect(summary.calculations).toEqual({ pending: 0, completed: 2, error: 0 });
    expect(summary.metadata.totalCalculations).toBe(2);
    expect(summary.metadata.errorCount).toBe(0);
    const c2 = summary.consignors.find((c: { consignorId: string }) => c.consignorId === "c2");
    expect(c2).toMatchObject({ sales: 704 + 1400, reversals: -1400, adjustments: 0, balance: 704 });
    // Invariant 4: Σ balances + house share = totalSales, and totalSales is the session's.
    const session = (await call("GET", "/v1/events/e2e/sessions/s1")).body;
    expect(summary.totalSales).toBe(session.metadata.totalSales);
    expect(summary.consignorTotal + summary.houseShare).toBe(summary.totalSales);
    expect(summary.consignorTotal).toBe(1555);

    const statement = (await call("GET", "/v1/events/e2e/consignors/c2/statement")).body;
    expect(statement.items.map((i: { itemId: string; commission: number; voided: boolean }) => [i.itemId, i.commission, i.voided])).toEqual([
      ["P2", 704, false],
      ["P4", 1400, true],
    ]);
    expect(statement.entries.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([
      ["sale", 704],
      ["sale", 1400],
      ["reversal", -1400],
    ]);
    expect(statement.totals).toEqual({ sales: 2104, reversals: -1400, adjustments: 0, fees: 0, balance: 704, payout: 704, owedByConsignor: 0 });
  });

  it("shows consignors only their own statement", async () => {
    await seedEvent("stm", [item("Q1", "c1", 100)]);
    const key = (await call("POST", "/v1/events/stm/api-keys", { body: { role: "consignor", consignorId: "c1", label: "Ada" } })).body.key;
    expect((await call("GET", "/v1/events/stm/consignors/c1/statement", { key })).status).toBe(200);
    expectError(await call("GET", "/v1/events/stm/consignors/c2/statement", { key }), 403, "FORBIDDEN");
    expectError(await call("GET", "/v1/events/stm/commissions", { key }), 403, "FORBIDDEN");
  });
});

describe("the consumer", () => {
  it("acks each good message, and acks a malformed one into the audit log", async () => {
    await seedEvent("cq1", [item("K1", "c1", 500)]);
    const good = sale("cq1", [{ itemId: "K1", consignorId: "c1", price: 500 }]);
    const result = await deliver("transactions", [good, { v: 1, type: "transaction.completed", eventId: "cq1", items: "nope" }, "garbage"]);
    expect(result.explicitAcks).toHaveLength(3);
    expect(result.retryMessages).toEqual([]);
    expect(result.ackAll).toBe(false);
    const rejected = await env.DB.prepare("SELECT entity, action, source FROM audit_log WHERE action = 'rejected' AND source = 'queue:transactions'").all();
    expect(rejected.results.length).toBeGreaterThanOrEqual(2);
    expect((await calculation("cq1", good.transactionId)).status).toBe("completed");
  });

  it("retries a message whose handling failed, with backoff from its attempts, and acks the rest", async () => {
    await seedEvent("cq2", [item("K1", "c1", 500), item("K2", "c2", 700)]);
    const failing = sale("cq2", [{ itemId: "K1", consignorId: "c1", price: 500 }]);
    const fine = sale("cq2", [{ itemId: "K2", consignorId: "c2", price: 700 }]);
    // A storage fault in the ledger: every calculation fails until the table is back.
    const fault = (from: string, to: string) =>
      runInDurableObject(ledger("cq2"), (_instance: CommissionLedger, state) => {
        state.storage.sql.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
      });
    await ledger("cq2").getRates();
    await fault("ledger_meta", "ledger_meta_away");
    const result = await deliver("transactions", [failing], 3);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: expect.stringContaining("-0") }]);
    // Third attempt: 2³ seconds.
    expect(result.retryDelays).toEqual([{ message: 0, delaySeconds: 8 }]);
    await fault("ledger_meta_away", "ledger_meta");
    expect((await deliver("transactions", [fine])).explicitAcks).toHaveLength(1);
    // The redelivery succeeds, and the first delivery left nothing half done.
    const again = await deliver("transactions", [failing], 4);
    expect(again.explicitAcks).toHaveLength(1);
    expect((await calculation("cq2", failing.transactionId)).attempts).toBe(1);
    expect((await call("GET", "/v1/events/cq2/commissions")).body.metadata.totalCalculations).toBe(2);
  });

  it("records a dead-lettered sale as error DEAD_LETTERED and a retry workflow completes it", async () => {
    await seedEvent("dlq", [item("D1", "c3", 1000)]);
    await using workflows = await introspectWorkflow(env.COMMISSION_RETRY);
    await workflows.modifyAll(async (m) => {
      await m.disableRetryDelays();
      // The first attempt fails as if the ledger were unreachable; the second recalculates.
      await m.mockStepError({ name: "recalculate the commission" }, new Error("ledger unreachable"), 1);
    });
    const lost = sale("dlq", [{ itemId: "D1", consignorId: "c3", price: 1000 }]);
    const result = await deliver("transactions-dlq", [lost]);
    expect(result.explicitAcks).toHaveLength(1);
    const instances = await workflows.get();
    expect(instances).toHaveLength(1);
    await instances[0]!.waitForStatus("complete");
    expect(await instances[0]!.getOutput()).toEqual({ transactionId: lost.transactionId, status: "completed", superseded: false });
    expect(await calculation("dlq", lost.transactionId)).toMatchObject({ status: "completed", totalAmount: 750, error: null });
    // A second dead letter of the same sale changes nothing and starts nothing new.
    await deliver("transactions-dlq", [lost]);
    expect((await call("GET", "/v1/events/dlq/commissions")).body.calculations).toEqual({ pending: 0, completed: 1, error: 0 });
  });
});

describe("retry workflow", () => {
  it("gives up with NonRetryableError when only a person can help, and completes the round asked for after the fix", async () => {
    await seedEvent("wf1", [item("W1", "c1", 900)]);
    await using workflows = await introspectWorkflow(env.COMMISSION_RETRY);
    await workflows.modifyAll(async (m) => {
      await m.disableRetryDelays();
    });
    const orphan = sale("wf1", [{ itemId: "W1", consignorId: "c9", price: 900 }]);
    await deliver("transactions", [orphan]);
    const calc = await calculation("wf1", orphan.transactionId);
    expect(calc).toMatchObject({ status: "error", error: { code: "UNKNOWN_CONSIGNOR" }, round: 0 });
    const [firstRound] = await workflows.get();
    await firstRound!.waitForStatus("errored");
    expect((await firstRound!.getError()).message).toContain("NonRetryableError");
    // One attempt on delivery, then the workflow's seven; the reason stays on the calculation.
    expect(await calculation("wf1", orphan.transactionId)).toMatchObject({ status: "error", attempts: 8, error: { code: "UNKNOWN_CONSIGNOR" } });
    const listed = (await call("GET", "/v1/events/wf1/commissions/calculations?status=error")).body.calculations;
    expect(listed.map((c: { transactionId: string }) => c.transactionId)).toEqual([orphan.transactionId]);
    expect((await call("GET", "/v1/events/wf1/consignors/c1/statement")).status).toBe(200);

    // The organizer registers the consignor and asks for another round.
    await call("PUT", "/v1/events/wf1/consignors/c9", { body: { name: "Late", tier: "volunteer" } });
    const retry = await call("POST", `/v1/events/wf1/commissions/calculations/${orphan.transactionId}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body.round).toBe(1);
    await vi.waitFor(async () => expect(await workflows.get()).toHaveLength(2), { timeout: 5000, interval: 20 });
    await (await workflows.get())[1]!.waitForStatus("complete");
    expect(await calculation("wf1", orphan.transactionId)).toMatchObject({ status: "completed", totalAmount: 630, round: 1 });
    expectError(await call("POST", `/v1/events/wf1/commissions/calculations/${orphan.transactionId}/retry`), 409, "INVALID_TRANSITION");
    expect((await call("GET", "/v1/events/wf1/consignors/c9/statement")).body.totals.balance).toBe(630);
  });

  it("derives the instance id from event, transaction and round, so a second start is harmless", async () => {
    await seedEvent("wf2", []);
    await using workflows = await introspectWorkflow(env.COMMISSION_RETRY);
    await workflows.modifyAll(async (m) => {
      await m.disableRetryDelays();
    });
    const orphan = sale("wf2", [{ itemId: "W1", consignorId: "nobody", price: 900 }]);
    await deliver("transactions", [orphan]);
    await deliver("transactions", [orphan]);
    expect(await workflows.get()).toHaveLength(1);
  });
});

describe("ledger", () => {
  it("takes a full batch of 100 messages (far more values than a query may bind) in one go, with a duplicate and a void in it", async () => {
    const pairs = Array.from({ length: 98 }, (_, i) => [item(`F${2 * i}`, "c1", 100 + 7 * i), item(`F${2 * i + 1}`, "c2", 333 + 11 * i)] as const);
    await seedEvent("full", pairs.flat());
    await createSession("full", "s1");
    const sales = pairs.map((pair) => sale("full", pair.map((i) => ({ itemId: i.id, consignorId: i.consignorId, price: i.price }))));
    const batch = [...sales, sales[0]!, voidOf(sales[1]!)];
    expect(batch).toHaveLength(100);
    const result = await deliver("transactions", batch);
    expect(result.explicitAcks).toHaveLength(100);
    expect(result.retryMessages).toEqual([]);

    // Commission by a rounding written independently of lib/money (prices are positive).
    const share = (price: number, rate: number) => Math.floor((price * rate + 5_000) / 10_000);
    const owed = (consignor: 0 | 1, rate: number) => pairs.reduce((sum, pair) => sum + share(pair[consignor].price, rate), 0);
    const c1 = (await call("GET", "/v1/events/full/consignors/c1/statement")).body;
    const c2 = (await call("GET", "/v1/events/full/consignors/c2/statement")).body;
    expect(c1.totals).toMatchObject({ sales: owed(0, 6000), reversals: -share(pairs[1]![0].price, 6000) });
    expect(c2.totals).toMatchObject({ sales: owed(1, 7000), reversals: -share(pairs[1]![1].price, 7000) });
    const summary = (await call("GET", "/v1/events/full/commissions")).body;
    expect(summary.calculations).toEqual({ pending: 0, completed: 98, error: 0 });
    const lines = await runInDurableObject(ledger("full"), (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM calculation_items").one().n);
    expect(lines).toBe(196);

    // The Inventory took the same batch: every item sold but the voided sale's two.
    const counts = await runInDurableObject(env.INVENTORY.getByName("full"), (_i, state) =>
      state.storage.sql.exec<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM items GROUP BY status ORDER BY status").toArray(),
    );
    expect(counts).toEqual([
      { status: "locked", n: 2 },
      { status: "sold", n: 194 },
    ]);
  });

  it("holds a void that arrives before its sale and applies it when the sale does", async () => {
    await seedEvent("vb", [item("V1", "c2", 1000)]);
    const message = sale("vb", [{ itemId: "V1", consignorId: "c2", price: 1000 }]);
    expect(unwrapOk(await ledger("vb").recordVoid(voidOf(message)))).toEqual({ applied: false, held: true });
    expect(unwrapOk(await ledger("vb").recordVoid(voidOf(message)))).toEqual({ applied: false, held: false });
    await ledger("vb").recordSale(message);
    const statement = (await call("GET", "/v1/events/vb/consignors/c2/statement")).body;
    expect(statement.totals).toEqual({ sales: 700, reversals: -700, adjustments: 0, fees: 0, balance: 0, payout: 0, owedByConsignor: 0 });
    expect((await calculation("vb", message.transactionId)).voided).toBe(true);
    expect((await call("GET", "/v1/events/vb/commissions")).body.totalSales).toBe(0);
  });

  it("re-prices completed calculations as one batch of adjustments when a tier or the rates change", async () => {
    await seedEvent("adj", []);
    const a = sale("adj", [{ itemId: "X1", consignorId: "c1", price: 1001 }, { itemId: "X2", consignorId: "c2", price: 1005 }]);
    const b = sale("adj", [{ itemId: "X3", consignorId: "c1", price: 333 }]);
    const c = sale("adj", [{ itemId: "X4", consignorId: "c1", price: 10_000 }]);
    for (const m of [a, b, c]) await ledger("adj").recordSale(m);
    await ledger("adj").recordVoid(voidOf(c));
    // c1: standard → super (60 % → 75 %). 1001 → 751 (+150), 333 → 250 (+50); the voided sale is left alone.
    await call("PUT", "/v1/events/adj/consignors/c1", { body: { name: "Consignor c1", tier: "super" } });
    await vi.waitFor(async () => expect((await call("GET", "/v1/events/adj/commissions")).body.adjustmentsRunning).toBe(0), { timeout: 5000, interval: 20 });
    let c1 = (await call("GET", "/v1/events/adj/consignors/c1/statement")).body;
    const adjustments = c1.entries.filter((e: { kind: string }) => e.kind === "adjustment");
    expect(adjustments.map((e: { amount: number }) => e.amount).sort()).toEqual([150, 50].sort());
    expect(new Set(adjustments.map((e: { batchId: string }) => e.batchId)).size).toBe(1);
    expect(c1.totals.balance).toBe(751 + 250);
    // The calculation itself is never edited.
    expect((await calculation("adj", a.transactionId)).totalAmount).toBe(601 + 704);

    // Rates change for everyone: base 50 %, volunteer +10 %, super +20 %.
    await call("PUT", "/v1/events/adj/rates", { body: { base: 5000, volunteerBonus: 1000, superBonus: 2000 } });
    await vi.waitFor(async () => expect((await call("GET", "/v1/events/adj/commissions")).body.adjustmentsRunning).toBe(0), { timeout: 5000, interval: 20 });
    c1 = (await call("GET", "/v1/events/adj/consignors/c1/statement")).body;
    expect(c1.totals.balance).toBe(701 + 233);
    const c2 = (await call("GET", "/v1/events/adj/consignors/c2/statement")).body;
    expect(c2.totals.balance).toBe(603);
    // Voiding after adjustments reverses the net exactly.
    await ledger("adj").recordVoid(voidOf(a));
    c1 = (await call("GET", "/v1/events/adj/consignors/c1/statement")).body;
    expect(c1.totals.balance).toBe(233);
    const summary = (await call("GET", "/v1/events/adj/commissions")).body;
    expect(summary.consignorTotal + summary.houseShare).toBe(summary.totalSales);
    expect(summary.totalSales).toBe(333);
  });
});

describe("reconciler", () => {
  it("re-emits what the ledger never received and reports it", async () => {
    const { registerKey } = await seedEvent("rc", [item("Z1", "c1", 100), item("Z2", "c2", 200)]);
    await createSession("rc", "s1");
    const kept = await checkout("rc", "s1", registerKey, ["Z1"]);
    const lost = await checkout("rc", "s1", registerKey, ["Z2"]);
    await waitForCalculation("rc", kept.body.id);
    await waitForCalculation("rc", lost.body.id);
    await call("POST", `/v1/events/rc/sessions/s1/transactions/${lost.body.id}/void`, { key: registerKey, body: { reason: "x" } });
    await vi.waitFor(async () => expect((await calculation("rc", lost.body.id)).voided).toBe(true), { timeout: 5000, interval: 20 });
    // Lose the calculation (its lines are in its row) and its void, as an expired dead letter would.
    await runInDurableObject(ledger("rc"), (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("DELETE FROM entries WHERE tx_id = ?", lost.body.id);
      sql.exec("DELETE FROM calculations WHERE tx_id = ?", lost.body.id);
      sql.exec("UPDATE ledger_meta SET total_calculations = total_calculations - 1");
    });
    const report = (await call("POST", "/v1/events/rc/commissions/reconcile?settleSeconds=0")).body;
    expect(report).toMatchObject({ sessions: 1, transactionsChecked: 2, reemitted: { completed: 1, voided: 1 }, repaired: [lost.body.id] });
    await vi.waitFor(async () => expect((await calculation("rc", lost.body.id)).voided).toBe(true), { timeout: 5000, interval: 20 });
    const again = (await call("POST", "/v1/events/rc/commissions/reconcile?settleSeconds=0")).body;
    expect(again.reemitted).toEqual({ completed: 0, voided: 0 });
    const summary = (await call("GET", "/v1/events/rc/commissions")).body;
    expect(summary).toMatchObject({ totalSales: 100, consignorTotal: 60, calculations: { completed: 2 } });
  });
});

describe("nightly cron", () => {
  it("runs the reconciler for every event and records what it repaired", async () => {
    const { registerKey } = await seedEvent("cron", [item("N1", "c1", 1000)]);
    await createSession("cron", "s1");
    const sale = await checkout("cron", "s1", registerKey, ["N1"]);
    await waitForCalculation("cron", sale.body.id);
    await runInDurableObject(ledger("cron"), (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("DELETE FROM entries WHERE tx_id = ?", sale.body.id);
      sql.exec("DELETE FROM calculations WHERE tx_id = ?", sale.body.id);
    });
    // The cron leaves transactions younger than a minute alone: their messages may be on their way.
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "0 3 * * *" }), env);
    expect((await call("GET", `/v1/events/cron/commissions/calculations/${sale.body.id}`)).status).toBe(404);
    // A minute later (the transaction's clock is moved back instead).
    await runInDurableObject(env.SALE_SESSION.getByName("cron:s1"), (_instance, state) => {
      state.storage.sql.exec("UPDATE transactions SET created_at = created_at - 120000");
    });
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "0 3 * * *" }), env);
    await waitForCalculation("cron", sale.body.id);
    const logged = await env.DB.prepare("SELECT after FROM audit_log WHERE source = 'reconciler' AND event_id = 'cron'").all<{ after: string }>();
    expect(logged.results.map((r) => JSON.parse(r.after).repaired)).toEqual([[sale.body.id]]);
  });
});

function unwrapOk<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}
