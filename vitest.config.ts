import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { createServer } from "node:net";
import { defineConfig } from "vitest/config";

/** A loopback port free right now (so two test runs on one machine never collide). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

// The Shopify emulator `npm test` runs (test/shopify-emulator.global-setup.ts) on a free loopback port;
// the bindings below point the Worker under test at it. The webhook secret is the one of Shopify's own
// library tests, so the documented HMAC test vector can be checked against the emulator.
const port = await freePort();
const shopify = {
  port,
  origin: `http://127.0.0.1:${port}`,
  token: "shpat_test_emulator_token",
  webhookSecret: "test_secret_key",
  apiVersion: "2026-10",
  webhookRetryMs: "100,200,400", // Shopify: 8 retries over 4 hours
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_API_KEY: "test-admin-key",
            // One log line per request would flood the test output; test/operations.test.ts turns it on where it checks it.
            LOG_REQUESTS: "false",
            // The Shopify emulator started by test/shopify-emulator.global-setup.ts; the Worker reaches it by configuration.
            SHOPIFY_EMULATOR_ORIGIN: shopify.origin,
            SHOPIFY_ADMIN_ORIGIN: shopify.origin,
            SHOPIFY_ADMIN_TOKEN: shopify.token,
            SHOPIFY_WEBHOOK_SECRET: shopify.webhookSecret,
            SHOPIFY_API_VERSION: shopify.apiVersion,
          },
          // The pages Worker (pages/wrangler.toml) the API hands pages to over its binding PAGES:
          // an assets-only Worker serving public/ as deployed (its _headers are read by wrangler, not here).
          workers: [
            {
              name: "consignment-pages",
              modules: true,
              script: "export default {};",
              compatibilityDate: "2026-11-01",
              assets: { directory: "./public", routerConfig: { has_user_worker: false }, assetConfig: { html_handling: "drop-trailing-slash", not_found_handling: "none" } },
            },
          ],
          // The deployed batch timeout is 1 s; tests wait 50 ms so end-to-end runs stay fast.
          queueConsumers: {
            transactions: { maxBatchSize: 50, maxBatchTimeout: 0.05, maxRetries: 5, deadLetterQueue: "transactions-dlq" },
            "transactions-dlq": { maxBatchSize: 50, maxBatchTimeout: 0.05, maxRetries: 3 },
            "shopify-sync": { maxBatchSize: 50, maxBatchTimeout: 0.05, maxRetries: 10 },
            "shopify-events": { maxBatchSize: 50, maxBatchTimeout: 0.05, maxRetries: 10 },
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
      globalSetup: ["./test/shopify-emulator.global-setup.ts"],
      provide: { shopifyEmulator: shopify },
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
