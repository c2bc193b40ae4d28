// Webhook subscriptions made through the Admin API (webhookSubscriptionCreate/Update/Delete and the
// `webhookSubscriptions` query). Deliveries are in ../webhooks.ts.
import { gid, idOf, isoNow, nextId } from "../ids.ts";
import type { WebhookSubscription } from "../shop.ts";
import { notImplemented } from "./product-set.ts";
import { connection, type PageArgs } from "./connection.ts";
import type { Context, UserError } from "./context.ts";

interface SubscriptionInput {
  uri?: string | null;
  callbackUrl?: string | null;
  format?: string | null;
  includeFields?: string[] | null;
  filter?: string | null;
  name?: string | null;
  metafieldNamespaces?: string[] | null;
}

export function subscriptionView(s: WebhookSubscription, ctx: Context): object {
  const version = ctx.services.options.apiVersion;
  return {
    __typename: "WebhookSubscription",
    id: gid("WebhookSubscription", s.id),
    legacyResourceId: String(s.id),
    topic: s.topic,
    uri: s.uri,
    format: s.format,
    includeFields: s.includeFields,
    filter: null,
    name: s.name,
    metafieldNamespaces: [],
    metafields: [],
    apiVersion: { handle: version, displayName: version, supported: true },
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/**
 * Shopify delivers HTTPS only; the emulator also accepts plain http to loopback addresses, since the
 * local Worker listens on http://127.0.0.1.
 */
function checkUri(uri: string | null | undefined): string | null {
  if (!uri) return "Address can't be blank";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "Address is invalid";
  }
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return null;
  if (url.protocol === "pubsub:" || uri.startsWith("arn:aws:events")) return "Pub/Sub and EventBridge deliveries are not emulated";
  return `Address protocol ${url.protocol}// is not supported`;
}

function checkInput(input: SubscriptionInput): UserError | null {
  if (input.filter) throw notImplemented("webhookSubscription.filter");
  if (input.metafieldNamespaces?.length) throw notImplemented("webhookSubscription.metafieldNamespaces");
  if (input.format === "XML") throw notImplemented("webhookSubscription.format XML");
  const problem = checkUri(input.uri ?? input.callbackUrl);
  return problem ? { field: ["webhookSubscription", input.uri != null ? "uri" : "callbackUrl"], message: problem } : null;
}

export const webhookSubscriptionMutations = {
  webhookSubscriptionCreate({ topic, webhookSubscription: input }: { topic: string; webhookSubscription: SubscriptionInput }, ctx: Context) {
    const { shop } = ctx;
    const problem = checkInput(input);
    if (problem) return { webhookSubscription: null, userErrors: [problem] };
    const uri = (input.uri ?? input.callbackUrl)!;
    if ([...shop.subscriptions.values()].some((s) => !s.fromConfig && s.topic === topic && s.uri === uri)) {
      return { webhookSubscription: null, userErrors: [{ field: ["webhookSubscription", "callbackUrl"], message: "Address for this topic has already been taken" }] };
    }
    const now = isoNow();
    const s: WebhookSubscription = { id: nextId(), topic, uri, format: "JSON", includeFields: input.includeFields ?? [], name: input.name ?? null, fromConfig: false, createdAt: now, updatedAt: now };
    shop.subscriptions.set(s.id, s);
    return { webhookSubscription: subscriptionView(s, ctx), userErrors: [] };
  },

  webhookSubscriptionUpdate({ id, webhookSubscription: input }: { id: string; webhookSubscription: SubscriptionInput }, ctx: Context) {
    const s = ctx.shop.subscriptions.get(idOf("WebhookSubscription", id) ?? -1);
    if (!s || s.fromConfig) return { webhookSubscription: null, userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }] };
    const problem = input.uri || input.callbackUrl ? checkInput(input) : null;
    if (problem) return { webhookSubscription: null, userErrors: [problem] };
    s.uri = input.uri ?? input.callbackUrl ?? s.uri;
    if (input.includeFields) s.includeFields = input.includeFields;
    if (input.name !== undefined) s.name = input.name;
    s.updatedAt = isoNow();
    return { webhookSubscription: subscriptionView(s, ctx), userErrors: [] };
  },

  webhookSubscriptionDelete({ id }: { id: string }, ctx: Context) {
    const s = ctx.shop.subscriptions.get(idOf("WebhookSubscription", id) ?? -1);
    if (!s || s.fromConfig) return { deletedWebhookSubscriptionId: null, userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }] };
    ctx.shop.subscriptions.delete(s.id);
    return { deletedWebhookSubscriptionId: gid("WebhookSubscription", s.id), userErrors: [] };
  },
};

export const webhookSubscriptionQueries = {
  webhookSubscriptions(args: PageArgs & { topics?: string[] | null; uri?: string | null; callbackUrl?: string | null }, ctx: Context) {
    const uri = args.uri ?? args.callbackUrl;
    const records = [...ctx.shop.subscriptions.values()].filter(
      (s) => !s.fromConfig && (!args.topics || args.topics.includes(s.topic)) && (!uri || s.uri === uri),
    );
    return connection(ctx, "webhookSubscriptions", records, args, (s) => [s.createdAt, s.id], (s) => subscriptionView(s, ctx));
  },
  webhookSubscription({ id }: { id: string }, ctx: Context) {
    const s = ctx.shop.subscriptions.get(idOf("WebhookSubscription", id) ?? -1);
    return s && !s.fromConfig ? subscriptionView(s, ctx) : null;
  },
};
