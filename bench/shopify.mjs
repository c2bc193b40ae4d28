// `npm run bench`, the Shopify part: runs `npm start` (the Worker and the Shopify emulator, a fresh
// local state) and measures, against the emulator:
//   - the first listing of 10,000 items: how long until Shopify acknowledged every item, and the
//     API calls it took (GraphQL calls plus the bulk operation's upload and result download);
//   - register sale → Shopify quantity 0: from the moment the register heard 201 to the moment the
//     emulator applied the change (its inventory_levels/update webhook's X-Shopify-Triggered-At);
//   - online order → register refusal: from the moment Shopify answered orderCreate to the moment
//     the event's Inventory shows the item sold online (the running session refuses it from then on;
//     one checkout per item at the end confirms the refusal);
//   - a reconcile with nothing changed, at 1,000 and at 10,000 items: the API points it spends and
//     the calls it makes (the ratio shows whether it grows with the catalogue);
//   - a half-price session starting: how long until Shopify acknowledged every item's new price,
//     and the calls it took.
// Results go into bench/results.json under "shopify" (plus registerToShopifyP95Ms and
// listingCallsPer1000Items at the top level), merged with what bench/run.mjs wrote.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { jsonRequest, runScript } from "../scripts/local-http.mjs";
import { startLocalStack } from "../scripts/local-stack.mjs";

const WORKER_PORT = 8799;
const EMULATOR_PORT = 8796;
const ITEMS = Number(process.env.BENCH_SHOPIFY_ITEMS ?? 10_000);
const SALES = Number(process.env.BENCH_SHOPIFY_SALES ?? 60);
const SALE_GAP_MS = 150;
const ONLINE_ORDERS = Number(process.env.BENCH_SHOPIFY_ORDERS ?? 40);
const DEADLINE_MS = 10 * 60_000;

const started = performance.now();
const log = (...args) => console.log(`[shopify ${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);
let stack = null;
let state = null;
let adminKey = "";

const api = (method, path, body, key = adminKey) => jsonRequest({ port: WORKER_PORT, method, path, body, key });
const emulator = (method, path, body) => jsonRequest({ port: EMULATOR_PORT, method, path: `/_emulator/${path}`, body });

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
  state = mkdtempSync(join(tmpdir(), "consignment-bench-shopify-"));
  stack = await startLocalStack({
    port: WORKER_PORT,
    shopifyPort: EMULATOR_PORT,
    persistTo: state,
    ready: async () => {
      const [worker, shop] = await Promise.all([api("GET", "/health"), emulator("GET", "health")]);
      return worker.status === 200 && shop.status === 200;
    },
  });
}

/** An Admin API call to the emulator, as the shop's staff or storefront would make it. */
async function adminGraphql(query, variables) {
  const token = /^SHOPIFY_ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() || "shpat_dev_emulator_token";
  const res = await fetch(`http://127.0.0.1:${EMULATOR_PORT}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (!body.data) throw new Error(`Admin API: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

/** A reconcile run on demand, waited for: its calls, points and time. */
async function idleReconcile(eventId) {
  await emulator("DELETE", "calls");
  const t0 = performance.now();
  const run = await must("POST", `/v1/events/${eventId}/shopify/sync`, undefined, [202]);
  for (let i = 0; ; i++) {
    const s = await must("GET", `/v1/events/${eventId}/shopify/sync/${run.instanceId}`, undefined, [200]);
    if (s.status === "complete") break;
    if (s.status === "errored" || i > 600) throw new Error(`the reconcile ended ${s.status}: ${JSON.stringify(s.error ?? s)}`);
    await sleep(50);
  }
  const ms = Math.round(performance.now() - t0);
  const used = (await emulator("GET", "calls?limit=0")).body;
  return { calls: used.total, points: used.actualCost, ms };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const numericId = (gid) => Number(String(gid).split("/").pop()?.split("?")[0]);

async function seed(eventId, count = ITEMS) {
  await must("POST", "/v1/events", { id: eventId, name: "Shopify bench" }, [201]);
  await must("PUT", `/v1/events/${eventId}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200]);
  for (const [id, tier] of [["c1", "standard"], ["c2", "volunteer"], ["c3", "super"]]) {
    await must("PUT", `/v1/events/${eventId}/consignors/${id}`, { name: id, tier }, [201]);
  }
  const sizes = ["2T", "3T", "4T", "5", "6", "8", "10", "M", "L"];
  const kinds = ["Rain boots", "Winter coat", "Board book", "Stroller", "Sweater", "Jeans", "Puzzle", "Dress"];
  for (let i = 0; i < count; i += 5_000) {
    const items = [];
    for (let j = i; j < Math.min(count, i + 5_000); j++) {
      items.push({ id: `T${String(j).padStart(6, "0")}`, consignorId: `c${(j % 3) + 1}`, title: `${kinds[j % kinds.length]} #${j}`, category: "clothing", size: sizes[j % sizes.length], price: 150 + ((j * 37) % 6_000) });
    }
    await must("PUT", `/v1/events/${eventId}/items`, { items }, [200]);
  }
}

async function waitSettled(eventId, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await must("GET", `/v1/events/${eventId}/shopify`, undefined, [200]);
    if (s.unlisted === 0 && s.waiting === 0) return s;
    if (s.stopped) throw new Error(`the sync stopped: ${JSON.stringify(s.lastError)}`);
    if (Date.now() > until) throw new Error(`not settled after ${timeoutMs} ms: ${JSON.stringify(s)}`);
    await sleep(100);
  }
}

