// Archive memory probe: starts its own `wrangler dev` (loopback, port 8811 by default, fresh state
// folder), seeds a small and a large session fast (items 5,000 per call, sales 100 per upload, one
// item each), completes them, archives each with POST /v1/archive {force:true}, and samples the
// resident memory of every process of the server's process group every 200 ms. Prints, per
// archive: rows, seconds, rows/s, and per process baseline → peak (growth), with anonymous and
// file-backed RSS split; writes the samples to a JSON file when ARCHMEM_OUT is set.
//
//   npx node bench/archive-memory.mjs
//   ARCHMEM_OBSERVABILITY=false npx node bench/archive-memory.mjs   # X_LOCAL_OBSERVABILITY=false
//   ARCHMEM_LARGE_TX=20000 ARCHMEM_SMALL_TX=600 ARCHMEM_LARGE_ITEMS=100000 ARCHMEM_PORT=8811
//   ARCHMEM_HEAP=1      also each isolate's V8 heap before, after, and after a forced full GC
//   ARCHMEM_HEAP=nogc   the heaps without the forced GC (which would give the next archive a clean start)
//   ARCHMEM_HEAP=clean  also a forced full GC in every isolate before each archive (each starts from a clean
//                       heap, as a fresh production isolate would)
//   ARCHMEM_ORDER=large,small
//   ARCHMEM_TRACE_GC=1  the runtime started with V8's GC trace (bench/gc-trace.mjs): per isolate that collected
//                       during an archive, its committed heap and which space grew (young, old, large objects)
//
// Bounded in time (ARCHMEM_DEADLINE_MS, default 12 minutes); stops what it started, by process group.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { jsonRequest, runScript } from "../scripts/local-http.mjs";
import { IsolateHeaps } from "./isolate-heaps.mjs";
import { GcTrace, TRACE_GC_FLAGS } from "./gc-trace.mjs";

const HOST = "127.0.0.1";
/** As `npm start` runs it: the API Worker with the pages Worker beside it. */
const WORKERS = ["-c", "wrangler.toml", "-c", "pages/wrangler.toml"];
const PORT = Number(process.env.ARCHMEM_PORT ?? 8811);
const INSPECTOR_PORT = Number(process.env.ARCHMEM_INSPECTOR_PORT ?? PORT + 1);
const LARGE_ITEMS = Number(process.env.ARCHMEM_LARGE_ITEMS ?? 100_000);
const LARGE_TX = Number(process.env.ARCHMEM_LARGE_TX ?? 20_000);
const SMALL_ITEMS = Number(process.env.ARCHMEM_SMALL_ITEMS ?? 1_000);
const SMALL_TX = Number(process.env.ARCHMEM_SMALL_TX ?? 600);
const DEADLINE_MS = Number(process.env.ARCHMEM_DEADLINE_MS ?? 12 * 60_000);
const SAMPLE_MS = 200;
/** Extra `wrangler dev` arguments, space-separated (e.g. "--var ARCHIVE_EXPERIMENT:json"). */
const EXTRA_ARGS = (process.env.ARCHMEM_WRANGLER_ARGS ?? "").split(" ").filter(Boolean);
const SETTLE_MS = Number(process.env.ARCHMEM_SETTLE_MS ?? 3_000);
const OBSERVABILITY = process.env.ARCHMEM_OBSERVABILITY ?? "default"; // "default" | "true" | "false"
/** Archive order, as bench/run.mjs does it: the small session first, then the large one. */
const ORDER = (process.env.ARCHMEM_ORDER ?? "small,large").split(",");

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
if (OBSERVABILITY !== "default") env.X_LOCAL_OBSERVABILITY = OBSERVABILITY;
const gcTrace = process.env.ARCHMEM_TRACE_GC ? new GcTrace() : null;
const isolateNames = new Map();
if (gcTrace) env.MINIFLARE_WORKERD_V8_FLAGS = [env.MINIFLARE_WORKERD_V8_FLAGS, TRACE_GC_FLAGS].filter(Boolean).join(" ");
const started = performance.now();
const log = (...args) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let server = null;

