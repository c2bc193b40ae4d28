// The emulator's HTTP server: the Admin GraphQL endpoint, the staged upload targets and bulk results
// it hands out, and the control API.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleAdminApi } from "./admin-api.ts";
import type { EmulatorOptions } from "./config.ts";
import { handleControl } from "./control.ts";
import { Emulator } from "./emulator.ts";
import { isLoopback, readBody, send, TooLarge } from "./http.ts";

export interface RunningEmulator {
  emulator: Emulator;
  origin: string;
  port: number;
  close(): Promise<void>;
}

const API_PATH = /^\/admin\/api\/([^/]+)\/graphql\.json$/;
const MAX_API_BODY = 10 * 1024 * 1024;
const MAX_UPLOAD = 100 * 1024 * 1024; // bulk mutation files: "up to 100MB" since 2026-01

async function route(emu: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", emu.origin);
  const api = API_PATH.exec(url.pathname);
  if (api) {
    if (api[1] !== emu.options.apiVersion) return send(res, 404, { errors: "Not Found" });
    if (req.method !== "POST") return send(res, 405, { errors: "Method Not Allowed" });
    const raw = (await readBody(req, MAX_API_BODY)).toString("utf8");
    const token = req.headers["x-shopify-access-token"];
    const answer = handleAdminApi(emu, raw, String(req.headers["content-type"] ?? "application/json"), Array.isArray(token) ? token[0] : token);
    if (answer.drop) {
      req.socket.destroy();
      return;
    }
    return send(res, answer.status, answer.body);
  }
  if (!url.pathname.startsWith("/_emulator/")) return send(res, 404, { errors: "Not Found" });
  if (!isLoopback(req)) return send(res, 403, { error: "the control API answers loopback clients only" });

  if (url.pathname === "/_emulator/staged-uploads" && req.method === "POST") {
    const body = await readBody(req, MAX_UPLOAD);
    const form = await new Response(body, { headers: { "content-type": String(req.headers["content-type"] ?? "") } }).formData().catch(() => null);
    if (!form) return send(res, 400, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidArgument</Code><Message>Expected multipart/form-data.</Message></Error>", "application/xml");
    const answer = await emu.uploads.receiveForm(form, emu.origin);
    return send(res, answer.status, answer.body, answer.contentType);
  }
  if (url.pathname.startsWith("/_emulator/staged-uploads/") && req.method === "PUT") {
    const body = await readBody(req, MAX_UPLOAD);
    const answer = emu.uploads.receivePut(decodeURIComponent(url.pathname.slice("/_emulator/staged-uploads/".length)), url.searchParams.get("X-Goog-Signature"), body);
    return send(res, answer.status, answer.body, answer.contentType);
  }
  const bulk = /^\/_emulator\/bulk\/(\d+)\.jsonl$/.exec(url.pathname);
  if (bulk && req.method === "GET") {
    const text = emu.bulk.result(Number(bulk[1]));
    return text === undefined ? send(res, 404, { error: "no such bulk operation result" }) : send(res, 200, text, "application/jsonl; charset=utf-8");
  }
  return handleControl(emu, req, res, url);
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const emulator = new Emulator(options);
  const server = createServer((req, res) => {
    route(emulator, req, res).catch((error: unknown) => {
      if (error instanceof TooLarge) return send(res, 413, { errors: "Request Entity Too Large" });
      options.log(`emulator error on ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) send(res, 500, { errors: "Internal Server Error" });
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  emulator.origin = `http://${host}:${port}`;
  return {
    emulator,
    origin: emulator.origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        emulator.webhooks.reset();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
