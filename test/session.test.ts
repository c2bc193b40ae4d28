import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { SaleSession } from "../durable/sale-session";
import { call, checkout, createSession, expectError, item, seedEvent, txId } from "./helpers";

const sessionStub = (eventId: string, sessionId: string) => env.SALE_SESSION.getByName(`${eventId}:${sessionId}`);

async function itemStatus(eventId: string, itemId: string): Promise<string> {
  return (await call("GET", `/v1/events/${eventId}/items/${itemId}`)).body.status;
}

async function summary(eventId: string, sessionId: string) {
  return (await call("GET", `/v1/events/${eventId}/sessions/${sessionId}`)).body;
}

const items3 = () => [item("A1", "c1", 1000), item("A2", "c2", 2599), item("A3", "c3", 333)];

describe("session state machine", () => {
  it("refuses every transition the state machines do not list", async () => {
    await seedEvent("sm1", items3());
    await createSession("sm1", "s1", false);
    const base = "/v1/events/sm1/sessions/s1";
    expectError(await call("POST", `${base}/complete`), 409, "INVALID_TRANSITION");
    expect((await call("POST", `${base}/start`)).status).toBe(200);
    expectError(await call("POST", `${base}/start`), 409, "INVALID_TRANSITION");
    expect((await call("POST", `${base}/complete`)).status).toBe(200);
    expectError(await call("POST", `${base}/complete`), 409, "INVALID_TRANSITION");
    expectError(await call("POST", `${base}/cancel`), 409, "INVALID_TRANSITION");
    expectError(await call("POST", `${base}/start`), 409, "INVALID_TRANSITION");
    expect((await summary("sm1", "s1")).status).toBe("completed");
  });

  it("cancels an initial session, and never a cancelled one again", async () => {
    await seedEvent("sm2", items3());
    await createSession("sm2", "s1", false);
    const base = "/v1/events/sm2/sessions/s1";
    expect((await call("POST", `${base}/cancel`)).body.status).toBe("cancelled");
    expectError(await call("POST", `${base}/cancel`), 409, "INVALID_TRANSITION");
    expectError(await call("POST", `${base}/start`), 409, "INVALID_TRANSITION");
    expectError(await call("POST", `${base}/complete`), 409, "INVALID_TRANSITION");
  });

  it("cancels an active session only while no sale stands", async () => {
    const { registerKey } = await seedEvent("sm3", items3());
    await createSession("sm3", "s1");
    const sale = await checkout("sm3", "s1", registerKey, ["A1"]);
    expect(sale.status).toBe(201);
    expectError(await call("POST", "/v1/events/sm3/sessions/s1/cancel"), 409, "SESSION_HAS_SALES");
    expect((await summary("sm3", "s1")).status).toBe("active");
    const voided = await call("POST", `/v1/events/sm3/sessions/s1/transactions/${sale.body.id}/void`, { key: registerKey, body: { reason: "customer changed mind" } });
    expect(voided.status).toBe(200);
    expect((await call("POST", "/v1/events/sm3/sessions/s1/cancel")).body.status).toBe("cancelled");
  });

  it("refuses to start without rates, and while another session of the event runs", async () => {
    expect((await call("POST", "/v1/events", { body: { id: "sm4", name: "No rates" } })).status).toBe(201);
    expect((await call("PUT", "/v1/events/sm4/items", { body: { items: [item("X1", "c1", 500)] } })).status).toBe(200);
    await createSession("sm4", "s1", false);
    const refused = await call("POST", "/v1/events/sm4/sessions/s1/start");
    expectError(refused, 409, "INVALID_TRANSITION");
    expect(refused.body.error.details.reason).toBe("RATES_NOT_SET");
    expect(await itemStatus("sm4", "X1")).toBe("modifiable");

    expect((await call("PUT", "/v1/events/sm4/rates", { body: { base: 6000, volunteerBonus: 1000, superBonus: 1500 } })).status).toBe(200);
    expect((await call("POST", "/v1/events/sm4/sessions/s1/start")).status).toBe(200);
    await createSession("sm4", "s2", false);
    const second = await call("POST", "/v1/events/sm4/sessions/s2/start");
    expectError(second, 409, "INVALID_TRANSITION");
    expect(second.body.error.details.runningSession).toBe("s1");
  });

  it("refuses sales in sessions that are not active", async () => {
    const { registerKey } = await seedEvent("sm5", items3());
    await createSession("sm5", "s1", false);
    expectError(await checkout("sm5", "s1", registerKey, ["A1"]), 409, "SESSION_NOT_ACTIVE");
    expect((await call("POST", "/v1/events/sm5/sessions/s1/start")).status).toBe(200);
    expect((await call("POST", "/v1/events/sm5/sessions/s1/complete")).status).toBe(200);
    expectError(await checkout("sm5", "s1", registerKey, ["A1"]), 409, "SESSION_NOT_ACTIVE");
    expectError(
      await call("POST", "/v1/events/sm5/sessions/s1/holds", { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["A1"] } }),
      409,
      "SESSION_NOT_ACTIVE",
    );
    expect((await summary("sm5", "s1")).metadata.soldCount).toBe(0);
  });
});