// ------------------------------------------------------------------ http

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const request = (method, path, { body, key } = {}) => jsonRequest({ host: HOST, port: PORT, method, path, body, key, agent, timeoutMs: 120_000 });
let adminKey = "";
async function must(method, path, body, expected, key = adminKey) {
  const res = await request(method, path, { body, key });
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)?.slice(0, 500)}`);
  return res.body;
}

// ------------------------------------------------------------------ the server and its memory

async function startServer(state) {
  try {
    await request("GET", "/health");
    throw new Error(`port ${PORT} is taken`);
  } catch (e) {
    if (String(e.message).includes("taken")) throw e;
  }
  const child = spawn("npx", ["wrangler", "dev", ...WORKERS, "--ip", HOST, "--port", String(PORT), "--inspector-port", String(INSPECTOR_PORT), "--persist-to", state, "--show-interactive-dev-session=false", ...EXTRA_ARGS], {
    env,
    detached: true, // its own process group: measured and stopped as one
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const take = (d) => {
    output = (output + d).slice(-100_000);
    gcTrace?.feed(String(d));
  };
  child.stdout.on("data", take);
  child.stderr.on("data", take);
  server = { child, pgid: child.pid, output: () => output };
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const res = await request("GET", "/health");
      if (res.status === 200 || res.status === 405) return;
    } catch {}
    await sleep(300);
  }
  throw new Error(`wrangler dev did not answer within 2 minutes:\n${output}`);
}

async function stopServer() {
  if (!server) return;
  const { pgid, child } = server;
  server = null;
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {}
  for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(100);
  await sleep(500);
  try {
    process.kill(-pgid, 0);
    process.kill(-pgid, "SIGKILL");
  } catch {}
}

function statusKiB(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const get = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
    return { rss: get("VmRSS"), anon: get("RssAnon"), file: get("RssFile"), shmem: get("RssShmem") };
  } catch {
    return null;
  }
}

/** Every process of the server's group: pid, command, RSS split (KiB). */
function sampleGroup() {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=,comm=", "-g", String(server.pgid)], { encoding: "utf8" });
  } catch {
    return [];
  }
  const procs = [];
  for (const line of out.split("\n")) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const s = statusKiB(Number(m[1]));
    if (s) procs.push({ pid: Number(m[1]), comm: m[2].trim(), ...s });
  }
  return procs;
}

/** Samples every SAMPLE_MS until stopped; keeps, per pid, the first sample and the peak (by RSS). */
function sampler() {
  const first = new Map();
  const peak = new Map();
  const last = new Map();
  const series = [];
  let total0 = null;
  let totalPeak = 0;
  let stop = false;
  const t0 = performance.now();
  const loop = (async () => {
    while (!stop) {
      const procs = sampleGroup();
      const total = procs.reduce((n, p) => n + p.rss, 0);
      total0 ??= total;
      totalPeak = Math.max(totalPeak, total);
      series.push({ t: Math.round(performance.now() - t0), total, procs: procs.map((p) => [p.pid, p.rss, p.anon, p.file]) });
      for (const p of procs) {
        if (!first.has(p.pid)) first.set(p.pid, p);
        if (!peak.has(p.pid) || p.rss > peak.get(p.pid).rss) peak.set(p.pid, p);
        last.set(p.pid, p);
      }
      await sleep(SAMPLE_MS);
    }
  })();
  return {
    async stop() {
      stop = true;
      await loop;
      const procs = [...first.keys()].map((pid) => ({ pid, comm: first.get(pid).comm, base: first.get(pid), peak: peak.get(pid), end: last.get(pid) }));
      return { totalBaseKiB: total0, totalPeakKiB: totalPeak, procs, series };
    },
  };
}

function dirSizes(root) {
  const sizes = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size > 256 * 1024 && !p.includes("/blobs/")) sizes[p.slice(root.length + 1)] = st.size;
    }
  };
  try {
    walk(root);
  } catch {}
  return sizes;
}

// ------------------------------------------------------------------ V8 heaps, per isolate (bench/isolate-heaps.mjs)

let isolates = null;
/** KiB of used and total V8 heap per isolate; with gc, after a full collection in each. */
async function heaps(gc = false) {
  if (!process.env.ARCHMEM_HEAP) return null;
  isolates ??= await IsolateHeaps.open({ host: HOST, inspectorPort: INSPECTOR_PORT, pgid: server.pgid, log });
  return isolates.read(gc, process.env.ARCHMEM_HEAP === "debug" ? log : undefined);
}

// ------------------------------------------------------------------ seeding

const itemId = (i) => `T${String(i).padStart(6, "0")}`;

async function seedSession(eventId, items, sales) {
  await must("POST", "/v1/events", { id: eventId, name: `Archive memory ${eventId}` }, [201, 200]);
  await must("PUT", `/v1/events/${eventId}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200]);
  for (const [id, tier] of [["c1", "standard"], ["c2", "volunteer"], ["c3", "super"]]) {
    await must("PUT", `/v1/events/${eventId}/consignors/${id}`, { name: id, tier }, [200, 201]);
  }
  for (let i = 0; i < items; i += 5_000) {
    const chunk = [];
    for (let j = i; j < Math.min(items, i + 5_000); j++) {
      chunk.push({ id: itemId(j), consignorId: `c${(j % 3) + 1}`, title: `Item ${j}`, category: "clothing", size: "4T", price: 100 + (j % 4_900) });
    }
    await must("PUT", `/v1/events/${eventId}/items`, { items: chunk }, [200]);
  }
  const registerKey = (await must("POST", `/v1/events/${eventId}/api-keys`, { role: "register", label: "archmem" }, [201])).key;
  await must("POST", `/v1/events/${eventId}/sessions`, { id: "s1", name: "Main sale", startTime: 0, endTime: 1 }, [201, 200]);
  await must("POST", `/v1/events/${eventId}/sessions/s1/start`, undefined, [200]);
  // Sell `sales` items in a shuffled order, 100 per upload, two uploaders.
  const order = Array.from({ length: items }, (_, i) => i);
  for (let i = items - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let next = 0;
  let failed = 0;
  await Promise.all(
    [0, 1].map(async (uploader) => {
      while (next < sales) {
        const count = Math.min(100, sales - next);
        const transactions = Array.from({ length: count }, () => ({ id: randomUUID(), registerId: `up-${uploader}`, shopperCode: "S-1", items: [itemId(order[next++])] }));
        const res = await must("POST", `/v1/events/${eventId}/sessions/s1/transactions/batch`, { transactions }, [200], registerKey);
        failed += res.results.filter((r) => r.status !== 201).length;
      }
    }),
  );
  if (failed) throw new Error(`${failed} sales of ${eventId} failed`);
  // Let the commission pipeline catch up, so the ledger's kinds are complete when archived.
  for (let i = 0; i < 600; i++) {
    const s = await must("GET", `/v1/events/${eventId}/commissions`, undefined, [200]);
    if (s.metadata.totalCalculations >= sales) break;
    await sleep(500);
  }
  return { eventId };
}

