// Checkout A/B: compares the checkout of two copies of this code (say, the last commit and the
// working tree) and the bare baseline of `npm run bench`, in one run, round by round, so that
// whatever else the machine is doing falls on all of them alike. Each copy gets its own
// `wrangler dev` (loopback, fresh state) and a 100,000-item session seeded as `npm run bench`
// seeds it; then rounds of 20 concurrent registers go to A, B and the bare Worker in turn. Prints
// per round and as medians: checkouts/s, CPU per checkout of each server's process group, and
// each copy's ratio to the bare round next to it.
//
//   node bench/ab-checkout.mjs <dir A> <dir B>      e.g. /tmp/base .
//   AB_ROUNDS=8 AB_ROUND_MS=5000 AB_ITEMS=100000 AB_PORT=8831
//
// Bounded in time (15 minutes); stops what it started, by process group.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomInt, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { jsonRequest, runScript } from "../scripts/local-http.mjs";

const HOST = "127.0.0.1";
/** As `npm run bench` runs the API: request log lines off (LOG_REQUESTS=true turns them on). */
const LOG_ARGS = process.env.LOG_REQUESTS === "true" ? [] : ["--var", "LOG_REQUESTS:false"];
const BASE_PORT = Number(process.env.AB_PORT ?? 8831);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 8);
const ROUND_MS = Number(process.env.AB_ROUND_MS ?? 5_000);
const ITEMS = Number(process.env.AB_ITEMS ?? 100_000);
const REGISTERS = 20;
/** Registers (a key each) the REGISTERS clients go round, as `npm run bench` does; AB_REGISTER_KEYS=20: a register per client, flat out. */
const REGISTER_KEYS = Math.max(REGISTERS, Number(process.env.AB_REGISTER_KEYS ?? 100));
const registerOf = (client, n) => (client + REGISTERS * n) % REGISTER_KEYS;
/** AB_BARE=0 leaves the bare Worker out: more A/B pairs in the same time. */
const WITH_BARE = process.env.AB_BARE !== "0";
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const started = performance.now();
const log = (...args) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const servers = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startServer(name, dir, port, state) {
  // As `npm start` runs it: with the pages Worker beside the API when the copy has one.
  const workers = existsSync(join(dir, "pages", "wrangler.toml")) ? ["-c", "wrangler.toml", "-c", "pages/wrangler.toml"] : [];
  const child = spawn("npx", ["wrangler", "dev", ...workers, "--ip", HOST, "--port", String(port), "--persist-to", state, "--show-interactive-dev-session=false", ...LOG_ARGS], {
    cwd: dir,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const server = { name, child, port };
  servers.push(server);
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(300)) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output}`);
    try {
      const res = await jsonRequest({ host: HOST, port, method: "GET", path: "/health", agent });
      if (res.status === 200 || res.status === 405) return server;
    } catch {}
  }
  throw new Error(`${name} did not answer:\n${output}`);
}

async function stopServers() {
  for (const { child } of servers.splice(0)) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(100);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
}

/** CPU time (ms) used so far by every process of a server's group. */
function groupCpuMs(server) {
  const pids = execFileSync("ps", ["-o", "pid=", "-g", String(server.child.pid)], { encoding: "utf8" }).split("\n").map((l) => l.trim()).filter(Boolean);
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks * 10;
}

const itemId = (i) => `T${String(i).padStart(6, "0")}`;

async function seed(server, adminKey) {
  const call = async (method, path, body, expected) => {
    const res = await jsonRequest({ host: HOST, port: server.port, method, path, body, key: adminKey, agent });
    if (!expected.includes(res.status)) throw new Error(`${server.name}: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)?.slice(0, 300)}`);
    return res.body;
  };
  const e = "ab";
  await call("POST", "/v1/events", { id: e, name: e }, [201]);
  await call("PUT", `/v1/events/${e}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200]);
  for (const [id, tier] of [["c1", "standard"], ["c2", "volunteer"], ["c3", "super"]]) await call("PUT", `/v1/events/${e}/consignors/${id}`, { name: id, tier }, [200, 201]);
  for (let i = 0; i < ITEMS; i += 5_000) {
    const chunk = [];
    for (let j = i; j < Math.min(ITEMS, i + 5_000); j++) chunk.push({ id: itemId(j), consignorId: `c${(j % 3) + 1}`, title: `Item ${j}`, category: "clothing", size: "4T", price: 100 + (j % 4_900) });
    await call("PUT", `/v1/events/${e}/items`, { items: chunk }, [200]);
  }
  // A key per register, as at a real sale (keys are rate-limited one by one).
  const keys = [];
  for (let r = 0; r < REGISTER_KEYS; r++) keys.push((await call("POST", `/v1/events/${e}/api-keys`, { role: "register", label: `ab-${r}` }, [201])).key);
  await call("POST", `/v1/events/${e}/sessions`, { id: "s1", name: "Main", startTime: 0, endTime: 1 }, [201]);
  await call("POST", `/v1/events/${e}/sessions/s1/start`, undefined, [200]);
  const order = Array.from({ length: ITEMS }, (_, i) => i);
  for (let i = ITEMS - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  server.send = (client, n) => {
    if (server.next >= ITEMS) return Promise.resolve({ status: 0 });
    const r = registerOf(client, n);
    const body = { id: randomUUID(), registerId: `reg-${r}`, shopperCode: "S-1", items: [itemId(order[server.next++])] };
    return jsonRequest({ host: HOST, port: server.port, method: "POST", path: `/v1/events/${e}/sessions/s1/transactions`, body, key: keys[r], agent });
  };
  server.next = 0;
  server.ok = 201;
}

