// Online (Shopify) sales in the nightly archive: the pseudo-session `online` of a Shopify-enabled
// event is archived like a register session (the same D1 tables and R2 parts, a manifest, the
// check by content), copied again when its sales or their calculations change, and never pruned.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { unwrap } from "../lib/errors";
import { ARCHIVE_KINDS, type ArchiveKind, type ArchiveManifest, type ArchivePage } from "../schemas/archive";
import { verifyArchive } from "../workflows/archive-store";
import { archivedRows, archiveNow, call, checkout, createSession, expectError } from "./helpers";
import { enabledEvent, orderOnline, refundLine, webhookSink } from "./shopify-helpers";

const { deliver } = webhookSink(["ORDERS_CREATE", "REFUNDS_CREATE"]);

type Row = Record<string, unknown>;
const statement = async (eventId: string) => (await call("GET", `/v1/events/${eventId}/consignors/c1/statement`)).body;

/** What D1 holds of one session of the event, per kind, in key order. */
async function inD1(eventId: string, sessionId: string): Promise<Record<ArchiveKind, Row[]>> {
  const sql: Record<ArchiveKind, string> = {
    transactions: "SELECT * FROM transactions WHERE event_id = ?1 AND session_id = ?2 ORDER BY id",
    transaction_items:
      "SELECT i.* FROM transaction_items i JOIN transactions t ON t.event_id = i.event_id AND t.id = i.tx_id WHERE i.event_id = ?1 AND t.session_id = ?2 ORDER BY i.tx_id, i.position",
    audit: "SELECT * FROM audit_log WHERE event_id = ?1 AND session_id = ?2 AND source IN ('session', 'shopify') ORDER BY seq",
    calculations: "SELECT * FROM calculations WHERE event_id = ?1 AND session_id = ?2 ORDER BY tx_id",
    ledger_entries: "SELECT * FROM ledger_entries WHERE event_id = ?1 AND session_id = ?2 ORDER BY seq",
  };
  const held = {} as Record<ArchiveKind, Row[]>;
  for (const kind of ARCHIVE_KINDS) held[kind] = (await env.DB.prepare(sql[kind]).bind(eventId, sessionId).all<Row>()).results;
  return held;
}

/** An NDJSON line of the online archive as D1 stores it. */
const asD1: Record<ArchiveKind, (line: Row) => Row> = {
  transactions: ({ eventId, sessionId, ...r }) => ({ event_id: eventId, session_id: sessionId, ...r }),
  transaction_items: ({ eventId, sessionId: _, ...r }) => ({ event_id: eventId, ...r }),
  audit: ({ eventId, sessionId, seq, ...r }) => ({ id: `shopify:${eventId}:${sessionId}:${seq}`, event_id: eventId, session_id: sessionId, source: "shopify", seq, ...r }),
  calculations: ({ eventId, sessionId: _, ...r }) => ({ event_id: eventId, ...r }),
  ledger_entries: ({ eventId, sessionId: _, batch_id, ...r }) => ({ event_id: eventId, ...r, batch_id: batch_id || null }),
};

/**
 * The manifest of the event's online archive, after checking that every R2 part of it holds, line
 * for line, what D1 holds, and that the manifest counts exactly D1's rows.
 */
async function onlineArchive(eventId: string): Promise<{ manifest: ArchiveManifest; d1: Record<ArchiveKind, Row[]> }> {
  const got = await call("GET", `/v1/archive/manifests/${eventId}/online`);
  expect(got.status).toBe(200);
  const manifest = got.body as ArchiveManifest;
  const d1 = await inD1(eventId, "online");
  const sort = (rows: Row[]) => rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)))).sort();
  for (const kind of ARCHIVE_KINDS) {
    const lines: Row[] = [];
    for (const part of manifest.kinds[kind].parts) lines.push(...(await archivedRows(env.ARCHIVE, part.key)));
    expect({ kind, count: manifest.kinds[kind].count }).toEqual({ kind, count: d1[kind].length });
    expect({ kind, rows: sort(lines.map(asD1[kind])) }).toEqual({ kind, rows: sort(d1[kind]) });
  }
  return { manifest, d1 };
}

