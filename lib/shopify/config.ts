/**
 * Shopify configuration (vars and secrets). With no admin origin or no token, Shopify is not
 * configured and nothing of the online channel runs. Production: `SHOPIFY_ADMIN_ORIGIN` is
 * `https://{shop}.myshopify.com`; locally `npm start` points it at the emulator.
 */
export interface ShopifyConfig {
  /** `https://{shop}.myshopify.com`, no trailing slash. */
  origin: string;
  /** The pinned Admin API version, e.g. `2026-10`. */
  apiVersion: string;
  token: string;
  /** The location stocked; null: the shop's first active location. */
  locationId: string | null;
  /** The app's webhook secret (HMAC key); null when not set. */
  webhookSecret: string | null;
  /** Where Shopify reaches this Worker (webhook subscriptions go to `{publicOrigin}/v1/shopify/webhooks`); null: not subscribed by the app. */
  publicOrigin: string | null;
}

/** The optional bindings (secrets are not required when a deployment does not use Shopify). */
export interface ShopifyBindings {
  SHOPIFY_ADMIN_ORIGIN?: string;
  SHOPIFY_API_VERSION?: string;
  SHOPIFY_LOCATION_ID?: string;
  SHOPIFY_ADMIN_TOKEN?: string;
  SHOPIFY_WEBHOOK_SECRET?: string;
  PUBLIC_ORIGIN?: string;
}

export const DEFAULT_API_VERSION = "2026-10";

export function shopifyConfig(env: object): ShopifyConfig | null {
  const b = env as ShopifyBindings;
  const origin = b.SHOPIFY_ADMIN_ORIGIN?.trim().replace(/\/+$/, "");
  const token = b.SHOPIFY_ADMIN_TOKEN?.trim();
  if (!origin || !token) return null;
  return {
    origin,
    apiVersion: b.SHOPIFY_API_VERSION?.trim() || DEFAULT_API_VERSION,
    token,
    locationId: b.SHOPIFY_LOCATION_ID?.trim() || null,
    webhookSecret: b.SHOPIFY_WEBHOOK_SECRET?.trim() || null,
    publicOrigin: b.PUBLIC_ORIGIN?.trim().replace(/\/+$/, "") || null,
  };
}

export const graphqlUrl = (config: ShopifyConfig) => `${config.origin}/admin/api/${config.apiVersion}/graphql.json`;
