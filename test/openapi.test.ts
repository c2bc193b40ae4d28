import { validate } from "@hyperjump/json-schema/openapi-3-1";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { statusOf } from "../lib/errors";
import { ItemsUpsert, SessionCreate, TransactionCreate, TransactionUpload } from "../schemas/api";
import { ErrorEnvelope } from "../schemas/responses";
import { app } from "../producers/api/app";
import { errorCodesOf, openApiPath, routesOf } from "../producers/api/openapi";
import { docOf, PATH_PARAMS, type RouteDoc } from "../producers/api/route-docs";
import * as requestSchemas from "../schemas/api";
import * as commonSchemas from "../schemas/common";
import * as shopifySchemas from "../schemas/shopify";
import { ADMIN, BASE, call, expectError, item, txId, type Call } from "./helpers";

type Json = Record<string, any>;
const METHODS = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];

let document: Json;
beforeAll(async () => {
  const r = await call("GET", "/openapi.json", { key: null });
  expect(r.status).toBe(200);
  expect(r.headers.get("Content-Type")).toMatch(/^application\/json/);
  document = r.body;
});

/** The object a `{$ref}` points at in the document (anything else as it is). */
function deref(node: Json): Json {
  return typeof node?.$ref === "string" ? (node.$ref as string).slice(2).split("/").reduce<any>((n, part) => n?.[part], document) : node;
}

