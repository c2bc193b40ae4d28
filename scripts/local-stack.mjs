// Runs `npm start` (scripts/start.mjs: the Worker and the Shopify emulator) in its own process
// group for a script — the benches and the demo — and stops it by that group, however it ends.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Starts `npm start` on `port` (the emulator on `shopifyPort`; state under `persistTo` when given)
 * and waits until `ready()` is true (two minutes at most). Returns `stop()`, which ends the whole
 * process group: SIGTERM, five seconds, SIGKILL.
 */
export async function startLocalStack({ port, shopifyPort, persistTo = null, ready }) {
  const args = ["scripts/start.mjs", "--port", String(port), "--shopify-port", String(shopifyPort), ...(persistTo ? ["--persist-to", persistTo] : [])];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PATH: `${join(process.cwd(), "node_modules", ".bin")}:${process.env.PATH}`, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  let output = "";
  child.stdout.on("data", (d) => (output = (output + d).slice(-20_000)));
  child.stderr.on("data", (d) => (output = (output + d).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(100);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  for (const until = Date.now() + 120_000; Date.now() < until; ) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    try {
      if (await ready()) return { stop };
    } catch {}
    await sleep(300);
  }
  await stop();
  throw new Error(`npm start did not answer within 2 minutes:\n${output}`);
}
