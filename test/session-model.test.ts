import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { salePriceOf } from "../lib/money";
import { call, item, seedEvent } from "./helpers";

/**
 * Model-based test of one sale session: random holds, releases, checkouts, voids and hold expiries
 * from several registers, run against the real object through the HTTP API and against a plain
 * model. After every step the answer must match the model's, the item statuses must match, and
 * invariants 1 and 2 (ARCHITECTURE.md, "Invariants") must hold in the object's own storage. Each run
 * is a full-price or a discount session.
 */

// M3 and M6 do not allow a discount: they sell at their tag price in every session.
const ITEMS = [
  item("M1", "c1", 1000),
  item("M2", "c2", 2599),
  { ...item("M3", "c3", 333), discountAllowed: false },
  item("M4", "c1", 1),
  item("M5", "c2", 50_000),
  { ...item("M6", "c3", 777), discountAllowed: false },
];
const ITEM_IDS = ITEMS.map((i) => i.id);
/** What each item sells for in a session with `discount` off. */
const priceIn = (discount: number) =>
  new Map(ITEMS.map((i) => [i.id, i.discountAllowed === false ? i.price : salePriceOf(i.price, discount)]));
const REGISTERS = ["reg-a", "reg-b", "reg-c"];

type Op =
  | { kind: "hold"; hold: string; register: string; items: string[] }
  | { kind: "release"; hold: string }
  | { kind: "checkout"; tx: number; register: string; items: string[]; hold: string | null }
  | { kind: "void"; tx: number }
  | { kind: "expire" };

const cart = fc.uniqueArray(fc.constantFrom(...ITEM_IDS), { minLength: 1, maxLength: 3 });
const holdId = fc.constantFrom("h0", "h1", "h2", "h3");
const register = fc.constantFrom(...REGISTERS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("hold" as const), hold: holdId, register, items: cart }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const), hold: holdId }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("checkout" as const), tx: fc.nat(7), register, items: cart, hold: fc.option(holdId, { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("void" as const), tx: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "expire" as const }) },
);

type ItemState = { status: "available" | "pending" | "sold"; hold?: string; register?: string };

class Model {
  items = new Map<string, ItemState>(ITEM_IDS.map((id) => [id, { status: "available" }]));
  holds = new Map<string, { register: string; items: string[]; active: boolean }>();
  txs = new Map<number, { register: string; items: string[]; hold: string | null; voided: boolean }>();

  /** The status the API must answer with for `o`, applying it to the model. */
  apply(o: Op): number {
    switch (o.kind) {
      case "hold": {
        const existing = this.holds.get(o.hold);
        if (existing) return existing.register === o.register && sameSet(existing.items, o.items) ? 200 : 422;
        if (o.items.some((id) => this.items.get(id)!.status !== "available")) return 409;
        for (const id of o.items) this.items.set(id, { status: "pending", hold: o.hold, register: o.register });
        this.holds.set(o.hold, { register: o.register, items: o.items, active: true });
        return 201;
      }
      case "release": {
        const hold = this.holds.get(o.hold);
        if (!hold) return 404;
        this.endHold(o.hold);
        return 200;
      }
      case "checkout": {
        const existing = this.txs.get(o.tx);
        if (existing) return existing.register === o.register && existing.hold === o.hold && sameSet(existing.items, o.items) ? 200 : 422;
        const takeable = (id: string) => {
          const s = this.items.get(id)!;
          return s.status === "available" || (s.status === "pending" && s.hold === o.hold && s.register === o.register);
        };
        if (!o.items.every(takeable)) return 409;
        for (const id of o.items) this.items.set(id, { status: "sold" });
        if (o.hold) this.endHold(o.hold);
        this.txs.set(o.tx, { register: o.register, items: o.items, hold: o.hold, voided: false });
        return 201;
      }
      case "void": {
        const tx = this.txs.get(o.tx);
        if (!tx) return 404;
        if (!tx.voided) for (const id of tx.items) this.items.set(id, { status: "available" });
        tx.voided = true;
        return 200;
      }
      case "expire":
        for (const id of this.holds.keys()) this.endHold(id);
        return 200;
    }
  }

  private endHold(id: string) {
    const hold = this.holds.get(id);
    if (!hold?.active) return;
    hold.active = false;
    for (const [itemId, s] of this.items) if (s.status === "pending" && s.hold === id) this.items.set(itemId, { status: "available" });
  }
}

