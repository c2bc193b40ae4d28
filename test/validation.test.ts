import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, BASE, call, createSession, expectError, item, seedEvent, txId } from "./helpers";

/** Bad input gets a clear 4xx with the error envelope and changes nothing. */

let registerKey = "";

beforeAll(async () => {
  ({ registerKey } = await seedEvent("va", [item("V1", "c1", 1000), item("V2", "c2", 500)]));
  await seedEvent("vb", [item("L1", "c1", 1000), item("L2", "c1", 200)]);
  await createSession("va", "s1");
});

async function fingerprint() {
  const session = (await call("GET", "/v1/events/va/sessions/s1")).body;
  const items = await Promise.all(["V1", "V2", "X1", "L1", "L2", "M1"].map(async (id) => {
    const event = id.startsWith("L") || id === "M1" ? "vb" : "va";
    const r = await call("GET", `/v1/events/${event}/items/${id}`);
    return r.status === 200 ? [r.body.status, r.body.version, r.body.price, r.body.title] : r.status;
  }));
  return { session: session.metadata, status: session.status, items, rates: (await call("GET", "/v1/events/va/rates")).body };
}

const good = { id: "X1", consignorId: "c1", title: "Coat", category: "outerwear", size: "6", price: 1500 };
const checkoutBody = (items: unknown, extra: object = {}) => ({ id: txId(), registerId: "r1", shopperCode: "S1", items, ...extra });

