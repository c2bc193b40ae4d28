import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { call, checkout, createSession, expectError, item, seedEvent } from "./helpers";

/**
 * The seams between sessions of one event: what holds inside one session must hold across all of
 * them (DESIGN §3, §6).
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
