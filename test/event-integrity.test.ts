import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { TransactionCompleted, TransactionVoided } from "../schemas/messages";
import worker from "../worker";
import { call, checkout, createSession, expectError, item, seedEvent, txId } from "./helpers";

/**
 * The seams between sessions of one event: what holds inside one session must hold across all of
 * them.
 */

/** The Inventory forgets that a session ended, as when the session's notice to it was lost. */
async function loseEndNotice(eventId: string, sessionId: string) {
  await runInDurableObject(env.INVENTORY.getByName(eventId), (_instance, state) => {
    state.storage.sql.exec("UPDATE sessions SET status = 'active', settled = 0 WHERE id = ?", sessionId);
  });
}

async function inventorySessions(eventId: string) {
  return runInDurableObject(env.INVENTORY.getByName(eventId), (_instance, state) =>
    state.storage.sql.exec<{ id: string; status: string; settled: number }>("SELECT id, status, settled FROM sessions ORDER BY position").toArray(),
  );
}

describe("one running session, under concurrency", () => {
  it("offers the next session an item whose sale was voided just before its session completed, the void's message still in flight", async () => {
    const { registerKey } = await seedEvent("voidlate", [item("V1", "c1", 1000), item("V2", "c1", 500)]);
    await createSession("voidlate", "s1");
    const sale = await checkout("voidlate", "s1", registerKey, ["V1"]);
    expect(sale.status).toBe(201);
    const inventory = env.INVENTORY.getByName("voidlate");
    const statusOf = async () => (await call("GET", "/v1/events/voidlate/items/V1")).body.status;
    await vi.waitFor(async () => expect(await statusOf()).toBe("sold"), { timeout: 5000, interval: 20 });
    expect((await call("POST", `/v1/events/voidlate/sessions/s1/transactions/${sale.body.id}/void`, { key: registerKey, body: { reason: "wrong item" } })).status).toBe(200);
    await vi.waitFor(async () => expect(await statusOf()).toBe("locked"), { timeout: 5000, interval: 20 });
    // As if the void's message had not reached the Inventory yet (the queue waits up to a second).
    await runInDurableObject(inventory, (_i, state) => {
      state.storage.sql.exec("DELETE FROM voided WHERE tx_id = ?", sale.body.id);
      state.storage.sql.exec("UPDATE items SET status = 'sold', sold_tx_id = ?, sold_session_id = 's1' WHERE id = 'V1'", sale.body.id);
    });
    expect(await statusOf()).toBe("sold");
    expect((await call("POST", "/v1/events/voidlate/sessions/s1/complete")).status).toBe(200);
    await createSession("voidlate", "s2");
    // Completing s1 settled its voids too: V1 is on the floor of s2.
    expect(await statusOf()).toBe("locked");
    expect((await checkout("voidlate", "s2", registerKey, ["V1"])).status).toBe(201);
  });

  it("leaves at most one session active when two start at the same moment after an unsettled one", async () => {
    const { registerKey } = await seedEvent("one", [item("A1", "c1", 1000), item("A2", "c2", 500), item("A3", "c1", 700)]);
    await createSession("one", "s1");
    expect((await checkout("one", "s1", registerKey, ["A1"])).status).toBe(201);
    expect((await call("POST", "/v1/events/one/sessions/s1/complete")).status).toBe(200);
    await loseEndNotice("one", "s1");
    await createSession("one", "s2", false);
    await createSession("one", "s3", false);
    const [a, b] = await Promise.all([call("POST", "/v1/events/one/sessions/s2/start"), call("POST", "/v1/events/one/sessions/s3/start")]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expectError(loser, 409, "INVALID_TRANSITION");
    const statuses = await Promise.all(["s2", "s3"].map(async (s) => (await call("GET", `/v1/events/one/sessions/${s}`)).body.status));
    expect(statuses.sort()).toEqual(["active", "initial"]);
    // The earlier session was settled before the winner took over: its sale is known.
    expect((await call("GET", "/v1/events/one/items/A1")).body.status).toBe("sold");
    const registry = await inventorySessions("one");
    expect(registry.filter((s) => s.status === "active" || s.status === "starting")).toHaveLength(1);
    expect(registry.find((s) => s.id === "s1")).toMatchObject({ status: "completed", settled: 1 });
  });

  it("settles an ended session before transferring an item, and never transfers an item it sold", async () => {
    const { registerKey } = await seedEvent("tr", [item("B1", "c1", 1000), item("B2", "c2", 500)]);
    await createSession("tr", "s1");
    const sale = await checkout("tr", "s1", registerKey, ["B1"]);
    expect(sale.status).toBe(201);
    expect((await call("POST", "/v1/events/tr/sessions/s1/complete")).status).toBe(200);
    // The session ended, but the Inventory never heard (and the sale's queue message is still on its way).
    await loseEndNotice("tr", "s1");
    await runInDurableObject(env.INVENTORY.getByName("tr"), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM sales");
      state.storage.sql.exec("UPDATE items SET status = 'locked', sold_tx_id = NULL, sold_session_id = NULL");
    });
    const b1 = (await call("GET", "/v1/events/tr/items/B1")).body;
    const refused = await call("PATCH", "/v1/events/tr/items/B1", { body: { version: b1.version, status: "transfer" } });
    // Refused: the catch-up found the item sold (and so at a newer version than the caller read).
    expect(refused.status).toBe(409);
    expect(["VERSION_CONFLICT", "INVALID_TRANSITION"]).toContain(refused.body.error.code);
    const sold = (await call("GET", "/v1/events/tr/items/B1")).body;
    expect(sold).toMatchObject({ status: "sold", soldTransactionId: sale.body.id });
    expectError(await call("PATCH", "/v1/events/tr/items/B1", { body: { version: sold.version, status: "transfer" } }), 409, "INVALID_TRANSITION");
    // An unsold item of the settled session may be transferred.
    const b2 = (await call("GET", "/v1/events/tr/items/B2")).body;
    expect((await call("PATCH", "/v1/events/tr/items/B2", { body: { version: b2.version, status: "transfer" } })).body.status).toBe("transfer");
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/tr/commissions/calculations/${sale.body.id}`)).status).toBe(200));
  });
});

/** Runs the worker's queue consumer on one batch of these bodies; returns what it acked. */
async function deliver(bodies: unknown[]) {
  const batch = createMessageBatch("transactions", bodies.map((body, i) => ({ id: `m-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

const saleMessage = (eventId: string, sessionId: string, transactionId: string, items: { itemId: string; consignorId: string; price: number }[]): TransactionCompleted => ({
  v: 1,
  type: "transaction.completed",
  eventId,
  sessionId,
  transactionId,
  registerId: "reg-1",
  occurredAt: Date.now(),
  items: items.map((i) => ({ ...i, commissionRate: 6000 })),
  total: items.reduce((n, i) => n + i.price, 0),
  commissionTotal: items.reduce((n, i) => n + Math.round((i.price * 6000) / 10000), 0),
});

const voidMessage = (sale: TransactionCompleted, sessionId = sale.sessionId): TransactionVoided => {
  const { total: _t, commissionTotal: _c, ...rest } = sale;
  return { ...rest, sessionId, type: "transaction.voided", occurredAt: sale.occurredAt + 1, reason: "void" };
};

async function balances(eventId: string) {
  const summary = (await call("GET", `/v1/events/${eventId}/commissions`)).body;
  return Object.fromEntries(summary.consignors.map((c: { consignorId: string; balance: number }) => [c.consignorId, c.balance]));
}

describe("no component applies one session's message to another session's sale", () => {
  it("refuses, acks and records a sale or a void naming a transaction id of another session", async () => {
    await seedEvent("mm", [item("M1", "c1", 1000), item("M2", "c2", 2000), item("M3", "c1", 3000)]);
    await createSession("mm", "s1");
    const first = saleMessage("mm", "s1", txId(), [{ itemId: "M1", consignorId: "c1", price: 1000 }]);
    expect((await deliver([first])).explicitAcks).toHaveLength(1);
    const before = await balances("mm");
    expect(before).toMatchObject({ c1: 600 });

    // The same id, another session, another cart; then a void of it addressed to that other session.
    const reused = saleMessage("mm", "s2", first.transactionId, [{ itemId: "M2", consignorId: "c2", price: 2000 }]);
    const result = await deliver([reused, voidMessage(first, "s2")]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toHaveLength(0);
    // Nothing moved: the ledger, the calculation, the items.
    expect(await balances("mm")).toEqual(before);
    const calc = (await call("GET", `/v1/events/mm/commissions/calculations/${first.transactionId}`)).body;
    expect(calc).toMatchObject({ sessionId: "s1", voided: false, items: [expect.objectContaining({ itemId: "M1" })] });
    expect((await call("GET", "/v1/events/mm/items/M1")).body).toMatchObject({ status: "sold", soldTransactionId: first.transactionId, soldSessionId: "s1" });
    expect((await call("GET", "/v1/events/mm/items/M2")).body.status).toBe("locked");
    // Recorded as refused, by both objects, in D1's audit log.
    const refused = await env.DB.prepare("SELECT source, entity_id, after FROM audit_log WHERE event_id = 'mm' AND action = 'rejected' ORDER BY source, id").all<{ source: string; entity_id: string; after: string }>();
    expect(refused.results.map((r) => r.source).sort()).toEqual(["inventory", "inventory", "ledger", "ledger"]);
    expect(refused.results.every((r) => r.entity_id === first.transactionId)).toBe(true);
  });

  it("never applies a held void to a sale of another session", async () => {
    await seedEvent("mh", [item("H1", "c1", 1000)]);
    await createSession("mh", "s1");
    const sale = saleMessage("mh", "s1", txId(), [{ itemId: "H1", consignorId: "c1", price: 1000 }]);
    // A void addressed to s2 arrives first and is held; then the s1 sale of that id.
    await deliver([voidMessage(sale, "s2")]);
    await deliver([sale]);
    expect(await balances("mh")).toMatchObject({ c1: 600 });
    expect((await call("GET", `/v1/events/mh/commissions/calculations/${sale.transactionId}`)).body.voided).toBe(false);
    expect((await call("GET", "/v1/events/mh/items/H1")).body.status).toBe("sold");
    // The void of the right session still applies.
    await deliver([voidMessage(sale)]);
    expect(await balances("mh")).toMatchObject({ c1: 0 });
    expect((await call("GET", "/v1/events/mh/items/H1")).body.status).toBe("locked");
  });
});

async function waitForCalculations(eventId: string, ids: string[]) {
  for (const id of ids) {
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/commissions/calculations/${id}`)).body.status).toBe("completed"), { timeout: 5000, interval: 20 });
  }
}

const post = (eventId: string, sessionId: string, key: string, body: object) => call("POST", `/v1/events/${eventId}/sessions/${sessionId}/transactions`, { key, body });

describe("transaction ids are the event's", () => {
  it("refuses an id of a completed session in the next one, with any cart, and changes nothing", async () => {
    const { registerKey } = await seedEvent("tx1", [item("X1", "c1", 1000), item("X2", "c2", 2000), item("X3", "c3", 500)]);
    await createSession("tx1", "s1");
    const first = { id: txId(), registerId: "r1", shopperCode: "S1", items: ["X1"] };
    expect((await post("tx1", "s1", registerKey, first)).status).toBe(201);
    await waitForCalculations("tx1", [first.id]);
    expect((await call("POST", "/v1/events/tx1/sessions/s1/complete")).status).toBe(200);
    await createSession("tx1", "s2");
    const balancesBefore = await balances("tx1");

    for (const items of [["X2"], ["X1"], ["X2", "X3"]]) {
      const reused = await post("tx1", "s2", registerKey, { ...first, items });
      expectError(reused, 422, "IDEMPOTENCY_KEY_REUSED");
    }
    // In an offline upload too.
    const upload = await call("POST", "/v1/events/tx1/sessions/s2/transactions/batch", { key: registerKey, body: { transactions: [{ ...first, items: ["X2"] }] } });
    expect(upload.body.results[0]).toMatchObject({ status: 422, error: { code: "IDEMPOTENCY_KEY_REUSED" } });
    const s2 = (await call("GET", "/v1/events/tx1/sessions/s2")).body.metadata;
    expect(s2).toMatchObject({ transactionCount: 0, soldCount: 0, totalSales: 0 });
    // A void addressed to s2 cannot reach s1's sale.
    expectError(await call("POST", `/v1/events/tx1/sessions/s2/transactions/${first.id}/void`, { key: registerKey, body: { reason: "x" } }), 404, "NOT_FOUND");
    // The owner still answers the replay.
    const replay = await post("tx1", "s1", registerKey, first);
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    // A fresh id sells X2 normally, and the earlier consignor's balance never moved.
    const fresh = await post("tx1", "s2", registerKey, { ...first, id: txId(), items: ["X2"] });
    expect(fresh.status).toBe(201);
    await waitForCalculations("tx1", [fresh.body.id]);
    expect((await balances("tx1")).c1).toBe(balancesBefore.c1);
    expect((await call("GET", "/v1/events/tx1/items/X1")).body).toMatchObject({ status: "sold", soldTransactionId: first.id, soldSessionId: "s1" });
  });

  it("keeps answering a replay with 200 after the session was archived and pruned", async () => {
    const { registerKey } = await seedEvent("tx2", [item("Y1", "c1", 1000), item("Y2", "c2", 2000)]);
    await createSession("tx2", "s1");
    const sale = { id: txId(), registerId: "r1", shopperCode: "S1", items: ["Y1", "Y2"] };
    const made = await post("tx2", "s1", registerKey, sale);
    expect(made.status).toBe(201);
    await waitForCalculations("tx2", [sale.id]);
    expect((await call("POST", "/v1/events/tx2/sessions/s1/complete")).status).toBe(200);
    const run = (await call("POST", "/v1/archive", { body: { force: true } })).body.instanceId;
    await vi.waitFor(async () => expect((await call("GET", `/v1/archive/${run}`)).body.status).toBe("complete"), { timeout: 20_000, interval: 50 });
    const pruned = await runInDurableObject(env.SALE_SESSION.getByName("tx2:s1"), (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM transactions").one().n);
    expect(pruned).toBe(0);

    const replay = await post("tx2", "s1", registerKey, { ...sale, items: ["Y2", "Y1"] });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body).toEqual(made.body);
    expectError(await post("tx2", "s1", registerKey, { ...sale, items: ["Y1"] }), 422, "IDEMPOTENCY_KEY_REUSED");
    expect((await call("GET", `/v1/events/tx2/sessions/s1/transactions/${sale.id}`)).body).toEqual(made.body);
    // And the next session still refuses the id.
    await createSession("tx2", "s2");
    expectError(await post("tx2", "s2", registerKey, { ...sale, items: ["Y1"] }), 422, "IDEMPOTENCY_KEY_REUSED");
  });
});

describe("holds belong to the key that made them", () => {
  it("lets only that key sell under it or release it (or an admin release it); registerId is a label", async () => {
    const { registerKey } = await seedEvent("hk", [item("K1", "c1", 1000), item("K2", "c2", 2000)]);
    const other = (await call("POST", "/v1/events/hk/api-keys", { body: { role: "register", label: "register 2" } })).body.key as string;
    await createSession("hk", "s1");
    const base = "/v1/events/hk/sessions/s1";
    expect((await call("POST", `${base}/holds`, { key: registerKey, body: { id: "h1", registerId: "front", items: ["K1"] } })).status).toBe(201);
    // Another key, claiming the same register label: cannot reuse the hold id, release it, or sell under it.
    expectError(await call("POST", `${base}/holds`, { key: other, body: { id: "h1", registerId: "front", items: ["K1"] } }), 422, "IDEMPOTENCY_KEY_REUSED");
    expectError(await call("DELETE", `${base}/holds/h1`, { key: other }), 403, "FORBIDDEN");
    const stolen = await post("hk", "s1", other, { id: txId(), registerId: "front", shopperCode: "S", items: ["K1"], holdId: "h1" });
    expectError(stolen, 409, "ITEM_UNAVAILABLE");
    expect(stolen.body.error.details.reasons).toEqual({ K1: "held" });
    expect((await call("GET", base)).body.metadata).toMatchObject({ activeHolds: 1, transactionCount: 0 });
    // The key that made it sells under it, whatever label it uses.
    expect((await post("hk", "s1", registerKey, { id: txId(), registerId: "front-2", shopperCode: "S", items: ["K1"], holdId: "h1" })).status).toBe(201);
    // An admin may release another key's hold.
    expect((await call("POST", `${base}/holds`, { key: other, body: { id: "h2", registerId: "back", items: ["K2"] } })).status).toBe(201);
    const released = await call("DELETE", `${base}/holds/h2`);
    expect(released.status).toBe(200);
    expect(released.body.status).toBe("released");
  });
});
