// The consignor's page's browser test, on an event of its own: i (an item entered, one saved again
// after its answer was lost and kept once, its tags printed, its sale seen on the statement).
import assert from "node:assert/strict";
import { adminKey, EVENT, must, origin, page, sleep } from "./harness.mjs";

export const tests = [];
const test = (name, fn) => tests.push({ name, fn });

/** The consignor's event (test i). */
const CON = `${EVENT}-con`;

test("i. a consignor enters items on /consignor (one saved again after a lost answer, kept once), and after a register sells one sees the sale on their page", async ({ browser }) => {
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

    // A save whose answer is lost (the server saved it; the phone heard nothing), then saved again:
    // the item is there once, with the number the first try got.
    await p.fill("#item-title", "Mittens");
    await p.fill("#item-category", "accessories");
    await p.fill("#item-size", "4T");
    await p.fill("#item-price", "3");
    let lost = 0;
    await p.route("**/v1/events/*/items", async (route) => {
      if (route.request().method() !== "PUT" || lost > 0) return route.fallback();
      lost++;
      await route.fetch(); // reaches the server, which saves the item…
      await route.abort("failed"); // …but its answer never reaches the page
    });
    await p.click("#item-save");
    await p.waitForFunction(() => document.getElementById("item-message").classList.contains("bad"));
    assert.equal(lost, 1);
    await p.click("#item-save");
    await p.waitForSelector('#items-table tr[data-item="c7-2"]');
    assert.match(await p.textContent("#item-message"), /Added: tag number c7-2/);
    await p.unroute("**/v1/events/*/items");
    const mine = await must("GET", `/v1/events/${CON}/items?consignorId=c7`, undefined, [200], adminKey);
    assert.deepEqual(mine.items.map((i) => [i.id, i.title]), [["c7-1", "Rain boots, red"], ["c7-2", "Mittens"]]);

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
