// `npm run test:browser`: the register page (/register) in a real browser — Debian's chromium driven
// by playwright-core — against `npm start` on free loopback ports and a fresh state folder.
//
// Seeds an event through the API with the admin key of .dev.vars, then runs, each saving screenshots
// under test-results/browser/:
//   a. a cashier signs in, scans three tags (typed + Enter, as a scanner does), checks out, and the
//      receipt shows the items and the right total (the API has the sale);
//   b. the network is cut: two sales are kept on the device ("2 sales waiting to upload"), the API
//      has neither, a reload opens the page from the device with both still waiting; the network
//      returns, both upload, and the API has each exactly once;
//   c. a second register (another key, another browser context) scans a tag already sold and is
//      told which tag and why; it takes it out and sells the rest;
//   d. a checkout's answer is lost (the server sold, the page heard nothing): the sale is queued
//      with its id, uploaded again, answered 200 (a replay), and counted once;
//   e. a sale made offline whose tag another register sells meanwhile is refused on upload: the
//      page shows it as needing attention (which tag, why) and keeps it until the cashier uploads
//      it without that tag;
//   f. the first register voids its first sale from its list of recent sales;
//   g. the next session is half price: the register switches to it, and the receipt shows each
//      tag price struck through beside the price paid, and the half-price total.
// Then the organizer's dashboard (/admin) and the consignor's page (/consignor), each on an event
// of its own:
//   h. the organizer signs in, creates a session, starts it, and watches its totals move as sales
//      arrive through the API and the register page: no reload, no polling, the session's WebSocket;
//   i. a consignor enters an item (a price off the organizer's step is refused in words), sees it,
//      prints their tags, and once a register has sold it in a half-price session sees the sale:
//      tag price, price, their share;
//   j. the organizer finds a calculation in error with its reason, registers the consignor and
//      retries it; issues and revokes a key; completes the session, closes the event (typed
//      confirmation) and runs the archive.
// `--docs` also saves the pictures of the README (docs/register.png, docs/admin.png, docs/consignor.png).
// Loopback only; bounded in time (DEADLINE_MS); whatever it started is stopped, even on failure.
// `node scripts/browser-test.mjs --origin http://127.0.0.1:8787` runs against a server already up.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { jsonRequest, runScript } from "./local-http.mjs";

const DEADLINE_MS = 3 * 60_000;
const SHOTS = "test-results/browser";
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const EVENT = `browser-${Date.now().toString(36)}`;
const SESSION = "main";
const ITEMS = [
  ["T001", "Rain boots, size 9", 1200],
  ["T002", "Winter coat 4T", 850],
  ["T003", "Wooden train set", 2500],
  ["T004", "Board book bundle", 300],
  ["T005", "Snow pants 5T", 1450],
  ["T006", "Puzzle, 48 pieces", 475],
  ["T007", "Stroller", 6000],
  ["T008", "Sun hat", 225],
  ["T009", "Bike helmet", 1100],
  ["T010", "Swim vest", 900],
];
const price = (id) => ITEMS.find(([i]) => i === id)[2];
/** The organizer's event (tests h and j) and the consignor's (test i). */
const ORG = `${EVENT}-org`;
const CON = `${EVENT}-con`;
const DOCS = process.argv.includes("--docs");
const dollars = (cents) => `$${(cents / 100).toFixed(2)}`;

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const t0 = Date.now();
const log = (...args) => console.log(`[browser-test ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ the server

const originArg = process.argv.includes("--origin") ? process.argv[process.argv.indexOf("--origin") + 1] : null;
let origin = originArg;
let server = null;
let state = null;
let browser = null;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const url = () => new URL(origin);
const call = (method, path, body, key) =>
  jsonRequest({ host: url().hostname, port: Number(url().port), method, path, body, key, timeoutMs: 15_000, brokenAsStatus0: true });

async function must(method, path, body, expected, key) {
  const res = await call(method, path, body, key);
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function startServer() {
  const port = await freePort();
  const inspector = await freePort();
  state = mkdtempSync(join(tmpdir(), "consignment-browser-"));
  origin = `http://127.0.0.1:${port}`;
  log(`starting npm start on ${origin} (state ${state})`);
  // Its own process group (detached = setsid), so one signal reaches npm, wrangler, workerd and the emulator.
  const args = ["start", "--", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", state, "--shopify-port", "0"];
  const child = spawn("npm", args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output = (output + d).slice(-20_000)));
  child.stderr.on("data", (d) => (output = (output + d).slice(-20_000)));
  server = child;
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if ((await call("GET", "/health")).status === 200) return;
    await sleep(300);
  }
  throw new Error(`npm start did not answer within 90 s:\n${output}`);
}

