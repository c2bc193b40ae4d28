// The register page's browser tests (a–g): one register signs in, sells, goes offline, loses an
// answer, voids, and switches to a half-price session; others sell the same tags meanwhile. In
// order: b, d, e, f and g go on with a's page (register1) and its sales.
import assert from "node:assert/strict";
import { adminKey, call, EVENT, ITEMS, keys, must, page, price, SESSION } from "./harness.mjs";

export const tests = [];
const test = (name, fn) => tests.push({ name, fn });

const summary = async () => (await must("GET", `/v1/events/${EVENT}/sessions/${SESSION}`, undefined, [200], adminKey)).metadata;
const transaction = (id) => call("GET", `/v1/events/${EVENT}/sessions/${SESSION}/transactions/${id}`, undefined, adminKey);

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
  // The register took the session's price list when it signed in, to price tags scanned offline.
  await p.waitForFunction((n) => document.getElementById("prices").textContent.startsWith(`Prices kept: ${n} `), ITEMS.length, { timeout: 10_000 });
  await context.setOffline(true);
  await p.waitForFunction(() => document.getElementById("net").textContent === "Offline");
  const dollars = (cents) => `$${(cents / 100).toFixed(2)}`;
  for (const cart of [["T004", "T005"], ["T006"]]) {
    for (const tag of cart) await page.scan(p, tag);
    // Offline, each line still shows its title and price (from the kept list, marked so), and the cart its total.
    const total = cart.reduce((n, t) => n + price(t), 0);
    await p.waitForFunction(([n, t]) => document.getElementById("cart-count").textContent === `${n} · ${t}`, [cart.length === 1 ? "1 tag" : `${cart.length} tags`, dollars(total)]);
    for (const tag of cart) {
      const line = await p.textContent(`#cart li[data-tag="${tag}"]`);
      const title = ITEMS.find(([i]) => i === tag)[1];
      assert.ok(line.includes(title) && line.includes(dollars(price(tag))) && line.includes("(price list)"), `offline cart line ${tag}: ${line}`);
    }
    await p.click("#checkout");
    await p.waitForFunction((tags) => document.getElementById("receipt").textContent.includes("saved") && tags.every((t) => document.getElementById("receipt").textContent.includes(t)), cart);
    assert.equal(Number(await p.$eval("#receipt", (el) => el.dataset.total)), total, "the saved sale's receipt has its total");
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

test("g. at closing time a sale made offline reaches the ended session; the next session is half price: the register switches to it and the receipt shows tag and paid prices", async ({ context }) => {
  const p = register1;
  // Closing time on bad Wi-Fi: the register sells T011 offline, and the organizer completes the
  // session before it is back. The void of f may still be on the queue: completing the session
  // settles its voids with its sales, so the next session offers T001–T003 at once.
  await context.setOffline(true);
  await page.scan(p, "T011");
  await p.click("#checkout");
  await p.waitForFunction(() => document.getElementById("receipt").textContent.includes("saved"));
  const [late] = await page.queue(p);
  await must("POST", `/v1/events/${EVENT}/sessions/${SESSION}/complete`, undefined, [200], adminKey);
  const lateUpload = p.waitForResponse("**/transactions/batch", { timeout: 25_000 });
  await context.setOffline(false);
  assert.deepEqual((await (await lateUpload).json()).results.map((r) => [r.id, r.status]), [[late.id, 201]], "the ended session takes the sale made before it ended");
  await p.waitForFunction(() => document.getElementById("waiting").hidden && document.getElementById("attention").hidden);
  const recorded = await transaction(late.id);
  assert.deepEqual([recorded.body.status, recorded.body.items.map((i) => i.itemId)], ["completed", ["T011"]]);
  await page.shot(p, "g0-late-sale-uploaded");
  await must("POST", `/v1/events/${EVENT}/sessions`, { id: "half", name: "Half-price day", startTime: 0, endTime: 1, discount: 5000 }, [201], adminKey);
  // The register switches before the organizer starts the session: no price list yet (the server
  // has none to give), and it takes it by itself once the session runs.
  await p.click("#change-session");
  await p.fill("#session-id", "half");
  await p.click("#signin-button");
  await p.waitForSelector("#sell:not([hidden])");
  assert.match(await p.textContent("#session-name"), /Half-price day · half price/);
  await p.waitForFunction(() => document.getElementById("prices").textContent === "No price list");
  await must("POST", `/v1/events/${EVENT}/sessions/half/start`, undefined, [200], adminKey);
  await p.waitForFunction(() => document.getElementById("prices").textContent.startsWith("Prices kept: "), null, { timeout: 25_000 });
  // Offline, a tag is priced at this session's price from the list.
  await context.setOffline(true);
  await page.scan(p, "T003");
  await p.waitForFunction(() => document.querySelector('#cart li[data-tag="T003"]')?.textContent.includes("(price list)"));
  const line = await p.textContent('#cart li[data-tag="T003"]');
  assert.ok(line.includes(`$${(price("T003") / 100).toFixed(2)}`) && line.includes(`$${(Math.round(price("T003") / 2) / 100).toFixed(2)}`), `tag and half price from the list: ${line}`);
  await p.click('#cart li[data-tag="T003"] button.remove');
  await context.setOffline(false);
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
