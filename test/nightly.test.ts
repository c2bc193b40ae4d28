import { createScheduledController, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../worker";
import { reconcileAll } from "../producers/reconciler";
import { call, checkout, createSession, item, seedEvent } from "./helpers";

/** The nightly cron runs two independent jobs: the reconciler and the archive. */
describe("nightly jobs", () => {
  it("start tonight's archive even when the reconciler fails, and report the failure", async () => {
    const { registerKey } = await seedEvent("nj", [item("N1", "c1", 1000)]);
    await createSession("nj", "s1");
    expect((await checkout("nj", "s1", registerKey, ["N1"])).status).toBe(201);
    const scheduledTime = Date.UTC(2030, 0, 2, 3);
    // A real failure of the reconciler: the table it starts from is gone for this run.
    await env.DB.prepare("ALTER TABLE events RENAME TO events_away").run();
    try {
      await expect(worker.scheduled(createScheduledController({ scheduledTime, cron: "0 3 * * *" }), env)).rejects.toThrow(/reconcile/);
    } finally {
      await env.DB.prepare("ALTER TABLE events_away RENAME TO events").run();
    }
    const instance = await env.ARCHIVE_WORKFLOW.get("archive-2030-01-02");
    expect(["queued", "running", "complete", "errored", "waiting"]).toContain((await instance.status()).status);
    // The API still works after the failed night.
    expect((await call("GET", "/v1/events/nj/sessions/s1")).status).toBe(200);
  });

  it("reconciles the other events when one of them cannot be reconciled", async () => {
    const { registerKey } = await seedEvent("nk", [item("K1", "c1", 1000)]);
    await createSession("nk", "s1");
    const sale = await checkout("nk", "s1", registerKey, ["K1"]);
    expect(sale.status).toBe(201);
    // Event "nb" breaks: its session object lost the table the reconciler reads.
    await seedEvent("nb", [item("B1", "c1", 1000)]);
    await createSession("nb", "s1");
    await runInDurableObject(env.SALE_SESSION.getByName("nb:s1"), (_instance, state) => {
      state.storage.sql.exec("ALTER TABLE transactions RENAME TO transactions_away");
    });
    // nk's sale never reached the ledger (its message was lost).
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/nk/commissions/calculations/${sale.body.id}`)).status).toBe(200));
    await runInDurableObject(env.COMMISSION_LEDGER.getByName("nk"), (_instance, state) => {
      for (const table of ["entries", "calculations"]) state.storage.sql.exec(`DELETE FROM ${table}`);
    });
    const reports = await reconcileAll(env, 0);
    expect(reports.find((r) => r.eventId === "nb")?.error).toMatch(/transactions/);
    expect(reports.find((r) => r.eventId === "nk")).toMatchObject({ reemitted: { completed: 1, voided: 0 } });
    expect(reports.find((r) => r.eventId === "nk")?.error).toBeUndefined();
  });
});
