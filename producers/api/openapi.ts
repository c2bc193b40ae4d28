import { z } from "zod";
import { statusOf, type ErrorCode } from "../../lib/errors";
import * as requests from "../../schemas/api";
import { BasisPoints, EpochMs, Id, PriceCents, Tier, TransactionId } from "../../schemas/common";
import * as responses from "../../schemas/responses";
import { ShopifySettings } from "../../schemas/shopify";
import { docOf, PATH_PARAMS, type ResponseDoc, type RouteDoc, type Tag } from "./route-docs";

/*
 * The OpenAPI 3.1 document of the API (GET /openapi.json), built from the routes Hono has
 * registered and the doc each handler carries (route-docs.ts). Every schema in it is generated from
 * the zod schema the code uses (`z.toJSONSchema`, JSON Schema 2020-12: OpenAPI 3.1's dialect), so
 * the document cannot say something the validation does not.
 */

type Json = Record<string, unknown>;

/** A route as Hono lists it (`app.routes`). */
export interface RegisteredRoute {
  method: string;
  path: string;
  handler: unknown;
}

/** Hono's `/a/:b` as OpenAPI's `/a/{b}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

/** The routes that answer requests (not middleware), one per method and path, with their docs. */
export function routesOf(registered: readonly RegisteredRoute[]): { method: string; path: string; doc: RouteDoc | undefined }[] {
  const byKey = new Map<string, { method: string; path: string; doc: RouteDoc | undefined }>();
  for (const r of registered) {
    if (r.method === "ALL") continue;
    const key = `${r.method} ${r.path}`;
    const entry = byKey.get(key) ?? { method: r.method, path: r.path, doc: undefined };
    entry.doc ??= docOf(r.handler);
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

const TAGS: { name: Tag; description: string }[] = [
  { name: "Service", description: "Health and this reference." },
  { name: "Events", description: "An event (one seasonal sale): its rates, fees, item rules, keys and close." },
  { name: "Consignors", description: "Consignors: tier and fee, statements, what did not sell." },
  { name: "Items", description: "Items (tags): bulk import, consignors' own entry, edits, lists." },
  { name: "Sessions", description: "Sale sessions: created, started, completed or cancelled; one runs at a time." },
  { name: "Sales", description: "What registers do: holds, checkouts (idempotent by transaction id), offline uploads, voids." },
  { name: "Commissions", description: "The ledger: calculations, retries, the reconciler, per-consignor totals." },
  { name: "Reports", description: "Summaries and CSV exports for the organizer." },
  { name: "Tags", description: "Printable tags and labels (PDF)." },
  { name: "Shopify", description: "The online channel: settings, status, reconcile, conflicts, Shopify's webhooks." },
  { name: "Archive", description: "The nightly archive to D1 and R2." },
];

/** What each error code means; a route may say more (`errorNotes`). */
const ERROR_MEANING: Record<ErrorCode, string> = {
  VALIDATION_FAILED: "A path id, the query or the body is not valid, or the body is not JSON; `details.issues` lists each problem (`path`, `message`).",
  UNAUTHENTICATED: "No `Authorization: Bearer <key>`, or an unknown or revoked key. The answer carries `WWW-Authenticate: Bearer`.",
  FORBIDDEN: "The key's role may not call this route, or the key belongs to another event or consignor.",
  NOT_FOUND: "The event, or what the path names, does not exist.",
  ITEM_UNAVAILABLE: "An item cannot be taken: `details.items` lists them and `details.reasons` says why each (`sold`, `sold_online`, `held`, `unknown`).",
  SESSION_NOT_ACTIVE: "The session is not active (`details.status`).",
  INVALID_TRANSITION: "It cannot go from its state to the one asked (`details.from`, `details.to`, and sometimes `details.reason`).",
  VERSION_CONFLICT: "The item is at another version (`details.currentVersion`).",
  ITEM_LOCKED: "An item is no longer modifiable (`details.items`).",
  SESSION_HAS_SALES: "The session has unvoided transactions (`details.transactions`): void them first.",
  ALREADY_EXISTS: "It exists already, with other details.",
  SHOPIFY_NOT_CONFIGURED: "This deployment has no Shopify configuration (SHOPIFY_ADMIN_ORIGIN, SHOPIFY_ADMIN_TOKEN).",
  EVENT_CLOSED: "The event is closed (`details.closedAt`): no session starts and no item changes.",
  ITEM_RULE_VIOLATED: "A consignor's entry breaks the organizer's item rules: `details.rule` (`maxItemsPerConsignor`, `minPrice`, `priceStep`) and `details.limit`.",
  PAYLOAD_TOO_LARGE: "The body is over the route's limit (`details.maxBytes`): 1 MiB; 8 MiB for an item import, 4 MiB for an offline upload.",
  RATE_LIMITED: "Too many requests with this key (600 per 10 s for each issued key; the admin key is not limited): wait `Retry-After` seconds.",
  IDEMPOTENCY_KEY_REUSED: "The id was used before with another cart or by another key, or by another session of the event (`details.sessionId`).",
  INTERNAL: "A bug, logged: the answer names the request (`details.requestId`).",
};

/** The error codes a route can answer with: its own, and those of every route of its kind. */
export function errorCodesOf(doc: RouteDoc, path: string): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  if (Array.isArray(doc.access)) codes.add("UNAUTHENTICATED").add("FORBIDDEN").add("RATE_LIMITED");
  if (doc.access === "shopify-hmac") codes.add("UNAUTHENTICATED");
  if (doc.body || doc.query || doc.params || /:/.test(path)) codes.add("VALIDATION_FAILED");
  if (path.startsWith("/v1/") && doc.body) codes.add("PAYLOAD_TOO_LARGE");
  for (const code of doc.errors ?? []) codes.add(code);
  codes.add("INTERNAL");
  return [...codes];
}

const API_DESCRIPTION = `The backend of consignment sale events: registers sell, consignors are paid their share.

- **Keys.** Every \`/v1\` route takes \`Authorization: Bearer <key>\`: the admin key, or a \`register\` or \`consignor\` key an admin issued for one event (\`POST /v1/events/{eventId}/api-keys\`). Each operation says which roles may call it (\`x-roles\`). Shopify's webhooks are signed instead.
- **Units.** Money is integer **cents**; rates and discounts are integer **basis points** (10000 = 100 %); times are **epoch milliseconds** (UTC).
- **Ids** (events, sessions, items, consignors, registers, holds): 1–64 characters of \`[A-Za-z0-9._-]\` starting with a letter or digit. Transaction ids are UUIDs the register chooses, once per cart: repeating the same request is always safe (200 with \`Idempotent-Replayed: true\`).
- **Errors** always have the shape \`{"error":{"code","message","details?"}}\`; each operation lists the codes it can answer with, under their status.
- Every answer carries \`X-Request-Id\` (yours, when you send a plain one of 8–128 characters).`;

/** Builds the OpenAPI 3.1 document of `registered` (Hono's `app.routes`). */
export function buildOpenApiDocument(registered: readonly RegisteredRoute[]): Json {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  const taken = new Set<string>();
  const name = (schema: z.ZodType, wanted: string): string => {
    const known = ids.get(schema);
    if (known) return known;
    let id = wanted;
    for (let n = 2; taken.has(id); n++) id = `${wanted}${n}`;
    taken.add(id);
    ids.set(schema, id);
    registry.add(schema, { id });
    return id;
  };
  // The named schemas of the code keep their names; any other gets one from its operation.
  for (const [key, value] of Object.entries({ Id, TransactionId, PriceCents, BasisPoints, EpochMs, Tier, ...requests, ...responses, ShopifySettings })) {
    if (value instanceof z.ZodType) name(value, key);
  }

  const routes = routesOf(registered).filter((r): r is { method: string; path: string; doc: RouteDoc } => r.doc !== undefined);
  const plans = routes.map(({ method, path, doc }) => {
    const opName = doc.operationId[0]!.toUpperCase() + doc.operationId.slice(1);
    const paramNames = [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    const params = Object.fromEntries(paramNames.map((p) => [p, doc.params?.[p] ?? PATH_PARAMS[p] ?? z.string()]));
    return {
      method,
      path,
      doc,
      paramsId: paramNames.length > 0 ? name(z.object(params), `__params_${doc.operationId}`) : null,
      queryId: doc.query ? name(doc.query, `__query_${doc.operationId}`) : null,
      bodyId: doc.body ? name(doc.body, `${opName}Body`) : null,
      responseIds: Object.fromEntries(
        Object.entries(doc.responses).flatMap(([status, r]) => (r.json ? [[status, name(r.json, `${opName}Response${status === "200" ? "" : status}`)]] : [])),
      ) as Record<string, string>,
    };
  });

  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ jsonSchema }) => {
      // z.number().int() says "a safe integer"; that goes without saying.
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  });
  const components: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as Json;
    components[id] = rest;
  }
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  /** A parameter object's properties as OpenAPI parameters (taken out of the components). */
  const parametersOf = (id: string | null, where: "path" | "query") => {
    if (id === null) return [];
    const object = components[id]!;
    delete components[id];
    const properties = (object.properties ?? {}) as Record<string, Json>;
    const required = new Set((object.required as string[] | undefined) ?? []);
    return Object.entries(properties).map(([param, { description, ...schema }]) => {
      // A $ref's description is the referenced schema's.
      const text = description ?? (typeof schema.$ref === "string" ? components[schema.$ref.split("/").pop()!]?.description : undefined);
      return { name: param, in: where, required: where === "path" || required.has(param), ...(typeof text === "string" ? { description: text } : {}), schema };
    });
  };

  const paths: Record<string, Record<string, Json>> = {};
  const sharedErrors = new Set<ErrorCode>();
  for (const plan of plans) {
    const { doc } = plan;
    const operation: Json = {
      operationId: doc.operationId,
      tags: [doc.tag],
      summary: doc.summary,
      description: [doc.description, accessLine(doc)].filter(Boolean).join("\n\n"),
      "x-roles": Array.isArray(doc.access) ? [...doc.access] : [],
      security: doc.access === "public" ? [] : doc.access === "shopify-hmac" ? [{ shopifyHmac: [] }] : [{ bearer: [] }],
      parameters: [
        ...parametersOf(plan.paramsId, "path"),
        ...parametersOf(plan.queryId, "query"),
        ...Object.entries(doc.headers ?? {}).map(([header, h]) => ({ name: header, in: "header", required: h.required, description: h.description, schema: { type: "string" } })),
        { $ref: "#/components/parameters/RequestId" },
      ],
    };
    if (plan.bodyId) {
      operation.requestBody = {
        required: !doc.bodyOptional,
        ...(doc.bodyOptional ? { description: "May be left out: then it is taken as `{}`." } : {}),
        content: { "application/json": { schema: ref(plan.bodyId) } },
      };
    }
    const answers: Record<string, Json> = {};
    for (const [status, r] of Object.entries(doc.responses) as [string, ResponseDoc][]) {
      answers[status] = successResponse(r, plan.responseIds[status] ? ref(plan.responseIds[status]) : null);
    }
    for (const [status, codes] of groupByStatus(errorCodesOf(doc, plan.path))) {
      // A status of one code that means here what it means everywhere is the shared answer of that code.
      const [only] = codes;
      const shared = codes.length === 1 && !doc.errorNotes?.[only!] && !(status === 401 && doc.access === "shopify-hmac");
      if (shared) sharedErrors.add(only!);
      answers[String(status)] = shared ? { $ref: `#/components/responses/${only}` } : errorResponse(status, codes, doc);
    }
    operation.responses = answers;
    const pathItem = (paths[openApiPath(plan.path)] ??= {});
    pathItem[plan.method.toLowerCase()] = operation;
  }

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: { title: "Consignment sale API", version: "1", description: API_DESCRIPTION },
    tags: TAGS,
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "`Authorization: Bearer <key>`: the admin key (the ADMIN_API_KEY secret), or a register or consignor key issued by an admin for one event. Keys are stored as SHA-256 only; a revoked key stops working within 30 s everywhere.",
        },
        shopifyHmac: {
          type: "apiKey",
          in: "header",
          name: "X-Shopify-Hmac-Sha256",
          description: "Shopify's webhook signature: base64 HMAC-SHA256 of the raw body with the app's webhook secret.",
        },
      },
      responses: Object.fromEntries([...sharedErrors].sort().map((code) => [code, errorResponse(statusOf(code), [code], null)])),
      parameters: {
        RequestId: {
          name: "X-Request-Id",
          in: "header",
          required: false,
          description: "Your id for the request (8–128 plain characters), echoed in the answer and the logs; a UUID otherwise.",
          schema: { type: "string", minLength: 8, maxLength: 128 },
        },
      },
      headers: {
        RequestId: { description: "The request's id (yours, or a UUID): in the logs, and in a 500's body.", schema: { type: "string" } },
      },
    },
  };
}

