// Fault knobs for tests (`POST /_emulator/faults`). Each knob may be scoped by `match`: it then applies
// only to API requests (or webhook bodies) containing that substring, so parallel tests sharing one
// emulator each disturb only their own traffic. A scoped throttle has a bucket of its own.
import { nextId } from "./ids.ts";
import { LeakyBucket } from "./throttle.ts";

type Count = number; // remaining uses; Infinity for "until cleared"

export interface ThrottleFault {
  id: number;
  kind: "throttle";
  match: string | null;
  maximumAvailable: number;
  restoreRate: number;
  bucket: LeakyBucket;
}
export interface FailFault {
  id: number;
  kind: "fail";
  match: string | null;
  remaining: Count;
  status: number | "drop";
  when: "before" | "after";
}
export interface WebhookFault {
  id: number;
  kind: "webhooks";
  match: string | null;
  duplicate: Count;
  reorder: Count;
  drop: Count;
  delayMs: number;
}
export type Fault = ThrottleFault | FailFault | WebhookFault;

export interface WebhookPlan {
  duplicate: boolean;
  reorder: boolean;
  drop: boolean;
  delayMs: number;
}

export class FaultError extends Error {}

function count(value: unknown, name: string): Count {
  if (value === undefined || value === false || value === null) return 0;
  if (value === true) return Infinity;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  throw new FaultError(`${name} must be true, false or a count`);
}

function match(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value === "") throw new FaultError("match must be a non-empty string");
  return value;
}

const applies = (f: Fault, text: string) => f.match === null || text.includes(f.match);

export class Faults {
  private faults: Fault[] = [];

  /** Adds the knobs in `body` (`throttle`, `fail`, `webhooks`); returns them. */
  add(body: Record<string, unknown>): Fault[] {
    const added: Fault[] = [];
    for (const key of Object.keys(body)) if (!["throttle", "fail", "webhooks"].includes(key)) throw new FaultError(`unknown knob "${key}"`);
    const t = body.throttle as Record<string, unknown> | undefined;
    if (t) {
      const maximumAvailable = Number(t.maximumAvailable ?? 50);
      const restoreRate = Number(t.restoreRate ?? 5);
      if (!(maximumAvailable > 0) || !(restoreRate >= 0)) throw new FaultError("throttle needs maximumAvailable > 0 and restoreRate >= 0");
      added.push({ id: nextId(), kind: "throttle", match: match(t.match), maximumAvailable, restoreRate, bucket: new LeakyBucket(maximumAvailable, restoreRate) });
    }
    const f = body.fail as Record<string, unknown> | undefined;
    if (f) {
      const status = f.status ?? 503;
      if (status !== "drop" && ![429, 500, 502, 503, 504].includes(status as number)) throw new FaultError('fail.status must be 429, 500, 502, 503, 504 or "drop"');
      const when = f.when ?? "before";
      if (when !== "before" && when !== "after") throw new FaultError('fail.when must be "before" or "after"');
      added.push({ id: nextId(), kind: "fail", match: match(f.match), remaining: count(f.count ?? 1, "fail.count"), status: status as number | "drop", when });
    }
    const w = body.webhooks as Record<string, unknown> | undefined;
    if (w) {
      const delayMs = Number(w.delayMs ?? 0);
      if (!(delayMs >= 0)) throw new FaultError("webhooks.delayMs must be >= 0");
      added.push({
        id: nextId(), kind: "webhooks", match: match(w.match), duplicate: count(w.duplicate, "webhooks.duplicate"),
        reorder: count(w.reorder, "webhooks.reorder"), drop: count(w.drop, "webhooks.drop"), delayMs,
      });
    }
    this.faults.push(...added);
    return added;
  }

  list(): object[] {
    return this.faults.map((f) => {
      const { bucket, ...rest } = f as ThrottleFault;
      const json = JSON.parse(JSON.stringify(rest, (_k, v) => (v === Infinity ? true : v)));
      return bucket ? { ...json, throttleStatus: bucket.status() } : json;
    });
  }

  clear(filter: { id?: number; match?: string }): number {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => (filter.id !== undefined && f.id !== filter.id) || (filter.match !== undefined && f.match !== filter.match));
    return before - this.faults.length;
  }

  /** The bucket of the most recent throttle knob that applies (scoped ones first), or null. */
  bucketFor(text: string): LeakyBucket | null {
    const throttles = this.faults.filter((f): f is ThrottleFault => f.kind === "throttle" && applies(f, text)).reverse();
    return (throttles.find((f) => f.match !== null) ?? throttles[0])?.bucket ?? null;
  }

  /** Uses one failure of the first fail knob that applies. */
  takeFailure(text: string): { status: number | "drop"; when: "before" | "after" } | null {
    const f = this.faults.find((x): x is FailFault => x.kind === "fail" && x.remaining > 0 && applies(x, text));
    if (!f) return null;
    f.remaining--;
    if (f.remaining === 0) this.faults = this.faults.filter((x) => x !== f);
    return { status: f.status, when: f.when };
  }

  /** What the webhook knobs that apply do to one delivery (each use counts down). */
  webhookPlan(body: string): WebhookPlan {
    const plan: WebhookPlan = { duplicate: false, reorder: false, drop: false, delayMs: 0 };
    for (const f of this.faults) {
      if (f.kind !== "webhooks" || !applies(f, body)) continue;
      for (const knob of ["duplicate", "reorder", "drop"] as const) {
        if (f[knob] > 0) {
          plan[knob] = true;
          f[knob]--;
        }
      }
      plan.delayMs = Math.max(plan.delayMs, f.delayMs);
    }
    return plan;
  }
}
