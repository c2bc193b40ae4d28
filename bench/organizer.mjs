// `npm run bench`, the organizer's part: runs `npm start` (a fresh local state, ports 8813/8814)
// and measures
//   - checkout in a discount session against checkout in a full-price one: two events of the same
//     size, 20 concurrent registers, rounds alternating between them (random UUIDs, tags in random
//     order, one item per checkout, as bench/run.mjs does); `discountVsFullCheckout` is the ratio
//     of the medians of their throughput (≈ 1 when a discount costs nothing);
//   - printable tags: a consignor's 500 tags as one PDF (6 per page) and as Avery 5160 labels,
//     through the API, several times each: median and spread of the time to the last byte, size.
// Results go into bench/results.json under "organizer", merged with what the other parts wrote.
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { jsonRequest, runScript } from "../scripts/local-http.mjs";
import { startLocalStack } from "../scripts/local-stack.mjs";

const WORKER_PORT = Number(process.env.BENCH_ORGANIZER_PORT ?? 8813);
const EMULATOR_PORT = WORKER_PORT + 1;
const ITEMS = Number(process.env.BENCH_ORGANIZER_ITEMS ?? 20_000);
const REGISTERS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 5_000);
const TAGS = 500;
const TAG_RUNS = 5;
const DEADLINE_MS = 10 * 60_000;

const started = performance.now();
const log = (...args) => console.log(`[organizer ${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let stack = null;
let state = null;
let adminKey = "";

const api = (method, path, body, key = adminKey) => jsonRequest({ port: WORKER_PORT, method, path, body, key, agent });
async function must(method, path, body, expected, key) {
  const res = await api(method, path, body, key);
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)?.slice(0, 300)}`);
  return res.body;
}

async function stop() {
  await stack?.stop();
  stack = null;
  if (state) rmSync(state, { recursive: true, force: true });
  state = null;
}

async function startStack() {
  state = mkdtempSync(join(tmpdir(), "consignment-bench-organizer-"));
  stack = await startLocalStack({ port: WORKER_PORT, shopifyPort: EMULATOR_PORT, persistTo: state, ready: async () => (await api("GET", "/health")).status === 200 });
}

