-- Shopify webhook deliveries taken in (deduplicated by X-Shopify-Webhook-Id and by topic + X-Shopify-Event-Id),
-- and the order lines the sale has heard of, so a refund finds its event and transaction.
CREATE TABLE shopify_webhooks (
  webhook_id TEXT PRIMARY KEY,
  event_key TEXT NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  shop TEXT,
  triggered_at INTEGER,
  received_at INTEGER NOT NULL
);