async function stopServer() {
  if (!server) return;
  const pgid = server.pid;
  server = null;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {}
  for (let i = 0; i < 50 && alive(); i++) await sleep(100);
  if (alive()) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {}
  }
}

async function stopAll() {
  await browser?.close().catch(() => {});
  browser = null;
  await stopServer();
  if (state) rmSync(state, { recursive: true, force: true });
  state = null;
}

// ------------------------------------------------------------------ the page

const page = {
  async open(context, { key, register, shot }) {
    const p = await context.newPage();
    p.errors = [];
    p.on("pageerror", (e) => p.errors.push(String(e)));
    p.on("dialog", (d) => d.accept());
    await p.goto(`${origin}/register`);
    await p.fill("#key", key);
    await p.fill("#event-id", EVENT);
    await p.fill("#session-id", SESSION);
    await p.fill("#register-id", register);
    if (shot) await page.shot(p, shot);
    await p.click("#signin-button");
    await p.waitForSelector("#sell:not([hidden])");
    return p;
  },
  /** As a barcode scanner does: the tag's characters typed into the focused field, then Enter. */
  async scan(p, tag) {
    await p.waitForFunction(() => document.activeElement?.id === "scan", null, { timeout: 5_000 });
    await p.keyboard.type(tag);
    await p.keyboard.press("Enter");
    await p.waitForSelector(`#cart li[data-tag="${tag}"]`, { timeout: 5_000 });
  },
  waiting: (p) => p.$eval("#waiting", (el) => (el.hidden ? 0 : Number(el.dataset.count))),
  attention: (p) => p.$eval("#attention", (el) => (el.hidden ? 0 : Number(el.dataset.count))),
  queue: (p) => p.evaluate(() => JSON.parse(localStorage.getItem("register.v1.queue") ?? "[]")),
  shot: (p, name) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }),
  /** With --docs: the README's picture of a page (the viewport, so it stays small). */
  doc: async (p, name) => {
    if (!DOCS) return;
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.screenshot({ path: join("docs", `${name}.png`) });
    log(`saved docs/${name}.png`);
  },
  noErrors: (p) => assert.deepEqual(p.errors, [], "the page threw"),
};

const summary = async () => (await must("GET", `/v1/events/${EVENT}/sessions/${SESSION}`, undefined, [200], adminKey)).metadata;
const transaction = (id) => call("GET", `/v1/events/${EVENT}/sessions/${SESSION}/transactions/${id}`, undefined, adminKey);

// ------------------------------------------------------------------ the tests

let adminKey = "";
const keys = {};
const tests = [];
const test = (name, fn) => tests.push({ name, fn });
let register1 = null; // the first register's page, used by a, b, d and e

test("a. sign in, scan three tags, check out: the receipt has the items and the right total", async ({ context }) => {
  const p = (register1 = await page.open(context, { key: keys.r1, register: "front-1", shot: "a0-sign-in" }));
  await page.shot(p, "a1-signed-in");
  for (const tag of ["T001", "T002", "T003"]) await page.scan(p, tag);
  assert.equal(await p.locator("#cart li").count(), 3);
  // Each scanned tag shows its title and price, and the cart its total, before the checkout.
  const expected = price("T001") + price("T002") + price("T003");
  await p.waitForFunction((total) => document.getElementById("cart-count").textContent === `3 tags · ${total}`, `$${(expected / 100).toFixed(2)}`);
  for (const [id, title] of ITEMS.slice(0, 3)) {
    const line = await p.textContent(`#cart li[data-tag="${id}"]`);
    assert.ok(line.includes(title) && line.includes(`$${(price(id) / 100).toFixed(2)}`), `cart line ${id} shows ${title} and its price: ${line}`);
  }
  await page.shot(p, "a2-cart");
  await p.click("#checkout");
  await p.waitForSelector("#receipt[data-total]");
  const receipt = await p.$eval("#receipt", (el) => ({ tx: el.dataset.tx, total: Number(el.dataset.total), text: el.textContent }));
  assert.equal(receipt.total, expected);
  assert.match(receipt.text, new RegExp(`Total \\$${(expected / 100).toFixed(2).replace(".", "\\.")}`));
  for (const [id, title] of ITEMS.slice(0, 3)) assert.ok(receipt.text.includes(id) && receipt.text.includes(title), `receipt shows ${id} ${title}`);
  assert.equal(await p.locator("#cart li").count(), 0, "the cart is empty after the sale");
  await page.shot(p, "a3-receipt");
  await page.doc(p, "register");
  const tx = await transaction(receipt.tx);
  assert.equal(tx.status, 200);
  assert.deepEqual([tx.body.status, tx.body.total, tx.body.items.map((i) => i.itemId).sort()], ["completed", expected, ["T001", "T002", "T003"]]);
  page.noErrors(p);
});

