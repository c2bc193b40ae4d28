// Vitest globalSetup (runs in Node, not in workerd): starts the Shopify emulator for the whole run on the
// port vitest.config.ts provides, and stops it afterwards. Tests inside workerd reach it with fetch().
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  interface ProvidedContext {
    shopifyEmulator: { port: number; origin: string; token: string; webhookSecret: string; apiVersion: string; webhookRetryMs: string };
  }
}

export default async function startShopifyEmulator(project: TestProject): Promise<() => Promise<void>> {
  const s = project.getProvidedContext().shopifyEmulator;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const args = ["shopify-emulator/main.ts", "--port", String(s.port), "--token", s.token, "--webhook-secret", s.webhookSecret];
  // --stop-with-stdin: if vitest dies without tearing down, the closed pipe stops the emulator too.
  args.push("--webhook-retry-ms", s.webhookRetryMs, "--webhook-timeout-ms", "2000", "--quiet", "--stop-with-stdin");
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Shopify emulator did not start within 15 s:\n${output}`)), 15_000);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`listening on ${s.origin}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the Shopify emulator exited (${code}) before it was ready:\n${output}`));
    });
  });
  child.stderr.on("data", (chunk: Buffer) => process.stderr.write(`[shopify-emulator] ${chunk.toString()}`));
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  };
}
