// `npm start`: make .dev.vars from the example when missing, apply local D1 migrations, then run
// `wrangler dev` on 127.0.0.1:8787 (extra arguments go to wrangler dev, e.g. `npm start -- --port 8790`).
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const extra = process.argv.slice(2);
const persist = extra.includes("--persist-to") ? ["--persist-to", extra[extra.indexOf("--persist-to") + 1]] : [];

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example (the local ADMIN_API_KEY lives there)");
}

const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", ...persist], { stdio: "inherit", env });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const args = ["dev", "--ip", "127.0.0.1", ...(extra.includes("--port") ? [] : ["--port", "8787"]), ...extra];
const dev = spawn("wrangler", args, { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