test("b. offline: two sales wait on the device, upload when the network returns, each counted once", async ({ context }) => {
  const p = register1;
  const before = await summary();
  await p.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10_000 });
  await context.setOffline(true);
  await p.waitForFunction(() => document.getElementById("net").textContent === "Offline");
  for (const cart of [["T004", "T005"], ["T006"]]) {
    for (const tag of cart) await page.scan(p, tag);
    await p.click("#checkout");
    await p.waitForFunction((tags) => document.getElementById("receipt").textContent.includes("saved") && tags.every((t) => document.getElementById("receipt").textContent.includes(t)), cart);
  }
  assert.equal(await page.waiting(p), 2);
  assert.match(await p.textContent("#waiting"), /^2 sales waiting to upload$/);
  const queued = await page.queue(p);
  assert.deepEqual(queued.map((e) => e.items), [["T004", "T005"], ["T006"]]);
  for (const e of queued) assert.equal((await transaction(e.id)).status, 404, "not on the server while offline");
  await page.shot(p, "b1-offline-2-waiting");
  // The tablet reloads the page with no network: it opens from the device (sw.js), the queue intact.
  await p.reload();
  await p.waitForSelector("#sell:not([hidden])");
  assert.equal(await page.waiting(p), 2, "still 2 waiting after a reload offline");

  await context.setOffline(false);
  await p.waitForFunction(() => document.getElementById("waiting").hidden, null, { timeout: 20_000 });
  assert.deepEqual(await page.queue(p), []);
  for (const e of queued) {
    const tx = await transaction(e.id);
    assert.equal(tx.status, 200);
    assert.deepEqual([tx.body.status, tx.body.items.map((i) => i.itemId)], ["completed", e.items]);
  }
  const after = await summary();
  assert.equal(after.transactionCount - before.transactionCount, 2, "two transactions, not more");
  assert.equal(after.soldCount - before.soldCount, 3, "three items sold");
  assert.equal(after.totalSales - before.totalSales, price("T004") + price("T005") + price("T006"));
  const recent = await p.$$eval("#recent li", (lis) => lis.map((li) => li.dataset.tx));
  for (const e of queued) assert.ok(recent.includes(e.id), "the uploaded sale is among the recent sales");
  await page.shot(p, "b2-uploaded");
  page.noErrors(p);
});

test("c. a second register scans a tag already sold: it says which and why, removes it, sells the rest", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  try {
    const p = await page.open(context, { key: keys.r2, register: "front-2" });
    await page.scan(p, "T001"); // sold in test a
    await page.scan(p, "T008");
    await p.click("#checkout");
    await p.waitForSelector("#refusal:not([hidden])");
    const refusal = await p.textContent("#refusal");
    assert.match(refusal, /Not sold/);
    assert.match(refusal, /Tag T001 was already sold/);
    assert.ok(!refusal.includes("T008 "), "only the sold tag is named");
    assert.equal(await p.locator('#cart li.flagged[data-tag="T001"]').count(), 1);
    await page.shot(p, "c1-refused-sold");
    await p.click("#remove-refused");
    await p.waitForSelector("#receipt[data-total]");
    const receipt = await p.$eval("#receipt", (el) => ({ tx: el.dataset.tx, total: Number(el.dataset.total) }));
    assert.equal(receipt.total, price("T008"));
    assert.equal((await transaction(receipt.tx)).body.items.length, 1);
    await page.shot(p, "c2-sold-the-rest");
    page.noErrors(p);
  } finally {
    await context.close();
  }
});