describe("checkout", () => {
  it("lets exactly one of two racing registers sell an item", async () => {
    const { registerKey } = await seedEvent("co1", items3());
    await createSession("co1", "s1");
    const [a, b] = await Promise.all([
      checkout("co1", "s1", registerKey, ["A1", "A2"], { registerId: "reg-1" }),
      checkout("co1", "s1", registerKey, ["A2", "A3"], { registerId: "reg-2" }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error).toMatchObject({ code: "ITEM_UNAVAILABLE", details: { items: ["A2"], reasons: { A2: "sold" } } });
    const s = await summary("co1", "s1");
    const winner = a.status === 201 ? a : b;
    expect(s.metadata).toMatchObject({ soldCount: 2, totalSales: winner.body.total, transactionCount: 1 });
  });

  it("lets one of twenty concurrent registers win each item, never two", async () => {
    const { registerKey } = await seedEvent("co2", [item("B1", "c1", 100), item("B2", "c1", 200), item("B3", "c1", 300)]);
    await createSession("co2", "s1");
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => checkout("co2", "s1", registerKey, [`B${(i % 3) + 1}`], { registerId: `reg-${i}` })),
    );
    expect(attempts.filter((r) => r.status === 201)).toHaveLength(3);
    expect(attempts.filter((r) => r.status === 409)).toHaveLength(17);
    expect((await summary("co2", "s1")).metadata).toMatchObject({ soldCount: 3, totalSales: 600 });
  });

  it("replays the same transaction with 200 and refuses its id for another cart", async () => {
    const { registerKey } = await seedEvent("co3", items3());
    await createSession("co3", "s1");
    const body = { id: txId(), registerId: "reg-1", shopperCode: "S-7", items: ["A1", "A3"] };
    const first = await call("POST", "/v1/events/co3/sessions/s1/transactions", { key: registerKey, body });
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const again = await call("POST", "/v1/events/co3/sessions/s1/transactions", { key: registerKey, body: { ...body, items: ["A3", "A1"] } });
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const upper = await call("POST", "/v1/events/co3/sessions/s1/transactions", { key: registerKey, body: { ...body, id: body.id.toUpperCase() } });
    expect(upper.status).toBe(200);
    // ["A2"] is a cart that could be sold: only the id gives the reuse away, and nothing changes.
    for (const changed of [{ items: ["A1"] }, { items: ["A1", "A2"] }, { items: ["A2"] }, { shopperCode: "S-8" }, { registerId: "reg-2" }]) {
      expectError(await call("POST", "/v1/events/co3/sessions/s1/transactions", { key: registerKey, body: { ...body, ...changed } }), 422, "IDEMPOTENCY_KEY_REUSED");
    }
    expect((await summary("co3", "s1")).metadata).toMatchObject({ soldCount: 2, transactionCount: 1, totalSales: 1333 });
    expect(await itemStatus("co3", "A2")).toBe("locked");
    // A register retrying after the session ended still learns its sale went through.
    expect((await call("POST", "/v1/events/co3/sessions/s1/complete")).status).toBe(200);
    expect((await call("POST", "/v1/events/co3/sessions/s1/transactions", { key: registerKey, body })).status).toBe(200);
  });

  it("computes totals and commissions in cents with the tier's rate, rounding halves away from zero", async () => {
    // 60 % of 1001 = 600.6 → 601; 70 % of 1005 = 703.5 → 704; 75 % of 333 = 249.75 → 250.
    const { registerKey } = await seedEvent("co4", [item("R1", "c1", 1001), item("R2", "c2", 1005), item("R3", "c3", 333)]);
    await createSession("co4", "s1");
    const sale = await checkout("co4", "s1", registerKey, ["R1", "R2", "R3"]);
    expect(sale.body).toMatchObject({ total: 2339, commissionTotal: 1555 });
    expect(sale.body.items.map((i: { commissionRate: number; commission: number }) => [i.commissionRate, i.commission])).toEqual([
      [6000, 601],
      [7000, 704],
      [7500, 250],
    ]);
    const read = await call("GET", `/v1/events/co4/sessions/s1/transactions/${sale.body.id}`, { key: registerKey });
    expect(read.body).toEqual(sale.body);
  });

  it("voids: items back on the floor, counters corrected; registers only while active, admins after", async () => {
    const { registerKey } = await seedEvent("co5", items3());
    await createSession("co5", "s1");
    const sale = await checkout("co5", "s1", registerKey, ["A1", "A2"]);
    const path = `/v1/events/co5/sessions/s1/transactions/${sale.body.id}/void`;
    const voided = await call("POST", path, { key: registerKey, body: { reason: "wrong size" } });
    expect(voided.body).toMatchObject({ status: "voided", voidReason: "wrong size" });
    const again = await call("POST", path, { key: registerKey, body: { reason: "wrong size" } });
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await summary("co5", "s1")).metadata).toMatchObject({ soldCount: 0, totalSales: 0, totalCommissions: 0, voidCount: 1 });
    const resold = await checkout("co5", "s1", registerKey, ["A1"]);
    expect(resold.status).toBe(201);

    expect((await call("POST", "/v1/events/co5/sessions/s1/complete")).status).toBe(200);
    const late = `/v1/events/co5/sessions/s1/transactions/${resold.body.id}/void`;
    expectError(await call("POST", late, { key: registerKey, body: { reason: "late" } }), 409, "SESSION_NOT_ACTIVE");
    expect((await call("POST", late, { body: { reason: "refund at the desk" } })).status).toBe(200);
    expect((await summary("co5", "s1")).metadata).toMatchObject({ soldCount: 0, totalSales: 0, voidCount: 2 });
  });
});

