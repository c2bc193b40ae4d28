import { env, introspectWorkflow, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { ArchiveManifest } from "../schemas/archive";
import { verifyArchive } from "../workflows/archive-store";
import { archivedRows, archiveNow, call, checkout, createSession, item, seedEvent } from "./helpers";

/** The archive waits for the ledger, keeps up with rows that change after it ran, and verifies content. */

const calculation = async (eventId: string, tx: string) => (await call("GET", `/v1/events/${eventId}/commissions/calculations/${tx}`)).body;
const waitFor = (eventId: string, tx: string, status: string) =>
  vi.waitFor(async () => expect((await calculation(eventId, tx)).status).toBe(status), { timeout: 5000, interval: 20 });
const sessionRows = (eventId: string) =>
  runInDurableObject(env.SALE_SESSION.getByName(`${eventId}:s1`), (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM transactions").one().n);

describe("the archive waits for the ledger", () => {
  it("archives but does not prune a session with a calculation in error, says why, and prunes it once the ledger is complete", async () => {
    const { registerKey } = await seedEvent("aw", [item("G1", "c1", 1000), item("G2", "c9", 800)]);
    await using retries = await introspectWorkflow(env.COMMISSION_RETRY);
    await retries.modifyAll(async (m) => {
      await m.disableRetryDelays();
    });
    await createSession("aw", "s1");
    const good = await checkout("aw", "s1", registerKey, ["G1"]);
    // c9 is not a consignor the ledger knows: the calculation ends in error.
    const orphan = await checkout("aw", "s1", registerKey, ["G2"]);
    await waitFor("aw", good.body.id, "completed");
    await waitFor("aw", orphan.body.id, "error");
    expect((await call("POST", "/v1/events/aw/sessions/s1/complete")).status).toBe(200);

    const first = await archiveNow();
    const mine = first.sessions.find((s) => s.eventId === "aw")!;
    expect(mine).toMatchObject({ pruned: false, reason: expect.stringContaining("1 calculation(s) in error") });
    expect(await sessionRows("aw")).toBe(2);
    const inD1 = await env.DB.prepare("SELECT status FROM calculations WHERE event_id = 'aw' AND tx_id = ?").bind(orphan.body.id).first<{ status: string }>();
    expect(inD1!.status).toBe("error");
    const note = await env.DB.prepare("SELECT archived_at, archive_note FROM sessions WHERE event_id = 'aw'").first<{ archived_at: number | null; archive_note: string }>();
    expect(note).toMatchObject({ archived_at: null, archive_note: expect.stringContaining("in error") });

    // The organizer fixes the cause; the calculation completes; the next run copies it and prunes.
    await call("PUT", "/v1/events/aw/consignors/c9", { body: { name: "Late", tier: "standard" } });
    expect((await call("POST", `/v1/events/aw/commissions/calculations/${orphan.body.id}/retry`)).status).toBe(202);
    await waitFor("aw", orphan.body.id, "completed");
    const second = await archiveNow();
    expect(second.sessions.find((s) => s.eventId === "aw")).toMatchObject({ pruned: true, reason: null });
    expect(await sessionRows("aw")).toBe(0);
    const updated = await env.DB.prepare("SELECT status, total_amount FROM calculations WHERE event_id = 'aw' AND tx_id = ?").bind(orphan.body.id).first();
    expect(updated).toEqual({ status: "completed", total_amount: 480 });
    const entries = await env.DB.prepare("SELECT SUM(amount) AS n FROM ledger_entries WHERE event_id = 'aw' AND consignor_id = 'c9'").first<{ n: number }>();
    expect(entries!.n).toBe(480);
  });

  it("brings rows that changed after they were archived to D1 and R2: an admin void, and entries made after the prune", async () => {
    const { registerKey } = await seedEvent("ch", [item("H1", "c1", 1000), item("H2", "c2", 2000), item("H3", "c9", 500)]);
    await createSession("ch", "s1");
    const a = await checkout("ch", "s1", registerKey, ["H1"]);
    const b = await checkout("ch", "s1", registerKey, ["H2"]);
    const c = await checkout("ch", "s1", registerKey, ["H3"]);
    await waitFor("ch", a.body.id, "completed");
    await waitFor("ch", b.body.id, "completed");
    await waitFor("ch", c.body.id, "error");
    expect((await call("POST", "/v1/events/ch/sessions/s1/complete")).status).toBe(200);
    expect((await archiveNow()).sessions.find((s) => s.eventId === "ch")!.pruned).toBe(false);

    // An admin voids a sale of the completed (archived, not pruned) session.
    expect((await call("POST", `/v1/events/ch/sessions/s1/transactions/${b.body.id}/void`, { body: { reason: "returned" } })).status).toBe(200);
    await vi.waitFor(async () => expect((await calculation("ch", b.body.id)).voided).toBe(true), { timeout: 5000, interval: 20 });
    await call("PUT", "/v1/events/ch/consignors/c9", { body: { name: "Late", tier: "standard" } });
    expect((await call("POST", `/v1/events/ch/commissions/calculations/${c.body.id}/retry`)).status).toBe(202);
    await waitFor("ch", c.body.id, "completed");
    const second = await archiveNow();
    expect(second.sessions.find((s) => s.eventId === "ch")).toMatchObject({ pruned: true });
    const voided = await env.DB.prepare("SELECT status, void_reason FROM transactions WHERE event_id = 'ch' AND id = ?").bind(b.body.id).first();
    expect(voided).toEqual({ status: "voided", void_reason: "returned" });
    const manifest = (await call("GET", "/v1/archive/manifests/ch/s1")).body as ArchiveManifest;
    const lines = await archivedRows(env.ARCHIVE, manifest.kinds.transactions.parts[0]!.key);
    expect(lines.find((l) => l.id === b.body.id)).toMatchObject({ status: "voided" });

    // After the prune: a tier change re-prices the session's sales with adjustment entries.
    expect((await call("PUT", "/v1/events/ch/consignors/c1", { body: { name: "Consignor c1", tier: "super" } })).status).toBe(200);
    await vi.waitFor(async () => {
      const statement = (await call("GET", "/v1/events/ch/consignors/c1/statement")).body;
      expect(statement.totals.adjustments).toBe(150);
    }, { timeout: 5000, interval: 20 });
    const third = await archiveNow();
    expect(third.sessions.find((s) => s.eventId === "ch")).toMatchObject({ pruned: true });
    const balances = await env.DB.prepare("SELECT consignor_id, SUM(amount) AS n FROM ledger_entries WHERE event_id = 'ch' GROUP BY consignor_id ORDER BY consignor_id").all();
    const live = (await call("GET", "/v1/events/ch/commissions")).body.consignors as { consignorId: string; balance: number }[];
    expect(balances.results).toEqual(live.filter((x) => x.balance !== 0 || x.consignorId === "c2").map((x) => ({ consignor_id: x.consignorId, n: x.balance })));
    const after = (await call("GET", "/v1/archive/manifests/ch/s1")).body as ArchiveManifest;
    expect(after.kinds.transactions).toEqual(manifest.kinds.transactions);
    expect(after.kinds.ledger_entries.count).toBe(manifest.kinds.ledger_entries.count + 1);
    // A fourth run finds nothing changed.
    expect((await archiveNow()).sessions.find((s) => s.eventId === "ch")).toBeUndefined();
  });

  it("verifies what D1 holds by content, not only by count", async () => {
    const { registerKey } = await seedEvent("vc", [item("C1", "c1", 1000)]);
    await createSession("vc", "s1");
    const sale = await checkout("vc", "s1", registerKey, ["C1"]);
    await waitFor("vc", sale.body.id, "completed");
    expect((await call("POST", "/v1/events/vc/sessions/s1/complete")).status).toBe(200);
    await archiveNow();
    const manifest = (await call("GET", "/v1/archive/manifests/vc/s1")).body as ArchiveManifest;
    await expect(verifyArchive(env, { eventId: "vc", sessionId: "s1" }, manifest)).resolves.toMatchObject({ rows: expect.any(Number) });
    // Same count, other content.
    await env.DB.prepare("UPDATE transactions SET total = total + 1 WHERE event_id = 'vc'").run();
    await expect(verifyArchive(env, { eventId: "vc", sessionId: "s1" }, manifest)).rejects.toThrow(/differ/);
    await env.DB.prepare("UPDATE transactions SET total = total - 1 WHERE event_id = 'vc'").run();
    await env.DB.prepare("UPDATE ledger_entries SET amount = amount + 1 WHERE event_id = 'vc'").run();
    await expect(verifyArchive(env, { eventId: "vc", sessionId: "s1" }, manifest)).rejects.toThrow(/differ/);
  });

  it("verifies by content rows whose text is awkward in JSON: quotes, backslashes, control characters, non-ASCII", async () => {
    // Quotes, backslashes, control characters, a slash, DEL, non-ASCII, an astral character, U+2028 and JSON-looking text.
    const awkward = 'a "quoted" \\ back\\slash\n\ttab\u0001\u001f / \u007f é 漢字 😀 \u2028 {"x":[1]} null';
    const items = [1, 2, 3].map((n) => ({ ...item(`W${n}`, "c1", 1000 + n), title: `${awkward} ${n}` }));
    const { registerKey } = await seedEvent("aj", items);
    await createSession("aj", "s1");
    const sale = await checkout("aj", "s1", registerKey, ["W1", "W2"], { shopperCode: awkward.slice(0, 60) });
    const other = await checkout("aj", "s1", registerKey, ["W3"]);
    await waitFor("aj", sale.body.id, "completed");
    await waitFor("aj", other.body.id, "completed");
    expect((await call("POST", `/v1/events/aj/sessions/s1/transactions/${other.body.id}/void`, { body: { reason: awkward } })).status).toBe(200);
    await vi.waitFor(async () => expect((await calculation("aj", other.body.id)).voided).toBe(true), { timeout: 5000, interval: 20 });
    expect((await call("POST", "/v1/events/aj/sessions/s1/complete")).status).toBe(200);
    const output = await archiveNow();
    expect(output.failed).toEqual([]);
    expect(output.sessions.find((s) => s.eventId === "aj")).toMatchObject({ pruned: true });
    const manifest = (await call("GET", "/v1/archive/manifests/aj/s1")).body as ArchiveManifest;
    await expect(verifyArchive(env, { eventId: "aj", sessionId: "s1" }, manifest)).resolves.toMatchObject({ rows: expect.any(Number) });
    const title = await env.DB.prepare("SELECT title FROM transaction_items WHERE event_id = 'aj' AND item_id = 'W2'").first<{ title: string }>();
    expect(title!.title).toBe(`${awkward} 2`);
  });

  it("goes on with the other sessions when one fails, reports it, and archives it next run", async () => {
    for (const eventId of ["fa", "fb"]) {
      const { registerKey } = await seedEvent(eventId, [item("F1", "c1", 1000)]);
      await createSession(eventId, "s1");
      const sale = await checkout(eventId, "s1", registerKey, ["F1"]);
      await waitFor(eventId, sale.body.id, "completed");
      expect((await call("POST", `/v1/events/${eventId}/sessions/s1/complete`)).status).toBe(200);
    }
    {
      await using workflows = await introspectWorkflow(env.ARCHIVE_WORKFLOW);
      await workflows.modifyAll(async (m) => {
        await m.disableRetryDelays();
        await m.mockStepError({ name: "archive transactions page 0 of fa/s1" }, new Error("R2 is down"));
      });
      const output = await archiveNow();
      expect(output.failed).toEqual([{ eventId: "fa", sessionId: "s1", error: expect.stringContaining("R2 is down") }]);
      expect(output.sessions.find((s) => s.eventId === "fb")).toMatchObject({ pruned: true });
    }
    const next = await archiveNow();
    expect(next.failed).toEqual([]);
    expect(next.sessions.find((s) => s.eventId === "fa")).toMatchObject({ pruned: true });
  });
});