/** Every operation of the document, as `METHOD /path`. */
function documentedOperations(doc: Json): string[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((k) => METHODS.includes(k))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document, its Schema Objects valid in OpenAPI's JSON Schema dialect", async () => {
    expect(document.openapi).toBe("3.1.0");
    // schema-base: the document's structure, and every Schema Object against OpenAPI 3.1's dialect (JSON Schema 2020-12).
    const output = await validate("https://spec.openapis.org/oas/3.1/schema-base", document, "BASIC");
    const errors = (output as { errors?: unknown[] }).errors ?? [];
    expect(errors, JSON.stringify(errors.slice(0, 10), null, 1)).toEqual([]);
    expect(output.valid).toBe(true);
    // A broken document is caught (the validator does validate).
    const broken = structuredClone(document);
    broken.components.schemas.TransactionView.properties.total.minimum = "zero";
    expect((await validate("https://spec.openapis.org/oas/3.1/schema-base", broken, "BASIC")).valid).toBe(false);
    // Every $ref points at something in the document.
    const text = JSON.stringify(document);
    for (const [, target] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const found = target!.split("/").reduce<any>((node, part) => node?.[part], document);
      expect(found, `$ref #/${target}`).toBeDefined();
    }
  });

  it("lists every route the app registered, with the same method and path, and no other", () => {
    const registered = routesOf(app.routes);
    const undocumented = registered.filter((r) => r.doc === undefined).map((r) => `${r.method} ${r.path}`);
    expect(undocumented, "routes without documented(…)").toEqual([]);
    const fromApp = registered.map((r) => `${r.method} ${openApiPath(r.path)}`).sort();
    expect(documentedOperations(document).sort()).toEqual(fromApp);
    // Every /v1 route of the README's contract is among them, for instance:
    expect(fromApp).toEqual(
      expect.arrayContaining([
        "POST /v1/events/{eventId}/sessions/{sessionId}/transactions",
        "POST /v1/events/{eventId}/sessions/{sessionId}/transactions/batch",
        "GET /v1/events/{eventId}/consignors/{consignorId}/tags.pdf",
        "GET /v1/events/{eventId}/reports/payouts.csv",
        "POST /v1/shopify/webhooks",
        "GET /v1/archive/manifests/{eventId}/{sessionId}",
        "GET /openapi.json",
        "GET /docs",
      ]),
    );
    // Operation ids are unique (client generators name methods after them).
    const ids = registered.map((r) => r.doc!.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents the roles, the path parameters, the query and the body each handler checks", () => {
    // Read from each handler's own code: `authorize(c, [roles])`, `parse(Schema, c.req.param(…))`, `parse(Schema, c.req.query())`, `parseBody(c, Schema)`.
    const named: Record<string, unknown> = { ...requestSchemas, ...commonSchemas, ...shopifySchemas };
    /** The schema an expression of the compiled handler names, when it is an import (a local const is not reachable from here). */
    const imported = (expr: string | undefined) => (expr && /__vite_ssr_import_\d+__\.(\w+)$/.exec(expr)?.[1]) ?? null;
    for (const r of app.routes) {
      const doc = docOf(r.handler);
      if (!doc) continue;
      const source = String((r.handler as { __COMPOSED_HANDLER?: unknown }).__COMPOSED_HANDLER ?? r.handler);
      const where = `${r.method} ${r.path}`;
      const body = /parseBody\)?\(c,\s*(?:\(0,\s*)?([\w$.]+)/.exec(source)?.[1] ?? /parse\)?\((?:\(0,\s*)?([\w$.]+)\)?,\s*raw,\s*"body"\)/.exec(source)?.[1];
      expect(doc.body !== undefined, `${where}: a body is documented iff the handler reads one`).toBe(body !== undefined || doc.access === "shopify-hmac");
      if (imported(body)) expect(doc.body, `${where}: body`).toBe(named[imported(body)!]);
      const query = /parse\)?\((?:\(0,\s*)?([\w$.]+)\)?,\s*c\.req\.query\(\)/.exec(source)?.[1];
      expect(doc.query !== undefined, `${where}: a query is documented iff the handler reads one`).toBe(query !== undefined);
      for (const [, expr, param] of source.matchAll(/parse\)?\((?:\(0,\s*)?([\w$.]+)\)?,\s*c\.req\.param\("(\w+)"\)/g)) {
        expect(r.path, where).toContain(`:${param}`);
        const schema = doc.params?.[param!] ?? PATH_PARAMS[param!];
        expect(schema, `${where}: path parameter ${param}`).toBeDefined();
        if (imported(expr)) expect(schema, `${where}: ${param}`).toBe(named[imported(expr)!]);
      }
      const called = /authorize\)?\(c,\s*\[([^\]]*)\]/.exec(source);
      if (Array.isArray(doc.access)) {
        expect(called, `${where} calls authorize`).not.toBeNull();
        const roles = [...called![1]!.matchAll(/"([a-z]+)"/g)].map((m) => m[1]).sort();
        expect(roles, where).toEqual([...doc.access].sort());
        const op = document.paths[openApiPath(r.path)][r.method.toLowerCase()];
        expect(op["x-roles"].slice().sort(), where).toEqual(roles);
        expect(op.security, where).toEqual([{ bearer: [] }]);
      } else {
        expect(called, `${where} is ${doc.access}`).toBeNull();
      }
    }
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.paths["/health"].get.security).toEqual([]);
    expect(document.paths["/v1/shopify/webhooks"].post.security).toEqual([{ shopifyHmac: [] }]);
  });

  it("describes requests with the schemas the handlers validate with", async () => {
    const handlerDoc = (method: string, path: string): RouteDoc => {
      const route = routesOf(app.routes).find((r) => r.method === method && r.path === path);
      return route!.doc!;
    };
    expect(handlerDoc("POST", "/v1/events/:eventId/sessions/:sessionId/transactions").body).toBe(TransactionCreate);
    expect(handlerDoc("POST", "/v1/events/:eventId/sessions/:sessionId/transactions/batch").body).toBe(TransactionUpload);
    expect(handlerDoc("PUT", "/v1/events/:eventId/items").body).toBe(ItemsUpsert);
    expect(handlerDoc("POST", "/v1/events/:eventId/sessions").body).toBe(SessionCreate);

    const checkout = document.paths["/v1/events/{eventId}/sessions/{sessionId}/transactions"].post;
    expect(checkout.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/TransactionCreate" });
    const body = document.components.schemas.TransactionCreate;
    expect(body.required.slice().sort()).toEqual(["id", "items", "registerId", "shopperCode"]);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.items).toMatchObject({ type: "array", minItems: 1, maxItems: 200 });
    expect(document.components.schemas.TransactionUpload.properties.transactions.items).toEqual({ $ref: "#/components/schemas/TransactionCreate" });
    expect(checkout.parameters.filter((p: Json) => p.in === "path").map((p: Json) => p.name)).toEqual(["eventId", "sessionId"]);
    // What the document says is required, the API requires.
    const r = await call("POST", "/v1/events/nope/sessions/nope/transactions", { key: ADMIN, body: { id: txId(), registerId: "r1", items: ["A"] } });
    expect(r.status).toBe(403); // an admin is not a register: authorize runs before the body is read
    const listItems = document.paths["/v1/events/{eventId}/items"].get;
    expect(listItems.parameters.filter((p: Json) => p.in === "query").map((p: Json) => p.name)).toEqual(["consignorId", "status", "after", "limit", "since"]);
    expect(listItems.parameters.find((p: Json) => p.name === "limit")).toMatchObject({ required: false, schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 } });
    const tags = document.paths["/v1/events/{eventId}/consignors/{consignorId}/tags.pdf"].get;
    expect(Object.keys(tags.responses["200"].content)).toEqual(["application/pdf"]);
    expect(Object.keys(document.paths["/v1/events/{eventId}/reports/payouts.csv"].get.responses["200"].content)).toEqual(["text/csv"]);
  });

  it("lists each error an operation can answer, under its status, in the error envelope", () => {
    const responses = document.paths["/v1/events/{eventId}/sessions/{sessionId}/transactions"].post.responses as Record<string, Json>;
    expect(Object.keys(responses).sort()).toEqual(["200", "201", "400", "401", "403", "404", "409", "413", "422", "429", "500"]);
    const checkout: Record<string, any> = Object.fromEntries(Object.entries(responses).map(([status, r]) => [status, deref(r)]));
    expect(responses["401"]).toEqual({ $ref: "#/components/responses/UNAUTHENTICATED" });
    const codes = (status: string) => checkout[status].content["application/json"].schema.properties.error.properties.code.enum;
    expect(codes("409").sort()).toEqual(["ITEM_UNAVAILABLE", "SESSION_NOT_ACTIVE"]);
    expect(codes("422")).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
    expect(checkout["409"].content["application/json"].schema.$ref).toBe("#/components/schemas/ErrorEnvelope");
    expect(checkout["401"].headers["WWW-Authenticate"]).toBeDefined();
    expect(checkout["429"].headers["Retry-After"]).toBeDefined();
    expect(checkout["200"].headers["Idempotent-Replayed"]).toBeDefined();
    expect(document.components.schemas.ErrorBody.properties.code.enum).toContain("ITEM_RULE_VIOLATED");
    expect(document.components.schemas.ErrorEnvelope.required).toEqual(["error"]);
    // Every status listed is the status of each code listed under it.
    for (const item of Object.values(document.paths as Record<string, Json>)) {
      for (const op of Object.values(item) as Json[]) {
        for (const [status, answer] of Object.entries(op.responses as Record<string, Json>)) {
          const response = deref(answer);
          expect(response, `${op.operationId} ${status}`).toBeDefined();
          const listed: string[] | undefined = response.content?.["application/json"]?.schema?.properties?.error?.properties?.code?.enum;
          for (const code of listed ?? []) expect(statusOf(code as never), `${op.operationId} ${status} ${code}`).toBe(Number(status));
        }
      }
    }
  });

  it("names the units: cents, basis points, epoch milliseconds", () => {
    const schemas = document.components.schemas;
    expect(schemas.TransactionView.properties.total.description).toMatch(/integer cents/);
    expect(schemas.TransactionItemView.properties.commissionRate.description).toMatch(/basis points/);
    expect(schemas.TransactionView.properties.createdAt.description).toMatch(/epoch milliseconds/);
    expect(schemas.SessionCreate.properties.discount.description).toMatch(/[Bb]asis points/);
    // Request fields of a shared unit refer to it: EpochMs, PriceCents, BasisPoints.
    expect(deref(schemas.SessionCreate.properties.startTime).description).toMatch(/epoch milliseconds/);
    expect(deref(schemas.ItemInput.properties.price).description).toMatch(/integer cents/);
    expect(deref(schemas.RatesBody.properties.base).description).toMatch(/basis points/);
    expect(schemas.ItemRulesBody.properties.minPrice.description).toMatch(/integer cents/);
    expect(document.info.description).toMatch(/cents.*basis points.*epoch milliseconds/s);
  });
});

