import { env, introspectWorkflow, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { ARCHIVE_COLUMNS, ARCHIVE_KINDS, type ArchiveManifest } from "../schemas/archive";
import { exports } from "cloudflare:workers";
import { ADMIN, archivedRows, BASE, call, checkout, createSession, item, seedEvent } from "./helpers";

type Rows = Record<string, Record<string, unknown>[]>;

/** An ended session with sales, a void and a released hold, every calculation done. */
async function endedSession(eventId: string) {
  const { registerKey } = await seedEvent(eventId, [item("R1", "c1", 1000), item("R2", "c2", 2599), item("R3", "c3", 333), item("R4", "c1", 50)]);
  await createSession(eventId, "s1");
  const base = `/v1/events/${eventId}/sessions/s1`;
  await call("POST", `${base}/holds`, { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["R4"] } });
  await call("DELETE", `${base}/holds/h1`, { key: registerKey });
  const a = await checkout(eventId, "s1", registerKey, ["R1", "R2"]);
  const b = await checkout(eventId, "s1", registerKey, ["R3"]);
  await call("POST", `${base}/transactions/${b.body.id}/void`, { key: registerKey, body: { reason: "returned" } });
  for (const tx of [a.body.id, b.body.id]) {
    await vi.waitFor(async () => {
      const calc = (await call("GET", `/v1/events/${eventId}/commissions/calculations/${tx}`)).body;
      expect(calc.status).toBe("completed");
      if (tx === b.body.id) expect(calc.voided).toBe(true);
    }, { timeout: 5000, interval: 20 });
  }
  expect((await call("POST", `${base}/complete`)).status).toBe(200);
  return { registerKey, sold: a.body, voided: b.body };
}

/** What the objects hold for the session, as the archive should copy it. */
async function held(eventId: string): Promise<Rows> {
  const session = await runInDurableObject(env.SALE_SESSION.getByName(`${eventId}:s1`), (_i, state) => ({
    // A transaction's lines are in its row; the archive copies them as transaction_items.
    transactions: state.storage.sql.exec(`SELECT ${ARCHIVE_COLUMNS.transactions.join(", ")} FROM transactions ORDER BY id`).toArray(),
    transaction_items: state.storage.sql.exec("SELECT * FROM transaction_items ORDER BY tx_id, position").toArray(),
    audit: state.storage.sql.exec("SELECT * FROM audit ORDER BY seq").toArray(),
  }));
  const ledger = await runInDurableObject(env.COMMISSION_LEDGER.getByName(eventId), (_i, state) => ({
    calculations: state.storage.sql.exec("SELECT tx_id FROM calculations WHERE session_id = 's1' ORDER BY tx_id").toArray(),
    ledger_entries: state.storage.sql.exec("SELECT e.seq FROM entries e JOIN calculations c ON c.tx_id = e.tx_id WHERE c.session_id = 's1' ORDER BY seq").toArray(),
  }));
  return { ...session, ...ledger };
}

async function d1Counts(eventId: string) {
  const count = async (sql: string) => (await env.DB.prepare(sql).bind(eventId).first<{ n: number }>())!.n;
  return {
    transactions: await count("SELECT COUNT(*) AS n FROM transactions WHERE event_id = ?"),
    transaction_items: await count("SELECT COUNT(*) AS n FROM transaction_items WHERE event_id = ?"),
    audit: await count("SELECT COUNT(*) AS n FROM audit_log WHERE event_id = ? AND source = 'session'"),
    calculations: await count("SELECT COUNT(*) AS n FROM calculations WHERE event_id = ?"),
    ledger_entries: await count("SELECT COUNT(*) AS n FROM ledger_entries WHERE event_id = ?"),
  };
}

const countsOf = (rows: Rows) => Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.length]));

async function runArchive(force: boolean) {
  const started = await call("POST", "/v1/archive", { body: force ? { force: true } : {} });
  expect(started.status).toBe(201);
  return started.body.instanceId as string;
}

async function waitForRun(instanceId: string, status: "complete" | "errored") {
  await vi.waitFor(async () => expect((await call("GET", `/v1/archive/${instanceId}`)).body.status).toBe(status), { timeout: 20_000, interval: 50 });
  return (await call("GET", `/v1/archive/${instanceId}`)).body;
}

