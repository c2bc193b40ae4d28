import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { TransactionCompleted } from "../schemas/messages";
import { call, seedEvent, txId } from "./helpers";

const ledger = (eventId: string) => env.COMMISSION_LEDGER.getByName(eventId);
type Row = Record<string, SqlStorageValue>;

const LINES = "SELECT * FROM calculation_items ORDER BY tx_id, position";
const objects = "SELECT type, name FROM sqlite_master WHERE name LIKE 'calculation%' ORDER BY name";
const STORED = [
  { type: "table", name: "calculations" },
  { type: "index", name: "calculations_completed" },
  { type: "index", name: "calculations_unfinished" },
  { type: "view", name: "calculation_items" },
].sort((a, b) => a.name.localeCompare(b.name));

const sale = (items: { itemId: string; consignorId: string; price: number }[]): TransactionCompleted => ({
  v: 1,
  type: "transaction.completed",
  eventId: "lm1",
  sessionId: "s1",
  transactionId: txId(),
  registerId: "reg-1",
  occurredAt: Date.now(),
  items: items.map((i) => ({ ...i, commissionRate: 6000 })),
  total: items.reduce((s, i) => s + i.price, 0),
  commissionTotal: 0,
});

/**
 * Puts a ledger's storage back in the layout of schema version 4 (lines in their own table,
 * indexed by consignor; calculations indexed by status), as a ledger that ran before left it.
 */
function toVersion4(sql: SqlStorage) {
  sql.exec(`CREATE TABLE calculation_items_v4 (
    tx_id TEXT NOT NULL, position INTEGER NOT NULL, item_id TEXT NOT NULL, consignor_id TEXT NOT NULL,
    price INTEGER NOT NULL, rate INTEGER NOT NULL, base_commission INTEGER NOT NULL, commission INTEGER NOT NULL,
    PRIMARY KEY (tx_id, position)
  ) WITHOUT ROWID`);
  // Written out of cart order, so the migration has to order the lines itself.
  sql.exec(
    "INSERT INTO calculation_items_v4 SELECT tx_id, position, item_id, consignor_id, price, rate, base_commission, commission FROM calculation_items ORDER BY tx_id, position DESC",
  );
  sql.exec("DROP VIEW calculation_items");
  sql.exec("ALTER TABLE calculation_items_v4 RENAME TO calculation_items");
  sql.exec("CREATE INDEX calculation_items_by_consignor ON calculation_items (consignor_id, tx_id)");
  sql.exec("ALTER TABLE calculations DROP COLUMN lines");
  sql.exec("DROP INDEX calculations_completed");
  sql.exec("DROP INDEX calculations_unfinished");
  sql.exec("CREATE INDEX calculations_by_status ON calculations (status, tx_id)");
  // What version 7 added (tag prices in the lines' view, fees).
  sql.exec("ALTER TABLE ledger_meta DROP COLUMN consignor_fee");
  sql.exec("ALTER TABLE consignors DROP COLUMN fee");
  sql.exec("UPDATE _schema SET version = 4");
}

const statement = async (consignor: string) => (await call("GET", `/v1/events/lm1/consignors/${consignor}/statement`)).body;
const calculationOf = async (tx: string) => (await call("GET", `/v1/events/lm1/commissions/calculations/${tx}`)).body;