function accessLine(doc: RouteDoc): string {
  if (doc.access === "public") return "**Who:** anyone, no key.";
  if (doc.access === "shopify-hmac") return "**Who:** Shopify, signed with the app's webhook secret (no bearer key).";
  return `**Who:** ${doc.access.join(", ")} key.`;
}

function groupByStatus(codes: readonly ErrorCode[]): [number, ErrorCode[]][] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return [...byStatus.entries()].sort(([a], [b]) => a - b);
}

const REQUEST_ID_HEADER = { "X-Request-Id": { $ref: "#/components/headers/RequestId" } };

function successResponse(r: ResponseDoc, schema: Json | null): Json {
  const headers: Json = { ...REQUEST_ID_HEADER };
  for (const [header, description] of Object.entries(r.headers ?? {})) headers[header] = { description, schema: { type: "string" } };
  const content: Json = {};
  if (schema) content["application/json"] = { schema };
  if (r.media) content[r.media] = { schema: r.media === "application/pdf" ? { type: "string", contentMediaType: "application/pdf" } : { type: "string" } };
  return { description: r.description, headers, ...(Object.keys(content).length > 0 ? { content } : {}) };
}

/** The answer of error `codes` (all of one status); `doc` null: the shared answer, as the codes mean in general. */
function errorResponse(status: number, codes: ErrorCode[], doc: RouteDoc | null): Json {
  const headers: Json = { ...REQUEST_ID_HEADER };
  if (status === 401 && doc?.access !== "shopify-hmac") headers["WWW-Authenticate"] = { description: '`Bearer realm="consignment"`', schema: { type: "string" } };
  if (status === 429) headers["Retry-After"] = { description: "Seconds to wait before trying again.", schema: { type: "integer" } };
  return {
    description: codes.map((code) => `\`${code}\`: ${doc?.errorNotes?.[code] ?? ERROR_MEANING[code]}`).join("\n\n"),
    headers,
    content: {
      "application/json": {
        schema: { $ref: "#/components/schemas/ErrorEnvelope", properties: { error: { properties: { code: { enum: codes } } } } },
        examples: Object.fromEntries(codes.map((code) => [code, { summary: code, value: { error: { code, message: doc?.errorNotes?.[code] ?? ERROR_MEANING[code] } } }])),
      },
    },
  };
}
