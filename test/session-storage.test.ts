import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { unwrap } from "../lib/errors";
import { call, checkout, createSession, item, seedEvent } from "./helpers";

const sessionStub = (eventId: string) => env.SALE_SESSION.getByName(`${eventId}:s1`);
type Row = Record<string, SqlStorageValue>;

const LINES = "SELECT * FROM transaction_items ORDER BY tx_id, position";
const objects = "SELECT type, name FROM sqlite_master WHERE name IN ('transaction_items', 'items_sold', 'transactions_by_time') ORDER BY name";

/**
 * Puts a session's storage back in the layout of schema version 5 (lines in their own table,
 * sold items in a partial index), as a session that ran before this version left it.
 */
function toVersion5(sql: SqlStorage) {
  sql.exec(`CREATE TABLE transaction_items_v5 (
    tx_id TEXT NOT NULL, position INTEGER NOT NULL, item_id TEXT NOT NULL, consignor_id TEXT NOT NULL,
    title TEXT NOT NULL, price INTEGER NOT NULL, commission_rate INTEGER NOT NULL, commission INTEGER NOT NULL,
    PRIMARY KEY (tx_id, position)
  ) WITHOUT ROWID`);
  // Written out of cart order, so the migration has to order the lines itself.
  sql.exec(
    "INSERT INTO transaction_items_v5 SELECT tx_id, position, item_id, consignor_id, title, price, commission_rate, commission FROM transaction_items ORDER BY tx_id, position DESC",
  );
  sql.exec("DROP VIEW transaction_items");
  sql.exec("ALTER TABLE transaction_items_v5 RENAME TO transaction_items");
  sql.exec("ALTER TABLE transactions DROP COLUMN lines");
  sql.exec("CREATE INDEX items_sold ON items (id) WHERE status = 'sold'");
  // What version 7 added (discount sessions).
  sql.exec("ALTER TABLE session DROP COLUMN discount");
  sql.exec("ALTER TABLE items DROP COLUMN tag_price");
  // What version 8 added (the organizer's list newest first).
  sql.exec("DROP INDEX transactions_by_time");
  // What version 9 added (sales uploaded after the session completed).
  sql.exec("DROP TABLE late_sales");
  sql.exec("UPDATE _schema SET version = 5");
}

describe("session storage", () => {
  it("keeps each transaction's lines in its row; a session stored before moves its lines there and keeps answering", async () => {
    const items = [item("M1", "c1", 1000), item("M2", "c2", 2599), item("M3", "c3", 333), item("M4", "c1", 4100), item("M5", "c2", 700)];
    const { registerKey } = await seedEvent("mig1", items);
    await createSession("mig1", "s1");
    const two = await checkout("mig1", "s1", registerKey, ["M2", "M1"]);
    const one = await checkout("mig1", "s1", registerKey, ["M3"]);
    expect([two.status, one.status]).toEqual([201, 201]);

    const before = await runInDurableObject(sessionStub("mig1"), (_instance, state) => {
      const sql = state.storage.sql;
      const stored = sql.exec<{ lines: string }>("SELECT lines FROM transactions WHERE id = ?", two.body.id).one();
      return { lines: sql.exec<Row>(LINES).toArray(), stored: JSON.parse(stored.lines), objects: sql.exec<Row>(objects).toArray() };
    });
    // The lines of a sale are in its row, in cart order; transaction_items reads them as rows.
    // The seventh element is the tag price (the price: a full-price session).
    expect(before.stored).toEqual([
      ["M2", "c2", "Item M2", 2599, 7000, 1819, 2599],
      ["M1", "c1", "Item M1", 1000, 6000, 600, 1000],
    ]);
    expect(before.objects).toEqual([
      { type: "view", name: "transaction_items" },
      { type: "index", name: "transactions_by_time" },
    ]);
    expect(before.lines).toHaveLength(3);
    expect(before.lines.filter((l) => l.tx_id === two.body.id)).toEqual([
      { tx_id: two.body.id, position: 0, item_id: "M2", consignor_id: "c2", title: "Item M2", price: 2599, commission_rate: 7000, commission: 1819, tag_price: 2599 },
      { tx_id: two.body.id, position: 1, item_id: "M1", consignor_id: "c1", title: "Item M1", price: 1000, commission_rate: 6000, commission: 600, tag_price: 1000 },
    ]);

    // The same session as version 5 stored it; the object wakes up again and migrates.
    await runInDurableObject(sessionStub("mig1"), (_instance, state) => {
      toVersion5(state.storage.sql);
      expect(state.storage.sql.exec<Row>(objects).toArray()).toEqual([
        { type: "index", name: "items_sold" },
        { type: "table", name: "transaction_items" },
      ]);
      state.abort("restart with the stored schema");
    }).catch((error: unknown) => expect(String(error)).toContain("restart with the stored schema"));

    const after = await runInDurableObject(sessionStub("mig1"), (_instance, state) => ({
      lines: state.storage.sql.exec<Row>(LINES).toArray(),
      objects: state.storage.sql.exec<Row>(objects).toArray(),
      version: state.storage.sql.exec<{ version: number }>("SELECT version FROM _schema").one().version,
    }));
    expect(after).toEqual({
      lines: before.lines,
      objects: [
        { type: "view", name: "transaction_items" },
        { type: "index", name: "transactions_by_time" },
      ],
      version: 9,
    });

    // Reads, replays, voids, the archive's pages and new sales work as before.
    expect((await call("GET", `/v1/events/mig1/sessions/s1/transactions/${two.body.id}`)).body).toEqual(two.body);
    const replay = await call("POST", "/v1/events/mig1/sessions/s1/transactions", {
      key: registerKey,
      body: { id: two.body.id, registerId: "reg-1", shopperCode: "S-100", items: ["M1", "M2"] },
    });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 200, body: two.body });
    const voided = await call("POST", `/v1/events/mig1/sessions/s1/transactions/${one.body.id}/void`, { key: registerKey, body: { reason: "test" } });
    expect(voided.body).toMatchObject({ status: "voided", items: one.body.items });
    const three = await checkout("mig1", "s1", registerKey, ["M3", "M4", "M5"]);
    expect(three.status).toBe(201);
    expect((await call("GET", "/v1/events/mig1/sessions/s1")).body.metadata).toMatchObject({
      totalSales: 2599 + 1000 + 333 + 4100 + 700,
      soldCount: 5,
      transactionCount: 3,
      voidCount: 1,
    });
  });

  it("pages a session's lines for the archive in (transaction, position) order, across transactions", async () => {
    const items = Array.from({ length: 7 }, (_, i) => item(`P${i}`, `c${(i % 3) + 1}`, 100 * (i + 1)));
    const { registerKey } = await seedEvent("pg1", items);
    await createSession("pg1", "s1");
    for (const cart of [["P0", "P1", "P2"], ["P3"], ["P4", "P5"], ["P6"]]) expect((await checkout("pg1", "s1", registerKey, cart)).status).toBe(201);
    expect((await call("POST", "/v1/events/pg1/sessions/s1/complete")).status).toBe(200);
    const all = await runInDurableObject(sessionStub("pg1"), (_instance, state) => state.storage.sql.exec<Row>(LINES).toArray());
    expect(all).toHaveLength(7);
    for (const size of [1, 2, 3, 5]) {
      const paged: Row[] = [];
      let after = "";
      for (let pages = 0; pages < 10; pages++) {
        const page = unwrap(await sessionStub("pg1").archivePage("transaction_items", after, size));
        paged.push(...page.rows);
        if (page.next === null) break;
        after = page.next;
      }
      expect(paged, `pages of ${size}`).toEqual(all);
    }
  });
});