describe("offline upload", () => {
  it("checks out each queued sale on its own, in order, idempotently", async () => {
    const { registerKey } = await seedEvent("up1", items3());
    await createSession("up1", "s1");
    const path = "/v1/events/up1/sessions/s1/transactions/batch";
    const sales = [
      { id: txId(), registerId: "reg-1", shopperCode: "S-1", items: ["A1"] },
      { id: txId(), registerId: "reg-1", shopperCode: "S-2", items: ["A1", "A2"] },
      { id: txId(), registerId: "reg-1", shopperCode: "S-3", items: ["A3"] },
    ];
    const first = await call("POST", path, { key: registerKey, body: { transactions: sales } });
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: { status: number }) => r.status)).toEqual([201, 409, 201]);
    expect(first.body.results[1].error).toMatchObject({ code: "ITEM_UNAVAILABLE", details: { items: ["A1"] } });
    expect(first.body.results[0].transaction).toMatchObject({ total: 1000, status: "completed" });
    // The register retries the whole upload: the sales that went through are replays.
    const again = await call("POST", path, { key: registerKey, body: { transactions: sales } });
    expect(again.body.results.map((r: { status: number }) => r.status)).toEqual([200, 409, 200]);
    expect((await summary("up1", "s1")).metadata).toMatchObject({ transactionCount: 2, soldCount: 2, totalSales: 1333 });
    await vi.waitFor(async () => expect(await itemStatus("up1", "A3")).toBe("sold"), { timeout: 5000, interval: 20 });
    expectError(await call("POST", path, { key: registerKey, body: { transactions: [sales[0], sales[0]] } }), 400, "VALIDATION_FAILED");
    expectError(await call("POST", path, { key: registerKey, body: { transactions: [] } }), 400, "VALIDATION_FAILED");
    expectError(await call("POST", path, { body: { transactions: sales } }), 403, "FORBIDDEN");
  });
});

