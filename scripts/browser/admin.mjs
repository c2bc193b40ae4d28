// The organizer's dashboard's browser tests, on an event of their own: h (a session started, its
// totals moving over the socket as sales arrive) and j (a calculation in error retried, a key
// issued and revoked, the event closed and archived), which goes on with h's event and session.
import assert from "node:assert/strict";
import { adminKey, call, EVENT, log, must, origin, page, sleep } from "./harness.mjs";

export const tests = [];
const test = (name, fn) => tests.push({ name, fn });

/** The organizer's event (tests h and j). */
const ORG = `${EVENT}-org`;
const dollars = (cents) => `$${(cents / 100).toFixed(2)}`;

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
    assert.equal(await p.$eval("#transactions tr[data-tx]", (tr) => tr.children[3].textContent), "K04", "the last sale (at the register page) is listed first");
    await page.shot(p, "h2-live-totals");
    await page.doc(p, "admin");
    page.noErrors(p);
  } finally {
    await context.close();
  }
});

test("j. the organizer retries a calculation in error, issues and revokes a key, sees a sale uploaded after the session ended, closes the event and runs the archive", async ({ browser }) => {
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
    // A register that was offline at closing time uploads its sale of K11 now: the ended session
    // takes it, and the organizer's list says it came after the end.
    const late = { id: crypto.randomUUID(), registerId: "front-9", shopperCode: "S-10", items: ["K11"] };
    const uploaded = await must("POST", `/v1/events/${ORG}/sessions/sat/transactions/batch`, { transactions: [late] }, [200], orgKeys.register);
    assert.equal(uploaded.results[0].status, 201);
    await p.waitForFunction(() => document.getElementById("live-sold")?.dataset.count === "6", null, { timeout: 5_000 });
    await p.click('#transactions-card button:text("Refresh")');
    await p.waitForSelector(`#transactions tr[data-tx="${late.id}"]`);
    assert.match(await p.textContent(`#transactions tr[data-tx="${late.id}"]`), /K11.*uploaded after the session ended/);
    assert.doesNotMatch(await p.textContent(`#transactions tr[data-tx="${sale.id}"]`), /after the session ended/);
    await page.shot(p, "j4-late-sale");
    await p.click('#tabs a[data-tab="close"]');
    await p.click("#close-open");
    assert.equal(await p.isDisabled("#close-confirm"), true, "not before the id is typed");
    await p.fill("#close-confirm-id", ORG);
    await page.shot(p, "j5-close-confirmation");
    await p.click("#close-confirm");
    await p.waitForFunction(() => /Closed: 6 items set out for pickup, 0 items donated/.test(document.getElementById("close-message").textContent));
    assert.ok((await must("GET", `/v1/events/${ORG}`, undefined, [200], adminKey)).closedAt > 0);
    await p.check("#archive-force"); // a run of its own, even when the server already archived today (--origin)
    await p.click("#archive-run");
    await p.waitForSelector('#archive-status[data-status="complete"]', { timeout: 60_000 });
    assert.match(await p.textContent("#archive-run-view"), new RegExp(`${ORG}\\s*sat`));
    await page.shot(p, "j6-archived");
    page.noErrors(p);
  } finally {
    await context.close();
  }
});
