// Checkout profile: starts its own `wrangler dev` (loopback, port 8821 by default, fresh state), seeds
// one session as `npm run bench` does (100,000 items, random tags, random v4 UUIDs), runs 20
// concurrent registers for a while, and samples the user worker's isolate (the API, the Durable
// Objects and the queue consumer share it) with V8's CPU profiler through the inspector. Prints
// the functions with the most self time, the share of GC and of the runtime's own (native) work,
// and the CPU each thread of the runtime process spent per checkout.
//
//   npx node bench/profile-checkout.mjs
//   PROFILE_SECONDS=10 PROFILE_ITEMS=100000 PROFILE_PORT=8821 PROFILE_OUT=/tmp/checkout.cpuprofile
//   PROFILE_TOP=45          functions by self time;  PROFILE_TOTAL=60  also by time with callees
//   PROFILE_SAMPLING=0      no profiler (it costs CPU itself): only each thread's CPU per checkout
//   PROFILE_BARE=1          the bare baseline Worker (bench/bare) instead of the checkout
//   PROFILE_EXEC='strace -c -f -p $WORKERD_PIDS …'   a command run alongside the measured load
//
// Bounded in time (5 minutes); stops what it started, by process group.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomInt, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { jsonRequest, runScript } from "../scripts/local-http.mjs";
import { Inspector } from "./isolate-heaps.mjs";

const HOST = "127.0.0.1";
/** As `npm start` runs it: the API Worker with the pages Worker beside it. */
const WORKERS = ["-c", "wrangler.toml", "-c", "pages/wrangler.toml"];
/** As `npm run bench` runs the API: request log lines off (LOG_REQUESTS=true turns them on). */
const LOG_ARGS = process.env.LOG_REQUESTS === "true" ? [] : ["--var", "LOG_REQUESTS:false"];
const PORT = Number(process.env.PROFILE_PORT ?? 8821);
const INSPECTOR_PORT = PORT + 1;
const ITEMS = Number(process.env.PROFILE_ITEMS ?? 100_000);
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10);
const REGISTERS = 20;
/** Registers (a key each) the REGISTERS clients go round, as `npm run bench` does; PROFILE_REGISTER_KEYS=20: a register per client, flat out. */
const REGISTER_KEYS = Math.max(REGISTERS, Number(process.env.PROFILE_REGISTER_KEYS ?? 100));
const registerOf = (client, n) => (client + REGISTERS * n) % REGISTER_KEYS;
/** PROFILE_BARE=1: the bare baseline of `npm run bench` (bench/bare) instead, for comparison. */
const BARE = Boolean(process.env.PROFILE_BARE);
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const started = performance.now();
const log = (...args) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let server = null;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const request = (method, path, { body, key } = {}) => jsonRequest({ host: HOST, port: PORT, method, path, body, key, agent });
let adminKey = "";
async function must(method, path, body, expected, key = adminKey) {
  const res = await request(method, path, { body, key });
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)?.slice(0, 300)}`);
  return res.body;
}

async function startServer(state) {
  const child = spawn("npx", ["wrangler", "dev", ...(BARE ? [] : WORKERS), "--ip", HOST, "--port", String(PORT), "--inspector-port", String(INSPECTOR_PORT), "--persist-to", state, "--show-interactive-dev-session=false", ...LOG_ARGS], {
    env,
    cwd: BARE ? join(process.cwd(), "bench", "bare") : process.cwd(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  server = { child, pgid: child.pid };
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(300)) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      if ([200, 405].includes((await request("GET", "/health")).status)) return;
    } catch {}
  }
  throw new Error(`wrangler dev did not answer:\n${output}`);
}

async function stopServer() {
  if (!server) return;
  const { pgid, child } = server;
  server = null;
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {}
  for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(100);
  await sleep(300);
  try {
    process.kill(-pgid, 0);
    process.kill(-pgid, "SIGKILL");
  } catch {}
}

/** CPU ticks (1/100 s) per thread of every process of the server's group: `pid/tid comm` → ticks. */
function threadTicks() {
  const out = {};
  const pids = execFileSync("ps", ["-o", "pid=", "-g", String(server.pgid)], { encoding: "utf8" }).split("\n").map((l) => l.trim()).filter(Boolean);
  for (const pid of pids) {
    let comm = "?";
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const name = /\((.*)\)/.exec(stat)?.[1] ?? "?";
        const fields = stat.split(") ")[1].split(" ");
        out[`${comm} ${pid}/${name}`] = (out[`${comm} ${pid}/${name}`] ?? 0) + Number(fields[11]) + Number(fields[12]);
      } catch {}
    }
  }
  return out;
}

const itemId = (i) => `T${String(i).padStart(6, "0")}`;

async function seed(eventId) {
  await must("POST", "/v1/events", { id: eventId, name: eventId }, [201, 200]);
  await must("PUT", `/v1/events/${eventId}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200]);
  for (const [id, tier] of [["c1", "standard"], ["c2", "volunteer"], ["c3", "super"]]) await must("PUT", `/v1/events/${eventId}/consignors/${id}`, { name: id, tier }, [200, 201]);
  for (let i = 0; i < ITEMS; i += 5_000) {
    const chunk = [];
    for (let j = i; j < Math.min(ITEMS, i + 5_000); j++) chunk.push({ id: itemId(j), consignorId: `c${(j % 3) + 1}`, title: `Item ${j}`, category: "clothing", size: "4T", price: 100 + (j % 4_900) });
    await must("PUT", `/v1/events/${eventId}/items`, { items: chunk }, [200]);
  }
  // A key per register, as at a real sale (keys are rate-limited one by one).
  const keys = [];
  for (let r = 0; r < REGISTER_KEYS; r++) keys.push((await must("POST", `/v1/events/${eventId}/api-keys`, { role: "register", label: `profile-${r}` }, [201])).key);
  await must("POST", `/v1/events/${eventId}/sessions`, { id: "s1", name: "Main", startTime: 0, endTime: 1 }, [201, 200]);
  await must("POST", `/v1/events/${eventId}/sessions/s1/start`, undefined, [200]);
  const order = Array.from({ length: ITEMS }, (_, i) => i);
  for (let i = ITEMS - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { eventId, keys, order, next: 0 };
}