describe("holds", () => {
  it("keeps held items from other registers until released", async () => {
    const { registerKey } = await seedEvent("ho1", items3());
    const secondKey = (await call("POST", "/v1/events/ho1/api-keys", { body: { role: "register", label: "register 2" } })).body.key as string;
    await createSession("ho1", "s1");
    const holds = "/v1/events/ho1/sessions/s1/holds";
    const held = await call("POST", holds, { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["A1", "A2"] } });
    expect(held.status).toBe(201);
    expect(held.body).toMatchObject({ status: "active", items: ["A1", "A2"] });
    const replay = await call("POST", holds, { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["A2", "A1"] } });
    expect(replay.status).toBe(200);
    expectError(await call("POST", holds, { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["A3"] } }), 422, "IDEMPOTENCY_KEY_REUSED");
    const other = await call("POST", holds, { key: secondKey, body: { id: "h2", registerId: "reg-2", items: ["A2", "A3"] } });
    expectError(other, 409, "ITEM_UNAVAILABLE");
    expect(other.body.error.details.items).toEqual(["A2"]);
    expectError(await checkout("ho1", "s1", secondKey, ["A1"], { registerId: "reg-2" }), 409, "ITEM_UNAVAILABLE");
    // Another register cannot borrow the hold id either.
    expectError(await checkout("ho1", "s1", secondKey, ["A1"], { registerId: "reg-2", holdId: "h1" }), 409, "ITEM_UNAVAILABLE");
    expect((await summary("ho1", "s1")).metadata.activeHolds).toBe(1);

    const released = await call("DELETE", `${holds}/h1`, { key: registerKey });
    expect(released.body.status).toBe("released");
    expect((await call("DELETE", `${holds}/h1`, { key: registerKey })).body.status).toBe("released");
    expectError(await call("DELETE", `${holds}/nope`, { key: registerKey }), 404, "NOT_FOUND");
    expect((await checkout("ho1", "s1", secondKey, ["A1"], { registerId: "reg-2" })).status).toBe(201);
  });

  it("sells from the register's own hold and frees what the cart left behind", async () => {
    const { registerKey } = await seedEvent("ho2", items3());
    await createSession("ho2", "s1");
    await call("POST", "/v1/events/ho2/sessions/s1/holds", { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["A1", "A2", "A3"] } });
    const sale = await checkout("ho2", "s1", registerKey, ["A1", "A2"], { registerId: "reg-1", holdId: "h1" });
    expect(sale.status).toBe(201);
    expect((await summary("ho2", "s1")).metadata).toMatchObject({ soldCount: 2, activeHolds: 0 });
    expect((await checkout("ho2", "s1", registerKey, ["A3"], { registerId: "reg-9" })).status).toBe(201);
  });

  it("expires holds by the object's alarm, with an audit record", async () => {
    const { registerKey } = await seedEvent("ho3", items3());
    await createSession("ho3", "s1");
    const held = await call("POST", "/v1/events/ho3/sessions/s1/holds", { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["A1"], ttlSeconds: 30 } });
    expect(held.body.expiresAt - held.body.createdAt).toBe(30_000);
    const stub = sessionStub("ho3", "s1");
    // Nothing is due yet: the alarm leaves the hold alone.
    await runDurableObjectAlarm(stub);
    expectError(await checkout("ho3", "s1", registerKey, ["A1"], { registerId: "reg-2" }), 409, "ITEM_UNAVAILABLE");
    // Let the hold's time run out (the clock cannot be moved in workerd, so its deadline is).
    await runInDurableObject(stub, (_instance: SaleSession, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = expires_at - 60000");
      state.storage.sql.exec("UPDATE items SET hold_expires_at = hold_expires_at - 60000 WHERE hold_id IS NOT NULL");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const audit = await runInDurableObject(stub, (_instance: SaleSession, state) =>
      state.storage.sql.exec<{ entity_id: string; actor: string }>("SELECT entity_id, actor FROM audit WHERE action = 'hold-expired'").toArray(),
    );
    expect(audit).toEqual([{ entity_id: "A1", actor: "system:hold-expiry" }]);
    expect((await summary("ho3", "s1")).metadata.activeHolds).toBe(0);
    expect((await checkout("ho3", "s1", registerKey, ["A1"], { registerId: "reg-2" })).status).toBe(201);
  });

  it("treats a hold past its deadline as gone even before the alarm runs", async () => {
    const { registerKey } = await seedEvent("ho4", items3());
    await createSession("ho4", "s1");
    await call("POST", "/v1/events/ho4/sessions/s1/holds", { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["A2"] } });
    await runInDurableObject(sessionStub("ho4", "s1"), (_instance: SaleSession, state) => {
      state.storage.sql.exec("UPDATE items SET hold_expires_at = 1 WHERE hold_id = 'h1'");
    });
    expect((await checkout("ho4", "s1", registerKey, ["A2"], { registerId: "reg-3" })).status).toBe(201);
  });
});