describe("online sales in the nightly archive", () => {
  it("are archived like a register session's, copied again after a refund and a re-pricing, and never pruned", async () => {
    const { eventId, registerKey } = await enabledEvent("arcon", 4);
    const first = await orderOnline(eventId, "T0001", "12.34");
    await deliver("orders/create", `${eventId}-T0001`);
    await orderOnline(eventId, "T0002", "8.00");
    await deliver("orders/create", `${eventId}-T0002`);
    // A register session of the same event, archived (and pruned) alongside: nothing of either mixes.
    await createSession(eventId, "s1");
    const register = await checkout(eventId, "s1", registerKey, ["T0003"]);
    expect(register.status).toBe(201);
    // 60 % of $12.34 and $8.00 online, and of $10.50 at the register.
    await vi.waitFor(async () => expect((await statement(eventId)).totals.balance).toBe(740 + 480 + 630), { timeout: 10_000, interval: 50 });
    expect((await call("POST", `/v1/events/${eventId}/sessions/s1/complete`)).status).toBe(200);
    const online = ((await statement(eventId)).items as { transactionId: string; sessionId: string; itemId: string }[]).filter((i) => i.sessionId === "online");
    const txOf = (itemId: string) => online.find((i) => i.itemId === itemId)!.transactionId;
    expect(online).toHaveLength(2);

    const run = await archiveNow();
    expect(run.failed).toEqual([]);
    const channel = run.sessions.find((s) => s.eventId === eventId && s.sessionId === "online");
    expect(channel).toMatchObject({ pruned: false, reason: expect.stringContaining("online") });
    expect(run.sessions.find((s) => s.eventId === eventId && s.sessionId === "s1")).toMatchObject({ pruned: true });

    const { manifest, d1 } = await onlineArchive(eventId);
    expect(channel!.rows).toBe(ARCHIVE_KINDS.reduce((n, k) => n + manifest.kinds[k].count, 0));
    // The transactions and their items, in the shape a register session's take.
    expect(d1.transactions).toEqual(
      [
        { id: txOf("T0001"), total: 1234, commission_total: 740, shopper_code: first.name },
        { id: txOf("T0002"), total: 800, commission_total: 480, shopper_code: expect.any(String) },
      ]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((t) => ({
          event_id: eventId,
          session_id: "online",
          register_id: "shopify",
          hold_id: null,
          status: "completed",
          item_count: 1,
          created_at: expect.any(Number),
          actor: "system:shopify-orders",
          voided_at: null,
          void_reason: null,
          void_actor: null,
          ...t,
        })),
    );
    expect(d1.transaction_items).toContainEqual({
      event_id: eventId,
      tx_id: txOf("T0001"),
      position: 0,
      item_id: "T0001",
      consignor_id: "c1",
      title: "Item T0001",
      price: 1234,
      commission_rate: 6000,
      commission: 740,
      // The tag said $10.00 (the item's price here); Shopify charged $12.34.
      tag_price: 1000,
    });
    expect(d1.transaction_items).toHaveLength(2);
    expect(d1.calculations.map((c) => [c.tx_id, c.status, c.total_amount])).toEqual(
      [[txOf("T0001"), "completed", 740], [txOf("T0002"), "completed", 480]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(d1.ledger_entries.reduce((n, e) => n + Number(e.amount), 0)).toBe(740 + 480);
    // The Inventory's audit of the online sales (each item sold by its order line), under source `shopify`.
    expect(d1.audit.filter((a) => a.action === "sell").map((a) => a.entity_id).sort()).toEqual(["T0001", "T0002"]);
    for (const a of d1.audit) expect(a).toMatchObject({ source: "shopify", actor: "system:shopify-orders" });
    // Paged a row at a time, the Inventory gives the same rows once each, in key order.
    const inventory = env.INVENTORY.getByName(eventId);
    for (const kind of ["transactions", "transaction_items", "audit"] as const) {
      const whole = unwrap(await inventory.onlineArchivePage(kind, "", 2000));
      const paged: unknown[] = [];
      for (let after: string | null = ""; after !== null; ) {
        const page: ArchivePage = unwrap(await inventory.onlineArchivePage(kind, after, 1));
        paged.push(...page.rows);
        after = page.next;
      }
      expect({ kind, rows: paged }).toEqual({ kind, rows: whole.rows });
      expect(paged).toHaveLength(manifest.kinds[kind].count);
    }
    // The register session's rows stay its own.
    expect((await inD1(eventId, "s1")).transactions.map((t) => t.id)).toEqual([register.body.id]);
    // Verified by content, not only by count.
    await expect(verifyArchive(env, { eventId, sessionId: "online" }, manifest)).resolves.toMatchObject({ rows: channel!.rows });
    await env.DB.prepare("UPDATE transaction_items SET price = price + 1 WHERE event_id = ? AND item_id = 'T0002'").bind(eventId).run();
    await expect(verifyArchive(env, { eventId, sessionId: "online" }, manifest)).rejects.toThrow(/differ/);
    await env.DB.prepare("UPDATE transaction_items SET price = price - 1 WHERE event_id = ? AND item_id = 'T0002'").bind(eventId).run();

    // Read back as any transaction is: the online sale by its id under session `online`.
    const view = await call("GET", `/v1/events/${eventId}/sessions/online/transactions/${txOf("T0001")}`, { key: registerKey });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ id: txOf("T0001"), eventId, sessionId: "online", registerId: "shopify", status: "completed", total: 1234 });
    expect(view.body.items).toEqual([{ itemId: "T0001", consignorId: "c1", title: "Item T0001", price: 1234, tagPrice: 1000, commissionRate: 6000, commission: 740 }]);
    expectError(await call("GET", `/v1/events/${eventId}/sessions/online/transactions/${register.body.id}`), 404, "NOT_FOUND");
    // An online sale is voided by a refund on Shopify, not at a register.
    expectError(await call("POST", `/v1/events/${eventId}/sessions/online/transactions/${txOf("T0001")}/void`, { body: { reason: "x" } }), 409, "INVALID_TRANSITION");

    // Nothing changed: the next run leaves the online archive alone.
    expect((await archiveNow()).sessions.find((s) => s.eventId === eventId)).toBeUndefined();

    // A refund after the archive, and a tier change that re-prices the standing online sale.
    await refundLine(first, "12.34");
    await deliver("refunds/create", `${eventId}-T0001`);
    // And an order refunded before its own webhook came: the line is withdrawn, never a sale.
    const early = await orderOnline(eventId, "T0004", "5.00");
    await refundLine(early, "5.00");
    const sent = [...(await deliver("refunds/create", `${eventId}-T0004`)), ...(await deliver("orders/create", `${eventId}-T0004`))];
    await vi.waitFor(async () => {
      const ids = JSON.stringify(sent.map((d) => d.webhookId));
      expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM shopify_webhooks WHERE webhook_id IN (SELECT value FROM json_each(?))").bind(ids).first<{ n: number }>())?.n).toBe(sent.length);
    });
    await vi.waitFor(async () => expect((await statement(eventId)).totals.balance).toBe(480 + 630), { timeout: 10_000, interval: 50 });
    expect((await call("PUT", `/v1/events/${eventId}/consignors/c1`, { body: { name: "Consignor c1", tier: "volunteer" } })).status).toBe(200);
    await vi.waitFor(async () => expect((await statement(eventId)).totals.adjustments).toBe(80 + 105), { timeout: 10_000, interval: 50 });

    const again = await archiveNow();
    expect(again.failed).toEqual([]);
    expect(again.sessions.find((s) => s.eventId === eventId && s.sessionId === "online")).toMatchObject({ pruned: false });
    const after = await onlineArchive(eventId);
    expect(after.d1.transactions.find((t) => t.id === txOf("T0001"))).toMatchObject({
      status: "voided",
      voided_at: expect.any(Number),
      void_reason: "refunded on Shopify",
      void_actor: "system:shopify-orders",
    });
    expect(after.d1.calculations.find((c) => c.tx_id === txOf("T0001"))!.voided_at).toEqual(expect.any(Number));
    const entries = after.d1.ledger_entries as { tx_id: string; kind: string; amount: number }[];
    expect(entries.filter((e) => e.kind === "reversal")).toEqual([expect.objectContaining({ tx_id: txOf("T0001"), amount: -740 })]);
    expect(entries.filter((e) => e.kind === "adjustment")).toEqual([expect.objectContaining({ tx_id: txOf("T0002"), amount: 80 })]);
    expect(after.d1.audit.some((a) => a.action === "void" && a.entity_id === "T0001")).toBe(true);
    // The withdrawn line is in the audit trail, and is no transaction.
    expect(after.d1.audit.filter((a) => a.entity_id === "T0004").map((a) => a.action)).toEqual(["online-line-withdrawn"]);
    expect(after.d1.transactions.map((t) => t.id).sort()).toEqual([txOf("T0001"), txOf("T0002")].sort());
    expect(after.d1.transaction_items).toHaveLength(2);
    // D1's online rows add up to the live online balance.
    expect(entries.reduce((n, e) => n + e.amount, 0)).toBe(480 + 80);
    // The online sales themselves stay where redeliveries and refunds find them.
    expect((await call("GET", `/v1/events/${eventId}/sessions/online/transactions/${txOf("T0002")}`)).status).toBe(200);
  });

  it("keeps the session id `online` for the online channel", async () => {
    const { eventId } = await enabledEvent("arcid", 1);
    const refused = await call("POST", `/v1/events/${eventId}/sessions`, { body: { id: "online", name: "Online", startTime: 0, endTime: 1 } });
    expectError(refused, 400, "VALIDATION_FAILED");
    expect(refused.body.error.details.issues).toEqual([expect.objectContaining({ path: "body.id", message: expect.stringContaining("online sales") })]);
    // The online channel's own transactions are read under it, never a session object's.
    expectError(await call("GET", `/v1/events/${eventId}/sessions/online/transactions/${crypto.randomUUID()}`), 404, "NOT_FOUND");
  });
});
