import { exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { gunzipText } from "../lib/gzip";

export const ADMIN = "test-admin-key";
export const BASE = "http://pos.test";

export interface Call {
  status: number;
  body: any;
  headers: Headers;
}

/** One HTTP call through the worker's own fetch handler, as a POS client would make it. */
export async function call(method: string, path: string, options: { key?: string | null; body?: unknown; raw?: string } = {}): Promise<Call> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? ADMIN : options.key;
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

/** Asserts a call failed with the error envelope and the given status and code. */
export function expectError(result: Call, status: number, code: string) {
  expect({ status: result.status, code: result.body?.error?.code }).toEqual({ status, code });
  expect(typeof result.body.error.message).toBe("string");
}

export interface ItemSpec {
  id: string;
  consignorId: string;
  price: number;
}

export const item = (id: string, consignorId: string, price: number): { id: string; consignorId: string; title: string; category: string; size: string; price: number; discountAllowed?: boolean; donate?: boolean } => ({
  id,
  consignorId,
  title: `Item ${id}`,
  category: "clothing",
  size: "4T",
  price,
});

/**
 * An event with rates 60/70/75 %, consignors c1 (standard), c2 (volunteer), c3 (super), the given
 * items, and a register key. Returns the register key.
 */
export async function seedEvent(eventId: string, items: ReturnType<typeof item>[]): Promise<{ registerKey: string }> {
  expect((await call("POST", "/v1/events", { body: { id: eventId, name: `Sale ${eventId}` } })).status).toBe(201);
  expect((await call("PUT", `/v1/events/${eventId}/rates`, { body: { base: 6000, volunteerBonus: 1000, superBonus: 1500 } })).status).toBe(200);
  for (const [id, tier] of [["c1", "standard"], ["c2", "volunteer"], ["c3", "super"]] as const) {
    expect((await call("PUT", `/v1/events/${eventId}/consignors/${id}`, { body: { name: `Consignor ${id}`, tier } })).status).toBe(201);
  }
  for (let i = 0; i < items.length; i += 5000) {
    const r = await call("PUT", `/v1/events/${eventId}/items`, { body: { items: items.slice(i, i + 5000) } });
    expect(r.status).toBe(200);
  }
  const key = await call("POST", `/v1/events/${eventId}/api-keys`, { body: { role: "register", label: "register 1" } });
  expect(key.status).toBe(201);
  return { registerKey: key.body.key };
}

export async function createSession(eventId: string, sessionId: string, start = true) {
  const created = await call("POST", `/v1/events/${eventId}/sessions`, {
    body: { id: sessionId, name: `Session ${sessionId}`, startTime: Date.UTC(2026, 2, 1), endTime: Date.UTC(2026, 2, 2) },
  });
  expect(created.status).toBe(201);
  if (start) {
    const started = await call("POST", `/v1/events/${eventId}/sessions/${sessionId}/start`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
  }
}

let counter = 0;
/** A fresh transaction id (UUID shaped). */
export function txId(): string {
  counter++;
  const hex = counter.toString(16).padStart(12, "0");
  return `${crypto.randomUUID().slice(0, 24)}${hex}`;
}

export function checkout(eventId: string, sessionId: string, key: string, items: string[], extra: Record<string, unknown> = {}) {
  return call("POST", `/v1/events/${eventId}/sessions/${sessionId}/transactions`, {
    key,
    body: { id: txId(), registerId: "reg-1", shopperCode: "S-100", items, ...extra },
  });
}

/** The rows of one archived part in R2 (gzipped NDJSON), parsed. */
export async function archivedRows(bucket: R2Bucket, key: string): Promise<Record<string, unknown>[]> {
  const object = await bucket.get(key);
  if (!object) throw new Error(`R2 part ${key} is missing`);
  expect(object.httpMetadata).toMatchObject({ contentType: "application/x-ndjson", contentEncoding: "gzip" });
  const text = await gunzipText(object.body);
  return text.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** What a run of the nightly archive reports: each session copied (pruned or why not), each that failed. */
export interface ArchiveRunOutput {
  sessions: { eventId: string; sessionId: string; pruned: boolean; reason: string | null; rows: number }[];
  failed: { eventId: string; sessionId: string; error: string }[];
}

/** Runs the nightly archive now (`force`) and waits for its output. */
export async function archiveNow(): Promise<ArchiveRunOutput> {
  const started = await call("POST", "/v1/archive", { body: { force: true } });
  expect(started.status).toBe(201);
  const id = started.body.instanceId as string;
  await vi.waitFor(async () => expect((await call("GET", `/v1/archive/${id}`)).body.status).toBe("complete"), { timeout: 30_000, interval: 50 });
  return (await call("GET", `/v1/archive/${id}`)).body.output as ArchiveRunOutput;
}
