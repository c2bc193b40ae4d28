// V8's own account of each isolate's collections in a local `wrangler dev`: the runtime started
// with MINIFLARE_WORKERD_V8_FLAGS="--trace-gc --trace-gc-verbose" prints, after every collection,
// the heap before → after (committed) and each space's use and commitment, prefixed by the isolate.
// Used by bench/archive-memory.mjs (ARCHMEM_TRACE_GC=1) to say which part of an isolate's heap grew
// during an archive: the young generation (new space), the old one, or large objects.
import { performance } from "node:perf_hooks";

export const TRACE_GC_FLAGS = "--trace-gc --trace-gc-verbose";

const COLLECTION = /^\[(\d+):(0x[0-9a-f]+)\]\s+(\d+) ms: (Scavenge|Mark-Compact[^0-9]*|Minor Mark-Sweep)\s*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;
const SPACE = /^\[(\d+):(0x[0-9a-f]+)\] (New space|Old space|Large object space|New large object space),\s+used:\s+(\d+) KB, available:\s+\d+ KB, committed:\s+(\d+) KB/;
const SPACE_KEY = { "New space": "new", "Old space": "old", "Large object space": "lo", "New large object space": "newLo" };

export class GcTrace {
  constructor() {
    this.t0 = performance.now();
    this.partial = "";
    /** isolate address → its collections, in order: { pid, ms, kind, liveBefore, live, committed, spaces }. */
    this.byIsolate = new Map();
    /** Per runtime process: the smallest (our time − V8's time) seen, our clock's offset from the isolates'. */
    this.offset = new Map();
  }

  /** Feeds the runtime's output (stdout and stderr), as it arrives. */
  feed(chunk) {
    const now = performance.now() - this.t0;
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop();
    for (const line of lines) {
      const text = line.replace(/^.*?(?=\[\d+:0x)/, "");
      const c = COLLECTION.exec(text);
      if (c) {
        const [, pid, isolate, ms, kind, liveBefore, , live, committed] = c;
        // The runtime's output is buffered, so a line arrives at or after the collection; the
        // smallest gap over the run is the best estimate of where V8's clock starts on ours.
        this.offset.set(pid, Math.min(this.offset.get(pid) ?? Infinity, now - Number(ms)));
        const list = this.byIsolate.get(isolate) ?? [];
        list.push({ pid, ms: Number(ms), kind: kind.trim(), liveBefore: Number(liveBefore), live: Number(live), committed: Number(committed), spaces: {} });
        this.byIsolate.set(isolate, list);
        continue;
      }
      const s = SPACE.exec(text);
      if (s) {
        const last = this.byIsolate.get(s[2])?.at(-1);
        if (last) last.spaces[SPACE_KEY[s[3]]] = { used: Number(s[4]) / 1024, committed: Number(s[5]) / 1024 };
      }
    }
  }

  /** Our clock (performance.now()), for marking an archive's start and end. */
  now() {
    return performance.now() - this.t0;
  }

  /**
   * Each isolate that collected during [from, to] (our clock): its collections there, the
   * committed heap and each space's commitment at its last collection before (or its first
   * inside), and at most inside — what grew.
   */
  during(from, to) {
    const out = [];
    for (const [isolate, list] of this.byIsolate) {
      const at = (e) => e.ms + (this.offset.get(e.pid) ?? 0);
      const inside = list.filter((e) => at(e) >= from && at(e) <= to);
      if (inside.length === 0) continue;
      const before = list.filter((e) => at(e) < from).at(-1) ?? inside[0];
      const max = (pick) => Math.max(...inside.map(pick));
      const space = (e, k) => e.spaces[k]?.committed ?? 0;
      out.push({
        isolate,
        collections: inside.length,
        fullCollections: inside.filter((e) => e.kind.startsWith("Mark-Compact")).length,
        committed: [before.committed, max((e) => e.committed)],
        committedLast: inside.at(-1).committed,
        liveAfterCollection: [before.live, max((e) => e.live)],
        newSpace: [space(before, "new"), max((e) => space(e, "new"))],
        oldSpace: [space(before, "old"), max((e) => space(e, "old"))],
        largeObjects: [space(before, "lo") + space(before, "newLo"), max((e) => space(e, "lo") + space(e, "newLo"))],
      });
    }
    return out.sort((a, b) => b.committed[1] - b.committed[0] - (a.committed[1] - a.committed[0]));
  }
}
