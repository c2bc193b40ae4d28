// `npm run demo`: starts `npm start` (the API on 127.0.0.1:8787 and the Shopify emulator on 8789,
// unless DEMO_PORT / DEMO_SHOPIFY_PORT say otherwise), seeds a realistic event and runs a sale
// weekend through the API, the way people would:
//   - 60 consignors of each tier, a registration fee (one volunteer waived), item rules; about
//     3,000 items with real-looking titles, sizes and prices (some entered by consignors with
//     their own keys), the tag's discount and donate marks; Shopify enabled (the emulator);
//   - Friday, full price: 6 registers (each its own key) sell carts of 1–4 tags, a few voids, a
//     few online orders on Shopify meanwhile; a consignor becomes a volunteer (re-pricing);
//   - Sunday, the half-price day (5000 bp) for the items whose tag allows it;
//   - the event closed (unsold items donated or set out for pickup), the nightly archive run;
// then prints the payouts and leaves the server up for a person to look (Ctrl-C stops it).
// DEMO_ITEMS, DEMO_SALES scale it (defaults 3000 and 900 checkouts over the two days).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { jsonRequest, runScript } from "./local-http.mjs";
import { startLocalStack } from "./local-stack.mjs";

const PORT = Number(process.env.DEMO_PORT ?? 8787);
const SHOPIFY_PORT = Number(process.env.DEMO_SHOPIFY_PORT ?? 8789);
const ITEMS = Number(process.env.DEMO_ITEMS ?? 3_000);
const SALES = Number(process.env.DEMO_SALES ?? 900);
const REGISTERS = 6;
const CONSIGNORS = 60;
const EVENT = `demo-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "")}`;

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let adminKey = "";
let stack = null;

const api = (method, path, body, key = adminKey) => jsonRequest({ port: PORT, method, path, body, key, agent, timeoutMs: 120_000 });
async function must(method, path, body, expected = [200, 201], key) {
  const res = await api(method, path, body, key);
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)?.slice(0, 300)}`);
  return res.body;
}

// ------------------------------------------------------------------ the server

async function stop() {
  await stack?.stop();
  stack = null;
}

async function startStack() {
  try {
    if ((await api("GET", "/health")).status === 200) throw new Error(`port ${PORT} is taken (is npm start running?); stop it or set DEMO_PORT`);
  } catch (error) {
    if (String(error.message).includes("taken")) throw error;
  }
  stack = await startLocalStack({ port: PORT, shopifyPort: SHOPIFY_PORT, ready: async () => (await api("GET", "/health")).status === 200 });
}

// ------------------------------------------------------------------ what a sale looks like

const pick = (xs, i) => xs[i % xs.length];
const random = (n) => Math.floor(Math.random() * n);
const KINDS = [
  { category: "clothing", sizes: ["0-3M", "3-6M", "6-12M", "12M", "18M", "2T", "3T", "4T", "5", "6", "7", "8", "10", "12", "14"], price: [200, 1800], things: ["dress", "sweater", "jeans", "rain jacket", "fleece pullover", "pajama set", "snow pants", "polo shirt", "hoodie", "swimsuit", "winter coat", "leggings (2 pairs)"] },
  { category: "shoes", sizes: ["4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "1", "2"], price: [300, 2500], things: ["rain boots", "sneakers", "sandals", "snow boots", "dress shoes", "water shoes"] },
  { category: "toys", sizes: ["OS"], price: [150, 4000], things: ["wooden train set", "puzzle (100 pieces)", "stacking blocks", "play kitchen", "dollhouse", "building bricks (1 lb)", "ride-on car", "board game"] },
  { category: "books", sizes: ["OS"], price: [50, 600], things: ["board books, set of 5", "picture book", "chapter book series", "first encyclopedia", "bedtime stories"] },
  { category: "baby gear", sizes: ["OS"], price: [1000, 15000], things: ["jogging stroller", "high chair", "baby carrier", "pack 'n play", "bouncer", "car seat base", "baby monitor"] },
];
const COLORS = ["blue", "red", "green", "striped", "floral", "grey", "navy", "pink", "yellow", "plaid"];
const BRANDS = ["Carter's", "Gap Kids", "OshKosh", "Hanna Andersson", "Melissa & Doug", "Graco", "Old Navy", "Janie and Jack", "LEGO", "Chicco"];
const FIRST = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Finn", "Grace", "Hugo", "Isla", "Jon", "Kim", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tess"];
const LAST = ["Alvarez", "Brown", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ivanova", "Jones", "Kowalski", "Lee", "Müller", "Nguyen", "Okafor"];

function itemOf(j, consignorId) {
  const kind = pick(KINDS, j * 7 + random(3));
  const thing = pick(kind.things, j + random(5));
  const [low, high] = kind.price;
  const price = Math.round((low + random(high - low)) / 50) * 50 || 50;
  const title = kind.category === "books" || kind.category === "baby gear" ? `${pick(BRANDS, j)} ${thing}` : `${pick(COLORS, j * 3)} ${thing}, ${pick(BRANDS, j)}`;
  return { consignorId, title: title[0].toUpperCase() + title.slice(1), category: kind.category, size: pick(kind.sizes, random(kind.sizes.length)), price, discountAllowed: random(10) > 1, donate: random(10) < 3 };
}

function progress(label, done, total) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(`\r  ${label.padEnd(22)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(done).padStart(5)}/${total}`);
  if (done === total) process.stdout.write("\n");
}

const money = (cents) => `${cents < 0 ? "-" : ""}$${(Math.abs(cents) / 100).toFixed(2)}`;

// ------------------------------------------------------------------ the weekend

async function seed() {
  await must("POST", "/v1/events", { id: EVENT, name: "Spring Kids' Consignment Sale" });
  await must("PUT", `/v1/events/${EVENT}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 });
  await must("PUT", `/v1/events/${EVENT}/fees`, { consignorFee: 1000 });
  await must("PUT", `/v1/events/${EVENT}/item-rules`, { maxItemsPerConsignor: 200, minPrice: 50, priceStep: 50 });
  const consignors = [];
  for (let i = 1; i <= CONSIGNORS; i++) {
    const tier = i % 10 === 0 ? "super" : i % 5 === 0 ? "volunteer" : "standard";
    const id = `c${i}`;
    await must("PUT", `/v1/events/${EVENT}/consignors/${id}`, { name: `${pick(FIRST, i)} ${pick(LAST, i * 7)}`, tier, ...(i === 5 ? { fee: 0 } : {}) });
    consignors.push(id);
    progress("consignors", i, CONSIGNORS);
  }
  // Three consignors enter their own items with their own keys (ids assigned c{n}-1, c{n}-2, …).
  let made = 0;
  for (const id of consignors.slice(0, 3)) {
    const key = (await must("POST", `/v1/events/${EVENT}/api-keys`, { role: "consignor", consignorId: id, label: `${id} at home` })).key;
    const own = Array.from({ length: 25 }, (_, j) => itemOf(j, id));
    await must("PUT", `/v1/events/${EVENT}/items`, { items: own }, [200], key);
    made += own.length;
  }
  // The rest as the organizer's import, a few thousand at a time.
  const rest = [];
  for (let j = made; j < ITEMS; j++) {
    const consignorId = pick(consignors.slice(3), random(CONSIGNORS - 3));
    rest.push({ id: `T${String(j).padStart(5, "0")}`, ...itemOf(j, consignorId) });
  }
  for (let i = 0; i < rest.length; i += 1_000) {
    await must("PUT", `/v1/events/${EVENT}/items`, { items: rest.slice(i, i + 1_000) }, [200]);
    progress("items", made + Math.min(rest.length, i + 1_000), ITEMS);
  }
  const shopify = await api("PUT", `/v1/events/${EVENT}/shopify`, { enabled: true });
  return { consignors, online: shopify.status === 200 };
}

