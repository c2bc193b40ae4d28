// The root value: every Query and Mutation field the emulator serves. A field not listed here answers
// an EMULATOR_NOT_IMPLEMENTED error (never a silent null).
import type { GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { parseGid } from "../ids.ts";
import type { IdempotencyKeys } from "../idempotency.ts";
import { mutationsRequiringIdempotency } from "../schema.ts";
import { bulkMutations, bulkQueries } from "./bulk-ops.ts";
import { inventoryItemView, inventoryLevelView, locationView, productView, shopView, variantView } from "./catalog-views.ts";
import type { Context } from "./context.ts";
import { inventoryMutations, inventoryQueries } from "./inventory.ts";
import { orderView, refundView } from "./order-views.ts";
import { orderMutations, orderQueries } from "./orders.ts";
import { productMutations, productQueries } from "./products.ts";
import { webhookSubscriptionMutations, webhookSubscriptionQueries, subscriptionView } from "./webhook-subscriptions.ts";
import { bulkOperationView } from "../bulk.ts";
import { productOperationView } from "./product-set.ts";

type Resolver = (args: never, ctx: Context) => unknown;

function nodeById(id: string, ctx: Context): object | null {
  const { shop } = ctx;
  const g = parseGid(id);
  if (!g) return null;
  switch (g.type) {
    case "Product": {
      const p = shop.products.get(g.id);
      return p ? productView(shop, p) : null;
    }
    case "ProductVariant": {
      const v = shop.variants.get(g.id);
      return v ? variantView(shop, v) : null;
    }
    case "InventoryItem": {
      const i = shop.items.get(g.id);
      return i ? inventoryItemView(shop, i) : null;
    }
    case "InventoryLevel": {
      const l = [...shop.levels.values()].find((x) => x.id === g.id);
      return l ? inventoryLevelView(shop, l) : null;
    }
    case "Location": {
      const l = shop.locations.get(g.id);
      return l ? locationView(shop, l) : null;
    }
    case "Order": {
      const o = shop.orders.get(g.id);
      return o ? orderView(shop, o, ctx) : null;
    }
    case "Refund": {
      const r = shop.refunds.get(g.id);
      return r ? refundView(shop, r, ctx) : null;
    }
    case "BulkOperation": {
      const op = ctx.services.bulk.ops.get(g.id);
      return op ? bulkOperationView(op, ctx.services.origin()) : null;
    }
    case "WebhookSubscription": {
      const s = shop.subscriptions.get(g.id);
      return s && !s.fromConfig ? subscriptionView(s, ctx) : null;
    }
    case "ProductSetOperation":
      return productOperationView(ctx, g.id);
    default:
      return null;
  }
}

const queries: Record<string, Resolver> = {
  ...productQueries,
  ...inventoryQueries,
  ...orderQueries,
  ...bulkQueries,
  ...webhookSubscriptionQueries,
  shop: (_args: never, ctx: Context) => shopView(ctx.shop, ctx),
  node: ({ id }: { id: string }, ctx: Context) => nodeById(id, ctx),
  nodes: ({ ids }: { ids: string[] }, ctx: Context) => ids.map((id) => nodeById(id, ctx)),
};

const mutations: Record<string, Resolver> = {
  ...productMutations,
  ...inventoryMutations,
  ...orderMutations,
  ...bulkMutations,
  ...webhookSubscriptionMutations,
};

/**
 * The root value for graphql's `execute`: root fields are functions of `(args, context, info)`.
 * Every mutation goes through the `@idempotent` handling (required where the schema says so).
 */
export function rootValue(schema: GraphQLSchema, keys: IdempotencyKeys): Record<string, unknown> {
  const required = mutationsRequiringIdempotency(schema);
  const root: Record<string, unknown> = { ...queries };
  for (const [name, resolve] of Object.entries(mutations)) {
    const asField: GraphQLFieldResolver<unknown, Context> = (_source, args, ctx) => (resolve as (a: unknown, c: Context) => unknown)(args, ctx);
    const wrapped = keys.wrap(name, asField, required.has(name));
    root[name] = (args: unknown, ctx: Context, info: Parameters<GraphQLFieldResolver<unknown, Context>>[3]) => wrapped(undefined, args as Record<string, unknown>, ctx, info);
  }
  return root;
}
