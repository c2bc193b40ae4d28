// `POST /admin/api/{version}/graphql.json`: token check, parse, validation against the Admin schema,
// cost and leaky bucket, execution, and the answer with `extensions.cost` — with Shopify's shapes:
// validation errors and THROTTLED come back as HTTP 200 with `errors` in the body; a bad token is 401.
import {
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
} from "graphql";
import { queryCost } from "./cost.ts";
import type { Emulator } from "./emulator.ts";

export interface ApiAnswer {
  status: number;
  body?: unknown;
  /** Close the connection without answering (a `fail` knob with status "drop"). */
  drop?: boolean;
}

const RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits";
export const INVALID_TOKEN = { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" };

/** graphql-js words an unknown field differently from Shopify (graphql-ruby); the common one is mapped. */
function shopifyStyle(error: GraphQLError): object {
  const json = error.toJSON() as { message: string; extensions?: Record<string, unknown> };
  const m = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(error.message);
  if (m) return { ...json, message: `Field '${m[1]}' doesn't exist on type '${m[2]}'`, extensions: { code: "undefinedField", typeName: m[2], fieldName: m[1] } };
  return json;
}

interface Request {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

function readRequest(raw: string, contentType: string): Request | null {
  if (contentType.includes("application/graphql")) return { query: raw };
  try {
    const body = JSON.parse(raw) as unknown;
    return body && typeof body === "object" ? (body as Request) : null;
  } catch {
    return null;
  }
}

export function handleAdminApi(emu: Emulator, raw: string, contentType: string, token: string | undefined): ApiAnswer {
  const log = (outcome: string, extra: Partial<Parameters<typeof emu.calls.record>[0]> = {}) =>
    emu.calls.record({ operationName: null, type: null, rootFields: [], requestedCost: null, actualCost: null, outcome, body: raw, ...extra });

  if (!token || token !== emu.options.token || emu.uninstalled) {
    log("unauthorized");
    return { status: 401, body: INVALID_TOKEN };
  }
  const failure = emu.faults.takeFailure(raw);
  const failed = (): ApiAnswer => (failure!.status === "drop" ? { status: 0, drop: true } : { status: failure!.status as number, body: { errors: "Internal Server Error" } });
  if (failure?.when === "before") {
    log("fault");
    return failed();
  }

  const request = readRequest(raw, contentType);
  if (!request || typeof request.query !== "string" || !request.query.trim()) {
    log("invalid");
    return { status: 400, body: { errors: { query: "Required parameter missing or invalid" } } };
  }
  const variables = request.variables && typeof request.variables === "object" ? (request.variables as Record<string, unknown>) : {};
  const operationName = typeof request.operationName === "string" ? request.operationName : null;

  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    log("invalid");
    return { status: 200, body: { errors: [(error as GraphQLError).toJSON()] } };
  }
  const problems = validate(emu.schema, document);
  if (problems.length) {
    log("invalid");
    return { status: 200, body: { errors: problems.map(shopifyStyle) } };
  }
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation === "subscription") {
    log("invalid");
    const message = operation ? "Subscriptions are not supported" : operationName ? `No operation named "${operationName}"` : "An operation name is required";
    return { status: 200, body: { errors: [{ message }] } };
  }
  const rootFields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
  const meta = { operationName: operation.name?.value ?? operationName, type: operation.operation, rootFields };

  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d as FragmentDefinitionNode] as const] : [])));
  const cost = queryCost(emu.schema, operation, fragments, variables);
  const bucket = emu.faults.bucketFor(raw) ?? emu.bucket;
  if (cost.requested > emu.options.maxQueryCost) {
    log("max_cost_exceeded", { ...meta, requestedCost: cost.requested });
    const message =
      `Query cost is ${cost.requested}, which exceeds the single query max cost limit (${emu.options.maxQueryCost}).\n\n` +
      `See ${RATE_LIMITS_DOC} for more information on how the cost of a query is calculated.\n\n` +
      "To query larger amounts of data with fewer limits, bulk operations should be used instead.";
    return { status: 200, body: { errors: [{ message, extensions: { code: "MAX_COST_EXCEEDED", cost: cost.requested, maxCost: emu.options.maxQueryCost, documentation: RATE_LIMITS_DOC } }] } };
  }
  if (!bucket.take(cost.requested)) {
    log("throttled", { ...meta, requestedCost: cost.requested });
    return {
      status: 200,
      body: {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: RATE_LIMITS_DOC } }],
        extensions: { cost: { requestedQueryCost: cost.requested, actualQueryCost: null, throttleStatus: bucket.status() } },
      },
    };
  }

  const result = emu.execute(document, variables, false, operationName);
  // Nothing ran when the variables were refused (no `data` at all); a failed root field still ran (`data: null`).
  const actual = result.data === undefined ? 0 : result.data === null ? cost.requested : cost.actual(result.data);
  bucket.refund(Math.max(0, cost.requested - actual));
  log(result.errors?.length ? "error" : "ok", { ...meta, requestedCost: cost.requested, actualCost: actual });
  if (failure?.when === "after") return failed();
  const body: Record<string, unknown> = {};
  if (result.errors?.length) body.errors = result.errors.map((e) => e.toJSON());
  if (result.data !== undefined) body.data = result.data;
  body.extensions = { cost: { requestedQueryCost: cost.requested, actualQueryCost: actual, throttleStatus: bucket.status() } };
  return { status: 200, body };
}