async function allItemIds() {
  const ids = [];
  for (let after = ""; ; ) {
    const page = await must("GET", `/v1/events/${EVENT}/items?limit=1000&after=${encodeURIComponent(after)}`);
    ids.push(...page.items.filter((i) => i.status === "modifiable" || i.status === "locked").map((i) => i.id));
    if (!page.next) return ids;
    after = page.next;
  }
}

/** A day of sales: registers selling carts from the floor, a few voids, a few online orders. */
async function saleDay(sessionId, name, discount, sales, withOnline) {
  await must("POST", `/v1/events/${EVENT}/sessions`, { id: sessionId, name, startTime: Date.now(), endTime: Date.now() + 8 * 3_600_000, discount });
  await must("POST", `/v1/events/${EVENT}/sessions/${sessionId}/start`, undefined, [200]);
  const floor = await allItemIds();
  for (let i = floor.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [floor[i], floor[j]] = [floor[j], floor[i]];
  }
  const keys = [];
  for (let r = 0; r < REGISTERS; r++) keys.push((await must("POST", `/v1/events/${EVENT}/api-keys`, { role: "register", label: `${name} register ${r + 1}` })).key);
  let done = 0;
  let onlineOrders = 0;
  const perRegister = Math.ceil(sales / REGISTERS);
  await Promise.all(
    keys.map(async (key, r) => {
      for (let n = 0; n < perRegister && done < sales && floor.length > 0; n++) {
        const cart = floor.splice(0, 1 + random(4));
        const sale = await api("POST", `/v1/events/${EVENT}/sessions/${sessionId}/transactions`, { id: randomUUID(), registerId: `reg-${r + 1}`, shopperCode: `S-${random(900) + 100}`, items: cart }, key);
        done++;
        progress(`${name}: sales`, Math.min(done, sales), sales);
        if (sale.status === 201 && random(50) === 0) {
          await api("POST", `/v1/events/${EVENT}/sessions/${sessionId}/transactions/${sale.body.id}/void`, { reason: "shopper changed their mind" }, key);
          floor.push(...cart);
        }
        // Now and then someone buys online.
        if (withOnline && r === 0 && n % 25 === 0 && floor.length > 0) {
          if (await orderOnline(floor.pop())) onlineOrders++;
        }
      }
    }),
  );
  return { onlineOrders };
}