async function sell(event, ms) {
  if (BARE) return bare(ms);
  let done = 0;
  let failed = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: REGISTERS }, async (_, client) => {
      for (let n = 0; performance.now() < end && event.next < ITEMS; n++) {
        const r = registerOf(client, n);
        const body = { id: randomUUID(), registerId: `reg-${r}`, shopperCode: "S-1", items: [itemId(event.order[event.next++])] };
        const res = await request("POST", `/v1/events/${event.eventId}/sessions/s1/transactions`, { body, key: event.keys[r] });
        if (res.status === 201) done++;
        else failed++;
      }
    }),
  );
  return { done, failed };
}

/** The bare baseline's request, as `npm run bench` sends it. */
async function bare(ms) {
  let done = 0;
  let failed = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: REGISTERS }, async (_, r) => {
      for (let n = 0; performance.now() < end; n++) {
        const res = await request("POST", "/", { body: JSON.stringify({ register: r, n }) });
        if (res.status === 201) done++;
        else failed++;
      }
    }),
  );
  return { done, failed };
}

/** Self time per function (ms), from a V8 CPU profile. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const f = node.callFrame;
    const file = f.url.split("/").slice(-2).join("/");
    const key = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]);
}

/** Time per function including what it called (ms), counted once per sample however deep it recurses. */
function totalTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + dt);
    }
  }
  return [...total.entries()].sort((a, b) => b[1] - a[1]);
}

async function main() {
  const timer = setTimeout(async () => {
    console.error("profile exceeded 5 minutes; stopping");
    await stopServer();
    process.exit(2);
  }, 5 * 60_000);
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  const state = mkdtempSync(join(tmpdir(), "profile-checkout-"));
  try {
    if (!BARE) execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { env, stdio: "ignore" });
    await startServer(state);
    log("seeding");
    const event = BARE ? null : await seed("profile");
    log("warming up");
    await sell(event, 3_000);
    // PROFILE_SAMPLING=0: no profiler, only the CPU of each thread (the profiler itself costs CPU).
    const sampling = Number(process.env.PROFILE_SAMPLING ?? 200);
    const inspector = sampling > 0 ? await Inspector.open(`ws://${HOST}:${INSPECTOR_PORT}/ws`, { viaProxy: true, timeoutMs: 30_000 }) : null;
    if (inspector) {
      await inspector.call("Profiler.enable");
      await inspector.call("Profiler.setSamplingInterval", { interval: sampling });
    }
    const ticks0 = threadTicks();
    // PROFILE_EXEC: a shell command run alongside the measured load (strace, perf…), with the
    // runtime's process ids in $WORKERD_PIDS.
    const workerdPids = execFileSync("ps", ["-o", "pid=,comm=", "-g", String(server.pgid)], { encoding: "utf8" }).split("\n").filter((l) => l.includes("workerd")).map((l) => l.trim().split(/\s+/)[0]);
    const tool = process.env.PROFILE_EXEC ? spawn("sh", ["-c", process.env.PROFILE_EXEC], { env: { ...process.env, WORKERD_PIDS: workerdPids.join(" ") }, stdio: "inherit" }) : null;
    await inspector?.call("Profiler.start");
    const t0 = performance.now();
    const { done, failed } = await sell(event, SECONDS * 1000);
    const elapsed = performance.now() - t0;
    const profile = (await inspector?.call("Profiler.stop"))?.profile;
    const ticks1 = threadTicks();
    if (tool && tool.exitCode === null) await new Promise((resolve) => tool.on("exit", resolve));
    log(`${done} checkouts (${failed} failed) in ${(elapsed / 1000).toFixed(1)} s = ${((done / elapsed) * 1000).toFixed(0)}/s`);
    if (process.env.PROFILE_OUT && profile) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
    const threads = Object.entries(ticks1)
      .map(([k, v]) => [k, ((v - (ticks0[k] ?? 0)) * 10) / done])
      .filter(([, ms]) => ms > 0.01)
      .sort((a, b) => b[1] - a[1]);
    console.log("CPU per checkout by thread (ms):");
    for (const [k, ms] of threads) console.log(`  ${ms.toFixed(3).padStart(7)}  ${k}`);
    if (!profile) return 0;
    const rows = selfTimes(profile);
    const total = rows.reduce((n, [, ms]) => n + ms, 0);
    console.log(`user isolate, sampled ${total.toFixed(0)} ms = ${(total / done).toFixed(3)} ms per checkout; self time per checkout (µs):`);
    for (const [k, ms] of rows.slice(0, Number(process.env.PROFILE_TOP ?? 45))) console.log(`  ${((ms / done) * 1000).toFixed(1).padStart(7)}  ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
    if (process.env.PROFILE_TOTAL) {
      console.log("time including callees, per checkout (µs):");
      for (const [k, ms] of totalTimes(profile).slice(0, Number(process.env.PROFILE_TOTAL))) console.log(`  ${((ms / done) * 1000).toFixed(1).padStart(7)}  ${k}`);
    }
    clearTimeout(timer);
    return 0;
  } finally {
    await stopServer();
    agent.destroy();
    rmSync(state, { recursive: true, force: true });
  }
}

runScript(main, stopServer);
