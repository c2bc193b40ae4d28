// `node shopify-emulator/main.ts --port 8789`: runs the Shopify Admin API emulator until SIGINT/SIGTERM.
// Prints one line "Shopify emulator … listening on http://HOST:PORT" when ready (scripts wait for it).
import { parseArgs } from "node:util";
import { DEFAULT_OPTIONS, DESIGN_TOPICS, type EmulatorOptions } from "./config.ts";
import { startEmulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    token: { type: "string" },
    "webhook-secret": { type: "string" },
    shop: { type: "string" },
    currency: { type: "string" },
    "bucket-size": { type: "string" },
    "restore-rate": { type: "string" },
    "webhook-retry-ms": { type: "string" },
    "webhook-timeout-ms": { type: "string" },
    "keep-failing-subscriptions": { type: "boolean" },
    subscribe: { type: "string", multiple: true },
    "subscribe-topics": { type: "string" },
    quiet: { type: "boolean" },
    "stop-with-stdin": { type: "boolean" },
    help: { type: "boolean" },
  },
});

if (values.help) {
  console.log(`Shopify Admin API emulator (see shopify-emulator/README.md)
  --port N                    listen port (env SHOPIFY_EMULATOR_PORT; default ${DEFAULT_OPTIONS.port}; 0 picks a free one)
  --host H                    listen address (default ${DEFAULT_OPTIONS.host})
  --token T                   Admin API access token (env SHOPIFY_ADMIN_TOKEN)
  --webhook-secret S          webhook signing secret (env SHOPIFY_WEBHOOK_SECRET)
  --shop DOMAIN               shop domain (default ${DEFAULT_OPTIONS.shopDomain})
  --currency CODE             shop currency (default ${DEFAULT_OPTIONS.currency})
  --bucket-size N             rate limit bucket in points (default ${DEFAULT_OPTIONS.bucketSize})
  --restore-rate N            points restored per second (default ${DEFAULT_OPTIONS.restoreRate})
  --webhook-retry-ms a,b,…    delays before each webhook retry (default ${DEFAULT_OPTIONS.webhookRetryDelaysMs.join(",")})
  --webhook-timeout-ms N      receiver timeout (default ${DEFAULT_OPTIONS.webhookTimeoutMs})
  --keep-failing-subscriptions   do not remove subscriptions whose deliveries keep failing
  --subscribe URI             an app-config subscription to URI (repeatable)
  --subscribe-topics a,b      its topics (default ${DESIGN_TOPICS.join(",")})
  --quiet                     log errors only
  --stop-with-stdin           stop when stdin closes (a parent that spawned it with a pipe died)`);
  process.exit(0);
}

function number(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got ${value}`);
    process.exit(2);
  }
  return n;
}

const env = process.env;
const topics = values["subscribe-topics"]?.split(",").map((t) => t.trim()).filter(Boolean) ?? DESIGN_TOPICS;
const options: EmulatorOptions = {
  ...DEFAULT_OPTIONS,
  port: number(values.port ?? env.SHOPIFY_EMULATOR_PORT, DEFAULT_OPTIONS.port, "port"),
  host: values.host ?? DEFAULT_OPTIONS.host,
  token: values.token ?? env.SHOPIFY_ADMIN_TOKEN ?? DEFAULT_OPTIONS.token,
  webhookSecret: values["webhook-secret"] ?? env.SHOPIFY_WEBHOOK_SECRET ?? DEFAULT_OPTIONS.webhookSecret,
  shopDomain: values.shop ?? DEFAULT_OPTIONS.shopDomain,
  currency: values.currency ?? DEFAULT_OPTIONS.currency,
  bucketSize: number(values["bucket-size"], DEFAULT_OPTIONS.bucketSize, "bucket-size"),
  restoreRate: number(values["restore-rate"], DEFAULT_OPTIONS.restoreRate, "restore-rate"),
  webhookRetryDelaysMs: values["webhook-retry-ms"]
    ? values["webhook-retry-ms"].split(",").filter(Boolean).map((ms) => number(ms, 0, "webhook-retry-ms"))
    : DEFAULT_OPTIONS.webhookRetryDelaysMs,
  webhookTimeoutMs: number(values["webhook-timeout-ms"], DEFAULT_OPTIONS.webhookTimeoutMs, "webhook-timeout-ms"),
  removeFailingSubscriptions: !values["keep-failing-subscriptions"],
  configSubscriptions: (values.subscribe ?? []).map((uri) => ({ uri, topics })),
  log: values.quiet ? () => {} : DEFAULT_OPTIONS.log,
};

const running = await startEmulator(options).catch((error: NodeJS.ErrnoException) => {
  console.error(`Shopify emulator could not listen on ${options.host}:${options.port}: ${error.code ?? error.message}`);
  process.exit(1);
});
console.log(`Shopify emulator (Admin API ${options.apiVersion}, shop ${options.shopDomain}) listening on ${running.origin}`);
for (const s of options.configSubscriptions) console.log(`  webhooks ${s.topics.join(", ")} → ${s.uri}`);

function stop(): void {
  void running.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, stop);
if (values["stop-with-stdin"]) {
  process.stdin.on("end", stop).on("error", stop).resume();
}