/** One round of load on one server: requests/s and CPU per request of its process group. */
async function round(server, ms) {
  let done = 0;
  let failed = 0;
  const cpu0 = groupCpuMs(server);
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: REGISTERS }, async (_, r) => {
      for (let n = 0; performance.now() < end; n++) {
        const res = await server.send(r, n);
        if (res.status === server.ok) done++;
        else failed++;
      }
    }),
  );
  const elapsed = performance.now() - t0;
  return { rps: (done / elapsed) * 1000, cpuMs: (groupCpuMs(server) - cpu0) / done, failed };
}

async function main() {
  const [dirA, dirB] = process.argv.slice(2).map((d) => resolve(d));
  if (!dirA || !dirB) throw new Error("usage: node bench/ab-checkout.mjs <dir A> <dir B>");
  const timer = setTimeout(async () => {
    console.error("exceeded 15 minutes; stopping");
    await stopServers();
    process.exit(2);
  }, 15 * 60_000);
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  const adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  const state = mkdtempSync(join(tmpdir(), "ab-checkout-"));
  try {
    const list = [];
    for (const [name, dir, port] of [["A", dirA, BASE_PORT], ["B", dirB, BASE_PORT + 1]]) {
      if (!existsSync(join(dir, ".dev.vars"))) copyFileSync(".dev.vars", join(dir, ".dev.vars"));
      execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", join(state, name)], { cwd: dir, env, stdio: "ignore" });
      const server = await startServer(name, dir, port, join(state, name));
      await seed(server, adminKey);
      list.push(server);
    }
    if (WITH_BARE) {
      const bare = await startServer("bare", join(process.cwd(), "bench", "bare"), BASE_PORT + 2, join(state, "bare"));
      bare.send = (r, n) => jsonRequest({ host: HOST, port: bare.port, method: "POST", path: "/", body: JSON.stringify({ register: r, n }), agent });
      bare.ok = 201;
      list.push(bare);
    }
    log(`servers up and seeded: A ${dirA}, B ${dirB}`);
    for (const s of list) await round(s, 2_000);
    const results = { A: [], B: [], bare: [] };
    for (let i = 0; i < ROUNDS; i++) {
      // Rotate the order so no server always follows the same one.
      const order = list.map((_, k) => list[(k + i) % list.length]);
      const r = {};
      for (const s of order) {
        r[s.name] = await round(s, ROUND_MS);
        // Let the queue consumer finish what the round left (its batches wait up to 1 s), so it
        // does not run in the next server's round.
        await sleep(1_500);
      }
      for (const s of list) results[s.name].push(r[s.name]);
      const vsBare = WITH_BARE ? `; A/bare ${(r.A.rps / r.bare.rps).toFixed(2)}, B/bare ${(r.B.rps / r.bare.rps).toFixed(2)}` : "";
      log(`round ${i + 1}: ${list.map((s) => `${s.name} ${r[s.name].rps.toFixed(0)}/s ${r[s.name].cpuMs.toFixed(2)} ms`).join(", ")}; B/A ${(r.B.rps / r.A.rps).toFixed(3)}${vsBare}`);
    }
    const m = (name, f) => median(results[name].map(f));
    console.log("\nmedians:");
    for (const name of list.map((s) => s.name)) console.log(`  ${name.padEnd(5)} ${m(name, (r) => r.rps).toFixed(0)}/s, CPU ${m(name, (r) => r.cpuMs).toFixed(3)} ms per request, failed ${results[name].reduce((n, r) => n + r.failed, 0)}`);
    const ratios = (name) => results[name].map((r, i) => r.rps / results.bare[i].rps);
    for (const name of WITH_BARE ? ["A", "B"] : []) {
      const xs = ratios(name).sort((a, b) => a - b);
      console.log(`  ${name}/bare: median of rounds ${median(xs).toFixed(3)} (${xs[0].toFixed(2)}–${xs.at(-1).toFixed(2)}); ratio of medians ${(m(name, (r) => r.rps) / m("bare", (r) => r.rps)).toFixed(3)}`);
    }
    const bOverA = results.B.map((r, i) => r.rps / results.A[i].rps).sort((a, b) => a - b);
    const cpuBOverA = results.B.map((r, i) => r.cpuMs / results.A[i].cpuMs).sort((a, b) => a - b);
    console.log(`  B/A round by round: median ${median(bOverA).toFixed(3)} (${bOverA[0].toFixed(2)}–${bOverA.at(-1).toFixed(2)}); CPU per request B/A round by round: median ${median(cpuBOverA).toFixed(3)} (${cpuBOverA[0].toFixed(2)}–${cpuBOverA.at(-1).toFixed(2)})`);
    clearTimeout(timer);
    return 0;
  } finally {
    await stopServers();
    agent.destroy();
    rmSync(state, { recursive: true, force: true });
  }
}

runScript(main, stopServers);