describe("GET /docs", () => {
  it("answers an HTML page whose scripts and styles come from this origin only", async () => {
    const page = await exports.default.fetch(new Request(`${BASE}/docs`));
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    const csp = page.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const html = await page.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(inline!.trim(), "no inline script").toBe("");
      const src = /src="([^"]+)"/.exec(attrs!)?.[1];
      expect(src).toMatch(/^\/[^/]/);
      const asset = await exports.default.fetch(new Request(`${BASE}${src}`));
      expect(asset.status).toBe(200);
      expect(asset.headers.get("Content-Type")).toMatch(/^text\/javascript/);
      const js = await asset.text();
      expect(js).toContain('fetch("/openapi.json")');
      expect(js).not.toMatch(/https?:\/\//);
    }
    for (const [, href] of html.matchAll(/<link[^>]*href="([^"]+)"/g)) {
      if (href === "data:,") continue; // no favicon
      expect(href).toMatch(/^\/[^/]/);
      const css = await exports.default.fetch(new Request(`${BASE}${href}`));
      expect(css.status).toBe(200);
      expect(await css.text()).not.toMatch(/https?:\/\/|@import/);
    }
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe("the API answers as the document says", () => {
  const routes = routesOf(app.routes).filter((r) => r.doc);
  /** The documented route a request goes to: the most literal of those whose pattern fits. */
  function routeFor(method: string, path: string) {
    const fits = routes.filter((r) => r.method === method && new RegExp(`^${r.path.replace(/:[A-Za-z0-9_]+/g, "[^/]+").replace(/\./g, "\\.")}$`).test(path));
    fits.sort((a, b) => (a.path.match(/:/g)?.length ?? 0) - (b.path.match(/:/g)?.length ?? 0));
    return fits[0];
  }
  const seen = new Set<string>();

  /** Calls the API and checks the answer against the route's doc: a documented status, and a body of its schema. */
  async function checked(method: string, path: string, options: { key?: string | null; body?: unknown } = {}): Promise<Call> {
    const route = routeFor(method, path.split("?")[0]!);
    expect(route, `${method} ${path} is documented`).toBeDefined();
    const doc = route!.doc!;
    const r = await call(method, path, options);
    const where = `${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
    const answer = doc.responses[r.status as 200];
    if (answer) {
      expect(answer.json, where).toBeDefined();
      const parsed = answer.json!.safeParse(r.body);
      expect(parsed.success ? [] : parsed.error.issues, where).toEqual([]);
    } else {
      const envelope = ErrorEnvelope.safeParse(r.body);
      expect(envelope.success, where).toBe(true);
      const code = envelope.data!.error.code;
      expect(errorCodesOf(doc, route!.path), `${where}: ${code} is documented`).toContain(code);
      expect(statusOf(code), where).toBe(r.status);
    }
    seen.add(`${route!.method} ${route!.path} ${r.status}`);
    return r;
  }

  it("through an event's life: every answer has a documented status and the documented shape", async () => {
    const e = "/v1/events/oapi";
    expect((await checked("GET", "/health", { key: null })).status).toBe(200);
    expect((await checked("POST", "/v1/events", { body: { id: "oapi", name: "OpenAPI sale" } })).status).toBe(201);
    expect((await checked("POST", "/v1/events", { body: { id: "oapi", name: "OpenAPI sale" } })).status).toBe(200);
    expect((await checked("POST", "/v1/events", { body: { id: "oapi", name: "Another" } })).status).toBe(409);
    expect((await checked("GET", `${e}/rates`)).status).toBe(404);
    expect((await checked("PUT", `${e}/rates`, { body: { base: 6000, volunteerBonus: 1000, superBonus: 1500 } })).status).toBe(200);
    await checked("GET", `${e}/rates`);
    await checked("PUT", `${e}/fees`, { body: { consignorFee: 500 } });
    await checked("GET", `${e}/fees`);
    await checked("PUT", `${e}/item-rules`, { body: { maxItemsPerConsignor: 10, minPrice: 100, priceStep: 50 } });
    expect((await checked("PUT", `${e}/consignors/c1`, { body: { name: "Ada", tier: "volunteer" } })).status).toBe(201);
    expect((await checked("PUT", `${e}/consignors/c2`, { body: { name: "Bo", tier: "standard", fee: 0 } })).status).toBe(201);
    expect((await checked("PUT", `${e}/consignors/c2`, { body: { name: "Bo", tier: "super" } })).status).toBe(200);
    await checked("GET", `${e}/consignors/c1`);
    const register = (await checked("POST", `${e}/api-keys`, { body: { role: "register", label: "front" } })).body.key as string;
    const consignor = (await checked("POST", `${e}/api-keys`, { body: { role: "consignor", consignorId: "c1", label: "Ada" } })).body.key as string;
    const spare = await checked("POST", `${e}/api-keys`, { body: { role: "register", label: "spare" } });
    await checked("GET", `${e}/api-keys`);
    expect((await checked("DELETE", `${e}/api-keys/${spare.body.id}`)).body.revokedAt).toEqual(expect.any(Number));
    await checked("GET", `/v1/events/oapi`, { key: register });

    await checked("PUT", `${e}/items`, { body: { items: [item("T1", "c1", 1000), item("T2", "c2", 2500), item("T3", "c1", 700), item("T4", "c2", 300)] } });
    const own = await checked("PUT", `${e}/items`, { key: consignor, body: { items: [{ consignorId: "c1", title: "Boots", category: "shoes", size: "9", price: 1250 }] } });
    expect(own.body.ids).toEqual(["c1-1"]);
    expect((await checked("PUT", `${e}/items`, { key: consignor, body: { items: [{ consignorId: "c1", title: "Hat", category: "hats", size: "S", price: 1234 }] } })).status).toBe(422);
    await checked("GET", `${e}/items?limit=2`);
    await checked("GET", `${e}/items?since=0`, { key: consignor });
    await checked("GET", `${e}/items/T1`);
    expect((await checked("PATCH", `${e}/items/T1`, { body: { version: 1, title: "Rain boots" } })).body.version).toBe(2);
    expect((await checked("PATCH", `${e}/items/T1`, { body: { version: 1, title: "Again" } })).status).toBe(409);
    await checked("DELETE", `${e}/items/c1-1?version=1`, { key: consignor });
    expect((await checked("GET", `${e}/items/c1-1`)).status).toBe(404);
    expect((await checked("GET", `${e}/items?limit=0`)).status).toBe(400);

    const session = `${e}/sessions/s1`;
    const window = { startTime: Date.UTC(2026, 2, 1), endTime: Date.UTC(2026, 2, 2) };
    expect((await checked("POST", `${e}/sessions`, { body: { id: "s1", name: "Presale", ...window } })).status).toBe(201);
    expect((await checked("POST", `${e}/sessions`, { body: { id: "s2", name: "Half price", ...window, discount: 5000 } })).status).toBe(201);
    expect((await checked("POST", `${session}/transactions`, { key: register, body: { id: txId(), registerId: "r1", shopperCode: "S-1", items: ["T1"] } })).status).toBe(409);
    expect((await checked("POST", `${session}/start`)).body.status).toBe("active");
    expect((await checked("POST", `${e}/sessions/s2/start`)).status).toBe(409);
    await checked("GET", session, { key: register });
    expect((await checked("POST", `${session}/holds`, { key: register, body: { id: "h1", registerId: "r1", items: ["T3"] } })).status).toBe(201);
    expect((await checked("DELETE", `${session}/holds/h1`, { key: register })).body.status).toBe("released");
    const sale = { id: txId(), registerId: "r1", shopperCode: "S-1", items: ["T1", "T2"] };
    expect((await checked("POST", `${session}/transactions`, { key: register, body: sale })).status).toBe(201);
    const replay = await checked("POST", `${session}/transactions`, { key: register, body: sale });
    expect({ status: replay.status, replayed: replay.headers.get("Idempotent-Replayed") }).toEqual({ status: 200, replayed: "true" });
    expect((await checked("POST", `${session}/transactions`, { key: register, body: { ...sale, items: ["T3"] } })).status).toBe(422);
    expect((await checked("POST", `${session}/transactions`, { key: register, body: { ...sale, id: txId() } })).status).toBe(409);
    const upload = await checked("POST", `${session}/transactions/batch`, {
      key: register,
      body: { transactions: [{ id: txId(), registerId: "r1", shopperCode: "S-2", items: ["T3"] }, { ...sale, id: txId() }] },
    });
    expect(upload.body.results.map((r: Json) => r.status)).toEqual([201, 409]);
    await checked("GET", `${session}/transactions/${sale.id}`, { key: register });
    expect((await checked("POST", `${session}/transactions/${sale.id}/void`, { key: register, body: { reason: "changed mind" } })).body.status).toBe("voided");
    expect((await checked("POST", `${session}/transactions/${sale.id}/void`, { key: register, body: { reason: "again" } })).headers.get("Idempotent-Replayed")).toBe("true");
    expect((await checked("POST", `${session}/cancel`)).status).toBe(409);
    expect((await checked("POST", `${session}/complete`)).body.status).toBe("completed");

    await checked("GET", `${e}/commissions`);
    await checked("GET", `${e}/commissions/calculations?limit=5`);
    await checked("GET", `${e}/commissions/calculations/${sale.id}`);
    expect((await checked("POST", `${e}/commissions/calculations/${txId()}/retry`)).status).toBe(404);
    await checked("POST", `${e}/commissions/reconcile?settleSeconds=0`);
    await checked("GET", `${e}/consignors/c1/statement`, { key: consignor });
    await checked("GET", `${e}/reports/summary`);
    await checked("GET", `${e}/reports/unsold`);
    await checked("GET", `${e}/consignors/c1/unsold`, { key: consignor });
    await checked("GET", `${e}/shopify`);
    await checked("GET", `${e}/shopify/conflicts`);
    expect((await checked("GET", `/v1/archive/manifests/oapi/s1`)).status).toBe(404);
    expect((await checked("POST", `${e}/sessions/s2/cancel`)).body.status).toBe("cancelled");
    expect((await checked("POST", `${e}/close`)).body).toMatchObject({ closedAt: expect.any(Number) });
    expect((await checked("PUT", `${e}/items`, { body: { items: [item("T9", "c1", 1000)] } })).status).toBe(409);

    // Errors every route shares.
    expectError(await checked("GET", `${e}/commissions`, { key: null }), 401, "UNAUTHENTICATED");
    expectError(await checked("GET", `${e}/commissions`, { key: register }), 403, "FORBIDDEN");
    expectError(await checked("PUT", `${e}/rates`, { body: { base: 9000, volunteerBonus: 2000, superBonus: 0 } }), 400, "VALIDATION_FAILED");
    expectError(await checked("GET", `/v1/events/bad%20id`), 400, "VALIDATION_FAILED");

    // Non-JSON answers carry the documented media type.
    for (const path of [`${e}/reports/payouts.csv`, `${e}/reports/unsold.csv`, `${e}/consignors/c1/unsold.csv`, `${e}/consignors/c1/tags.pdf?items=T1`]) {
      const route = routeFor("GET", path.split("?")[0]!)!;
      const r = await exports.default.fetch(new Request(`${BASE}${path}`, { headers: { Authorization: `Bearer ${ADMIN}` } }));
      expect(r.status, path).toBe(200);
      expect(r.headers.get("Content-Type"), path).toContain(route.doc!.responses[200]!.media!);
      await r.arrayBuffer();
      seen.add(`GET ${route.path} 200`);
    }
    // A good share of the API was exercised.
    expect(new Set([...seen].map((s) => s.split(" ").slice(0, 2).join(" "))).size).toBeGreaterThanOrEqual(40);
  });
});
