// The control API for tests and people, under /_emulator/ (loopback only, no token):
//   POST   /_emulator/reset                 empty shop, full bucket, no faults, keys, calls or deliveries
//   GET    /_emulator/state[?match=]        products (variants, levels), orders, subscriptions
//   GET    /_emulator/calls[?match=&since=&limit=]   Admin API calls: counts and costs by operation and root field
//   DELETE /_emulator/calls                 forget the calls
//   POST   /_emulator/faults                add knobs: {throttle?, fail?, webhooks?} (each may carry `match`)
//   GET    /_emulator/faults                the knobs in force
//   DELETE /_emulator/faults[?id=&match=]   remove knobs (all without a filter)
//   GET    /_emulator/webhooks[?topic=&match=&since=&status=&limit=]   recorded deliveries (headers, raw body, attempts)
//   POST   /_emulator/uninstall             fire app/uninstalled; the token stops working until reset
//   POST   /_emulator/sign                  {"hmac"}: X-Shopify-Hmac-Sha256 of the raw request body, to hand-make deliveries
//   POST   /_emulator/sink[/…][?status=&delayMs=]   a webhook receiver that answers `status` (200)
//   POST   /_emulator/validate              {"query"} → {"errors", "requiresIdempotent"}: the document checked against the
//                                            Admin schema (no execution), and the mutations Shopify requires @idempotent on
//   GET    /_emulator/health
// Staged uploads and bulk results are served under /_emulator/staged-uploads and /_emulator/bulk.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Emulator } from "./emulator.ts";
import { FaultError } from "./faults.ts";
import { readBody, send } from "./http.ts";
import { gid } from "./ids.ts";
import { sign } from "./webhooks.ts";
import { parse, validate } from "graphql";
import { adminSchema, mutationsRequiringIdempotency } from "./schema.ts";

function numberParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  return value === null ? undefined : Number(value);
}

export async function handleControl(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
  if (url.pathname.startsWith("/_emulator/sink")) {
    await readBody(req, 10 * 1024 * 1024);
    const delayMs = numberParam(url, "delayMs") ?? 0;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (!res.destroyed) send(res, numberParam(url, "status") ?? 200, { ok: true });
    return;
  }
  switch (route) {
    case "GET /_emulator/health":
      return send(res, 200, { ok: true, apiVersion: emu.options.apiVersion, shop: emu.options.shopDomain });
    case "POST /_emulator/reset":
      emu.reset();
      return send(res, 200, { ok: true });
    case "GET /_emulator/state":
      return send(res, 200, {
        ...(emu.shop.snapshot(url.searchParams.get("match") ?? undefined) as object),
        throttleStatus: emu.bucket.status(),
        idempotencyKeys: emu.keys.size,
        uninstalled: emu.uninstalled,
        bulkOperations: [...emu.bulk.ops.values()].map((op) => ({ id: gid("BulkOperation", op.id), type: op.type, status: op.status, objectCount: op.objectCount })),
      });
    case "GET /_emulator/calls":
      return send(res, 200, emu.calls.summary({ match: url.searchParams.get("match") ?? undefined, since: numberParam(url, "since"), limit: numberParam(url, "limit") }));
    case "DELETE /_emulator/calls":
      emu.calls.clear();
      return send(res, 200, { ok: true });
    case "GET /_emulator/faults":
      return send(res, 200, { faults: emu.faults.list() });
    case "POST /_emulator/faults": {
      try {
        const body = JSON.parse((await readBody(req, 1024 * 1024)).toString("utf8") || "{}") as Record<string, unknown>;
        const added = emu.faults.add(body);
        return send(res, 200, { faults: added.map((f) => ({ id: f.id, kind: f.kind, match: f.match })) });
      } catch (error) {
        if (error instanceof FaultError || error instanceof SyntaxError) return send(res, 400, { error: error.message });
        throw error;
      }
    }
    case "DELETE /_emulator/faults": {
      const removed = emu.faults.clear({ id: numberParam(url, "id"), match: url.searchParams.get("match") ?? undefined });
      return send(res, 200, { removed });
    }
    case "GET /_emulator/webhooks":
      return send(res, 200, {
        deliveries: emu.webhooks.list({
          topic: url.searchParams.get("topic") ?? undefined,
          match: url.searchParams.get("match") ?? undefined,
          since: numberParam(url, "since"),
          status: url.searchParams.get("status") ?? undefined,
          limit: numberParam(url, "limit"),
        }),
      });
    case "POST /_emulator/validate": {
      const { query } = JSON.parse((await readBody(req, 1024 * 1024)).toString("utf8") || "{}") as { query?: string };
      const schema = adminSchema();
      let errors: string[];
      try {
        errors = validate(schema, parse(String(query ?? ""))).map((e) => e.message);
      } catch (error) {
        errors = [error instanceof Error ? error.message : String(error)];
      }
      return send(res, 200, { errors, requiresIdempotent: [...mutationsRequiringIdempotency(schema)].sort() });
    }
    case "POST /_emulator/sign":
      return send(res, 200, { hmac: sign(emu.options.webhookSecret, await readBody(req, 10 * 1024 * 1024)) });
    case "POST /_emulator/uninstall":
      emu.webhooks.emit("app/uninstalled", { id: emu.shop.id, name: emu.options.shopName, domain: emu.options.shopDomain, myshopify_domain: emu.options.shopDomain });
      emu.uninstalled = true;
      // Shopify removes an app's webhook subscriptions when it is uninstalled (after this delivery).
      for (const s of emu.shop.subscriptions.values()) if (!s.fromConfig) emu.shop.subscriptions.delete(s.id);
      return send(res, 200, { ok: true });
    default:
      return send(res, 404, { error: `no such control endpoint: ${route}` });
  }
}