test("d. a checkout whose answer is lost is queued with its id and replayed (200), counted once", async ({ context }) => {
  const p = register1;
  const before = await summary();
  // The request reaches the server and is sold there; the page gets a broken connection instead of the answer.
  let lost;
  const answered = new Promise((resolve) => (lost = resolve));
  await p.route("**/transactions", async (route) => {
    const response = await route.fetch().catch(() => null);
    await route.abort("connectionreset").catch(() => {});
    lost(response?.status() ?? 0);
  });
  await page.scan(p, "T007");
  await p.click("#checkout");
  const heard = await answered;
  await p.waitForFunction(() => document.getElementById("receipt").textContent.includes("saved"));
  await p.unroute("**/transactions");
  assert.equal(heard, 201, "the server had sold it");
  const [queued] = await page.queue(p);
  assert.deepEqual(queued.items, ["T007"]);
  const upload = p.waitForResponse("**/transactions/batch");
  await p.click("#upload-now");
  const results = (await (await upload).json()).results;
  assert.deepEqual(results.map((r) => [r.id, r.status]), [[queued.id, 200]], "the upload is a replay");
  await p.waitForFunction(() => document.getElementById("waiting").hidden);
  const after = await summary();
  assert.equal(after.transactionCount - before.transactionCount, 1);
  assert.equal(after.soldCount - before.soldCount, 1);
  await page.shot(p, "d1-lost-answer-replayed");
  page.noErrors(p);
  void context;
});

test("e. an offline sale of a tag another register sold meanwhile is refused on upload and kept for attention", async ({ browser, context }) => {
  const offline = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  try {
    const p = await page.open(offline, { key: keys.r2, register: "front-3" });
    await offline.setOffline(true);
    await page.scan(p, "T009");
    await page.scan(p, "T010");
    await p.click("#checkout");
    await p.waitForFunction(() => document.getElementById("receipt").textContent.includes("saved"));
    // Meanwhile the first register, online, sells T009.
    await page.scan(register1, "T009");
    await register1.click("#checkout");
    await register1.waitForSelector("#receipt[data-total]");
    await offline.setOffline(false);
    await p.waitForFunction(() => !document.getElementById("attention").hidden, null, { timeout: 20_000 });
    assert.equal(await page.attention(p), 1);
    assert.equal(await page.waiting(p), 0);
    const item = await p.textContent('#queue li[data-state="refused"]');
    assert.match(item, /Tag T009 was already sold/);
    assert.equal((await page.queue(p)).length, 1, "the refused sale is kept on the device");
    await page.shot(p, "e1-refused-on-upload");
    await p.click('#queue li[data-state="refused"] button.primary'); // upload without T009
    await p.waitForFunction(() => document.getElementById("queue-card").hidden, null, { timeout: 20_000 });
    const [sale] = (await p.$$eval("#recent li", (lis) => lis.map((li) => li.dataset.tx))).slice(0, 1);
    const tx = await transaction(sale);
    assert.deepEqual(tx.body.items.map((i) => i.itemId), ["T010"]);
    await page.shot(p, "e2-uploaded-without-sold-tag");
    page.noErrors(p);
  } finally {
    await offline.close();
  }
  void context;
});

test("f. the first register voids its first sale from the recent sales: the API has it voided", async () => {
  const p = register1;
  const before = await summary();
  const first = await p.$eval("#recent li:last-child", (li) => li.dataset.tx);
  assert.deepEqual((await transaction(first)).body.items.map((i) => i.itemId).sort(), ["T001", "T002", "T003"]);
  await p.click(`#recent li[data-tx="${first}"] button.void`);
  await page.shot(p, "f1-void-reasons");
  await p.click(`#recent li[data-tx="${first}"] button.reason >> text=Customer changed their mind`);
  await p.waitForSelector(`#recent li[data-tx="${first}"][data-status="voided"]`);
  assert.match(await p.textContent("#scan-message"), /Sale voided\. T001, T002, T003 can be sold again/);
  const tx = await transaction(first);
  assert.deepEqual([tx.body.status, tx.body.voidReason], ["voided", "Customer changed their mind"]);
  const after = await summary();
  assert.equal(after.voidCount - before.voidCount, 1);
  assert.equal(before.soldCount - after.soldCount, 3, "its three items are for sale again");
  await page.shot(p, "f2-voided");
  page.noErrors(p);
});

test("g. the next session is half price: the register switches to it and the receipt shows tag and paid prices", async () => {
  const p = register1;
  // The void of f may still be on the queue: completing the session settles its voids with its
  // sales, so the next session offers T001–T003 at once.
  await must("POST", `/v1/events/${EVENT}/sessions/${SESSION}/complete`, undefined, [200], adminKey);
  await must("POST", `/v1/events/${EVENT}/sessions`, { id: "half", name: "Half-price day", startTime: 0, endTime: 1, discount: 5000 }, [201], adminKey);
  await must("POST", `/v1/events/${EVENT}/sessions/half/start`, undefined, [200], adminKey);
  await p.click("#change-session");
  await p.fill("#session-id", "half");
  await p.click("#signin-button");
  await p.waitForSelector("#sell:not([hidden])");
  assert.match(await p.textContent("#session-name"), /Half-price day · half price/);
  for (const tag of ["T001", "T002"]) await page.scan(p, tag); // voided in f: on sale again
  await p.click("#checkout");
  await p.waitForSelector("#receipt[data-total]");
  const expected = price("T001") / 2 + price("T002") / 2;
  assert.equal(await p.$eval("#receipt", (el) => Number(el.dataset.total)), expected);
  assert.deepEqual(await p.$$eval("#receipt s.tagprice", (els) => els.map((e) => e.textContent)), ["$12.00", "$8.50"]);
  assert.match(await p.textContent("#receipt"), /\$6\.00.*\$4\.25/s);
  await page.shot(p, "g1-half-price-receipt");
  page.noErrors(p);
});


