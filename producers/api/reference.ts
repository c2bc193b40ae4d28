import type { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "./context";
import { DOCS_CSP, DOCS_CSS, DOCS_HTML, DOCS_JS } from "./docs-page";
import { buildOpenApiDocument } from "./openapi";
import { documented, json, type Media } from "./route-docs";

/** The document's shape, for its own entry in it (the full schema is OpenAPI 3.1's). */
const OpenApiDocument = z.looseObject({ openapi: z.literal("3.1.0") }).describe("An OpenAPI 3.1 document.");

/**
 * GET /openapi.json and GET /docs (with its script and style): the API's reference, without a key.
 * Registered on the app itself, so the document can list every route the app has; it is built
 * from them once per isolate, at the first request.
 */
export function referenceRoutes(app: Hono<AppEnv>) {
  let document: string | null = null;

  app.get("/openapi.json", documented({
    operationId: "getOpenApiDocument",
    tag: "Service",
    summary: "This API's OpenAPI 3.1 document",
    description: "Generated from the routes and their zod schemas: every `/v1` route with its parameters, bodies, answers and errors. For a client generator.",
    access: "public",
    responses: { 200: json(OpenApiDocument, "The document.") },
  }, (c) => {
    document ??= JSON.stringify(buildOpenApiDocument(app.routes));
    return c.body(document, 200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" });
  }));

  const asset = (operationId: string, summary: string, media: Media, body: string) =>
    documented({ operationId, tag: "Service", summary, access: "public", responses: { 200: { description: summary, media } } }, (c) =>
      c.body(body, 200, { "Content-Type": `${media}; charset=utf-8`, "Content-Security-Policy": DOCS_CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache" }),
    );

  app.get("/docs", asset("getDocs", "The interactive API reference (HTML; its script and style are served here too, no CDN)", "text/html", DOCS_HTML));
  app.get("/docs/docs.js", asset("getDocsScript", "The reference page's script", "text/javascript", DOCS_JS));
  app.get("/docs/docs.css", asset("getDocsStyle", "The reference page's style", "text/css", DOCS_CSS));
}
