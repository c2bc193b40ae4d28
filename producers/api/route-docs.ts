import type { Handler } from "hono";
import type { z } from "zod";
import type { ErrorCode } from "../../lib/errors";
import { Id, TransactionId, type Role } from "../../schemas/common";
import type { AppEnv } from "./context";

/*
 * The API's reference lives next to each handler: `documented(doc, handler)` records what the route
 * takes and answers — with the same zod objects the handler validates with — and returns the handler
 * unchanged (nothing runs per request). The method and the path are not repeated: the OpenAPI
 * document (openapi.ts) takes them from Hono's own list of routes (`app.routes`) and finds each
 * route's doc by its handler.
 */

export type Tag = "Service" | "Events" | "Consignors" | "Items" | "Sessions" | "Sales" | "Commissions" | "Reports" | "Tags" | "Shopify" | "Archive";

/** The media types the API answers with besides JSON. */
export type Media = "application/pdf" | "text/csv" | "text/html" | "text/javascript" | "text/css";

export interface ResponseDoc {
  description: string;
  /** A JSON body. */
  json?: z.ZodType;
  /** A body of another media type. */
  media?: Media;
  /** Headers of this answer: name → description. */
  headers?: Record<string, string>;
}

export type SuccessStatus = 200 | 201 | 202;

export interface RouteDoc {
  /** The operation's name in generated clients. */
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  /**
   * Who may call: the roles the handler passes to `authorize` (a test reads them back from the
   * handler), no key at all (`public`), or Shopify's signature (`shopify-hmac`).
   */
  access: readonly Role[] | "public" | "shopify-hmac";
  /** Path parameters whose schema is not the usual one for their name (PATH_PARAMS). */
  params?: Record<string, z.ZodType>;
  /** The query, as the handler validates it (a zod object). */
  query?: z.ZodObject;
  /** The JSON body, as the handler validates it. */
  body?: z.ZodType;
  /** The body may be left out (then it is taken as `{}`). */
  bodyOptional?: boolean;
  /** Request headers besides Authorization and X-Request-Id. */
  headers?: Record<string, { description: string; required: boolean }>;
  responses: Partial<Record<SuccessStatus, ResponseDoc>>;
  /** Error codes the route raises itself, besides those every route of its kind can (see openapi.ts). */
  errors?: readonly ErrorCode[];
  /** What an error code means on this route, where it means more than in general. */
  errorNotes?: Partial<Record<ErrorCode, string>>;
}

/** The schema of a path parameter, by its name, unless a route says otherwise (`params`). */
export const PATH_PARAMS: Record<string, z.ZodType> = {
  eventId: Id,
  sessionId: Id,
  consignorId: Id,
  itemId: Id,
  holdId: Id,
  keyId: Id,
  txId: TransactionId,
};

const docs = new WeakMap<object, RouteDoc>();

/** Records `doc` as the reference of the route `handler` serves; returns the handler itself. */
export function documented(doc: RouteDoc, handler: Handler<AppEnv>): Handler<AppEnv> {
  docs.set(handler, doc);
  return handler;
}

/** The doc of a handler as Hono lists it (a sub-app's handler may come wrapped, naming the original). */
export function docOf(handler: unknown): RouteDoc | undefined {
  if (typeof handler !== "function") return undefined;
  const original = (handler as { __COMPOSED_HANDLER?: unknown }).__COMPOSED_HANDLER;
  return docs.get(handler) ?? (typeof original === "function" ? docs.get(original) : undefined);
}

// ---------------------------------------------------------------- common answers

export const json = (schema: z.ZodType, description: string): ResponseDoc => ({ description, json: schema });

const REPLAYED = "`true`: this repeats an earlier identical request; nothing changed.";

/** A write answered by `written()` (context.ts): 201 the first time, 200 for the same request again. */
export const replayable = (schema: z.ZodType, what: string): Partial<Record<SuccessStatus, ResponseDoc>> => ({
  201: { description: what, json: schema },
  200: { description: "The same request again: the stored answer, with `Idempotent-Replayed: true`.", json: schema, headers: { "Idempotent-Replayed": REPLAYED } },
});

export const replayedHeader = { "Idempotent-Replayed": REPLAYED };
