// `npm run bench`: starts its own `wrangler dev` servers on loopback, seeds events through the
// API, and measures, in one run on one machine, the benchmark figures as ratios against a
// baseline measured alongside. Writes bench/results.json. Bounded in time; stops what it started.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { randomInt, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { jsonRequest, runScript } from "../scripts/local-http.mjs";
import { IsolateHeaps, USER_WORKER } from "./isolate-heaps.mjs";

const HOST = "127.0.0.1";
// Overridable, so a second checkout can run the benchmark beside another's servers.
const MAIN_PORT = Number(process.env.BENCH_MAIN_PORT ?? 8797);
const BARE_PORT = Number(process.env.BENCH_BARE_PORT ?? 8798);
/** The API server's inspector, through which the archive's memory is split per isolate. */
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 8795);
const DEADLINE_MS = 15 * 60_000;
/** The archive's memory target: the large session's growth within 2 × the small one's plus this. */
const ARCHIVE_FIXED_MIB = 4;
/** How long the archive's idle control samples: about as long as the large archive takes. */
const ARCHIVE_IDLE_MS = 4_000;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 6_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** 3 rounds × 200 checkouts leave the 1,000-item session enough items to sell. */
const LATENCY_ROUNDS = 3;
/** Requests in flight at once (each a register's checkout). */
const REGISTERS = 20;
/**
 * Registers of the large session: each of the REGISTERS clients in turn sells at REGISTER_KEYS /
 * REGISTERS registers, one checkout at a time, each register with its own key, so a register makes
 * a few checkouts a second (still far more than a cashier) rather than every request of a client.
 */
const REGISTER_KEYS = Number(process.env.BENCH_REGISTER_KEYS ?? 100);
const LARGE_ITEMS = Number(process.env.BENCH_LARGE_ITEMS ?? 100_000);
const SMALL_ITEMS = 1_000;
const LATENCY_CHECKOUTS = 200;
const LATENCY_CONCURRENCY = 4;
const PIPELINE_RATE = 25;
const PIPELINE_SECONDS = 8;
const DRAIN_TRANSACTIONS = 10_000;
const ARCHIVE_TRANSACTIONS = 20_000;
const BATCH_TIMEOUT_MS = 1_000; // wrangler.toml: max_batch_timeout = 1

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const servers = [];
const started = performance.now();
const log = (...args) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);

// ------------------------------------------------------------------ servers

function portFree(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: "/health", timeout: 500 }, (res) => {
      res.resume();
      resolve(false);
    });
    req.on("error", () => resolve(true));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
  });
}