/** A shuffled order of 0…n−1: registers scan tags in no particular order. */
function shuffled(n) {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** An event of ITEMS items (one in four without the discount mark) and a running session with `discount`. */
async function seedEvent(eventId, discount) {
  await must("POST", "/v1/events", { id: eventId, name: `Bench ${eventId}` }, [201, 200]);
  await must("PUT", `/v1/events/${eventId}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200]);
  for (const [id, tier] of [["c1", "standard"], ["c2", "volunteer"], ["c3", "super"]]) {
    await must("PUT", `/v1/events/${eventId}/consignors/${id}`, { name: id, tier }, [200, 201]);
  }
  for (let i = 0; i < ITEMS; i += 5_000) {
    const items = [];
    for (let j = i; j < Math.min(ITEMS, i + 5_000); j++) {
      items.push({ id: `T${String(j).padStart(6, "0")}`, consignorId: `c${(j % 3) + 1}`, title: `Item ${j}`, category: "clothing", size: "4T", price: 100 + (j % 4_900), discountAllowed: j % 4 !== 0 });
    }
    await must("PUT", `/v1/events/${eventId}/items`, { items }, [200]);
  }
  // Each register has its own key, as at a real sale (keys are rate-limited one by one).
  const keys = [];
  for (let r = 0; r < REGISTERS; r++) keys.push((await must("POST", `/v1/events/${eventId}/api-keys`, { role: "register", label: `reg-${r}` }, [201])).key);
  await must("POST", `/v1/events/${eventId}/sessions`, { id: "s1", name: discount ? "Half price" : "Full price", startTime: 0, endTime: 1, discount }, [201, 200]);
  await must("POST", `/v1/events/${eventId}/sessions/s1/start`, undefined, [200]);
  return { eventId, keys, order: shuffled(ITEMS), next: 0 };
}

function checkout(event, register) {
  if (event.next >= event.order.length) return Promise.resolve({ ok: false, detail: "ran out of items" });
  const item = `T${String(event.order[event.next++]).padStart(6, "0")}`;
  return api("POST", `/v1/events/${event.eventId}/sessions/s1/transactions`, { id: randomUUID(), registerId: `reg-${register}`, shopperCode: "S-1", items: [item] }, event.keys[register]).then((res) => ({
    ok: res.status === 201,
    ms: res.ms,
    detail: `${res.status} ${JSON.stringify(res.body)?.slice(0, 200)}`,
  }));
}

/** `concurrency` workers sending until `ms` have passed: requests per second and p50 latency. */
async function round(concurrency, send, ms) {
  const latencies = [];
  let errors = 0;
  let firstError = null;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() - t0 < ms) {
        const r = await send(w);
        if (r.ok) latencies.push(r.ms);
        else {
          errors++;
          firstError ??= r.detail;
        }
      }
    }),
  );
  if (errors > 0) throw new Error(`${errors} checkout(s) failed, first: ${firstError}`);
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / ((performance.now() - t0) / 1000), p50: latencies[Math.floor(latencies.length / 2)] };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** GET of a PDF: milliseconds to the last byte, its size, and its first bytes. */
function getPdf(path, key) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ host: "127.0.0.1", port: WORKER_PORT, path, method: "GET", headers: { Authorization: `Bearer ${key}` }, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode, type: res.headers["content-type"], bytes: body.length, head: body.subarray(0, 5).toString("latin1"), ms: performance.now() - t0 });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

async function tagsTiming(format) {
  const path = `/v1/events/bench-tags/consignors/c1/tags.pdf${format === "labels" ? "?format=labels" : ""}`;
  const runs = [];
  for (let i = 0; i < TAG_RUNS + 1; i++) {
    const res = await getPdf(path, adminKey);
    if (res.status !== 200 || res.head !== "%PDF-" || !String(res.type).startsWith("application/pdf")) throw new Error(`${path} answered ${res.status} ${res.type} ${res.head}`);
    if (i > 0) runs.push(res); // the first call warms the isolate up
  }
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { runs: runs.length, medianMs: median(ms), minMs: ms[0], maxMs: ms.at(-1), bytes: runs[0].bytes };
}

async function main() {
  const timer = setTimeout(async () => {
    console.error(`organizer bench exceeded ${DEADLINE_MS / 60_000} minutes; stopping`);
    await stop();
    process.exit(2);
  }, DEADLINE_MS);
  if (!existsSync(".dev.vars")) throw new Error("run bench/run.mjs first (it makes .dev.vars), or copy .dev.vars.example");
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  await startStack();

  log(`seeding two events of ${ITEMS.toLocaleString()} items: a full-price session and a half-price one`);
  const full = await seedEvent("bench-full", 0);
  const half = await seedEvent("bench-half", 5000);
  await round(REGISTERS, (w) => checkout(full, w), 1_500);
  await round(REGISTERS, (w) => checkout(half, w), 1_500);
  const fullRounds = [];
  const halfRounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so neither always follows the other.
    const pair = r % 2 === 0 ? [[fullRounds, full], [halfRounds, half]] : [[halfRounds, half], [fullRounds, full]];
    for (const [rounds, event] of pair) rounds.push(await round(REGISTERS, (w) => checkout(event, w), ROUND_MS));
    log(`round ${r + 1}: full price ${fullRounds.at(-1).rps.toFixed(0)} req/s, half price ${halfRounds.at(-1).rps.toFixed(0)} req/s`);
  }
  const pairs = fullRounds.map((f, i) => halfRounds[i].rps / f.rps).sort((a, b) => a - b);
  const discount = {
    fullRps: median(fullRounds.map((r) => r.rps)),
    halfRps: median(halfRounds.map((r) => r.rps)),
    fullP50Ms: median(fullRounds.map((r) => r.p50)),
    halfP50Ms: median(halfRounds.map((r) => r.p50)),
    roundRatios: pairs,
  };
  discount.ratio = discount.halfRps / discount.fullRps;

  log(`${TAGS} tags of one consignor as a PDF`);
  await must("POST", "/v1/events", { id: "bench-tags", name: "Bench tags" }, [201, 200]);
  const items = Array.from({ length: TAGS }, (_, j) => ({
    id: `c1-${j + 1}`,
    consignorId: "c1",
    title: `${["Blue", "Striped", "Warm", "Party"][j % 4]} ${["raincoat", "dress", "snow boots", "puzzle (500 pieces)"][j % 4]} ${j}`,
    category: "clothing",
    size: ["2T", "4T", "6", "OS"][j % 4],
    price: 250 + (j % 40) * 50,
    discountAllowed: j % 5 !== 0,
    donate: j % 3 === 0,
  }));
  await must("PUT", "/v1/events/bench-tags/items", { items }, [200]);
  const tags = { sheet: await tagsTiming("tags"), labels: await tagsTiming("labels") };
  clearTimeout(timer);
  await stop();

  console.log("\n=== Organizer: discount sessions and tags ===");
  console.log(`checkout, ${REGISTERS} registers, ${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s, ${ITEMS.toLocaleString()} items per session:`);
  console.log(`  full price  ${discount.fullRps.toFixed(0)} req/s, p50 ${discount.fullP50Ms.toFixed(1)} ms`);
  console.log(`  half price  ${discount.halfRps.toFixed(0)} req/s, p50 ${discount.halfP50Ms.toFixed(1)} ms`);
  console.log(`  discountVsFullCheckout = ${discount.ratio.toFixed(2)} (round by round ${pairs[0].toFixed(2)}–${pairs.at(-1).toFixed(2)}); the same cost is 1.00`);
  for (const [name, t] of Object.entries(tags)) {
    console.log(`  ${TAGS} tags (${name === "sheet" ? "6 per page" : "Avery 5160"}): median ${t.medianMs.toFixed(0)} ms (${t.minMs.toFixed(0)}–${t.maxMs.toFixed(0)} over ${t.runs} runs), ${(t.bytes / 1024).toFixed(0)} KiB`);
  }
  const results = existsSync("bench/results.json") ? JSON.parse(readFileSync("bench/results.json", "utf8")) : {};
  Object.assign(results, { discountVsFullCheckout: discount.ratio, organizer: { date: new Date().toISOString(), items: ITEMS, discount, tags, tagCount: TAGS } });
  writeFileSync("bench/results.json", JSON.stringify(results, null, 2) + "\n");
  return 0;
}

runScript(main, stop);
