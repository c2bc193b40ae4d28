// Webhook deliveries (shopify.dev/docs/apps/build/webhooks/delivery-structure): an HTTP POST of the
// topic's JSON payload with the X-Shopify-* headers, signed with HMAC-SHA256 of the raw body (base64).
// At least once: a delivery that is not answered 2xx within the timeout is retried on a schedule
// (Shopify: 8 times over 4 hours; shortened here), and every delivery is recorded for tests.
import { createHmac, randomUUID } from "node:crypto";
import type { EmulatorOptions } from "./config.ts";
import type { Faults, WebhookPlan } from "./faults.ts";
import type { Shop, WebhookSubscription } from "./shop.ts";
import { gid } from "./ids.ts";
import { enumTopic } from "./topics.ts";

export interface Attempt {
  /** Attempts of all deliveries are numbered in the order they were made (to see reordering). */
  n: number;
  at: string;
  status?: number;
  error?: string;
  ms: number;
}

export interface Delivery {
  seq: number;
  webhookId: string;
  eventId: string;
  topic: string;
  subscriptionId: string;
  uri: string;
  triggeredAt: string;
  headers: Record<string, string>;
  body: string;
  status: "held" | "pending" | "delivered" | "failed" | "dropped";
  /** Set on the copy a `duplicate` fault sends: the seq of the delivery it repeats. */
  duplicateOf: number | null;
  attempts: Attempt[];
  subscriptionRemoved: boolean;
}

const KEEP = 20_000;
const REORDER_WINDOW_MS = 250;
/** Deliveries in flight at once; the rest wait their turn (a bulk import can trigger thousands). */
const CONCURRENCY = 16;

export function sign(secret: string, body: string | Buffer): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

function pick(payload: object, fields: string[]): object {
  if (!fields.length) return payload;
  return Object.fromEntries(Object.entries(payload).filter(([k]) => fields.includes(k)));
}

