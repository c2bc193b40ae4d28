import { startArchive } from "./archive";
import { reconcileAll } from "./reconciler";

/** The nightly cron: bring every ledger up to date with its sessions, then start tonight's archive. */
export async function onSchedule(controller: ScheduledController, env: Env): Promise<void> {
  const reports = await reconcileAll(env);
  const repaired = reports.reduce((n, r) => n + r.reemitted.completed + r.reemitted.voided, 0);
  const { instanceId, started } = await startArchive(env, controller.scheduledTime, false);
  console.log(`cron ${controller.cron}: reconciled ${reports.length} event(s), re-emitted ${repaired} message(s); archive ${instanceId} ${started ? "started" : "already ran"}`);
}
