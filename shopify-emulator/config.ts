// What one emulator process is configured with. Defaults match `.dev.vars.example`.

export interface EmulatorOptions {
  host: string;
  port: number;
  /** The Admin API access token clients must send as `X-Shopify-Access-Token`. */
  token: string;
  /** The app secret that signs webhooks (`X-Shopify-Hmac-Sha256`). */
  webhookSecret: string;
  shopDomain: string;
  shopName: string;
  currency: string;
  /** The one API version served; other versions answer 404. */
  apiVersion: string;
  /** Leaky bucket: size in points and points restored per second. */
  bucketSize: number;
  restoreRate: number;
  /** The most one query may cost (larger ones are refused with MAX_COST_EXCEEDED). */
  maxQueryCost: number;
  /** Delays before each retry of a failed webhook delivery (Shopify: 8 retries over 4 hours). */
  webhookRetryDelaysMs: number[];
  /** How long a webhook receiver may take to answer (Shopify: 5 s). */
  webhookTimeoutMs: number;
  /** Shopify removes an Admin-API subscription whose delivery failed all its retries. */
  removeFailingSubscriptions: boolean;
  /** App-config subscriptions (like `shopify.app.toml`): not listed by the API, always delivered. */
  configSubscriptions: { uri: string; topics: string[] }[];
  /** Lines of a bulk mutation run per event-loop turn. */
  bulkLinesPerTick: number;
  log: (line: string) => void;
}

/** The topics the app subscribes to; `--subscribe URI` uses them unless `--subscribe-topics` says otherwise. */
export const DESIGN_TOPICS = [
  "orders/create",
  "orders/paid",
  "orders/cancelled",
  "refunds/create",
  "products/update",
  "products/delete",
  "inventory_levels/update",
  "bulk_operations/finish",
  "app/uninstalled",
];

export const DEFAULT_OPTIONS: EmulatorOptions = {
  host: "127.0.0.1",
  port: 8789,
  token: "shpat_dev_emulator_token",
  webhookSecret: "dev_emulator_webhook_secret",
  shopDomain: "consignment-dev.myshopify.com",
  shopName: "Consignment dev shop",
  currency: "USD",
  apiVersion: "2026-10",
  // shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits: Standard plan, 100 points/second;
  // the bucket holds 20 seconds of restore, as the older 1000-point / 50-per-second figures did.
  bucketSize: 2000,
  restoreRate: 100,
  maxQueryCost: 1000,
  // Shopify's schedule (8 retries, exponential, about 4 hours) shrunk to about 4 minutes for local use.
  webhookRetryDelaysMs: [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000],
  webhookTimeoutMs: 5_000,
  removeFailingSubscriptions: true,
  configSubscriptions: [],
  bulkLinesPerTick: 100,
  log: (line) => console.log(line),
};