describe("ledger storage", () => {
  it("keeps each calculation's lines in its row and indexes only unfinished ones by status; a ledger stored before moves there, and statements, re-pricing, counts and lists read it", async () => {
    await seedEvent("lm1", []);
    const a = sale([
      { itemId: "L1", consignorId: "c2", price: 1005 },
      { itemId: "L2", consignorId: "c1", price: 1001 },
      { itemId: "L3", consignorId: "c2", price: 40 },
    ]);
    const b = sale([{ itemId: "L4", consignorId: "c1", price: 333 }]);
    for (const m of [a, b]) expect((await ledger("lm1").recordSale(m)).ok).toBe(true);

    const before = await runInDurableObject(ledger("lm1"), (_instance, state) => {
      const sql = state.storage.sql;
      return {
        stored: JSON.parse(sql.exec<{ lines: string }>("SELECT lines FROM calculations WHERE tx_id = ?", a.transactionId).one().lines),
        lines: sql.exec<Row>(LINES).toArray(),
        objects: sql.exec<Row>(objects).toArray(),
      };
    });
    // c1 standard (60 %), c2 volunteer (70 %); base 60 %.
    // The seventh element is the tag price (the price: no discount here).
    expect(before.stored).toEqual([
      ["L1", "c2", 1005, 7000, 603, 704, 1005],
      ["L2", "c1", 1001, 6000, 601, 601, 1001],
      ["L3", "c2", 40, 7000, 24, 28, 40],
    ]);
    expect(before.objects).toEqual(STORED);
    expect(before.lines).toHaveLength(4);
    const seen = { c1: await statement("c1"), c2: await statement("c2"), a: await calculationOf(a.transactionId), b: await calculationOf(b.transactionId) };
    expect(seen.c2.items.map((i: { itemId: string }) => i.itemId)).toEqual(["L1", "L3"]);
    expect(seen.c2.totals).toMatchObject({ sales: 704 + 28, balance: 704 + 28 });
    expect(seen.a.items.map((i: { itemId: string; commission: number }) => [i.itemId, i.commission])).toEqual([["L1", 704], ["L2", 601], ["L3", 28]]);

    await runInDurableObject(ledger("lm1"), (_instance, state) => {
      toVersion4(state.storage.sql);
      expect(state.storage.sql.exec<Row>(objects).toArray()).toEqual([
        { type: "table", name: "calculation_items" },
        { type: "index", name: "calculation_items_by_consignor" },
        { type: "table", name: "calculations" },
        { type: "index", name: "calculations_by_status" },
      ]);
      state.abort("restart with the stored schema");
    }).catch((error: unknown) => expect(String(error)).toContain("restart with the stored schema"));

    const after = await runInDurableObject(ledger("lm1"), (_instance, state) => ({
      lines: state.storage.sql.exec<Row>(LINES).toArray(),
      objects: state.storage.sql.exec<Row>(objects).toArray(),
      version: state.storage.sql.exec<{ version: number }>("SELECT version FROM _schema").one().version,
    }));
    expect(after).toEqual({ lines: before.lines, objects: STORED, version: 7 });
    expect({ c1: await statement("c1"), c2: await statement("c2"), a: await calculationOf(a.transactionId), b: await calculationOf(b.transactionId) }).toEqual(seen);

    // Re-pricing one consignor after the move: c2 volunteer → super (75 %): 1005 → 754 (+50), 40 → 30 (+2).
    await call("PUT", "/v1/events/lm1/consignors/c2", { body: { name: "Consignor c2", tier: "super" } });
    await vi.waitFor(async () => expect((await call("GET", "/v1/events/lm1/commissions")).body.adjustmentsRunning).toBe(0), { timeout: 5000, interval: 20 });
    const c2 = await statement("c2");
    expect(c2.entries.filter((e: { kind: string }) => e.kind === "adjustment").map((e: { amount: number }) => e.amount)).toEqual([52]);
    expect(c2.totals.balance).toBe(754 + 30);
    expect((await statement("c1")).totals.balance).toBe(601 + 200);
    // Counted and listed by status as before.
    const summary = (await call("GET", "/v1/events/lm1/commissions")).body;
    expect(summary.calculations).toEqual({ pending: 0, completed: 2, error: 0 });
    const listed = async (status: string) =>
      (await call("GET", `/v1/events/lm1/commissions/calculations?status=${status}`)).body.calculations.map((c: { transactionId: string }) => c.transactionId);
    expect(await listed("completed")).toEqual([a.transactionId, b.transactionId].sort());
    expect(await listed("error")).toEqual([]);
  });
});