// ------------------------------------------------------------------ the run

const mib = (kib) => (kib / 1024).toFixed(1);

async function archive(label, event) {
  await must("POST", `/v1/events/${event.eventId}/sessions/s1/complete`, undefined, [200]);
  const summary = await must("GET", `/v1/events/${event.eventId}/sessions/s1`, undefined, [200]);
  await sleep(SETTLE_MS);
  if (process.env.ARCHMEM_HEAP === "clean") await heaps(true);
  const heapBefore = await heaps();
  const s = sampler();
  await sleep(600); // a few baseline samples
  const traceFrom = gcTrace?.now();
  const tA = performance.now();
  const { instanceId } = await must("POST", "/v1/archive", { force: true }, [201]);
  let status;
  for (;;) {
    status = await must("GET", `/v1/archive/${instanceId}`, undefined, [200]);
    if (status.status !== "running" && status.status !== "queued") break;
    if (performance.now() - tA > 600_000) throw new Error("archive took over 10 minutes");
    await sleep(200);
  }
  const seconds = (performance.now() - tA) / 1000;
  await sleep(SETTLE_MS); // does the memory stay?
  const traceTo = gcTrace?.now();
  const heapAfter = await heaps();
  const mem = await s.stop();
  // ARCHMEM_HEAP=nogc: the heaps are read but not collected, so the next archive starts as it would.
  const heapAfterGc = await heaps(process.env.ARCHMEM_HEAP !== "nogc");
  const rssAfterGc = heapAfterGc ? sampleGroup() : null;
  if (status.status !== "complete") throw new Error(`archive ${instanceId} ended ${status.status}: ${JSON.stringify(status.error)}`);
  const out = status.output.sessions.find((x) => x.eventId === event.eventId);
  const r = { label, transactions: summary.metadata.transactionCount, rows: out.rows, bytes: out.bytes, seconds, rowsPerSecond: out.rows / seconds, mem, heapBefore, heapAfter, heapAfterGc, rssAfterGc };
  log(`${label}: ${r.transactions} tx, ${r.rows} rows in ${seconds.toFixed(2)} s = ${r.rowsPerSecond.toFixed(0)} rows/s; group RSS ${mib(mem.totalBaseKiB)} → peak ${mib(mem.totalPeakKiB)} MiB (+${mib(mem.totalPeakKiB - mem.totalBaseKiB)})`);
  for (const p of mem.procs) {
    if (p.peak.rss < 20_000) continue;
    log(
      `  ${String(p.pid).padStart(7)} ${p.comm.padEnd(10)} rss ${mib(p.base.rss)} → ${mib(p.peak.rss)} (+${mib(p.peak.rss - p.base.rss)}) end ${mib(p.end.rss)}` +
        `  anon ${mib(p.base.anon)} → ${mib(p.peak.anon)} (+${mib(p.peak.anon - p.base.anon)})  file ${mib(p.base.file)} → ${mib(p.peak.file)} (+${mib(p.peak.file - p.base.file)})`,
    );
  }
  if (heapBefore) {
    for (const id of Object.keys(heapAfter)) {
      const [b, a, g] = [heapBefore[id], heapAfter[id], heapAfterGc[id]];
      if (!b || !a || !g) continue;
      log(
        `  heap ${id.padEnd(26)} used ${mib(b.used)} → ${mib(a.used)} (GC ${mib(g.used)})  total ${mib(b.total)} → ${mib(a.total)} (GC ${mib(g.total)})` +
          `  ArrayBuffers ${mib(b.external)} → ${mib(a.external)} (GC ${mib(g.external)}) MiB`,
      );
    }
    for (const p of rssAfterGc) if (p.comm === "workerd" && p.rss > 150_000) log(`  after GC: ${p.pid} ${p.comm} rss ${mib(p.rss)} anon ${mib(p.anon)} MiB`);
  }
  if (gcTrace) {
    // Give the runtime's buffered output a moment to arrive.
    await sleep(1_000);
    r.gcTrace = gcTrace.during(traceFrom, traceTo);
    const span = ([a, b]) => `${a.toFixed(1)} → ${b.toFixed(1)}`;
    // The inspector does not name isolates by address. Each isolate not named yet gets the name whose
    // heap (as the inspector read it) is nearest its own in size, closest pairs first, each name
    // once; remembered, as an isolate keeps its address for the whole run.
    const taken = new Set(isolateNames.values());
    const pairs = r.gcTrace
      .filter((t) => !isolateNames.has(t.isolate))
      .flatMap((t) =>
        Object.entries(heapAfter ?? {}).map(([id, h]) => ({ isolate: t.isolate, id, gap: Math.min(Math.abs(h.total / 1024 - t.committedLast), Math.abs(h.total / 1024 - t.committed[1])) })),
      )
      .filter((p) => p.gap < 2 && !taken.has(p.id))
      .sort((a, b) => a.gap - b.gap);
    for (const p of pairs) {
      if (isolateNames.has(p.isolate) || taken.has(p.id)) continue;
      isolateNames.set(p.isolate, p.id);
      taken.add(p.id);
    }
    const nameOf = (t) => (isolateNames.has(t.isolate) ? `${t.isolate} (≈ ${isolateNames.get(t.isolate)})` : t.isolate);
    for (const t of r.gcTrace) {
      log(
        `  V8 ${nameOf(t)}: ${t.collections} collections (${t.fullCollections} full); committed ${span(t.committed)} MiB` +
          ` — young ${span(t.newSpace)}, old ${span(t.oldSpace)}, large objects ${span(t.largeObjects)}; live after collection ${span(t.liveAfterCollection)}`,
      );
    }
  }
  return r;
}