describe("outbox and the inventory", () => {
  it("tells the Inventory of each sale and void through the queue", async () => {
    const { registerKey } = await seedEvent("ob1", items3());
    await createSession("ob1", "s1");
    expect(await itemStatus("ob1", "A1")).toBe("locked");
    const sale = await checkout("ob1", "s1", registerKey, ["A1"]);
    await vi.waitFor(async () => expect(await itemStatus("ob1", "A1")).toBe("sold"), { timeout: 5000, interval: 20 });
    const stored = (await call("GET", "/v1/events/ob1/items/A1")).body;
    expect(stored).toMatchObject({ soldTransactionId: sale.body.id, soldSessionId: "s1" });
    await call("POST", `/v1/events/ob1/sessions/s1/transactions/${sale.body.id}/void`, { key: registerKey, body: { reason: "x" } });
    await vi.waitFor(async () => expect(await itemStatus("ob1", "A1")).toBe("locked"), { timeout: 5000, interval: 20 });
    await runInDurableObject(sessionStub("ob1", "s1"), (_instance: SaleSession, state) => {
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n).toBe(0);
    });
  });

  it("keeps a message whose send failed and sends it again from the alarm", async () => {
    const { registerKey } = await seedEvent("ob2", items3());
    await createSession("ob2", "s1");
    const stub = sessionStub("ob2", "s1");
    let refused = 0;
    await runInDurableObject(stub, (instance: SaleSession) => {
      instance.relay.send = async () => {
        refused++;
        throw new Error("queue unavailable");
      };
    });
    const sale = await checkout("ob2", "s1", registerKey, ["A2"]);
    expect(sale.status).toBe(201);
    // The relay tries three times, then leaves the row for the alarm.
    await vi.waitFor(() => expect(refused).toBe(3), { timeout: 5000, interval: 20 });
    const pending = await runInDurableObject(stub, async (instance: SaleSession, state) => {
      await instance.relay.flush().catch(() => undefined);
      return state.storage.sql.exec<{ body: string }>("SELECT body FROM outbox").toArray();
    });
    expect(pending).toHaveLength(1);
    expect(JSON.parse(pending[0]!.body)).toMatchObject({ type: "transaction.completed", transactionId: sale.body.id });
    expect(await itemStatus("ob2", "A2")).toBe("locked");

    await runInDurableObject(stub, async (instance: SaleSession) => {
      const { queueSender } = await import("../producers/outbox-relay");
      instance.relay.send = queueSender(env.TRANSACTIONS_QUEUE);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await vi.waitFor(async () => expect(await itemStatus("ob2", "A2")).toBe("sold"), { timeout: 5000, interval: 20 });
    await runInDurableObject(stub, (_instance: SaleSession, state) => {
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n).toBe(0);
    });
  });

  it("ends in the same state whatever order a sale, its void and a resale arrive in, however often", async () => {
    await seedEvent("ob3", items3());
    await createSession("ob3", "s1");
    const line = { itemId: "A1", consignorId: "c1", price: 1000, commissionRate: 6000 };
    const envelope = { v: 1 as const, eventId: "ob3", sessionId: "s1", registerId: "reg-1", items: [line] };
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const [n, order] of orders.entries()) {
      const x = txId();
      const y = txId();
      const inventory = env.INVENTORY.getByName("ob3");
      const messages = [
        () => inventory.applySale({ ...envelope, type: "transaction.completed", transactionId: x, occurredAt: 1000 + n * 10, total: 1000, commissionTotal: 600 }),
        () => inventory.applyVoid({ ...envelope, type: "transaction.voided", transactionId: x, occurredAt: 1001 + n * 10, reason: "void" }),
        () => inventory.applySale({ ...envelope, type: "transaction.completed", transactionId: y, occurredAt: 1002 + n * 10, total: 1000, commissionTotal: 600 }),
      ];
      for (const i of [...order!, ...order!]) expect((await messages[i]!()).ok).toBe(true);
      const stored = (await call("GET", "/v1/events/ob3/items/A1")).body;
      expect({ order, status: stored.status, tx: stored.soldTransactionId }).toEqual({ order, status: "sold", tx: y });
      // Void the resale too, so the next ordering starts from a locked item.
      await inventory.applyVoid({ ...envelope, type: "transaction.voided", transactionId: y, occurredAt: 1003 + n * 10, reason: "reset" });
      expect(await itemStatus("ob3", "A1")).toBe("locked");
    }
  });

  it("reports two standing sales of one item until the void arrives", async () => {
    await seedEvent("ob4", items3());
    await createSession("ob4", "s1");
    const inventory = env.INVENTORY.getByName("ob4");
    const envelope = { v: 1 as const, eventId: "ob4", sessionId: "s1", registerId: "reg-1", items: [{ itemId: "A2", consignorId: "c2", price: 2599, commissionRate: 7000 }] };
    const [x, y] = [txId(), txId()];
    await inventory.applySale({ ...envelope, type: "transaction.completed", transactionId: x, occurredAt: 10, total: 2599, commissionTotal: 1819 });
    const second = await inventory.applySale({ ...envelope, type: "transaction.completed", transactionId: y, occurredAt: 20, total: 2599, commissionTotal: 1819 });
    expect(second).toEqual({ ok: true, value: { applied: true, anomalies: [{ itemId: "A2", status: "sold", soldTransactionId: x }], rejected: [] } });
    expect((await call("GET", "/v1/events/ob4/items/A2")).body.soldTransactionId).toBe(y);
    await inventory.applyVoid({ ...envelope, type: "transaction.voided", transactionId: y, occurredAt: 30, reason: "void" });
    expect((await call("GET", "/v1/events/ob4/items/A2")).body).toMatchObject({ status: "sold", soldTransactionId: x });
  });
});