export class Webhooks {
  private deliveries: Delivery[] = [];
  private seq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private held: Delivery[] = [];
  private attempts = 0;
  private generation = 0; // bumped by reset(): attempts of an older generation are forgotten
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];
  private readonly options: EmulatorOptions;
  private readonly shop: () => Shop;
  private readonly faults: Faults;

  constructor(options: EmulatorOptions, shop: () => Shop, faults: Faults) {
    this.options = options;
    this.shop = shop;
    this.faults = faults;
  }

  reset(): void {
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held = [];
    this.deliveries = [];
  }

  private later(ms: number, run: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      run();
    }, ms);
    this.timers.add(t);
  }

  /** One event of `topic`: a delivery per subscription of that topic. */
  emit(topic: string, payload: object): void {
    const eventId = randomUUID();
    const triggeredAt = new Date().toISOString();
    for (const s of this.shop().subscriptions.values()) {
      if (s.topic !== enumTopic(topic)) continue;
      const body = JSON.stringify(pick(payload, s.includeFields));
      const delivery = this.record(s, topic, eventId, triggeredAt, body, randomUUID(), null);
      this.dispatch(delivery, s, this.faults.webhookPlan(body));
    }
  }

  private record(s: WebhookSubscription, topic: string, eventId: string, triggeredAt: string, body: string, webhookId: string, duplicateOf: number | null): Delivery {
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "User-Agent": "Shopify-Captain-Hook",
      "X-Shopify-Topic": topic,
      "X-Shopify-Hmac-Sha256": sign(this.options.webhookSecret, body),
      "X-Shopify-Shop-Domain": this.options.shopDomain,
      "X-Shopify-API-Version": this.options.apiVersion,
      "X-Shopify-Webhook-Id": webhookId,
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": triggeredAt,
    };
    if (s.name) headers["X-Shopify-Name"] = s.name;
    const delivery: Delivery = {
      seq: ++this.seq, webhookId, eventId, topic, subscriptionId: gid("WebhookSubscription", s.id), uri: s.uri, triggeredAt, headers, body,
      status: "pending", duplicateOf, attempts: [], subscriptionRemoved: false,
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > KEEP) this.deliveries.splice(0, this.deliveries.length - KEEP);
    return delivery;
  }

  private dispatch(delivery: Delivery, s: WebhookSubscription, plan: WebhookPlan): void {
    if (plan.drop) {
      delivery.status = "dropped";
      return;
    }
    const start = () => this.attempt(delivery, s, 0);
    if (plan.reorder) {
      delivery.status = "held";
      if (this.held.length === 0) {
        this.later(REORDER_WINDOW_MS + plan.delayMs, () => {
          const batch = this.held.reverse();
          this.held = [];
          for (const d of batch) {
            d.status = "pending";
            void this.attempt(d, this.subscriptionOf(d) ?? s, 0);
          }
        });
      }
      this.held.push(delivery);
    } else if (plan.delayMs > 0) {
      this.later(plan.delayMs, () => void start());
    } else {
      void start();
    }
    if (plan.duplicate) {
      // The same webhook delivered twice (same X-Shopify-Webhook-Id), as at-least-once delivery allows.
      const copy = this.record(s, delivery.topic, delivery.eventId, delivery.triggeredAt, delivery.body, delivery.webhookId, delivery.seq);
      this.later(plan.delayMs + 20, () => void this.attempt(copy, s, 0));
    }
  }

  private subscriptionOf(d: Delivery): WebhookSubscription | undefined {
    return [...this.shop().subscriptions.values()].find((s) => gid("WebhookSubscription", s.id) === d.subscriptionId);
  }

  private async turn(): Promise<void> {
    if (this.inFlight < CONCURRENCY) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private done(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.inFlight--;
  }

  private async attempt(delivery: Delivery, s: WebhookSubscription, retry: number): Promise<void> {
    const generation = this.generation;
    await this.turn();
    try {
      if (generation !== this.generation) return;
      await this.send(delivery);
    } finally {
      this.done();
    }
    if (generation !== this.generation) return; // reset meanwhile
    const last = delivery.attempts.at(-1)!;
    if (last.status !== undefined && last.status >= 200 && last.status < 300) {
      delivery.status = "delivered";
      return;
    }
    const delay = this.options.webhookRetryDelaysMs[retry];
    if (delay !== undefined) {
      this.later(delay, () => void this.attempt(delivery, s, retry + 1));
      return;
    }
    delivery.status = "failed";
    // Shopify deletes a subscription made through the Admin API once its deliveries keep failing.
    if (this.options.removeFailingSubscriptions && !s.fromConfig && this.shop().subscriptions.delete(s.id)) {
      delivery.subscriptionRemoved = true;
      this.options.log(`webhook subscription ${delivery.subscriptionId} (${delivery.topic} → ${delivery.uri}) removed after failed delivery`);
    }
  }

  private async send(delivery: Delivery): Promise<void> {
    const t0 = performance.now();
    const attempt: Attempt = { n: ++this.attempts, at: new Date().toISOString(), ms: 0 };
    delivery.attempts.push(attempt);
    try {
      const res = await fetch(delivery.uri, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
        signal: AbortSignal.timeout(this.options.webhookTimeoutMs),
        redirect: "manual",
      });
      attempt.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (error) {
      attempt.error = (error as Error).name === "TimeoutError" ? `no answer within ${this.options.webhookTimeoutMs} ms` : String((error as Error).cause ?? error);
    }
    attempt.ms = Math.round(performance.now() - t0);
  }

  list(filter: { topic?: string; match?: string; since?: number; status?: string; limit?: number }): Delivery[] {
    const found = this.deliveries.filter(
      (d) =>
        (!filter.topic || d.topic === filter.topic) &&
        (!filter.match || d.body.includes(filter.match)) &&
        (!filter.since || d.seq > filter.since) &&
        (!filter.status || d.status === filter.status),
    );
    return filter.limit ? found.slice(-filter.limit) : found;
  }
}
