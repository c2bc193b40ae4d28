import { startArchive } from "./archive";
import { unwrap } from "../lib/errors";
import { shopifyConfig } from "../lib/shopify/config";
import { reconcileAll } from "./reconciler";

/**
 * The nightly cron: bring every ledger up to date with its sessions, start tonight's archive, and
 * (with Shopify configured) a reconcile with the drift check for every event selling online.
 * The jobs are independent: one failing does not skip the other. A failure is logged and
 * rethrown at the end, so the cron run shows as failed while the other job still ran.
 */
export async function onSchedule(controller: ScheduledController, env: Env): Promise<void> {
  const failed: { job: string; error: unknown }[] = [];
  let reconciled = "reconciler failed";
  try {
    const reports = await reconcileAll(env);
    const repaired = reports.reduce((n, r) => n + r.reemitted.completed + r.reemitted.voided, 0);
    const broken = reports.filter((r) => r.error !== undefined);
    reconciled = `reconciled ${reports.length - broken.length} event(s), re-emitted ${repaired} message(s)`;
    for (const r of broken) failed.push({ job: `reconcile ${r.eventId}`, error: r.error });
  } catch (error) {
    failed.push({ job: "reconcile", error });
  }
  let archived = "archive failed to start";
  try {
    const { instanceId, started } = await startArchive(env, controller.scheduledTime, false);
    archived = `archive ${instanceId} ${started ? "started" : "already ran"}`;
  } catch (error) {
    failed.push({ job: "archive", error });
  }
  let shopify = "Shopify not configured";
  if (shopifyConfig(env)) {
    try {
      const started = await startNightlyShopify(env);
      shopify = `shopify drift check started for ${started.length} event(s)`;
    } catch (error) {
      failed.push({ job: "shopify", error });
    }
  }
  console.log(JSON.stringify({ msg: "cron", cron: controller.cron, reconciled, archived, shopify, failed: failed.map((f) => ({ job: f.job, error: String(f.error) })) }));
  if (failed.length > 0) {
    throw new AggregateError(failed.map((f) => f.error), `nightly jobs failed: ${failed.map((f) => f.job).join(", ")}`);
  }
}

/** A reconcile with the drift check for every event that has Shopify enabled. */
async function startNightlyShopify(env: Env): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM events").all<{ id: string }>();
  const started: string[] = [];
  for (const { id } of results) {
    const inventory = env.INVENTORY.getByName(id);
    const status = await inventory.shopifyStatus();
    if (!status.ok || !status.value.enabled) continue;
    started.push(unwrap(await inventory.reconcileShopify("schedule", true)).instanceId);
  }
  return started;
}