function sameSet(a: string[], b: string[]) {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

const txUuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

let run = 0;

describe("sale session model", () => {
  it("matches a simple model and keeps invariants 1 and 2 after every step", async () => {
    await fc.assert(
      // Full price, a quarter off, or the half-price day.
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), fc.constantFrom(0, 2500, 5000), async (ops, discount) => {
        const eventId = `model-${++run}`;
        await seedEvent(eventId, ITEMS);
        // Each register has its own key: a hold belongs to the key that made it.
        const keys: Record<string, string> = {};
        for (const r of REGISTERS) keys[r] = (await call("POST", `/v1/events/${eventId}/api-keys`, { body: { role: "register", label: r } })).body.key;
        const registerKey = keys[REGISTERS[0]!]!;
        const created = await call("POST", `/v1/events/${eventId}/sessions`, { body: { id: "s1", name: "S1", startTime: 1, endTime: 2, discount } });
        expect(created.status).toBe(201);
        expect((await call("POST", `/v1/events/${eventId}/sessions/s1/start`)).status).toBe(200);
        const PRICE = priceIn(discount);
        const stub = env.SALE_SESSION.getByName(`${eventId}:s1`);
        const base = `/v1/events/${eventId}/sessions/s1`;
        const model = new Model();

        for (const [step, o] of ops.entries()) {
          const expected = model.apply(o);
          let status: number;
          switch (o.kind) {
            case "hold":
              status = (await call("POST", `${base}/holds`, { key: keys[o.register], body: { id: o.hold, registerId: o.register, items: o.items } })).status;
              break;
            case "release":
              // Released by the register that made it (the model's holds keep their register).
              status = (await call("DELETE", `${base}/holds/${o.hold}`, { key: keys[model.holds.get(o.hold)?.register ?? REGISTERS[0]!] })).status;
              break;
            case "checkout": {
              const body = { id: txUuid(o.tx), registerId: o.register, shopperCode: "S-1", items: o.items, ...(o.hold ? { holdId: o.hold } : {}) };
              status = (await call("POST", `${base}/transactions`, { key: keys[o.register], body })).status;
              break;
            }
            case "void":
              status = (await call("POST", `${base}/transactions/${txUuid(o.tx)}/void`, { key: registerKey, body: { reason: "model" } })).status;
              break;
            case "expire":
              await runInDurableObject(stub, (_i, state) => {
                state.storage.sql.exec("UPDATE holds SET expires_at = 1 WHERE status = 'active'");
                state.storage.sql.exec("UPDATE items SET hold_expires_at = 1 WHERE hold_id IS NOT NULL");
              });
              await runDurableObjectAlarm(stub);
              status = 200;
              break;
          }
          expect({ step, op: o, status }).toEqual({ step, op: o, status: expected });

          const observed = await runInDurableObject(stub, (_i, state) => {
            const sql = state.storage.sql;
            return {
              session: sql.exec<{ sold_count: number; total_sales: number }>("SELECT sold_count, total_sales FROM session").one(),
              items: sql.exec<{ id: string; status: string; price: number }>("SELECT id, status, price FROM items ORDER BY id").toArray(),
              standing: sql.exec<{ total: number | null }>("SELECT SUM(total) AS total FROM transactions WHERE status = 'completed'").one().total ?? 0,
              doubles: sql
                .exec(
                  `SELECT ti.item_id FROM transaction_items ti JOIN transactions t ON t.id = ti.tx_id
                   WHERE t.status = 'completed' GROUP BY ti.item_id HAVING COUNT(*) > 1`,
                )
                .toArray().length,
            };
          });
          const sold = observed.items.filter((i) => i.status === "sold");
          // Invariant 1: at most one standing sale per item; soldCount equals the sold items.
          expect(observed.doubles).toBe(0);
          expect(observed.session.sold_count).toBe(sold.length);
          // Invariant 2: totalSales = Σ standing transaction totals = Σ prices of sold items.
          expect(observed.session.total_sales).toBe(observed.standing);
          expect(observed.session.total_sales).toBe(sold.reduce((sum, i) => sum + PRICE.get(i.id)!, 0));
          // Each item's price in the session is its sale price there.
          expect(observed.items.map((i) => [i.id, i.price])).toEqual(ITEM_IDS.map((id) => [id, PRICE.get(id)]));
          expect(Object.fromEntries(observed.items.map((i) => [i.id, i.status]))).toEqual(
            Object.fromEntries([...model.items].map(([id, s]) => [id, s.status])),
          );
        }
      }),
      { numRuns: 40 },
    );
  });
});
