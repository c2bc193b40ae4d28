import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, ADMIN_API_KEY: "test-admin-key" },
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
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