async function main() {
  const timer = setTimeout(async () => {
    console.error(`exceeded ${DEADLINE_MS / 60_000} minutes; stopping`);
    await stopServer();
    process.exit(2);
  }, DEADLINE_MS);
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  const state = mkdtempSync(join(tmpdir(), "archmem-"));
  const results = { observability: OBSERVABILITY, runs: [] };
  try {
    log(`state ${state}; X_LOCAL_OBSERVABILITY=${env.X_LOCAL_OBSERVABILITY ?? "(default)"}`);
    execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { env, stdio: "ignore" });
    await startServer(state);
    log(`server up, process group ${server.pgid}`);
    const events = {};
    log(`seeding small (${SMALL_ITEMS} items, ${SMALL_TX} sales) and large (${LARGE_ITEMS} items, ${LARGE_TX} sales)`);
    events.small = await seedSession(`am-small-${Date.now()}`, SMALL_ITEMS, SMALL_TX);
    events.large = await seedSession(`am-large-${Date.now()}`, LARGE_ITEMS, LARGE_TX);
    // A second large session, archived after the first: does the memory grow again, or is it reused?
    if (ORDER.includes("large2")) events.large2 = await seedSession(`am-large2-${Date.now()}`, LARGE_ITEMS, LARGE_TX);
    log("seeded");
    for (const label of ORDER) results.runs.push(await archive(label, events[label]));
    results.files = dirSizes(state);
    for (const [f, size] of Object.entries(results.files)) log(`  file ${f}: ${(size / 2 ** 20).toFixed(1)} MiB`);
    if (process.env.ARCHMEM_OUT) writeFileSync(process.env.ARCHMEM_OUT, JSON.stringify(results, null, 1) + "\n");
    clearTimeout(timer);
    return 0;
  } catch (e) {
    if (server) console.error(server.output().slice(-3000));
    throw e;
  } finally {
    isolates?.close();
    await stopServer();
    agent.destroy();
    if (!process.env.ARCHMEM_KEEP_STATE) rmSync(state, { recursive: true, force: true });
  }
}

runScript(main, stopServer);