async function orderOnline(itemId) {
  try {
    const token = /^SHOPIFY_ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() || "shpat_dev_emulator_token";
    const graphql = async (query, variables) => {
      const res = await fetch(`http://127.0.0.1:${SHOPIFY_PORT}/admin/api/2026-10/graphql.json`, { method: "POST", headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token }, body: JSON.stringify({ query, variables }) });
      return (await res.json()).data;
    };
    const variant = (await graphql(`query($q: String) { productVariants(first: 1, query: $q) { nodes { id price } } }`, { q: `sku:${EVENT}-${itemId}` }))?.productVariants.nodes[0];
    if (!variant) return false;
    const created = await graphql(
      `mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) { orderCreate(order: $order, options: $options) { order { id } userErrors { message } } }`,
      { order: { lineItems: [{ variantId: variant.id, quantity: 1, priceSet: { shopMoney: { amount: variant.price, currencyCode: "USD" } } }], financialStatus: "PAID" }, options: { inventoryBehaviour: "DECREMENT_OBEYING_POLICY" } },
    );
    return created?.orderCreate.userErrors.length === 0;
  } catch {
    return false;
  }
}

async function settle(sessionId) {
  await must("POST", `/v1/events/${EVENT}/sessions/${sessionId}/complete`, undefined, [200]);
  // Every sale calculated before the next step.
  for (let i = 0; i < 600; i++) {
    const c = await must("GET", `/v1/events/${EVENT}/commissions`);
    if (c.calculations.pending === 0 && c.adjustmentsRunning === 0) return c;
    await sleep(200);
  }
  throw new Error("the ledger did not catch up within 2 minutes");
}

async function main() {
  console.log(`Starting the local stack (API http://127.0.0.1:${PORT}, Shopify emulator ${SHOPIFY_PORT}) …`);
  await startStack();
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  console.log(`Event ${EVENT}:`);
  const { online } = await seed();
  const friday = await saleDay("fri", "Friday", 0, Math.round(SALES * 0.6), online);
  await settle("fri");
  // A consignor who signed up to volunteer: their Friday sales are re-priced at the higher rate.
  await must("PUT", `/v1/events/${EVENT}/consignors/c7`, { name: `${pick(FIRST, 7)} ${pick(LAST, 49)}`, tier: "volunteer" });
  const sunday = await saleDay("sun", "Sunday half price", 5000, SALES - Math.round(SALES * 0.6), online);
  const ledger = await settle("sun");
  const closed = await must("POST", `/v1/events/${EVENT}/close`, undefined, [200]);
  const archive = await must("POST", "/v1/archive", { force: true }, [201, 200]);
  let archived = null;
  for (let i = 0; i < 300 && !archived; i++) {
    const s = await must("GET", `/v1/archive/${archive.instanceId}`);
    if (s.status === "complete" || s.status === "errored") archived = s;
    else await sleep(500);
  }

  const summary = await must("GET", `/v1/events/${EVENT}/commissions`);
  const top = [...summary.consignors].sort((a, b) => b.payout - a.payout).slice(0, 10);
  console.log(`\nPayouts (top 10 of ${summary.consignors.length}; fees ${money(summary.consignorFee)} each, c5's waived):`);
  console.log("  consignor  name                 tier         earned     fees    payout   owes");
  for (const c of top) {
    console.log(`  ${c.consignorId.padEnd(10)} ${String(c.name).padEnd(20)} ${String(c.tier).padEnd(10)} ${money(c.sales + c.reversals + c.adjustments).padStart(9)} ${money(c.fees).padStart(8)} ${money(c.payout).padStart(9)} ${money(c.owedByConsignor).padStart(6)}`);
  }
  console.log(`\n  sales ${money(summary.totalSales)}, consignors ${money(summary.consignorTotal)}, house ${money(summary.houseShare)} (fees included)`);
  console.log(`  online orders: ${friday.onlineOrders + sunday.onlineOrders}; calculations: ${ledger.calculations.completed} completed, ${ledger.calculations.error} in error`);
  console.log(`  closed: ${closed.donated} items donated, ${closed.pickup} to pick up; archive ${archived?.status ?? "still running"}`);
  console.log(`\nThe server stays up. Open http://127.0.0.1:${PORT}/register (and the other pages), or call the API with`);
  console.log(`  Authorization: Bearer ${adminKey}   (event ${EVENT}). Ctrl-C stops it.`);
  await new Promise(() => {});
  return 0;
}

runScript(main, stop);