describe("nightly archive", () => {
  it("copies an ended session to R2 and D1, verifies it, prunes it, and keeps statements working", async () => {
    const { registerKey, sold } = await endedSession("ar1");
    const before = await held("ar1");
    expect(before.transactions).toHaveLength(2);
    const statementBefore = (await call("GET", "/v1/events/ar1/consignors/c2/statement")).body;

    const instanceId = await runArchive(false);
    const done = await waitForRun(instanceId, "complete");
    expect(done.output.sessions).toEqual([expect.objectContaining({ eventId: "ar1", sessionId: "s1" })]);
    // Tonight's run has run: asking again starts nothing.
    const again = await call("POST", "/v1/archive", { body: {} });
    expect(again.status).toBe(200);
    expect(again.body.instanceId).toBe(instanceId);

    expect(await d1Counts("ar1")).toEqual(countsOf(before));
    const manifest = (await (await env.ARCHIVE.get("archive/ar1/s1/manifest.json"))!.json()) as ArchiveManifest;
    for (const kind of ARCHIVE_KINDS) expect({ kind, count: manifest.kinds[kind].count }).toEqual({ kind, count: before[kind]!.length });
    // Read the NDJSON back: the session's own rows, exactly as the object held them.
    for (const kind of ["transactions", "transaction_items", "audit"] as const) {
      const lines: Record<string, unknown>[] = [];
      for (const part of manifest.kinds[kind].parts) lines.push(...(await archivedRows(env.ARCHIVE, part.key)));
      expect(lines).toEqual(before[kind]!.map((row) => ({ eventId: "ar1", sessionId: "s1", ...row })));
    }

    // D1 holds each archived row column for column, with its type: every kind, against its NDJSON.
    const expectedInD1: Record<(typeof ARCHIVE_KINDS)[number], { sql: string; row: (l: Record<string, unknown>) => Record<string, unknown> }> = {
      transactions: { sql: "SELECT * FROM transactions WHERE event_id = ? ORDER BY id", row: ({ eventId, sessionId, ...r }) => ({ event_id: eventId, session_id: sessionId, ...r }) },
      transaction_items: { sql: "SELECT * FROM transaction_items WHERE event_id = ? ORDER BY tx_id, position", row: ({ eventId, sessionId: _, ...r }) => ({ event_id: eventId, ...r }) },
      audit: {
        sql: "SELECT * FROM audit_log WHERE event_id = ? AND source = 'session' ORDER BY at, id",
        row: ({ eventId, sessionId, seq, ...r }) => ({ id: `session:${eventId}:${sessionId}:${seq}`, event_id: eventId, session_id: sessionId, source: "session", seq, ...r }),
      },
      calculations: { sql: "SELECT * FROM calculations WHERE event_id = ? ORDER BY tx_id", row: ({ eventId, sessionId: _, ...r }) => ({ event_id: eventId, ...r }) },
      ledger_entries: {
        sql: "SELECT * FROM ledger_entries WHERE event_id = ? ORDER BY seq",
        row: ({ eventId, sessionId: _, batch_id, ...r }) => ({ event_id: eventId, ...r, batch_id: batch_id || null }),
      },
    };
    for (const kind of ARCHIVE_KINDS) {
      const lines: Record<string, unknown>[] = [];
      for (const part of manifest.kinds[kind].parts) lines.push(...(await archivedRows(env.ARCHIVE, part.key)));
      const { results } = await env.DB.prepare(expectedInD1[kind].sql).bind("ar1").all();
      const sort = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)))).sort();
      expect({ kind, rows: sort(results) }).toEqual({ kind, rows: sort(lines.map(expectedInD1[kind].row)) });
    }

    // Pruned: no transactions or audit left in the object, but its summary and item statuses stay.
    const after = await held("ar1");
    expect(countsOf(after)).toMatchObject({ transactions: 0, transaction_items: 0, audit: 0 });
    const summary = (await call("GET", "/v1/events/ar1/sessions/s1", { key: registerKey })).body;
    expect(summary.metadata).toMatchObject({ soldCount: 2, totalSales: 3599, transactionCount: 2, voidCount: 1 });
    expect((await call("GET", "/v1/events/ar1/items/R1")).body).toMatchObject({ status: "sold", soldTransactionId: sold.id });
    expect((await call("GET", "/v1/events/ar1/consignors/c2/statement")).body).toEqual(statementBefore);
    const row = await env.DB.prepare("SELECT archived_at FROM sessions WHERE event_id = 'ar1' AND id = 's1'").first<{ archived_at: number | null }>();
    expect(row!.archived_at).not.toBeNull();
  });

  const steps = [
    "find the sessions to archive",
    "archive transactions page 0 of ar2/s1",
    "archive transaction_items page 0 of ar2/s1",
    "archive audit page 0 of ar2/s1",
    "archive calculations page 0 of ar2/s1",
    "archive ledger_entries page 0 of ar2/s1",
    "write the manifest of ar2/s1",
    "verify the archive of ar2/s1",
    "check the ledger is complete for ar2/s1",
    "prune the archived rows of ar2/s1",
    "record the archive of ar2/s1 in D1",
  ];

  it("ends with every row exactly once, and nothing pruned early, whichever step fails first", async () => {
    await endedSession("ar2");
    const before = await held("ar2");
    for (const failing of steps) {
      {
        await using workflows = await introspectWorkflow(env.ARCHIVE_WORKFLOW);
        await workflows.modifyAll(async (m) => {
          await m.disableRetryDelays();
          await m.mockStepError({ name: failing }, new Error(`injected failure in: ${failing}`));
        });
        const instanceId = await runArchive(true);
        if (failing === steps[0]) await waitForRun(instanceId, "errored");
        else {
          // The session's failure is reported in the run's output; the run itself completes.
          const run = await waitForRun(instanceId, "complete");
          expect(run.output.failed).toEqual([{ eventId: "ar2", sessionId: "s1", error: expect.stringContaining("injected failure") }]);
        }
        // The session is pruned only after its archive was verified (and the ledger checked).
        const prunedNow = countsOf(await held("ar2")).transactions === 0;
        expect({ failing, pruned: prunedNow }).toEqual({ failing, pruned: failing.startsWith("record") });
        // Whatever was written so far was written once.
        const counts = await d1Counts("ar2");
        for (const kind of ARCHIVE_KINDS) expect(counts[kind]).toBeLessThanOrEqual(before[kind]!.length);
        if (prunedNow) break;
      }
    }
    // The run after the failures completes; D1 holds every row exactly once.
    const last = await waitForRun(await runArchive(true), "complete");
    expect(last.output.failed).toEqual([]);
    expect(await d1Counts("ar2")).toEqual(countsOf(before));
    expect(countsOf(await held("ar2")).transactions).toBe(0);
    // A run that pruned but stopped before D1 heard of it: the next run sees the session is done.
    await env.DB.prepare("UPDATE sessions SET archived_at = NULL WHERE event_id = 'ar2'").run();
    // And a run with nothing left to do finds nothing and changes nothing.
    const idle = await waitForRun(await runArchive(true), "complete");
    expect(idle.output.sessions).toEqual([]);
    expect(await d1Counts("ar2")).toEqual(countsOf(before));
    expect((await env.DB.prepare("SELECT archived_at FROM sessions WHERE event_id = 'ar2'").first<{ archived_at: number | null }>())!.archived_at).not.toBeNull();
  });
});

