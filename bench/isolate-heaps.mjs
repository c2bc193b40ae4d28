// Each isolate's V8 heap in a local `wrangler dev`, through the runtime's inspector: the user
// worker's (the Worker with its Durable Objects and Workflows, through wrangler's inspector proxy
// on --inspector-port) and miniflare's own (the local D1, R2, Workflows engine and Queues), which
// production runs as separate services, not in the Worker's process. Used by bench/run.mjs and
// bench/archive-memory.mjs.
import { execFileSync } from "node:child_process";

/** The isolates read besides the user worker's, by their inspector target ids. */
const SIMULATORS = ["d1:db", "r2:bucket", "workflows:archive", "queues:queue"];
export const USER_WORKER = "user worker (+ its DOs)";

/**
 * workerd (the runtime process, started with --inspector-addr) serves an inspector for every
 * isolate. Its targets, found from the process group's workerd and the ports it listens on.
 */
async function inspectorTargets(pgid) {
  const ps = execFileSync("ps", ["-o", "pid=,args=", "-g", String(pgid)], { encoding: "utf8" });
  const pid = /^\s*(\d+)\s+\S*workerd serve.*--inspector-addr/m.exec(ps)?.[1];
  if (!pid) return [];
  const ss = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
  const ports = [...ss.matchAll(new RegExp(`127\\.0\\.0\\.1:(\\d+)\\s.*pid=${pid},`, "g"))].map((m) => Number(m[1]));
  for (const port of ports) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2_000) });
      const list = await res.json();
      if (Array.isArray(list)) return list.map((t) => ({ id: t.id, url: t.webSocketDebuggerUrl }));
    } catch {}
  }
  return [];
}

/** A DevTools protocol connection to one isolate. */
export class Inspector {
  /**
   * viaProxy: wrangler's inspector proxy (the only way to the user worker's isolate, which it holds)
   * wants an Origin, and answers only after its first message. timeoutMs: how long a call may take.
   */
  static async open(url, { viaProxy = false, timeoutMs = 1_500 } = {}) {
    const ws = new WebSocket(url, viaProxy ? { headers: { Origin: "http://localhost" } } : undefined);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector ${url} did not open`)), 5_000);
      if (viaProxy) ws.onmessage = () => (clearTimeout(timer), resolve());
      else ws.onopen = () => (clearTimeout(timer), resolve());
      ws.onerror = (e) => (clearTimeout(timer), reject(e));
    });
    return new Inspector(ws, timeoutMs);
  }
  constructor(ws, timeoutMs) {
    this.ws = ws;
    this.timeoutMs = timeoutMs;
    this.next = 1;
    this.waiting = new Map();
    /** Called with each event (a message without an id), e.g. a heap snapshot's chunks. */
    this.onEvent = null;
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.id === undefined) return this.onEvent?.(msg);
      const w = this.waiting.get(msg.id);
      if (w) {
        this.waiting.delete(msg.id);
        msg.error ? w.reject(new Error(JSON.stringify(msg.error))) : w.resolve(msg.result);
      }
    };
  }
  call(method, params = {}, timeoutMs = this.timeoutMs) {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      setTimeout(() => this.waiting.has(id) && (this.waiting.delete(id), reject(new Error(`${method} timed out`))), timeoutMs);
    });
  }
  close() {
    this.ws.close();
  }
}

/** Bytes of live objects in an isolate: the self sizes of a heap snapshot, which V8 takes after a full collection. */
async function snapshotBytes(inspector) {
  const chunks = [];
  inspector.onEvent = (msg) => msg.method === "HeapProfiler.addHeapSnapshotChunk" && chunks.push(msg.params.chunk);
  try {
    await inspector.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false }, 60_000);
  } finally {
    inspector.onEvent = null;
  }
  const { snapshot, nodes } = JSON.parse(chunks.join(""));
  const fields = snapshot.meta.node_fields;
  let bytes = 0;
  for (let i = fields.indexOf("self_size"); i < nodes.length; i += fields.length) bytes += nodes[i];
  return bytes;
}

export class IsolateHeaps {
  /** Opens the inspectors of the server whose process group is `pgid` (`wrangler dev --inspector-port inspectorPort`). */
  static async open({ host, inspectorPort, pgid, log = () => {} }) {
    const inspectors = [];
    try {
      inspectors.push({ id: USER_WORKER, inspector: await Inspector.open(`ws://${host}:${inspectorPort}/ws`, { viaProxy: true }) });
    } catch (e) {
      log(`no inspector for the user worker: ${e.message ?? e}`);
    }
    for (const t of await inspectorTargets(pgid)) {
      if (!SIMULATORS.includes(t.id)) continue; // the user worker's is held by wrangler's proxy
      try {
        const inspector = await Inspector.open(t.url);
        await inspector.call("Runtime.getHeapUsage"); // keep only the isolates that answer
        inspectors.push({ id: t.id, inspector });
      } catch {}
    }
    return new IsolateHeaps(inspectors);
  }
  constructor(inspectors) {
    this.inspectors = inspectors;
  }
  /** KiB of used and total V8 heap (and ArrayBuffer backing stores) per isolate; with gc, after a full collection in each. */
  async read(gc = false, debug) {
    const out = {};
    for (const { id, inspector } of this.inspectors) {
      try {
        const t0 = performance.now();
        // A full collection: the simulators' isolates never answer HeapProfiler.collectGarbage (R2's
        // at least), but a heap snapshot is taken after one.
        if (gc && id === USER_WORKER) await inspector.call("HeapProfiler.collectGarbage", {}, 5_000).catch(() => {});
        else if (gc) await snapshotBytes(inspector).catch(() => {});
        const t1 = performance.now();
        const { usedSize, totalSize, backingStorageSize } = await inspector.call("Runtime.getHeapUsage");
        debug?.(`  ${id}: gc ${(t1 - t0).toFixed(0)} ms, usage ${(performance.now() - t1).toFixed(0)} ms`);
        out[id] = { used: Math.round(usedSize / 1024), total: Math.round(totalSize / 1024), external: Math.round((backingStorageSize ?? 0) / 1024) };
      } catch {}
    }
    return out;
  }
  /**
   * KiB of live V8 heap per local simulator (D1, R2, Workflows engine, Queues): the self sizes of
   * every object in a heap snapshot, which V8 takes after a full collection — what the isolate
   * keeps, without its garbage. (The Worker's own isolate, tens of MiB, is left out: its snapshot
   * would take the benchmark's client hundreds of MB to read.)
   */
  async liveHeaps() {
    const out = {};
    for (const { id, inspector } of this.inspectors) {
      if (id === USER_WORKER) continue;
      try {
        out[id] = Math.round((await snapshotBytes(inspector)) / 1024);
      } catch {}
    }
    return out;
  }
  close() {
    for (const { inspector } of this.inspectors) inspector.close();
  }
}
