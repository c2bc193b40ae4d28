// The log of Admin API calls for `GET /_emulator/calls`: what the benchmark counts ("API calls per
// 1000 items listed") and what tests read to see how the Worker talked to Shopify.

export interface CallRecord {
  seq: number;
  at: string;
  operationName: string | null;
  type: "query" | "mutation" | null;
  rootFields: string[];
  requestedCost: number | null;
  actualCost: number | null;
  /** ok, throttled, invalid (parse/validation), unauthorized, fault, error (a GraphQL error in the answer). */
  outcome: string;
  body: string;
}

interface Tally {
  count: number;
  requestedCost: number;
  actualCost: number;
}

const KEEP = 50_000;

export class CallLog {
  private calls: CallRecord[] = [];
  private seq = 0;

  record(call: Omit<CallRecord, "seq" | "at">): void {
    this.calls.push({ ...call, seq: ++this.seq, at: new Date().toISOString() });
    if (this.calls.length > KEEP) this.calls.splice(0, this.calls.length - KEEP);
  }

  clear(): void {
    this.calls = [];
  }

  /** Counts and costs by operation name and by root field; the last `limit` calls listed (without bodies). */
  summary(filter: { match?: string; since?: number; limit?: number }): object {
    const calls = this.calls.filter((c) => (!filter.match || c.body.includes(filter.match)) && (!filter.since || c.seq > filter.since));
    const byOperation: Record<string, Tally> = {};
    const byRootField: Record<string, Tally> = {};
    const byOutcome: Record<string, number> = {};
    const add = (map: Record<string, Tally>, key: string, c: CallRecord) => {
      const t = (map[key] ??= { count: 0, requestedCost: 0, actualCost: 0 });
      t.count++;
      t.requestedCost += c.requestedCost ?? 0;
      t.actualCost += c.actualCost ?? 0;
    };
    for (const c of calls) {
      add(byOperation, c.operationName ?? "(anonymous)", c);
      for (const f of c.rootFields) add(byRootField, f, c);
      byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
    }
    const limit = filter.limit ?? 200;
    return {
      lastSeq: this.seq,
      total: calls.length,
      requestedCost: calls.reduce((s, c) => s + (c.requestedCost ?? 0), 0),
      actualCost: calls.reduce((s, c) => s + (c.actualCost ?? 0), 0),
      byOutcome,
      byOperation,
      byRootField,
      calls: limit > 0 ? calls.slice(-limit).map(({ body: _body, ...rest }) => rest) : [],
    };
  }
}