describe("reports from D1", () => {
  it("equal the live totals once the snapshots ran, and export payouts as CSV", async () => {
    const { registerKey } = await seedEvent("rep", [item("P1", "c1", 1001), item("P2", "c2", 1005), item("P3", "c3", 333), item("P4", "c1", 2000)]);
    await createSession("rep", "s1");
    const first = await checkout("rep", "s1", registerKey, ["P1", "P2"]);
    const second = await checkout("rep", "s1", registerKey, ["P3"]);
    for (const tx of [first.body.id, second.body.id]) {
      await vi.waitFor(async () => expect((await call("GET", `/v1/events/rep/commissions/calculations/${tx}`)).body.status).toBe("completed"), { timeout: 5000, interval: 20 });
    }
    await runDurableObjectAlarm(env.SALE_SESSION.getByName("rep:s1"));
    await runDurableObjectAlarm(env.COMMISSION_LEDGER.getByName("rep"));

    const live = (await call("GET", "/v1/events/rep/sessions/s1")).body;
    const commissions = (await call("GET", "/v1/events/rep/commissions")).body;
    const report = (await call("GET", "/v1/events/rep/reports/summary")).body;
    expect(report.sessions).toEqual([
      expect.objectContaining({ sessionId: "s1", status: "active", totalSales: live.metadata.totalSales, soldCount: 3, itemCount: 4, sellThroughBp: 7500 }),
    ]);
    expect(report.totals.totalSales).toBe(live.metadata.totalSales);
    expect(report.commissions).toMatchObject({
      calculations: commissions.calculations,
      totalSales: commissions.totalSales,
      consignorTotal: commissions.consignorTotal,
      houseShare: commissions.houseShare,
    });
    expect(report.payouts).toEqual(commissions.consignors);

    const response = await exports.default.fetch(new Request(`${BASE}/v1/events/rep/reports/payouts.csv`, { headers: { Authorization: `Bearer ${ADMIN}` } }));
    expect(response.headers.get("Content-Type")).toContain("text/csv");
    const lines = (await response.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("consignor_id,name,tier,sales_cents,reversals_cents,adjustments_cents,fees_cents,balance_cents,payout_cents,owed_by_consignor_cents");
    expect(lines.slice(1)).toEqual(
      commissions.consignors.map((c: { consignorId: string; name: string; tier: string; sales: number; reversals: number; adjustments: number; fees: number; balance: number; payout: number; owedByConsignor: number }) =>
        [c.consignorId, c.name, c.tier, c.sales, c.reversals, c.adjustments, c.fees, c.balance, c.payout, c.owedByConsignor].join(","),
      ),
    );
  });
});
