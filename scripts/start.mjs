// `npm start`: make .dev.vars from the example when missing, apply local D1 migrations, start the Shopify
// emulator (shopify-emulator/, http://127.0.0.1:8789) and run `wrangler dev` on 127.0.0.1:8787 pointed at it.
// Extra arguments go to wrangler dev (e.g. `npm start -- --port 8790`), except `--shopify-port N`
// (also env SHOPIFY_EMULATOR_PORT): the emulator's port; 0 picks a free one, `none` runs no emulator.
// When the default 8789 is taken (another `npm start`), the emulator takes a free port instead.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const args = process.argv.slice(2);
const persist = args.includes("--persist-to") ? ["--persist-to", args[args.indexOf("--persist-to") + 1]] : [];

let shopifyPort = process.env.SHOPIFY_EMULATOR_PORT;
const portFlag = args.indexOf("--shopify-port");
if (portFlag >= 0) {
  shopifyPort = args[portFlag + 1];
  args.splice(portFlag, 2);
}
const explicitShopifyPort = shopifyPort !== undefined && shopifyPort !== "";
const workerPort = args.includes("--port") ? args[args.indexOf("--port") + 1] : "8787";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example (the local ADMIN_API_KEY and Shopify emulator token live there)");
}

/** KEY=VALUE lines of a dotenv file. */
function readVars(file) {
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", ...persist], { stdio: "inherit", env });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

/** Starts the emulator on `port`; resolves with its child and origin once it listens, or with its exit output. */
function startEmulator(port, vars) {
  // --stop-with-stdin: if this script is killed alone, the closed pipe stops the emulator too.
  // The Worker subscribes its own webhook endpoint when an event is enabled (PUBLIC_ORIGIN below).
  const emulatorArgs = ["shopify-emulator/main.ts", "--port", String(port), "--stop-with-stdin"];
  const emulatorEnv = { ...process.env, SHOPIFY_ADMIN_TOKEN: vars.SHOPIFY_ADMIN_TOKEN ?? "", SHOPIFY_WEBHOOK_SECRET: vars.SHOPIFY_WEBHOOK_SECRET ?? "" };
  for (const name of ["SHOPIFY_ADMIN_TOKEN", "SHOPIFY_WEBHOOK_SECRET"]) if (!vars[name]) delete emulatorEnv[name];
  const child = spawn(process.execPath, emulatorArgs, { stdio: ["pipe", "pipe", "pipe"], env: emulatorEnv });
  return new Promise((resolve) => {
    let output = "";
    let origin = null;
    const forward = (stream) => (chunk) => {
      const text = chunk.toString();
      if (!origin) output += text;
      for (const line of text.split("\n").filter(Boolean)) stream.write(`[shopify] ${line}\n`);
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m && !origin) {
        origin = m[1];
        resolve({ child, origin });
      }
    };
    child.stdout.on("data", forward(process.stdout));
    child.stderr.on("data", forward(process.stderr));
    child.on("exit", () => origin || resolve({ child: null, output }));
  });
}

let emulator = null;
// The API Worker and, beside it, the pages Worker it hands pages to (service binding PAGES).
const wranglerArgs = ["dev", "-c", "wrangler.toml", "-c", "pages/wrangler.toml", "--ip", "127.0.0.1", ...(args.includes("--port") ? [] : ["--port", workerPort]), ...args];
if (shopifyPort !== "none") {
  const vars = readVars(".dev.vars");
  if (!vars.SHOPIFY_ADMIN_TOKEN || !vars.SHOPIFY_WEBHOOK_SECRET) {
    console.log("note: .dev.vars has no SHOPIFY_ADMIN_TOKEN / SHOPIFY_WEBHOOK_SECRET; the emulator uses the defaults of .dev.vars.example (copy those lines)");
  }
  let started = await startEmulator(explicitShopifyPort ? shopifyPort : 8789, vars);
  if (!started.child && !explicitShopifyPort && /EADDRINUSE/.test(started.output)) {
    console.log("[shopify] port 8789 is taken (another npm start?); the emulator takes a free port");
    started = await startEmulator(0, vars);
  }
  if (!started.child) {
    console.error(`the Shopify emulator did not start:\n${started.output}`);
    process.exit(1);
  }
  emulator = started.child;
  // The Worker finds Shopify by configuration only. The token and webhook secret are secrets in
  // production; wrangler dev loads only the required ones from .dev.vars, so they go as local vars.
  wranglerArgs.push("--var", `SHOPIFY_ADMIN_ORIGIN:${started.origin}`, "--var", "SHOPIFY_API_VERSION:2026-10");
  const token = vars.SHOPIFY_ADMIN_TOKEN || "shpat_dev_emulator_token";
  const secret = vars.SHOPIFY_WEBHOOK_SECRET || "dev_emulator_webhook_secret";
  wranglerArgs.push("--var", `SHOPIFY_ADMIN_TOKEN:${token}`, "--var", `SHOPIFY_WEBHOOK_SECRET:${secret}`);
  wranglerArgs.push("--var", `PUBLIC_ORIGIN:http://127.0.0.1:${workerPort}`);
}

// Locally, `wrangler dev` prints every request's log line itself, which costs the local runtime
// about 1.5 ms of CPU per request (in production Workers Logs collects them outside the Worker):
// off here unless LOG_REQUESTS=true is in the environment; 5xx answers are logged either way.
if (process.env.LOG_REQUESTS !== "true") wranglerArgs.push("--var", "LOG_REQUESTS:false");

const dev = spawn("wrangler", wranglerArgs, { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    dev.kill(signal);
    emulator?.kill(signal);
  });
}
emulator?.on("exit", (code, signal) => {
  if (dev.exitCode === null && !signal) {
    console.error(`the Shopify emulator stopped (${code}); stopping wrangler dev`);
    dev.kill("SIGTERM");
  }
});
dev.on("exit", (code, signal) => {
  emulator?.kill("SIGTERM");
  process.exit(code ?? (signal ? 1 : 0));
});
