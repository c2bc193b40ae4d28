import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The Shopify emulator `npm test` runs (test/shopify-emulator.global-setup.ts) on a fixed loopback port;
// the bindings below point the Worker under test at it. The webhook secret is the one of Shopify's own
// library tests, so the documented HMAC test vector can be checked against the emulator.
const shopify = {
  port: 8793,
  origin: "http://127.0.0.1:8793",
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
            // The Shopify emulator started by test/shopify-emulator.global-setup.ts; the Worker reaches it by configuration.
            SHOPIFY_EMULATOR_ORIGIN: shopify.origin,
            SHOPIFY_ADMIN_ORIGIN: shopify.origin,
            SHOPIFY_ADMIN_TOKEN: shopify.token,
            SHOPIFY_WEBHOOK_SECRET: shopify.webhookSecret,
            SHOPIFY_API_VERSION: shopify.apiVersion,
          },
          // The deployed batch timeout is 1 s; tests wait 50 ms so end-to-end runs stay fast.
          queueConsumers: {
            transactions: { maxBatchSize: 50, maxBatchTimeout: 0.05, maxRetries: 5, deadLetterQueue: "transactions-dlq" },
            "transactions-dlq": { maxBatchSize: 50, maxBatchTimeout: 0.05, maxRetries: 3 },
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