// ------------------------------------------------------------------ the organizer's dashboard

const ORG_ITEMS = Array.from({ length: 12 }, (_, i) => [`K${String(i + 1).padStart(2, "0")}`, `Kids' thing ${i + 1}`, 400 + 100 * i]);
const orgKeys = {};

/** Opens /admin in its own context, signed in with the admin key; counts the socket's frames and any summary polling. */
async function openAdmin(browser) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  context.setDefaultTimeout(10_000);
  const p = await context.newPage();
  p.errors = [];
  p.frames_ = [];
  p.polled = [];
  p.on("pageerror", (e) => p.errors.push(String(e)));
  p.on("dialog", (d) => d.accept());
  p.on("websocket", (ws) => ws.on("framereceived", (f) => p.frames_.push(f.payload)));
  p.on("request", (r) => /\/sessions\/[^/]+$/.test(new URL(r.url()).pathname) && r.method() === "GET" && p.polled.push(r.url()));
  await p.goto(`${origin}/admin`);
  await p.fill("#key", adminKey);
  await p.click("#signin-button");
  await p.waitForSelector("#events:not([hidden])");
  return { context, p };
}

const sellThroughApi = (sessionId, tags) =>
  must("POST", `/v1/events/${ORG}/sessions/${sessionId}/transactions`, { id: crypto.randomUUID(), registerId: "api-1", shopperCode: "S-9", items: tags }, [201], orgKeys.register);
/** Draws the Commissions tab again and waits until it has (the old panel is gone). */
async function refreshCommissions(p) {
  await p.evaluate(() => (document.getElementById("error-count").dataset.old = "1"));
  await p.click("#refresh-commissions");
  await p.waitForSelector("#error-count:not([data-old])");
}

