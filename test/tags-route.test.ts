import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, BASE, call, createSession, expectError, item, seedEvent } from "./helpers";
import { readPdf } from "./tags-pdf";

async function pdf(path: string, key: string = ADMIN) {
  const response = await exports.default.fetch(new Request(`${BASE}${path}`, { headers: { Authorization: `Bearer ${key}` } }));
  return { status: response.status, type: response.headers.get("Content-Type"), bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** Every item id read back from the barcodes drawn in a PDF, in page order. */
async function barcodesOf(bytes: Uint8Array) {
  const pages = await readPdf(bytes);
  return { pages: pages.length, ids: pages.flatMap((p) => p.barcodes.map((b) => b.text)), texts: pages.flatMap((p) => p.texts.map((t) => t.text)) };
}

describe("GET …/consignors/:c/tags.pdf", () => {
  it("prints a consignor's tags, 6 a page, each barcode scanning back to its item id, with its marks", async () => {
    const items = Array.from({ length: 8 }, (_, i) => ({ ...item(`c1-${i + 1}`, "c1", 250 + i * 50), donate: i === 2, discountAllowed: i !== 3 }));
    await seedEvent("tagr", [...items, item("c2-1", "c2", 900)]);
    const key = (await call("POST", "/v1/events/tagr/api-keys", { body: { role: "consignor", consignorId: "c1", label: "c1" } })).body.key;

    const all = await pdf("/v1/events/tagr/consignors/c1/tags.pdf", key);
    expect(all.status).toBe(200);
    expect(all.type).toBe("application/pdf");
    const read = await barcodesOf(all.bytes);
    expect(read.pages).toBe(2);
    // Ids sort as text: c1-1, c1-2, … c1-8.
    expect(read.ids).toEqual(items.map((i) => i.id).sort());
    expect(read.texts).toEqual(expect.arrayContaining(["$2.50", "$6.00", "Sale tagr", "DONATE IF UNSOLD", "FULL PRICE ONLY"]));

    const labels = await barcodesOf((await pdf("/v1/events/tagr/consignors/c1/tags.pdf?format=labels&skip=2", key)).bytes);
    expect(labels).toMatchObject({ pages: 1, ids: items.map((i) => i.id).sort() });

    const some = await barcodesOf((await pdf("/v1/events/tagr/consignors/c1/tags.pdf?items=c1-7,c1-2", key)).bytes);
    expect(some.ids).toEqual(["c1-2", "c1-7"]);

    // Only what changed since a time: the tags not printed since.
    const t = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    const c1_5 = (await call("GET", "/v1/events/tagr/items/c1-5", { key })).body;
    expect((await call("PATCH", "/v1/events/tagr/items/c1-5", { key, body: { version: c1_5.version, price: 1000 } })).status).toBe(200);
    const since = await barcodesOf((await pdf(`/v1/events/tagr/consignors/c1/tags.pdf?since=${t}`, key)).bytes);
    expect(since.ids).toEqual(["c1-5"]);
    expect(since.texts).toContain("$10.00");
  });

  it("is that consignor's or an admin's, and refuses another's item, a bad format or a skip past the page", async () => {
    const { registerKey } = await seedEvent("tagx", [item("c1-1", "c1", 500), item("c2-1", "c2", 500)]);
    const key = (await call("POST", "/v1/events/tagx/api-keys", { body: { role: "consignor", consignorId: "c1", label: "c1" } })).body.key;
    expect((await pdf("/v1/events/tagx/consignors/c2/tags.pdf", key)).status).toBe(403);
    expect((await pdf("/v1/events/tagx/consignors/c1/tags.pdf", registerKey)).status).toBe(403);
    expect((await pdf("/v1/events/tagx/consignors/c2/tags.pdf")).status).toBe(200);
    expectError(await call("GET", "/v1/events/tagx/consignors/c1/tags.pdf?items=c2-1", { key }), 404, "NOT_FOUND");
    expectError(await call("GET", "/v1/events/tagx/consignors/c1/tags.pdf?format=poster", { key }), 400, "VALIDATION_FAILED");
    expectError(await call("GET", "/v1/events/tagx/consignors/c1/tags.pdf?skip=6", { key }), 400, "VALIDATION_FAILED");
    expect((await pdf("/v1/events/tagx/consignors/c1/tags.pdf?format=labels&skip=6", key)).status).toBe(200);
    // Sold items drop off the default print run; a named one still prints.
    await createSession("tagx", "s1");
    expect((await call("POST", "/v1/events/tagx/sessions/s1/transactions", { key: registerKey, body: { id: crypto.randomUUID(), registerId: "r", shopperCode: "S", items: ["c1-1"] } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    expect((await call("POST", "/v1/events/tagx/sessions/s1/complete")).status).toBe(200);
    expect((await barcodesOf((await pdf("/v1/events/tagx/consignors/c1/tags.pdf", key)).bytes)).ids).toEqual([]);
    expect((await barcodesOf((await pdf("/v1/events/tagx/consignors/c1/tags.pdf?items=c1-1", key)).bytes)).ids).toEqual(["c1-1"]);
  });
});