async function startServer(name, args, port, cwd = process.cwd()) {
  if (!(await portFree(port))) throw new Error(`port ${port} is taken: a leftover server would answer this benchmark`);
  const child = spawn("npx", ["wrangler", "dev", "--ip", HOST, "--port", String(port), ...args], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  servers.push({ name, child, port });
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output}`);
    try {
      const res = await request("GET", port, "/health");
      if (res.status === 200 || res.status === 405) return child;
    } catch {}
    await sleep(300);
  }
  throw new Error(`${name} did not answer within 2 minutes:\n${output}`);
}

async function stopServers() {
  for (const { child, port } of servers.splice(0)) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    for (let i = 0; i < 50 && !(await portFree(port)); i++) await sleep(200);
  }
}

/**
 * Resident memory (KiB) of a server's process group: in total, and of the runtime alone (the
 * workerd processes, which run the Worker, its objects and the local D1, R2, Queues and
 * Workflows). The rest is `wrangler dev`'s tooling (its Node process, the esbuild service that
 * watches the sources), which serves no request and whose memory rises and falls on its own.
 */
function groupRss(child) {
  try {
    const out = execFileSync("ps", ["-o", "rss=,comm=", "-g", String(child.pid)], { encoding: "utf8" });
    let total = 0;
    let runtime = 0;
    for (const line of out.split("\n")) {
      const m = /^\s*(\d+)\s+(\S+)/.exec(line);
      if (!m) continue;
      total += Number(m[1]);
      if (m[2] === "workerd") runtime += Number(m[1]);
    }
    return { total, runtime };
  } catch {
    return { total: 0, runtime: 0 };
  }
}

/** Samples groupRss every 200 ms while `work` runs (or for `ms` when it is a number): baseline and peak of each. */
async function rssDuring(child, work) {
  const baseline = groupRss(child);
  const peak = { ...baseline };
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const now = groupRss(child);
      peak.total = Math.max(peak.total, now.total);
      peak.runtime = Math.max(peak.runtime, now.runtime);
      await sleep(200);
    }
  })();
  try {
    const result = typeof work === "number" ? await sleep(work) : await work();
    return { baseline, peak, result };
  } finally {
    done = true;
    await sampler;
  }
}

/** CPU time (ms, user + system) used so far by every process in a server's process group. */
function groupCpuMs(child) {
  try {
    const pids = execFileSync("ps", ["-o", "pid=", "-g", String(child.pid)], { encoding: "utf8" }).split("\n").map((l) => l.trim()).filter(Boolean);
    let ticks = 0;
    for (const pid of pids) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {}
    }
    return (ticks * 1000) / 100;
  } catch {
    return NaN;
  }
}

// ------------------------------------------------------------------ http

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const request = (method, port, path, { body, key } = {}) => jsonRequest({ host: HOST, port, method, path, body, key, agent });

let adminKey = "";
const api = (method, path, body, key = adminKey) => request(method, MAIN_PORT, path, { body, key });
async function must(method, path, body, expected, key) {
  const res = await api(method, path, body, key);
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

// ------------------------------------------------------------------ measuring

function stats(latencies, elapsedMs, errors) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
  return { requests: sorted.length, errors, rps: (sorted.length / elapsedMs) * 1000, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** `concurrency` loops each sending one request after another until `until()` says stop. */
async function load(concurrency, send, until) {
  const latencies = [];
  let errors = 0;
  const firstErrors = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; !until(latencies.length + errors); i++) {
        const res = await send(worker, i);
        if (res.ok) latencies.push(res.ms);
        else {
          errors++;
          if (firstErrors.length < 3) firstErrors.push(res.detail);
        }
      }
    }),
  );
  const result = stats(latencies, performance.now() - t0, errors);
  if (firstErrors.length) result.firstErrors = firstErrors;
  return result;
}

const forMs = (ms) => {
  const end = performance.now() + ms;
  return () => performance.now() >= end;
};
const forCount = (n) => (done) => done >= n;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summarize = (rounds) => ({
  rps: median(rounds.map((r) => r.rps)),
  p50: median(rounds.map((r) => r.p50)),
  p99: median(rounds.map((r) => r.p99)),
  ...(rounds[0]?.cpuMsPerRequest !== undefined ? { cpuMsPerRequest: median(rounds.map((r) => r.cpuMsPerRequest)) } : {}),
  errors: rounds.reduce((n, r) => n + r.errors, 0),
  rounds,
});
const fmt = (r) => `${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   errors ${r.errors}`;

// ------------------------------------------------------------------ seeding

const itemId = (prefix, i) => `${prefix}${String(i).padStart(6, "0")}`;
/** Registers make random v4 UUIDs, so each new transaction lands at a random place in every index keyed by it. */
const uuid = () => randomUUID();
/** The order a session's tags are scanned in: shoppers pick items from all over the floor, not in tag order. */
function scanOrder(n) {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
/** The next tag of the event to sell, in its scan order. */
const nextItem = (event) => itemId("T", event.order[event.next++]);

async function seedEvent(eventId, items) {
  await must("POST", "/v1/events", { id: eventId, name: `Bench ${eventId}` }, [201, 200]);
  await must("PUT", `/v1/events/${eventId}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200]);
  for (const [id, tier] of [["c1", "standard"], ["c2", "volunteer"], ["c3", "super"]]) {
    await must("PUT", `/v1/events/${eventId}/consignors/${id}`, { name: id, tier }, [200, 201]);
  }
  for (let i = 0; i < items; i += 5_000) {
    const chunk = [];
    for (let j = i; j < Math.min(items, i + 5_000); j++) {
      chunk.push({ id: itemId("T", j), consignorId: `c${(j % 3) + 1}`, title: `Item ${j}`, category: "clothing", size: "4T", price: 100 + (j % 4_900) });
    }
    await must("PUT", `/v1/events/${eventId}/items`, { items: chunk }, [200]);
  }
  const registerKey = (await must("POST", `/v1/events/${eventId}/api-keys`, { role: "register", label: "bench" }, [201])).key;
  // Each register has its own key, as at a real sale (keys are rate-limited one by one).
  const keys = new Map();
  for (const name of [...Array.from({ length: Math.max(REGISTERS, REGISTER_KEYS) }, (_, r) => `reg-${r}`), "reg-steady"]) {
    keys.set(name, (await must("POST", `/v1/events/${eventId}/api-keys`, { role: "register", label: name }, [201])).key);
  }
  await must("POST", `/v1/events/${eventId}/sessions`, { id: "s1", name: "Main sale", startTime: 0, endTime: 1 }, [201, 200]);
  await must("POST", `/v1/events/${eventId}/sessions/s1/start`, undefined, [200]);
  return { eventId, registerKey, keys, next: 0, items, order: scanOrder(items) };
}

