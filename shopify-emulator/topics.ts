// Webhook topics: the schema's enum (`ORDERS_CREATE`) and the header/REST form (`orders/create`).

const KNOWN: Record<string, string> = {
  APP_UNINSTALLED: "app/uninstalled",
  BULK_OPERATIONS_FINISH: "bulk_operations/finish",
  INVENTORY_LEVELS_UPDATE: "inventory_levels/update",
  ORDERS_CANCELLED: "orders/cancelled",
  ORDERS_CREATE: "orders/create",
  ORDERS_PAID: "orders/paid",
  ORDERS_UPDATED: "orders/updated",
  PRODUCTS_CREATE: "products/create",
  PRODUCTS_DELETE: "products/delete",
  PRODUCTS_UPDATE: "products/update",
  REFUNDS_CREATE: "refunds/create",
};

export function restTopic(enumValue: string): string {
  return KNOWN[enumValue] ?? enumValue.toLowerCase().replace(/_([a-z]+)$/, "/$1");
}

export function enumTopic(rest: string): string {
  return rest.toUpperCase().replace("/", "_");
}
