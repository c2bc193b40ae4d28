import type { ShopifyReconcileParams } from "../schemas/shopify";

const RUNNING = new Set(["queued", "running", "waiting", "paused", "waitingForPause"]);

/**
 * Starts a `shopify-reconcile` run for an event unless the one recorded as its latest is still
 * going (asked by the API, the enabling of an event, or the Inventory's alarm). Returns the
 * instance that will do the work.
 */
export async function startShopifyReconcile(env: Env, params: ShopifyReconcileParams, latest: string | null): Promise<{ instanceId: string; started: boolean }> {
  if (latest) {
    const status = await env.SHOPIFY_RECONCILE.get(latest)
      .then((instance) => instance.status())
      .catch(() => null);
    if (status && RUNNING.has(status.status)) return { instanceId: latest, started: false };
  }
  const instanceId = `shopify-${params.eventId}-${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  await env.SHOPIFY_RECONCILE.create({ id: instanceId, params });
  return { instanceId, started: true };
}