async function main() {
  const deadline = setTimeout(async () => {
    console.error("the Shopify benchmark exceeded its deadline; stopping");
    await stop();
    process.exit(2);
  }, DEADLINE_MS);
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  log("starting npm start (Worker and Shopify emulator) on a fresh state");
  await startStack();
  const eventId = "shopbench";
  log(`seeding ${ITEMS} items`);
  await seed(eventId);

  // ---------------------------------------------------------------- first listing
  await emulator("DELETE", "calls");
  log("enabling Shopify: the first listing");
  const t0 = performance.now();
  await must("PUT", `/v1/events/${eventId}/shopify`, { enabled: true }, [200]);
  await waitSettled(eventId, 5 * 60_000);
  const listingMs = performance.now() - t0;
  const listingCalls = (await emulator("GET", "calls?limit=0")).body;
  const bulkOps = listingCalls.byRootField.bulkOperationRunMutation?.count ?? 0;
  // Each bulk operation also takes one upload of its JSONL and one download of its results.
  const callsTotal = listingCalls.total + 2 * bulkOps;
  const products = (await emulator("GET", "state?match=shopbench-T000000")).body.products.length;
  log(`listed ${ITEMS} items in ${(listingMs / 1000).toFixed(1)} s with ${callsTotal} calls (${bulkOps} bulk operation(s)); product T000000 on Shopify: ${products}`);

  // ---------------------------------------------------------------- register sale → Shopify 0
  await must("POST", `/v1/events/${eventId}/sessions`, { id: "s1", name: "Main sale", startTime: 0, endTime: 1 }, [201]);
  await must("POST", `/v1/events/${eventId}/sessions/s1/start`, undefined, [200]);
  const registerKey = (await must("POST", `/v1/events/${eventId}/api-keys`, { role: "register", label: "bench" }, [201])).key;
  const since = (await emulator("GET", "webhooks?limit=1")).body.deliveries.at(-1)?.seq ?? 0;
  const sold = [];
  const picked = new Set();
  log(`${SALES} register sales, one every ${SALE_GAP_MS} ms`);
  while (sold.length < SALES) {
    const n = Math.floor(Math.random() * ITEMS);
    if (picked.has(n)) continue;
    picked.add(n);
    const itemId = `T${String(n).padStart(6, "0")}`;
    const res = await api("POST", `/v1/events/${eventId}/sessions/s1/transactions`, { id: crypto.randomUUID(), registerId: "r1", shopperCode: "S-1", items: [itemId] }, registerKey);
    if (res.status !== 201) throw new Error(`checkout answered ${res.status}: ${JSON.stringify(res.body)}`);
    sold.push({ itemId, answeredAt: Date.now() });
    await sleep(SALE_GAP_MS);
  }
  // Register sales reach the Inventory through the queue (up to its 1 s batch wait): only once it
  // holds every one of them sold does "settled" mean their zeros reached Shopify.
  for (const sale of sold) {
    for (const until = Date.now() + 60_000; ; await sleep(100)) {
      const item = await must("GET", `/v1/events/${eventId}/items/${sale.itemId}`, undefined, [200]);
      if (item.status === "sold") {
        sale.inventoryItem = numericId(item.shopifyInventoryItemId);
        break;
      }
      if (Date.now() > until) throw new Error(`${sale.itemId} not sold in the Inventory after 60 s: ${JSON.stringify(item)}`);
    }
  }
  await waitSettled(eventId, 60_000);
  const deliveries = (await emulator("GET", `webhooks?topic=${encodeURIComponent("inventory_levels/update")}&since=${since}&limit=100000`)).body.deliveries;
  const zeroAt = new Map();
  for (const d of deliveries) {
    const body = JSON.parse(d.body);
    if (body.available === 0 && !zeroAt.has(body.inventory_item_id)) zeroAt.set(body.inventory_item_id, Date.parse(d.triggeredAt));
  }
  const latencies = sold.map((s) => zeroAt.get(s.inventoryItem) - s.answeredAt).filter((ms) => Number.isFinite(ms)).sort((a, b) => a - b);
  if (latencies.length !== sold.length) throw new Error(`only ${latencies.length} of ${sold.length} sales reached Shopify`);
  const registerToShopify = { samples: latencies.length, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), maxMs: latencies.at(-1) };
  log(`register sale → Shopify 0: p50 ${registerToShopify.p50Ms} ms, p95 ${registerToShopify.p95Ms} ms, max ${registerToShopify.maxMs} ms`);

  // ---------------------------------------------------------------- online order → register refusal
  log(`${ONLINE_ORDERS} online orders, one every ${SALE_GAP_MS} ms`);
  const onlineLatencies = [];
  const online = [];
  while (online.length < ONLINE_ORDERS) {
    const n = Math.floor(Math.random() * ITEMS);
    if (picked.has(n)) continue;
    picked.add(n);
    online.push(`T${String(n).padStart(6, "0")}`);
  }
  for (const itemId of online) {
    const variant = (await adminGraphql(`query($q: String) { productVariants(first: 1, query: $q) { nodes { id } } }`, { q: `sku:${eventId}-${itemId}` })).productVariants.nodes[0].id;
    const created = await adminGraphql(
      `mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) { orderCreate(order: $order, options: $options) { order { id } userErrors { message } } }`,
      { order: { lineItems: [{ variantId: variant, quantity: 1, priceSet: { shopMoney: { amount: "12.00", currencyCode: "USD" } } }], financialStatus: "PAID" }, options: { inventoryBehaviour: "DECREMENT_OBEYING_POLICY" } },
    );
    if (created.orderCreate.userErrors.length > 0) throw new Error(`orderCreate refused: ${JSON.stringify(created.orderCreate.userErrors)}`);
    const orderedAt = Date.now();
    let item = null;
    for (;;) {
      item = await must("GET", `/v1/events/${eventId}/items/${itemId}`, undefined, [200]);
      if (item.soldSessionId === "online") break;
      if (Date.now() - orderedAt > 30_000) {
        const deliveries = (await emulator("GET", `webhooks?match=${encodeURIComponent(`${eventId}-${itemId}`)}`)).body.deliveries;
        const seen = deliveries.map((d) => ({ topic: d.topic, status: d.status, attempts: d.attempts }));
        throw new Error(`online order of ${itemId} not taken after 30 s; its deliveries: ${JSON.stringify(seen)}; item: ${JSON.stringify(item)}`);
      }
      await sleep(10);
    }
    onlineLatencies.push(Date.now() - orderedAt);
    await sleep(SALE_GAP_MS);
  }
  for (const itemId of online) {
    const res = await api("POST", `/v1/events/${eventId}/sessions/s1/transactions`, { id: crypto.randomUUID(), registerId: "r1", shopperCode: "S-1", items: [itemId] }, registerKey);
    if (res.status !== 409 || res.body?.error?.details?.reasons?.[itemId] !== "sold_online") throw new Error(`a register was not refused ${itemId}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  onlineLatencies.sort((a, b) => a - b);
  const onlineToRegister = { samples: onlineLatencies.length, p50Ms: percentile(onlineLatencies, 50), p95Ms: percentile(onlineLatencies, 95), maxMs: onlineLatencies.at(-1) };
  log(`online order → register refusal: p50 ${onlineToRegister.p50Ms} ms, p95 ${onlineToRegister.p95Ms} ms`);

  // ---------------------------------------------------------------- a reconcile with nothing changed, 10,000 and 1,000 items
  await waitSettled(eventId, 60_000);
  const idle = await idleReconcile(eventId);
  const smallId = "shopbench-small";
  await seed(smallId, 1_000);
  await must("PUT", `/v1/events/${smallId}/shopify`, { enabled: true }, [200]);
  await waitSettled(smallId, 60_000);
  await idleReconcile(smallId); // the first run after listing reads the orders of the listing's time
  const idleSmall = await idleReconcile(smallId);
  log(`reconcile with nothing changed: ${ITEMS} items ${idle.calls} calls, ${idle.points} points, ${idle.ms} ms; 1,000 items ${idleSmall.calls} calls, ${idleSmall.points} points, ${idleSmall.ms} ms`);

  // ---------------------------------------------------------------- a discount session's prices on Shopify
  // The next session is half price: from its start until Shopify acknowledged every new price.
  await must("POST", `/v1/events/${eventId}/sessions/s1/complete`, undefined, [200]);
  await waitSettled(eventId, 60_000);
  await must("POST", `/v1/events/${eventId}/sessions`, { id: "half", name: "Half-price day", startTime: 0, endTime: 1, discount: 5000 }, [201]);
  await emulator("DELETE", "calls");
  const tr = performance.now();
  await must("POST", `/v1/events/${eventId}/sessions/half/start`, undefined, [200]);
  await waitSettled(eventId, 5 * 60_000);
  const repricingMs = performance.now() - tr;
  const repricingUsed = (await emulator("GET", "calls?limit=0")).body;
  const repricingBulk = repricingUsed.byRootField.bulkOperationRunMutation?.count ?? 0;
  const repricingCalls = repricingUsed.total + 2 * repricingBulk;
  const sample = (await emulator("GET", "state?match=shopbench-T000001")).body.products[0]?.variants[0]?.price;
  if (sample !== "0.94") throw new Error(`T000001 (tag $1.87) shows ${sample} on Shopify after the re-pricing, not the half price 0.94`);
  log(`half-price session: Shopify had every new price ${(repricingMs / 1000).toFixed(1)} s after the start, ${repricingCalls} calls (${repricingBulk} bulk operation(s))`);

  const shopify = {
    items: ITEMS,
    listing: { ms: Math.round(listingMs), calls: callsTotal, bulkOperations: bulkOps, callsPer1000Items: Number(((callsTotal / ITEMS) * 1000).toFixed(2)) },
    registerToShopify,
    onlineToRegister,
    noChangeReconcile: { items: ITEMS, ...idle, small: { items: 1_000, ...idleSmall }, callsRatio: idleSmall.calls > 0 ? Number((idle.calls / idleSmall.calls).toFixed(2)) : null },
    discountRepricing: { ms: Math.round(repricingMs), calls: repricingCalls, bulkOperations: repricingBulk },
  };
  const results = existsSync("bench/results.json") ? JSON.parse(readFileSync("bench/results.json", "utf8")) : {};
  Object.assign(results, {
    shopify,
    registerToShopifyP95Ms: registerToShopify.p95Ms,
    listingCallsPer1000Items: shopify.listing.callsPer1000Items,
    onlineToRegisterP95Ms: onlineToRegister.p95Ms,
  });
  writeFileSync("bench/results.json", JSON.stringify(results, null, 2) + "\n");
  console.log("\nShopify (against the emulator)");
  console.log(`  first listing of ${ITEMS} items   ${(listingMs / 1000).toFixed(1)} s, ${callsTotal} calls = ${shopify.listing.callsPer1000Items} per 1,000 items (budget ≤ 4)`);
  console.log(`  register sale → Shopify 0        p50 ${registerToShopify.p50Ms} ms, p95 ${registerToShopify.p95Ms} ms (budget p95 ≤ 2000), ${latencies.length} sales`);
  console.log(`  online order → register refusal  p50 ${onlineToRegister.p50Ms} ms, p95 ${onlineToRegister.p95Ms} ms (budget p95 ≤ 2000), ${onlineLatencies.length} orders`);
  console.log(`  reconcile, nothing changed       ${ITEMS} items: ${idle.calls} calls, ${idle.points} points, ${idle.ms} ms; 1,000 items: ${idleSmall.calls} calls, ${idleSmall.points} points, ${idleSmall.ms} ms`);
  console.log(`  half-price session's prices      ${(repricingMs / 1000).toFixed(1)} s from its start until Shopify had all, ${repricingCalls} calls (${repricingBulk} bulk operation(s))`);
  clearTimeout(deadline);
  await stop();
  return 0;
}

runScript(main, stop);