/** The register of client `worker`'s i-th request: each client goes round its own registers. */
const registerOf = (worker, i) => `reg-${(worker + REGISTERS * i) % Math.max(REGISTERS, REGISTER_KEYS)}`;

/** A checkout of the next unsold item of the event's session (1 item per checkout). */
function checkout(event, registerId) {
  if (event.next >= event.items) return Promise.resolve({ ok: false, detail: "ran out of items" });
  const id = uuid();
  const item = nextItem(event);
  return api("POST", `/v1/events/${event.eventId}/sessions/s1/transactions`, { id, registerId, shopperCode: "S-1", items: [item] }, event.keys.get(registerId) ?? event.registerKey).then((res) => ({
    ok: res.status === 201,
    ms: res.ms,
    id,
    detail: `${res.status} ${JSON.stringify(res.body)?.slice(0, 200)}`,
  }));
}

// ------------------------------------------------------------------ the run

async function main() {
  const timer = setTimeout(async () => {
    console.error(`benchmark exceeded ${DEADLINE_MS / 60_000} minutes; stopping`);
    await stopServers();
    process.exit(2);
  }, DEADLINE_MS);
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  if (!adminKey) throw new Error(".dev.vars has no ADMIN_API_KEY");

  const state = mkdtempSync(join(tmpdir(), "consignment-bench-"));
  const results = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, os: `${platform()} ${release()}` } };
  try {
    log("applying D1 migrations to a fresh local state");
    execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", join(state, "main")], { env, stdio: "ignore" });
    log("starting the API and the bare baseline");
    // As `npm start` runs it: the API Worker with the pages Worker beside it, request log lines off
    // locally (scripts/start.mjs says why).
    const main = await startServer("api", ["-c", "wrangler.toml", "-c", "pages/wrangler.toml", "--persist-to", join(state, "main"), "--inspector-port", String(INSPECTOR_PORT), "--var", "LOG_REQUESTS:false"], MAIN_PORT);
    const bareServer = await startServer("bare", ["--persist-to", join(state, "bare")], BARE_PORT, join(process.cwd(), "bench", "bare"));

    log(`seeding a ${LARGE_ITEMS.toLocaleString()}-item and a ${SMALL_ITEMS.toLocaleString()}-item session`);
    const large = await seedEvent("bench-large", LARGE_ITEMS);
    const small = await seedEvent("bench-small", SMALL_ITEMS);

    // (a) vs (b): interleaved rounds, warm-up first.
    const bare = (worker, i) => request("POST", BARE_PORT, "/", { body: JSON.stringify({ register: worker, n: i }) }).then((res) => ({ ok: res.status === 201, ms: res.ms, detail: String(res.status) }));
    const sell = (worker, i) => checkout(large, registerOf(worker, i));
    log("warming up");
    await load(REGISTERS, bare, forMs(2_000));
    await load(REGISTERS, sell, forMs(2_000));
    const bareRounds = [];
    const checkoutRounds = [];
    /** A round of load, with the CPU its server's processes spent per request served. */
    const measured = async (server, send) => {
      const before = groupCpuMs(server);
      const result = await load(REGISTERS, send, forMs(ROUND_MS));
      result.cpuMsPerRequest = (groupCpuMs(server) - before) / result.requests;
      return result;
    };
    for (let round = 0; round < ROUNDS; round++) {
      bareRounds.push(await measured(bareServer, bare));
      checkoutRounds.push(await measured(main, sell));
      log(`round ${round + 1}: bare ${bareRounds.at(-1).rps.toFixed(0)} req/s, checkout ${checkoutRounds.at(-1).rps.toFixed(0)} req/s`);
    }
    const a = summarize(bareRounds);
    const b = summarize(checkoutRounds);
    // Each checkout round against the bare round just before it: the spread of the ratio.
    const pairRatios = checkoutRounds.map((r, i) => r.rps / bareRounds[i].rps).sort((x, y) => x - y);

    if (process.env.BENCH_ONLY === "throughput") {
      console.log(`bare ${fmt(a)}\ncheckout ${fmt(b)}\nb/a = ${(b.rps / a.rps).toFixed(2)} (round by round ${pairRatios[0].toFixed(2)}–${pairRatios.at(-1).toFixed(2)}); CPU per request: bare ${a.cpuMsPerRequest.toFixed(2)} ms, checkout ${b.cpuMsPerRequest.toFixed(2)} ms`);
      clearTimeout(timer);
      return 0;
    }

    // (c) latency in a 100,000-item vs a 1,000-item session, alternating rounds.
    const smallRounds = [];
    const largeRounds = [];
    const perRound = Math.floor(LATENCY_CHECKOUTS);
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      smallRounds.push(await load(LATENCY_CONCURRENCY, (w) => checkout(small, `reg-${w}`), forCount(perRound)));
      largeRounds.push(await load(LATENCY_CONCURRENCY, (w) => checkout(large, `reg-${w}`), forCount(perRound)));
    }
    const c1k = summarize(smallRounds);
    const c100k = summarize(largeRounds);

    // Pipeline: checkout committed → calculation completed, at a steady rate.
    log(`pipeline latency at ${PIPELINE_RATE} checkouts/s for ${PIPELINE_SECONDS} s`);
    const steady = [];
    for (let i = 0; i < PIPELINE_RATE * PIPELINE_SECONDS; i++) {
      steady.push(checkout(large, "reg-steady"));
      await sleep(1000 / PIPELINE_RATE);
    }
    const steadyIds = (await Promise.all(steady)).filter((r) => r.ok).map((r) => r.id);
    const pipeline = [];
    for (const id of steadyIds) {
      for (let tries = 0; tries < 100; tries++) {
        const calc = await api("GET", `/v1/events/${large.eventId}/commissions/calculations/${id}`);
        if (calc.status === 200 && calc.body.status === "completed") {
          pipeline.push(calc.body.completedAt - calc.body.occurredAt);
          break;
        }
        await sleep(100);
      }
    }
    const pipe = stats(pipeline, 1, steadyIds.length - pipeline.length);

    // Drain: registers that were offline upload 10,000 queued sales at once (100 per call), far
    // faster than the consumer calculates them; how fast does the backlog drain?
    log(`draining a backlog of ${DRAIN_TRANSACTIONS.toLocaleString()} uploaded transactions`);
    const before = (await must("GET", `/v1/events/${large.eventId}/commissions`, undefined, [200])).metadata.totalCalculations;
    const timeline = [];
    let produced = 0;
    const t0 = performance.now();
    const watcher = (async () => {
      for (;;) {
        const s = await api("GET", `/v1/events/${large.eventId}/commissions`);
        const done = s.body.metadata.totalCalculations - before;
        timeline.push({ t: performance.now() - t0, done, produced });
        if (done >= DRAIN_TRANSACTIONS || performance.now() - t0 > 300_000) return;
        await sleep(200);
      }
    })();
    let uploadErrors = 0;
    await Promise.all(
      Array.from({ length: 4 }, async (_, uploader) => {
        while (produced < DRAIN_TRANSACTIONS) {
          const count = Math.min(100, DRAIN_TRANSACTIONS - produced);
          produced += count;
          const transactions = Array.from({ length: count }, () => ({ id: uuid(), registerId: `offline-${uploader}`, shopperCode: "S-1", items: [nextItem(large)] }));
          const res = await api("POST", `/v1/events/${large.eventId}/sessions/s1/transactions/batch`, { transactions }, large.registerKey);
          uploadErrors += res.status === 200 ? res.body.results.filter((r) => r.status !== 201).length : count;
        }
      }),
    );
    const producedAt = performance.now() - t0;
    await watcher;
    const last = timeline.at(-1);
    const atProduced = timeline.filter((p) => p.t <= producedAt).at(-1) ?? { t: 0, done: 0 };
    const drain = {
      transactions: DRAIN_TRANSACTIONS,
      uploadSeconds: producedAt / 1000,
      uploadedPerSecond: (DRAIN_TRANSACTIONS / producedAt) * 1000,
      produceErrors: uploadErrors,
      completed: last.done,
      seconds: last.t / 1000,
      backlogAtUploadEnd: DRAIN_TRANSACTIONS - atProduced.done,
      drainPerSecond: (last.done / last.t) * 1000,
      backlogDrainPerSecond: ((last.done - atProduced.done) / (last.t - atProduced.t)) * 1000,
    };

    // Archive: top the large session up to 20,000 transactions, end both sessions, archive them.
    const soFar = large.next;
    if (soFar < ARCHIVE_TRANSACTIONS) await load(REGISTERS, (w, i) => checkout(large, registerOf(w, i)), forCount(ARCHIVE_TRANSACTIONS - soFar));
    await sleep(BATCH_TIMEOUT_MS * 3);
    const archive = {};
    // Each isolate's V8 heap before and after each archive (no collection forced): the Worker's own
    // (with its Durable Objects and Workflows) apart from the local D1, R2 and Workflows engine,
    // which production runs as separate services, not in the Worker's process.
    const isolates = await IsolateHeaps.open({ host: HOST, inspectorPort: INSPECTOR_PORT, pgid: main.pid, log });
    // The control: the same sampling for as long as a large archive takes, with nothing running.
    const idle = await rssDuring(main, ARCHIVE_IDLE_MS);
    const idleControl = { seconds: ARCHIVE_IDLE_MS / 1000, rssGrowthMiB: (idle.peak.total - idle.baseline.total) / 1024, runtimeRssGrowthMiB: (idle.peak.runtime - idle.baseline.runtime) / 1024 };
    for (const [label, event] of [["small", small], ["large", large]]) {
      await must("POST", `/v1/events/${event.eventId}/sessions/s1/complete`, undefined, [200]);
      const summary = await must("GET", `/v1/events/${event.eventId}/sessions/s1`, undefined, [200]);
      log(`archiving the ${label} session (${summary.metadata.transactionCount.toLocaleString()} transactions)`);
      const liveBefore = await isolates.liveHeaps();
      const heapsBefore = await isolates.read();
      const tA = performance.now();
      const { baseline, peak, result: status } = await rssDuring(main, async () => {
        const { instanceId } = await must("POST", "/v1/archive", { force: true }, [201]);
        for (;;) {
          const status = await must("GET", `/v1/archive/${instanceId}`, undefined, [200]);
          if (status.status !== "running" && status.status !== "queued") return { ...status, instanceId };
          if (performance.now() - tA > 600_000) throw new Error("archive took over 10 minutes");
          await sleep(200);
        }
      });
      const seconds = (performance.now() - tA) / 1000;
      const heapsAfter = await isolates.read();
      const liveAfter = await isolates.liveHeaps();
      if (status.status !== "complete") throw new Error(`archive ${status.instanceId} ended ${status.status}: ${JSON.stringify(status.error)}`);
      const s = status.output.sessions.find((x) => x.eventId === event.eventId);
      archive[label] = {
        transactions: summary.metadata.transactionCount,
        items: summary.metadata.itemCount,
        rows: s.rows,
        bytes: s.bytes,
        seconds,
        rowsPerSecond: s.rows / seconds,
        mbPerSecond: s.bytes / 1e6 / seconds,
        baselineRssMiB: baseline.total / 1024,
        peakRssMiB: peak.total / 1024,
        rssGrowthMiB: (peak.total - baseline.total) / 1024,
        runtimeRssGrowthMiB: (peak.runtime - baseline.runtime) / 1024,
        // Per isolate: growth of the V8 heap's committed size (total) and of what is in it (used), MiB.
        heapGrowthMiB: Object.fromEntries(
          Object.keys(heapsAfter)
            .filter((id) => heapsBefore[id])
            .map((id) => [id, { total: (heapsAfter[id].total - heapsBefore[id].total) / 1024, used: (heapsAfter[id].used - heapsBefore[id].used) / 1024 }]),
        ),
        // The local simulators' live heap after a full collection (a heap snapshot), after minus before: what they keep.
        liveHeapGrowthMiB: Object.fromEntries(Object.keys(liveAfter).filter((id) => liveBefore[id] !== undefined).map((id) => [id, (liveAfter[id] - liveBefore[id]) / 1024])),
      };
    }
    isolates.close();

    Object.assign(results, {
      checkoutVsBare: b.rps / a.rps,
      checkoutVsBareRounds: { min: pairRatios[0], median: median(pairRatios), max: pairRatios.at(-1) },
      largeVsSmallSession: c100k.p50 / c1k.p50,
      pipelineLatencyP95Ms: pipe.p95,
      drainPerSecond: drain.drainPerSecond,
      archiveRowsPerSecond: archive.large.rowsPerSecond,
      archiveMBPerSecond: archive.large.mbPerSecond,
      archivePeakRssMiB: archive.large.peakRssMiB,
      archiveMemory: {
        largeMiB: archive.large.rssGrowthMiB,
        smallMiB: archive.small.rssGrowthMiB,
        runtimeLargeMiB: archive.large.runtimeRssGrowthMiB,
        runtimeSmallMiB: archive.small.runtimeRssGrowthMiB,
      },
      archiveSeconds: archive.large.seconds,
      targets: {
        checkoutVsBare: 0.7,
        largeVsSmallSession: 1.2,
        pipelineLatencyP95Ms: BATCH_TIMEOUT_MS + 1_000,
        archiveRowsPerSecond: 20_000,
        archiveMemory: `large growth ≤ 2 × small growth + ${ARCHIVE_FIXED_MIB} MiB`,
      },
      raw: {
        bare: a,
        checkout: b,
        session1k: c1k,
        session100k: c100k,
        pipeline: { ...pipe, rate: PIPELINE_RATE, seconds: PIPELINE_SECONDS, samples: pipeline.length },
        drain,
        archive,
        archiveIdleControl: idleControl,
      },
      method: {
        checkout: `${REGISTERS} checkouts in flight from ${Math.max(REGISTERS, REGISTER_KEYS)} registers (a key each), 1 item per checkout, on one session of ${LARGE_ITEMS} items; ${ROUNDS} rounds of ${ROUND_MS / 1000} s alternating with the bare endpoint, medians reported`,
        latency: `${LATENCY_CONCURRENCY} concurrent registers, ${perRound} checkouts per round, ${LATENCY_ROUNDS} alternating rounds per session size; ratio of p50`,
        pipeline: `${PIPELINE_RATE} checkouts/s for ${PIPELINE_SECONDS} s; calculation completedAt − transaction occurredAt (both the runtime's clock)`,
        drain: `${DRAIN_TRANSACTIONS} transactions uploaded by 4 offline registers, 100 per call; drainPerSecond = calculations completed / time from the first upload to the last calculation; backlogDrainPerSecond = the same after the uploads ended`,
        archive:
          "POST /v1/archive {force:true} after completing the session; rows and bytes from the run's output; RSS sampled every 200 ms, peak minus the sample before, summed over the wrangler dev process group (rssGrowthMiB) and over its workerd processes alone (runtimeRssGrowthMiB); archiveIdleControl: the same sampling with nothing running; heapGrowthMiB: each isolate's V8 heap (Runtime.getHeapUsage through the inspector) after the archive minus before, no collection forced; liveHeapGrowthMiB: the local simulators' live heap after a full collection (heap snapshot), after minus before",
      },
    });
    for (const round of [...a.rounds, ...b.rounds, ...c1k.rounds, ...c100k.rounds]) delete round.firstErrors;
    writeFileSync("bench/results.json", JSON.stringify(results, null, 2) + "\n");

    const verdict = (ok) => (ok ? "PASS" : "MISS");
    console.log("\nCheckout throughput");
    console.log(`  (a) bare DO, 1 SQLite insert   ${fmt(a)}`);
    console.log(`  (b) checkout through the API   ${fmt(b)}`);
    console.log(`  b/a = ${results.checkoutVsBare.toFixed(2)}  (target ≥ 0.70)  ${verdict(results.checkoutVsBare >= 0.7)}; round by round ${pairRatios[0].toFixed(2)}–${pairRatios.at(-1).toFixed(2)}`);
    console.log("Checkout latency by session size");
    console.log(`  (c)   1,000 items              ${fmt(c1k)}`);
    console.log(`  (c) 100,000 items              ${fmt(c100k)}`);
    console.log(`  p50 ratio = ${results.largeVsSmallSession.toFixed(2)}  (target ≤ 1.20)  ${verdict(results.largeVsSmallSession <= 1.2)}`);
    console.log("Commission pipeline");
    console.log(`  checkout → calculation completed: p50 ${pipe.p50} ms, p95 ${pipe.p95} ms over ${pipeline.length} sales (target p95 ≤ ${BATCH_TIMEOUT_MS + 1000} ms)  ${verdict(pipe.p95 <= BATCH_TIMEOUT_MS + 1000)}`);
    console.log(`  drain: ${drain.completed} calculations in ${drain.seconds.toFixed(1)} s = ${drain.drainPerSecond.toFixed(0)}/s; uploads took ${drain.uploadSeconds.toFixed(1)} s and left ${drain.backlogAtUploadEnd} waiting, drained at ${drain.backlogDrainPerSecond.toFixed(0)}/s`);
    console.log("Archive");
    const fmtMiB = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
    for (const [label, r] of Object.entries(archive)) {
      console.log(`  ${label.padEnd(5)} ${r.items} items, ${r.transactions} tx: ${r.rows} rows in ${r.seconds.toFixed(1)} s = ${r.rowsPerSecond.toFixed(0)} rows/s, ${r.mbPerSecond.toFixed(2)} MB/s to R2, RSS ${r.baselineRssMiB.toFixed(0)} → ${r.peakRssMiB.toFixed(0)} MiB (${fmtMiB(r.rssGrowthMiB)}; the runtime's processes ${fmtMiB(r.runtimeRssGrowthMiB)})`);
      const heap = (id) => (r.heapGrowthMiB[id] ? fmtMiB(r.heapGrowthMiB[id].total) : "?");
      const live = (id) => (r.liveHeapGrowthMiB[id] !== undefined ? fmtMiB(r.liveHeapGrowthMiB[id]) : "?");
      console.log(
        `        V8 heap growth (committed, MiB): the Worker's own isolate (its DOs, Workflows) ${heap(USER_WORKER)}; local simulators, separate services in production: D1 ${heap("d1:db")}, R2 ${heap("r2:bucket")}, Workflows engine ${heap("workflows:archive")}`,
      );
      console.log(`        kept after a full collection (MiB): D1 ${live("d1:db")}, R2 ${live("r2:bucket")}, Workflows engine ${live("workflows:archive")}`);
    }
    console.log(`  control: ${idleControl.seconds} s with nothing running: RSS ${fmtMiB(idleControl.rssGrowthMiB)} MiB (the runtime's processes ${fmtMiB(idleControl.runtimeRssGrowthMiB)})`);
    const memoryVerdict = (large, small) => `${fmtMiB(large)} against ${fmtMiB(small)}: ${verdict(large <= 2 * Math.max(small, 0) + ARCHIVE_FIXED_MIB)}`;
    console.log(`  memory, large vs small (target: large ≤ 2 × small + ${ARCHIVE_FIXED_MIB} MiB): process group ${memoryVerdict(archive.large.rssGrowthMiB, archive.small.rssGrowthMiB)}; the runtime's processes ${memoryVerdict(archive.large.runtimeRssGrowthMiB, archive.small.runtimeRssGrowthMiB)}`);
    console.log(`  speed (target ≥ 20,000 rows/s into D1): ${archive.large.rowsPerSecond.toFixed(0)} rows/s  ${verdict(archive.large.rowsPerSecond >= 20_000)}`);
    const errors = a.errors + b.errors + c1k.errors + c100k.errors + drain.produceErrors;
    if (errors > 0) console.log(`\n${errors} request(s) failed: first ones ${JSON.stringify([a, b, c1k, c100k].flatMap((r) => r.rounds?.flatMap((x) => x.firstErrors ?? []) ?? []).slice(0, 3))}`);
    log("done; results in bench/results.json");
    clearTimeout(timer);
    return errors === 0 ? 0 : 1;
  } finally {
    await stopServers();
    agent.destroy();
    rmSync(state, { recursive: true, force: true });
  }
}

runScript(main, stopServers);