test("h. the organizer starts a session on /admin and sees its totals move as sales arrive, without a reload", async ({ browser }) => {
  await must("POST", "/v1/events", { id: ORG, name: "Organizer's test sale" }, [201], adminKey);
  await must("PUT", `/v1/events/${ORG}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200], adminKey);
  await must("PUT", `/v1/events/${ORG}/consignors/c1`, { name: "Ada", tier: "standard" }, [201], adminKey);
  // K12 is consignor c9's, whom nobody has registered yet (test j).
  const items = ORG_ITEMS.map(([id, title, cents], i) => ({ id, consignorId: i === 11 ? "c9" : "c1", title, category: "kids", size: "-", price: cents }));
  await must("PUT", `/v1/events/${ORG}/items`, { items }, [200], adminKey);
  orgKeys.register = (await must("POST", `/v1/events/${ORG}/api-keys`, { role: "register", label: "org register" }, [201], adminKey)).key;

  const { context, p } = await openAdmin(browser);
  try {
    await p.click(`#events-table a[data-event="${ORG}"]`);
    await p.waitForSelector("#session-form");
    await p.fill("#new-session-id", "sat");
    await p.fill("#new-session-name", "Saturday");
    await p.click("#session-form button[type=submit]");
    await p.waitForSelector('tr[data-session="sat"][data-status="initial"]');
    await page.shot(p, "h1-session-created");
    await p.click('tr[data-session="sat"] button[data-action="start"]');
    await p.waitForSelector('tr[data-session="sat"][data-status="active"]');
    await p.waitForSelector('#live-state[data-state="live"]');
    await p.waitForFunction(() => document.getElementById("live-sold")?.dataset.count === "0");
    assert.match(await p.textContent("#live-sold"), /of 12 items/);
    await p.evaluate(() => (window.__sameDocument = true));
    const polledBefore = p.polled.length;

    // Sales through the API: the totals follow within a couple of seconds.
    let expected = 0;
    for (const tags of [["K01", "K02"], ["K03"]]) {
      const sent = Date.now();
      await sellThroughApi("sat", tags);
      expected += tags.reduce((n, t) => n + ORG_ITEMS.find(([id]) => id === t)[2], 0);
      await p.waitForFunction((cents) => document.getElementById("live-sales").dataset.cents === String(cents), expected, { timeout: 5_000 });
      log(`   totals showed ${dollars(expected)} ${Date.now() - sent} ms after the sale was answered`);
    }
    assert.equal(await p.textContent("#live-sales .value"), dollars(expected));
    assert.equal(await p.$eval("#live-sold", (el) => el.dataset.count), "3");
    assert.equal(await p.$eval("#live-sellthrough", (el) => el.dataset.bp), "2500");
    assert.equal(await p.$eval("#live-commissions", (el) => Number(el.dataset.cents)), Math.round(expected * 0.6));

    // And a sale at the register page, in another browser.
    const regContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    try {
      const r = await regContext.newPage();
      r.on("dialog", (d) => d.accept());
      await r.goto(`${origin}/register`);
      await r.fill("#key", orgKeys.register);
      await r.fill("#event-id", ORG);
      await r.fill("#session-id", "sat");
      await r.fill("#register-id", "front-org");
      await r.click("#signin-button");
      await r.waitForSelector("#sell:not([hidden])");
      await page.scan(r, "K04");
      await r.click("#checkout");
      await r.waitForSelector("#receipt[data-total]");
      expected += ORG_ITEMS[3][2];
    } finally {
      await regContext.close();
    }
    await p.waitForFunction((cents) => document.getElementById("live-sales").dataset.cents === String(cents), expected, { timeout: 5_000 });
    assert.equal(await p.$eval("#live-sold", (el) => el.dataset.count), "4");
    assert.equal(await p.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
    assert.deepEqual(p.polled.slice(polledBefore), [], "no session summary was polled: the totals came over the socket");
    const pushes = p.frames_.filter((f) => typeof f === "string" && f.includes('"type":"summary"')).length;
    assert.ok(pushes >= 4, `the socket pushed the totals (${pushes} frames)`);
    assert.equal(p.frames_.filter((f) => typeof f === "string" && f.includes(adminKey)).length, 0);
    await p.click('#transactions-card button:text("Refresh")');
    await p.waitForFunction(() => document.querySelectorAll("#transactions tr[data-tx]").length === 3);
    await page.shot(p, "h2-live-totals");
    await page.doc(p, "admin");
    page.noErrors(p);
  } finally {
    await context.close();
  }
});

// ------------------------------------------------------------------ the consignor's page

test("i. a consignor enters an item on /consignor, sees it, and after a register sells it sees the sale on their page", async ({ browser }) => {
  await must("POST", "/v1/events", { id: CON, name: "Consignors' test sale" }, [201], adminKey);
  await must("PUT", `/v1/events/${CON}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200], adminKey);
  await must("PUT", `/v1/events/${CON}/consignors/c7`, { name: "Grace", tier: "volunteer" }, [201], adminKey);
  await must("PUT", `/v1/events/${CON}/item-rules`, { maxItemsPerConsignor: 40, minPrice: 200, priceStep: 50 }, [200], adminKey);
  const consignorKey = (await must("POST", `/v1/events/${CON}/api-keys`, { role: "consignor", consignorId: "c7", label: "Grace" }, [201], adminKey)).key;
  const registerKey = (await must("POST", `/v1/events/${CON}/api-keys`, { role: "register", label: "con register" }, [201], adminKey)).key;

  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  context.setDefaultTimeout(10_000);
  try {
    const p = await context.newPage();
    p.errors = [];
    p.on("pageerror", (e) => p.errors.push(String(e)));
    p.on("dialog", (d) => d.accept());
    await p.goto(`${origin}/consignor`);
    await p.fill("#key", consignorKey);
    await p.fill("#event-id", CON);
    await page.shot(p, "i1-sign-in");
    await p.click("#signin-button");
    await p.waitForSelector("#home:not([hidden])");
    assert.match(await p.textContent("#who"), /Grace · #c7/);
    assert.match(await p.textContent("#rules"), /at most 40 items, prices from \$2\.00, in steps of \$0\.50/);

    await p.fill("#item-title", "Rain boots, red");
    await p.fill("#item-category", "shoes");
    await p.fill("#item-size", "9");
    await p.fill("#item-price", "12.25");
    await p.click("#item-save");
    await p.waitForFunction(() => document.getElementById("item-message").classList.contains("bad"));
    assert.equal(await p.textContent("#item-message"), "Prices in this sale go in steps of $0.50 — $12.00 or $12.50, say.");
    await page.shot(p, "i2-rule-in-words");
    await p.fill("#item-price", "12");
    await p.click("#item-save");
    await p.waitForSelector('#items-table tr[data-item="c7-1"]');
    assert.match(await p.textContent("#item-message"), /Added: tag number c7-1/);
    const row = await p.textContent('#items-table tr[data-item="c7-1"]');
    assert.ok(row.includes("Rain boots, red") && row.includes("$12.00") && row.includes("you can change it"), row);

    // Tags: the PDF comes with the key and opens in a new tab.
    const [tab] = await Promise.all([context.waitForEvent("page"), p.click("#print-all")]);
    await p.waitForFunction(() => document.getElementById("print-message").dataset.type);
    assert.equal(await p.$eval("#print-message", (el) => el.dataset.type), "application/pdf");
    assert.ok((await p.$eval("#print-message", (el) => Number(el.dataset.bytes))) > 500);
    assert.match(tab.url(), /^blob:/);
    await tab.close();

    // The organizer starts a half-price session; a register sells the item.
    await must("POST", `/v1/events/${CON}/sessions`, { id: "half", name: "Half-price day", startTime: 0, endTime: 1, discount: 5000 }, [201], adminKey);
    await must("POST", `/v1/events/${CON}/sessions/half/start`, undefined, [200], adminKey);
    await must("POST", `/v1/events/${CON}/sessions/half/transactions`, { id: crypto.randomUUID(), registerId: "r1", shopperCode: "S1", items: ["c7-1"] }, [201], registerKey);

    const until = Date.now() + 20_000;
    while (!(await p.$('#sold-table tr[data-sold="c7-1"]')) && Date.now() < until) {
      await p.click("#refresh-statement");
      await p.waitForFunction(() => !document.getElementById("refresh-statement").disabled);
      await sleep(400);
    }
    const sold = await p.$$eval('#sold-table tr[data-sold="c7-1"] td', (tds) => tds.map((td) => td.textContent));
    // Tag, what, tag price (struck: it sold for less), sold for, their share (70 % of $6.00).
    assert.deepEqual(sold.slice(0, 5), ["c7-1", "Rain boots, red", "$12.00", "$6.00", "$4.20"]);
    assert.equal(await p.$eval('#sold-table tr[data-sold="c7-1"] s.tagprice', (el) => el.textContent), "$12.00");
    assert.match(await p.textContent("#sums"), /Your payout\$4\.20/);
    assert.match(await p.textContent('#items-table tr[data-item="c7-1"]'), /Sold/);
    await page.shot(p, "i3-sale-on-statement");
    await page.doc(p, "consignor");
    page.noErrors(p);
  } finally {
    await context.close();
  }
});

test("j. the organizer retries a calculation in error, issues and revokes a key, closes the event and runs the archive", async ({ browser }) => {
  const { context, p } = await openAdmin(browser);
  try {
    // A sale of c9's item: c9 is not registered, so its calculation fails.
    const sale = await sellThroughApi("sat", ["K12"]);
    await p.goto(`${origin}/admin#/events/${ORG}/commissions`);
    const until = Date.now() + 15_000;
    await p.waitForSelector("#refresh-commissions");
    while (!(await p.$(`#errors-table tr[data-tx="${sale.id}"]`)) && Date.now() < until) {
      await sleep(500);
      await refreshCommissions(p);
    }
    assert.match(await p.textContent(`#errors-table tr[data-tx="${sale.id}"]`), /UNKNOWN_CONSIGNOR.*consignor c9 is not registered/);
    await page.shot(p, "j1-calculation-in-error");

    // Register c9 (Settings), then retry.
    await p.click('#tabs a[data-tab="settings"]');
    await p.fill("#consignor-id", "c9");
    await p.fill("#consignor-name", "Lin");
    await p.selectOption("#consignor-tier", "super");
    await p.click("#consignor-form button[type=submit]");
    await p.waitForFunction(() => /Consignor c9 added/.test(document.getElementById("consignor-message").textContent));
    await p.click('#tabs a[data-tab="commissions"]');
    await p.click(`#errors-table tr[data-tx="${sale.id}"] button`);
    await p.waitForFunction(() => /Retry round 1/.test(document.getElementById("commissions-message").textContent));
    const fixed = Date.now() + 20_000;
    while ((await p.$(`#errors-table tr[data-tx="${sale.id}"]`)) && Date.now() < fixed) {
      await sleep(1_000);
      await refreshCommissions(p);
    }
    assert.equal(await p.textContent("#error-count"), "0 in error");
    await page.shot(p, "j2-retried");

    // A consignor key, shown once, then revoked.
    await p.click('#tabs a[data-tab="keys"]');
    await p.selectOption("#key-role", "consignor");
    await p.fill("#key-consignor", "c9");
    await p.fill("#key-label", "Lin");
    await p.click("#key-form button[type=submit]");
    await p.waitForSelector("#issued-key");
    const issued = (await p.textContent("#issued-key code")).trim();
    assert.equal((await call("GET", "/v1/me", undefined, issued)).body.consignorId, "c9");
    await page.shot(p, "j3-key-issued");
    const keyRow = p.locator("#keys-table tr", { hasText: "Lin" });
    await keyRow.locator("button").click();
    await p.waitForFunction(() => /revoked/.test(document.getElementById("keys-message").textContent));
    assert.equal((await call("GET", "/v1/me", undefined, issued)).status, 401);

    // Complete the session, close the event (typed confirmation), run the archive.
    await p.click('#tabs a[data-tab="sessions"]');
    await p.click('tr[data-session="sat"] button[data-action="complete"]');
    await p.waitForSelector('tr[data-session="sat"][data-status="completed"]');
    await p.click('#tabs a[data-tab="close"]');
    await p.click("#close-open");
    assert.equal(await p.isDisabled("#close-confirm"), true, "not before the id is typed");
    await p.fill("#close-confirm-id", ORG);
    await page.shot(p, "j4-close-confirmation");
    await p.click("#close-confirm");
    await p.waitForFunction(() => /Closed: 7 items set out for pickup, 0 items donated/.test(document.getElementById("close-message").textContent));
    assert.ok((await must("GET", `/v1/events/${ORG}`, undefined, [200], adminKey)).closedAt > 0);
    await p.check("#archive-force"); // a run of its own, even when the server already archived today (--origin)
    await p.click("#archive-run");
    await p.waitForSelector('#archive-status[data-status="complete"]', { timeout: 60_000 });
    assert.match(await p.textContent("#archive-run-view"), new RegExp(`${ORG}\\s*sat`));
    await page.shot(p, "j5-archived");
    page.noErrors(p);
  } finally {
    await context.close();
  }
});

// ------------------------------------------------------------------ the run

async function main() {
  const deadline = setTimeout(async () => {
    console.error(`browser test exceeded ${DEADLINE_MS / 1000} s; stopping`);
    await stopAll();
    process.exit(2);
  }, DEADLINE_MS);
  mkdirSync(SHOTS, { recursive: true });
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  if (!originArg) await startServer();

  log(`seeding event ${EVENT}`);
  await must("POST", "/v1/events", { id: EVENT, name: "Browser test sale" }, [201], adminKey);
  await must("PUT", `/v1/events/${EVENT}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200], adminKey);
  await must("PUT", `/v1/events/${EVENT}/consignors/c1`, { name: "Ada", tier: "standard" }, [201], adminKey);
  await must("PUT", `/v1/events/${EVENT}/items`, { items: ITEMS.map(([id, title, cents]) => ({ id, consignorId: "c1", title, category: "kids", size: "-", price: cents })) }, [200], adminKey);
  await must("POST", `/v1/events/${EVENT}/sessions`, { id: SESSION, name: "Main sale", startTime: 0, endTime: 1 }, [201], adminKey);
  await must("POST", `/v1/events/${EVENT}/sessions/${SESSION}/start`, undefined, [200], adminKey);
  for (const r of ["r1", "r2"]) keys[r] = (await must("POST", `/v1/events/${EVENT}/api-keys`, { role: "register", label: `browser ${r}` }, [201], adminKey)).key;

  log(`launching ${CHROMIUM}`);
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: root ? ["--no-sandbox"] : [], timeout: 30_000 });
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  context.setDefaultTimeout(10_000);

  let passed = 0;
  let failed = 0;
  for (const { name, fn } of tests) {
    const started = Date.now();
    try {
      await fn({ browser, context });
      passed++;
      log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed++;
      log(`FAIL ${name}\n${error?.stack ?? error}`);
      for (const p of context.pages()) await p.screenshot({ path: join(SHOTS, `failure-${name.slice(0, 1)}.png`), fullPage: true }).catch(() => {});
    }
  }
  clearTimeout(deadline);
  await stopAll();
  log(`screenshots in ${SHOTS}/`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// A stray rejection (a playwright handler, a timer) must not leave the servers running either.
for (const kind of ["unhandledRejection", "uncaughtException"]) {
  process.on(kind, async (error) => {
    console.error(`${kind}:`, error);
    await stopAll();
    process.exit(1);
  });
}
runScript(main, stopAll);
