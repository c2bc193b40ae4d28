// Consignor fees in the nightly archive: the ledger's fee entries belong to no sale, so they are
// archived as the event's pseudo-session `fees` — ledger entries only, into the same D1 table and
// R2 parts as any session's, with a manifest and the check by content — copied again when a fee
// changes, and left alone when nothing did. Months later D1 alone adds up to every payout.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { type ArchiveManifest } from "../schemas/archive";
import { verifyArchive } from "../workflows/archive-store";
import { archivedRows, archiveNow, call, checkout, createSession, expectError, item, seedEvent } from "./helpers";

const statement = async (eventId: string, consignorId: string) => (await call("GET", `/v1/events/${eventId}/consignors/${consignorId}/statement`)).body;
const d1Entries = async (eventId: string, sessionId: string) =>
  (await env.DB.prepare("SELECT consignor_id, tx_id, kind, amount, batch_id FROM ledger_entries WHERE event_id = ? AND session_id = ? ORDER BY seq").bind(eventId, sessionId).all())
    .results;

describe("consignor fees in the nightly archive", () => {
  it("are archived as session `fees`, copied again when a fee changes, and D1 adds up to the payouts", async () => {
    const { registerKey } = await seedEvent("arcfee", [item("af-1", "c1", 2000), item("af-2", "c2", 500)]);
    expect((await call("PUT", "/v1/events/arcfee/fees", { body: { consignorFee: 1000 } })).status).toBe(200);
    await createSession("arcfee", "s1");
    expect((await checkout("arcfee", "s1", registerKey, ["af-1", "af-2"])).status).toBe(201);
    await vi.waitFor(async () => expect((await statement("arcfee", "c2")).items).toHaveLength(1), { timeout: 8000, interval: 25 });
    expect((await call("POST", "/v1/events/arcfee/sessions/s1/complete")).status).toBe(200);

    const run = await archiveNow();
    expect(run.failed).toEqual([]);
    const fees = run.sessions.find((s) => s.eventId === "arcfee" && s.sessionId === "fees");
    expect(fees).toMatchObject({ pruned: false, reason: expect.stringContaining("fee"), rows: 3 });
    expect(run.sessions.find((s) => s.eventId === "arcfee" && s.sessionId === "s1")).toMatchObject({ pruned: true });
    // One fee entry per consignor (c1, c2, c3), nothing else under `fees`, nothing of the fees under s1.
    expect(await d1Entries("arcfee", "fees")).toEqual(
      ["c1", "c2", "c3"].map((c) => ({ consignor_id: c, tx_id: "fee", kind: "fee", amount: -1000, batch_id: "fee-1" })),
    );
    expect((await d1Entries("arcfee", "s1")).map((e) => e.kind)).toEqual(["sale", "sale"]);
    // R2 holds the same, listed by a manifest that the check by content accepts.
    const got = await call("GET", "/v1/archive/manifests/arcfee/fees");
    expect(got.status).toBe(200);
    const manifest = got.body as ArchiveManifest;
    expect(manifest.kinds.ledger_entries.count).toBe(3);
    expect([manifest.kinds.transactions.count, manifest.kinds.calculations.count, manifest.kinds.audit.count]).toEqual([0, 0, 0]);
    const lines = (await Promise.all(manifest.kinds.ledger_entries.parts.map((p) => archivedRows(env.ARCHIVE, p.key)))).flat();
    expect(lines.map((l) => [l.sessionId, l.consignor_id, l.amount])).toEqual([["fees", "c1", -1000], ["fees", "c2", -1000], ["fees", "c3", -1000]]);
    await expect(verifyArchive(env, { eventId: "arcfee", sessionId: "fees" }, manifest)).resolves.toMatchObject({ rows: 3 });

    // Nothing changed: the next run leaves the fees alone.
    expect((await archiveNow()).sessions.find((s) => s.eventId === "arcfee")).toBeUndefined();

    // The fee lowered, and c3 waived: the differences are entries, copied the next night.
    expect((await call("PUT", "/v1/events/arcfee/fees", { body: { consignorFee: 400 } })).status).toBe(200);
    expect((await call("PUT", "/v1/events/arcfee/consignors/c3", { body: { name: "Consignor c3", tier: "super", fee: 0 } })).status).toBe(200);
    const again = await archiveNow();
    // 3 entries of 1,000, 3 of +600 (to 400), 1 of +400 (c3 to 0).
    expect(again.sessions.find((s) => s.eventId === "arcfee" && s.sessionId === "fees")).toMatchObject({ rows: 7 });
    // D1 alone gives each consignor's balance, as the ledger does: sales and fees.
    for (const consignorId of ["c1", "c2", "c3"]) {
      const live = (await statement("arcfee", consignorId)).totals.balance;
      const archived = await env.DB.prepare("SELECT COALESCE(SUM(amount), 0) AS n FROM ledger_entries WHERE event_id = ? AND consignor_id = ?").bind("arcfee", consignorId).first<{ n: number }>();
      expect({ consignorId, balance: archived?.n }).toEqual({ consignorId, balance: live });
    }
    expect((await statement("arcfee", "c1")).totals.balance).toBe(1200 - 400);
  });

  it("keeps the session id `fees` for the archive's fees", async () => {
    await seedEvent("arcfeeid", [item("x-1", "c1", 100)]);
    const refused = await call("POST", "/v1/events/arcfeeid/sessions", { body: { id: "fees", name: "Fees", startTime: 0, endTime: 1 } });
    expectError(refused, 400, "VALIDATION_FAILED");
    expect(refused.body.error.details.issues).toEqual([expect.objectContaining({ path: "body.id", message: expect.stringContaining("fees") })]);
  });
});