describe("sessions one after another", () => {
  it("offers the next session what the last one did not sell, and never what it sold", async () => {
    const { registerKey } = await seedEvent("nx1", [...items3(), item("A4", "c1", 50)]);
    await createSession("nx1", "s1");
    const sale = await checkout("nx1", "s1", registerKey, ["A1", "A2"]);
    const voidedSale = await checkout("nx1", "s1", registerKey, ["A3"]);
    await call("POST", `/v1/events/nx1/sessions/s1/transactions/${voidedSale.body.id}/void`, { key: registerKey, body: { reason: "x" } });
    expect(sale.status).toBe(201);
    // Complete at once: the Inventory settles from the session itself, not waiting for the queue.
    expect((await call("POST", "/v1/events/nx1/sessions/s1/complete")).status).toBe(200);
    expect(await itemStatus("nx1", "A1")).toBe("sold");
    // Added after the first session: still modifiable until the next one starts.
    expect((await call("PUT", "/v1/events/nx1/items", { body: { items: [item("A5", "c2", 75)] } })).status).toBe(200);
    await createSession("nx1", "s2");
    expect((await summary("nx1", "s2")).metadata.itemCount).toBe(3);
    expect(await itemStatus("nx1", "A5")).toBe("locked");
    const again = await checkout("nx1", "s2", registerKey, ["A1"]);
    expectError(again, 409, "ITEM_UNAVAILABLE");
    expect(again.body.error.details.reasons).toEqual({ A1: "unknown" });
    expect((await checkout("nx1", "s2", registerKey, ["A3", "A4", "A5"])).status).toBe(201);
  });

  it("starts the next session even when the Inventory never heard the last one end", async () => {
    const { registerKey } = await seedEvent("nx3", items3());
    await createSession("nx3", "s1");
    expect((await checkout("nx3", "s1", registerKey, ["A2"])).status).toBe(201);
    await vi.waitFor(async () => expect(await itemStatus("nx3", "A2")).toBe("sold"), { timeout: 5000, interval: 20 });
    expect((await call("POST", "/v1/events/nx3/sessions/s1/complete")).status).toBe(200);
    // Lose both the completion notice and the sale's queue message, as a crash could.
    await runInDurableObject(env.INVENTORY.getByName("nx3"), (_instance, state) => {
      state.storage.sql.exec("UPDATE sessions SET status = 'active', settled = 0 WHERE id = 's1'");
      state.storage.sql.exec("DELETE FROM sales");
      state.storage.sql.exec("UPDATE items SET status = 'locked', sold_tx_id = NULL, sold_session_id = NULL WHERE id = 'A2'");
    });
    await createSession("nx3", "s2");
    expect(await itemStatus("nx3", "A2")).toBe("sold");
    expect((await summary("nx3", "s2")).metadata.itemCount).toBe(2);
    expectError(await checkout("nx3", "s2", registerKey, ["A2"]), 409, "ITEM_UNAVAILABLE");
  });

  it("moves unsold items out with a transfer only between sessions", async () => {
    await seedEvent("nx2", items3());
    const patch = (body: object) => call("PATCH", "/v1/events/nx2/items/A3", { body });
    const v1 = (await call("GET", "/v1/events/nx2/items/A3")).body.version;
    expectError(await patch({ version: v1, status: "transfer" }), 409, "INVALID_TRANSITION");
    await createSession("nx2", "s1");
    const v2 = (await call("GET", "/v1/events/nx2/items/A3")).body.version;
    expectError(await patch({ version: v2, status: "transfer" }), 409, "INVALID_TRANSITION");
    expect((await call("POST", "/v1/events/nx2/sessions/s1/complete")).status).toBe(200);
    const moved = await patch({ version: v2, status: "transfer" });
    expect(moved.body).toMatchObject({ status: "transfer", version: v2 + 1 });
    expectError(await patch({ version: v2 + 1, status: "transfer" }), 409, "INVALID_TRANSITION");
    expectError(await patch({ version: v2 + 1, title: "renamed" }), 409, "ITEM_LOCKED");
    await createSession("nx2", "s2");
    expect((await summary("nx2", "s2")).metadata.itemCount).toBe(2);
  });
});