const cases: { name: string; method: string; path: string; body?: unknown; raw?: string; key?: "register"; status: number; code: string }[] = [
  { name: "malformed JSON", method: "PUT", path: "/v1/events/va/items", raw: "{items: [", status: 400, code: "VALIDATION_FAILED" },
  { name: "empty body", method: "PUT", path: "/v1/events/va/items", raw: "", status: 400, code: "VALIDATION_FAILED" },
  { name: "missing field", method: "PUT", path: "/v1/events/va/items", body: { items: [{ ...good, title: undefined }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "string price", method: "PUT", path: "/v1/events/va/items", body: { items: [{ ...good, price: "15.00" }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "negative price", method: "PUT", path: "/v1/events/va/items", body: { items: [{ ...good, price: -100 }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "fractional price", method: "PUT", path: "/v1/events/va/items", body: { items: [{ ...good, price: 15.5 }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "zero price", method: "PUT", path: "/v1/events/va/items", body: { items: [{ ...good, price: 0 }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "unknown field", method: "PUT", path: "/v1/events/va/items", body: { items: [{ ...good, colour: "red" }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "bad item id", method: "PUT", path: "/v1/events/va/items", body: { items: [{ ...good, id: "tag 1/2" }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "item id over 64", method: "PUT", path: "/v1/events/va/items", body: { items: [{ ...good, id: "x".repeat(65) }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "duplicate ids in one call", method: "PUT", path: "/v1/events/va/items", body: { items: [good, good] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "empty item list", method: "PUT", path: "/v1/events/va/items", body: { items: [] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "one bad item among good ones", method: "PUT", path: "/v1/events/va/items", body: { items: [good, { ...good, id: "X2", price: -1 }] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "items of unknown event", method: "PUT", path: "/v1/events/nope/items", body: { items: [good] }, status: 404, code: "NOT_FOUND" },
  { name: "rates over 100 %", method: "PUT", path: "/v1/events/va/rates", body: { base: 9000, volunteerBonus: 1500, superBonus: 0 }, status: 400, code: "VALIDATION_FAILED" },
  { name: "fractional rate", method: "PUT", path: "/v1/events/va/rates", body: { base: 60.5, volunteerBonus: 0, superBonus: 0 }, status: 400, code: "VALIDATION_FAILED" },
  { name: "unknown tier", method: "PUT", path: "/v1/events/va/consignors/c9", body: { name: "X", tier: "gold" }, status: 400, code: "VALIDATION_FAILED" },
  { name: "session ends before it starts", method: "POST", path: "/v1/events/va/sessions", body: { id: "s9", name: "Bad", startTime: 10, endTime: 5 }, status: 400, code: "VALIDATION_FAILED" },
  { name: "session of unknown event", method: "POST", path: "/v1/events/nope/sessions", body: { id: "s9", name: "X", startTime: 1, endTime: 5 }, status: 404, code: "NOT_FOUND" },
  { name: "transaction id not a UUID", method: "POST", path: "/v1/events/va/sessions/s1/transactions", key: "register", body: checkoutBody(["V1"], { id: "tx-1" }), status: 400, code: "VALIDATION_FAILED" },
  { name: "items not an array", method: "POST", path: "/v1/events/va/sessions/s1/transactions", key: "register", body: checkoutBody("V1"), status: 400, code: "VALIDATION_FAILED" },
  { name: "empty cart", method: "POST", path: "/v1/events/va/sessions/s1/transactions", key: "register", body: checkoutBody([]), status: 400, code: "VALIDATION_FAILED" },
  { name: "item twice in a cart", method: "POST", path: "/v1/events/va/sessions/s1/transactions", key: "register", body: checkoutBody(["V1", "V1"]), status: 400, code: "VALIDATION_FAILED" },
  { name: "201 items in a cart", method: "POST", path: "/v1/events/va/sessions/s1/transactions", key: "register", body: checkoutBody(Array.from({ length: 201 }, (_, i) => `Z${i}`)), status: 400, code: "VALIDATION_FAILED" },
  { name: "missing shopper code", method: "POST", path: "/v1/events/va/sessions/s1/transactions", key: "register", body: { id: txId(), registerId: "r1", items: ["V1"] }, status: 400, code: "VALIDATION_FAILED" },
  { name: "unknown session", method: "POST", path: "/v1/events/va/sessions/nope/transactions", key: "register", body: checkoutBody(["V1"]), status: 404, code: "NOT_FOUND" },
  { name: "unknown transaction", method: "GET", path: `/v1/events/va/sessions/s1/transactions/${txId()}`, key: "register", status: 404, code: "NOT_FOUND" },
  { name: "void of unknown transaction", method: "POST", path: `/v1/events/va/sessions/s1/transactions/${txId()}/void`, key: "register", body: { reason: "x" }, status: 404, code: "NOT_FOUND" },
  { name: "void without a reason", method: "POST", path: `/v1/events/va/sessions/s1/transactions/${txId()}/void`, key: "register", body: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "hold with a bad ttl", method: "POST", path: "/v1/events/va/sessions/s1/holds", key: "register", body: { id: "h1", registerId: "r1", items: ["V1"], ttlSeconds: 1 }, status: 400, code: "VALIDATION_FAILED" },
  { name: "patch without changes", method: "PATCH", path: "/v1/events/vb/items/L1", body: { version: 1 }, status: 400, code: "VALIDATION_FAILED" },
  { name: "unknown route", method: "GET", path: "/v1/nothing-here", status: 404, code: "NOT_FOUND" },
];

describe("bad input", () => {
  it("gets a 4xx with the envelope and changes nothing", async () => {
    const before = await fingerprint();
    for (const c of cases) {
      const key = c.key === "register" ? registerKey : ADMIN;
      const result = await call(c.method, c.path, { key, ...(c.raw !== undefined ? { raw: c.raw } : { body: c.body }) });
      expect({ name: c.name, status: result.status, code: result.body?.error?.code }).toEqual({ name: c.name, status: c.status, code: c.code });
      expect(typeof result.body.error.message).toBe("string");
    }
    expect(await fingerprint()).toEqual(before);
  });

  it("names the fields that are wrong", async () => {
    const result = await call("PUT", "/v1/events/va/items", { body: { items: [{ ...good, price: -1, size: 4 }] } });
    const paths = result.body.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["body.items.0.price", "body.items.0.size"]));
  });

  it("refuses 5,001 items in one call", async () => {
    const items = Array.from({ length: 5_001 }, (_, i) => ({ ...good, id: `B${i}` }));
    expectError(await call("PUT", "/v1/events/va/items", { body: { items } }), 400, "VALIDATION_FAILED");
    expect((await call("GET", "/v1/events/va/items/B0")).status).toBe(404);
  });

  it("refuses a body over the size limit", async () => {
    const response = await exports.default.fetch(
      new Request(`${BASE}/v1/events/va/items`, { method: "PUT", headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" }, body: "x".repeat(9 * 1024 * 1024) }),
    );
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("refuses an oversized body on every /v1 route before reading it, declared or streamed, and changes nothing", async () => {
    const before = await fingerprint();
    // A checkout padded past 1 MiB, with its length declared.
    const padded = { ...checkoutBody(["V1"]), shopperCode: "S1", pad: "x".repeat(1024 * 1024) };
    const declared = await call("POST", "/v1/events/va/sessions/s1/transactions", { key: registerKey, body: padded });
    expectError(declared, 413, "PAYLOAD_TOO_LARGE");
    expect(declared.body.error.details.maxBytes).toBe(1024 * 1024);
    // The same from a client that streams without a length: counted as it arrives.
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await exports.default.fetch(
      new Request(`${BASE}/v1/events/va/rates`, { method: "PUT", headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" }, body: stream, duplex: "half" } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
    // Fewer chunks were read than the client had to send: the limit stopped the reading.
    expect(sent).toBeLessThan(40);
    // An offline upload may be larger than 1 MiB (100 sales of up to 200 items).
    const upload = {
      transactions: Array.from({ length: 100 }, () => ({ ...checkoutBody(Array.from({ length: 200 }, (_, i) => `NOPE-${"y".repeat(50)}-${i}`)) })),
    };
    expect(JSON.stringify(upload).length).toBeGreaterThan(1024 * 1024);
    const big = await call("POST", "/v1/events/va/sessions/s1/transactions/batch", { key: registerKey, body: upload });
    expect(big.status).toBe(200);
    expect(big.body.results.every((r: { status: number }) => r.status === 409)).toBe(true);
    expect(await fingerprint()).toEqual(before);
  });

  it("refuses ids that do not start with a letter or digit (URL normalisation would rewrite . and ..)", async () => {
    const before = await fingerprint();
    for (const id of [".", "..", ".hidden", "-dash", "_under"]) {
      expectError(await call("POST", "/v1/events", { body: { id, name: "Dots" } }), 400, "VALIDATION_FAILED");
      expectError(await call("PUT", "/v1/events/va/items", { body: { items: [{ ...good, id }] } }), 400, "VALIDATION_FAILED");
      expectError(await call("PUT", "/v1/events/va/items", { body: { items: [{ ...good, consignorId: id }] } }), 400, "VALIDATION_FAILED");
      expectError(await call("POST", "/v1/events/va/sessions", { body: { id, name: "X", startTime: 1, endTime: 5 } }), 400, "VALIDATION_FAILED");
    }
    expectError(await call("PUT", "/v1/events/va/consignors/-c1", { body: { name: "X", tier: "standard" } }), 400, "VALIDATION_FAILED");
    expectError(await call("GET", "/v1/events/va/items/.x"), 400, "VALIDATION_FAILED");
    // Ids that start with a letter or digit and hold dots are still fine.
    expect((await call("PUT", "/v1/events/va/items", { body: { items: [{ ...good, id: "A.1-b_2" }] } })).status).toBe(200);
    expect((await call("GET", "/v1/events/va/items/A.1-b_2")).status).toBe(200);
    expect((await fingerprint()).session).toEqual(before.session);
  });

  it("refuses a cart with items the session does not have, naming exactly those", async () => {
    const before = await fingerprint();
    const result = await call("POST", "/v1/events/va/sessions/s1/transactions", { key: registerKey, body: checkoutBody(["V1", "NOPE", "V2", "GONE"]) });
    expectError(result, 409, "ITEM_UNAVAILABLE");
    expect(result.body.error.details.items).toEqual(["NOPE", "GONE"]);
    expect(await fingerprint()).toEqual(before);
  });

  it("keeps a bulk upsert all or nothing once items are locked", async () => {
    await createSession("vb", "s1");
    const before = await fingerprint();
    const result = await call("PUT", "/v1/events/vb/items", { body: { items: [{ ...good, id: "M1" }, { ...good, id: "L2", price: 99 }] } });
    expectError(result, 409, "ITEM_LOCKED");
    expect(result.body.error.details.items).toEqual(["L2"]);
    expect(await fingerprint()).toEqual(before);
    const version = (await call("GET", "/v1/events/vb/items/L1")).body.version;
    expectError(await call("PATCH", "/v1/events/vb/items/L1", { body: { version, price: 5 } }), 409, "ITEM_LOCKED");
    expectError(await call("PATCH", "/v1/events/vb/items/L1", { body: { version: version + 7, price: 5 } }), 409, "VERSION_CONFLICT");
    expect(await fingerprint()).toEqual(before);
  });

  it("refuses a stale version while an item is still modifiable", async () => {
    expect((await call("PUT", "/v1/events/va/items", { body: { items: [{ ...good, id: "P1" }] } })).status).toBe(200);
    const first = await call("PATCH", "/v1/events/va/items/P1", { body: { version: 1, title: "Coat, blue" } });
    expect(first.body).toMatchObject({ version: 2, title: "Coat, blue" });
    const stale = await call("PATCH", "/v1/events/va/items/P1", { body: { version: 1, title: "Coat, red" } });
    expectError(stale, 409, "VERSION_CONFLICT");
    expect(stale.body.error.details.currentVersion).toBe(2);
    expect((await call("GET", "/v1/events/va/items/P1")).body.title).toBe("Coat, blue");
  });
});
