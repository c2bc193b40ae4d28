import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, checkout, createSession, item, seedEvent } from "./helpers";

const ITEMS = 100_000;
const MAX_VALUE_BYTES = 128 * 1024;

/** The largest single value stored in any column of any table of a Durable Object, in bytes. */
async function largestStoredValue(stub: DurableObjectStub): Promise<{ table: string; column: string; bytes: number }> {
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    let largest = { table: "", column: "", bytes: 0 };
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray();
    for (const { name: table } of tables) {
      for (const { name: column } of sql.exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", table).toArray()) {
        const bytes = sql.exec<{ n: number | null }>(`SELECT MAX(LENGTH(CAST("${column}" AS BLOB))) AS n FROM "${table}"`).one().n ?? 0;
        if (bytes > largest.bytes) largest = { table, column, bytes };
      }
    }
    return largest;
  });
}

describe("a session of 100,000 items", () => {
  it("imports in chunks, starts, sells, and keeps every stored value under 128 KiB", async () => {
    const items = Array.from({ length: ITEMS }, (_, i) => item(`T${String(i).padStart(6, "0")}`, `c${(i % 3) + 1}`, 100 + (i % 5000)));
    const { registerKey } = await seedEvent("big", items);
    await createSession("big", "s1");
    const summary = (await call("GET", "/v1/events/big/sessions/s1", { key: registerKey })).body;
    expect(summary.metadata).toMatchObject({ itemCount: ITEMS, soldCount: 0 });

    const first = await checkout("big", "s1", registerKey, ["T000000", "T050000", "T099999"]);
    expect(first.status).toBe(201);
    expect(first.body.total).toBe(100 + 100 + 100 + 4999);
    const again = await checkout("big", "s1", registerKey, ["T099999"]);
    expect(again.status).toBe(409);
    expect((await call("GET", "/v1/events/big/sessions/s1", { key: registerKey })).body.metadata).toMatchObject({ itemCount: ITEMS, soldCount: 3 });

    for (const stub of [
      env.SALE_SESSION.getByName("big:s1"),
      env.INVENTORY.getByName("big"),
      env.COMMISSION_LEDGER.getByName("big"),
    ]) {
      const largest = await largestStoredValue(stub);
      expect(largest.bytes, `${largest.table}.${largest.column}`).toBeGreaterThan(0);
      expect(largest.bytes, `${largest.table}.${largest.column}`).toBeLessThanOrEqual(MAX_VALUE_BYTES);
    }
  }, 180_000);
});