describe("audit", () => {
  it("records every state change of a session, its items, holds, transactions and inventory items with actor, time, before and after", async () => {
    const { registerKey } = await seedEvent("aud", items3());
    await createSession("aud", "s1");
    const base = "/v1/events/aud/sessions/s1";
    await call("POST", `${base}/holds`, { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["A1"] } });
    const sale = await checkout("aud", "s1", registerKey, ["A1"], { holdId: "h1" });
    await vi.waitFor(async () => expect(await itemStatus("aud", "A1")).toBe("sold"), { timeout: 5000, interval: 20 });
    await call("POST", `${base}/transactions/${sale.body.id}/void`, { key: registerKey, body: { reason: "wrong" } });
    await vi.waitFor(async () => expect(await itemStatus("aud", "A1")).toBe("locked"), { timeout: 5000, interval: 20 });
    await call("POST", `${base}/complete`);
    const registerKeyId = (await call("GET", "/v1/events/aud/api-keys")).body.keys[0].id;

    type Row = { at: number; actor: string; entity: string; entity_id: string; action: string; before: string | null; after: string | null };
    const trail = await runInDurableObject(sessionStub("aud", "s1"), (_i: SaleSession, state) =>
      state.storage.sql.exec<Row>("SELECT at, actor, entity, entity_id, action, before, after FROM audit ORDER BY seq").toArray(),
    );
    const summary = trail.map((r) => [r.actor, r.entity, r.entity_id, r.action, r.before && JSON.parse(r.before).status, r.after && JSON.parse(r.after).status]);
    expect(summary).toEqual([
      ["admin:bootstrap", "session", "s1", "create", null, "initial"],
      ["admin:bootstrap", "session", "s1", "start", "initial", "active"],
      [registerKeyId, "item", "A1", "hold", "available", "pending"],
      [registerKeyId, "hold", "h1", "create", null, "active"],
      [registerKeyId, "item", "A1", "sell", "pending", "sold"],
      [registerKeyId, "hold", "h1", "consumed", "active", "consumed"],
      [registerKeyId, "item", "A1", "void", "sold", "available"],
      [registerKeyId, "transaction", sale.body.id, "void", "completed", "voided"],
      ["admin:bootstrap", "session", "s1", "complete", "active", "completed"],
    ]);
    for (const row of trail) expect(row.at).toBeGreaterThan(0);

    const inventory = await runInDurableObject(env.INVENTORY.getByName("aud"), (_i, state) =>
      state.storage.sql.exec<Row>("SELECT at, actor, entity, entity_id, action, before, after FROM audit WHERE entity = 'item' AND entity_id = 'A1' ORDER BY seq").toArray(),
    );
    const status = (json: string | null) => (json ? (JSON.parse(json) as { status?: string }).status ?? "data" : null);
    expect(inventory.map((r) => [r.actor, r.action, status(r.before), status(r.after)])).toEqual([
      ["admin:bootstrap", "create", null, "data"],
      ["admin:bootstrap", "lock", "modifiable", "locked"],
      ["system:transactions-consumer", "sell", "locked", "sold"],
      ["system:transactions-consumer", "void", "sold", "locked"],
    ]);
    expect(JSON.parse(inventory[0]!.after!)).toMatchObject({ consignorId: "c1", price: 1000, title: "Item A1" });
  });
});


describe("what a register reads", () => {
  it("lists the event's sessions, and shows an item as scanned: title, tag price, price here, and whether it can be sold", async () => {
    const { registerKey } = await seedEvent("reads", [item("Q1", "c1", 1001), { ...item("Q2", "c2", 800), discountAllowed: false }, item("Q3", "c3", 300)]);
    await createSession("reads", "fri");
    expect((await call("POST", "/v1/events/reads/sessions/fri/complete")).status).toBe(200);
    const half = await call("POST", "/v1/events/reads/sessions", { body: { id: "sun", name: "Half", startTime: 1, endTime: 2, discount: 5000 } });
    expect(half.status).toBe(201);
    expect((await call("POST", "/v1/events/reads/sessions/sun/start")).status).toBe(200);
    const listed = await call("GET", "/v1/events/reads/sessions", { key: registerKey });
    expect(listed.body.sessions).toEqual([
      { id: "fri", name: "Session fri", status: "completed", discount: 0 },
      { id: "sun", name: "Half", status: "active", discount: 5000 },
    ]);

    const read = async (id: string) => (await call("GET", `/v1/events/reads/sessions/sun/items/${id}`, { key: registerKey })).body;
    expect(await read("Q1")).toEqual({ id: "Q1", title: "Item Q1", category: "clothing", size: "4T", tagPrice: 1001, price: 501, status: "available" });
    expect(await read("Q2")).toMatchObject({ tagPrice: 800, price: 800, status: "available" });
    const other = (await call("POST", "/v1/events/reads/api-keys", { body: { role: "register", label: "r2" } })).body.key;
    expect((await call("POST", "/v1/events/reads/sessions/sun/holds", { key: other, body: { id: "h1", registerId: "r2", items: ["Q3"] } })).status).toBe(201);
    expect((await read("Q3")).status).toBe("held");
    expect((await checkout("reads", "sun", registerKey, ["Q1"])).status).toBe(201);
    expect((await read("Q1")).status).toBe("sold");
    expectError(await call("GET", "/v1/events/reads/sessions/sun/items/Q9", { key: registerKey }), 404, "NOT_FOUND");
    const consignor = (await call("POST", "/v1/events/reads/api-keys", { body: { role: "consignor", consignorId: "c1", label: "c1" } })).body.key;
    expectError(await call("GET", "/v1/events/reads/sessions/sun/items/Q1", { key: consignor }), 403, "FORBIDDEN");
    expectError(await call("GET", "/v1/events/reads/sessions", { key: consignor }), 403, "FORBIDDEN");
  });
});
