// `productSet` (Admin schema 2026-10; shopify.dev/docs/api/admin-graphql/latest/mutations/productSet):
// upsert by `identifier` (customId / handle / id); list fields given replace what is there (entries left
// out are deleted), other fields left out stay as they are.
import { GraphQLError } from "graphql";
import { gid, idOf, isoNow, nextId, parseMoney } from "../ids.ts";
import { productPayload, inventoryLevelPayload } from "../payloads.ts";
import type { InventoryLevel, Metafield, Product, ProductOperationRecord, Shop, Variant } from "../shop.ts";
import { productView } from "./catalog-views.ts";
import type { Context, UserError } from "./context.ts";

interface MetafieldInput { namespace?: string | null; key?: string | null; value?: string | null; type?: string | null }
interface VariantSetInput {
  id?: string | null;
  sku?: string | null;
  price?: string | null;
  compareAtPrice?: string | null;
  barcode?: string | null;
  taxable?: boolean | null;
  inventoryPolicy?: "DENY" | "CONTINUE" | null;
  inventoryItem?: { sku?: string | null; tracked?: boolean | null; requiresShipping?: boolean | null } | null;
  inventoryQuantities?: { locationId: string; name: string; quantity: number }[] | null;
  optionValues: { optionName?: string | null; name?: string | null }[];
  metafields?: MetafieldInput[] | null;
}
export interface ProductSetInput {
  id?: string | null;
  title?: string | null;
  handle?: string | null;
  descriptionHtml?: string | null;
  vendor?: string | null;
  productType?: string | null;
  status?: Product["status"] | null;
  tags?: string[] | null;
  templateSuffix?: string | null;
  metafields?: MetafieldInput[] | null;
  productOptions?: { name?: string | null; values?: { name?: string | null }[] | null }[] | null;
  variants?: VariantSetInput[] | null;
}
export interface ProductSetArgs {
  identifier?: { id?: string; handle?: string; customId?: { namespace?: string | null; key: string; value: string } } | null;
  input: ProductSetInput;
  synchronous?: boolean;
}

/** Input fields the emulator applies; any other field is refused loudly rather than ignored. */
const SUPPORTED = new Set([
  "id", "title", "handle", "descriptionHtml", "vendor", "productType", "status", "tags", "templateSuffix",
  "metafields", "productOptions", "variants", "seo", "redirectNewHandle",
]);
const VARIANT_SUPPORTED = new Set([
  "id", "sku", "price", "compareAtPrice", "barcode", "taxable", "inventoryPolicy", "inventoryItem",
  "inventoryQuantities", "optionValues", "position", "metafields",
]);
const APP_NAMESPACE = "app--emulator";

function err(code: string, field: string[], message: string): UserError {
  return { code, field, message };
}

export function slugify(text: string): string {
  return text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "product";
}
export function uniqueHandle(shop: Shop, base: string, self?: number): string {
  const taken = (h: string) => {
    const other = shop.productByHandle(h);
    return other !== undefined && other.id !== self;
  };
  let handle = base;
  for (let i = 1; taken(handle); i++) handle = `${base}-${i}`;
  return handle;
}

export function findByCustomId(shop: Shop, c: { namespace?: string | null; key: string; value: string }): Product | undefined {
  return shop.productByMetafield(c.namespace ?? APP_NAMESPACE, c.key, c.value);
}

function validate(shop: Shop, args: ProductSetArgs, existing: Product | undefined): UserError[] {
  const { input } = args;
  const errors: UserError[] = [];
  if (!existing && !input.title) errors.push(err("INVALID_PRODUCT", ["input", "title"], "Title can't be blank"));
  const taken = input.handle ? shop.productByHandle(slugify(input.handle)) : undefined;
  if (taken && taken.id !== existing?.id) errors.push(err("HANDLE_NOT_UNIQUE", ["input", "handle"], "Handle already in use. Please provide a new handle."));
  if (input.variants && !input.productOptions) {
    errors.push(err("PRODUCT_OPTIONS_INPUT_MISSING", ["input", "productOptions"], "Must specify product options when updating variants."));
  }
  if (input.productOptions && !input.variants) {
    errors.push(err("VARIANTS_INPUT_MISSING", ["input", "variants"], "Must specify variants when updating options."));
  }
  const options = new Map<string, Set<string>>();
  (input.productOptions ?? []).forEach((o, i) => {
    if (!o.name) errors.push(err("INVALID_INPUT", ["input", "productOptions", String(i), "name"], "Option name can't be blank"));
    else if (options.has(o.name)) errors.push(err("DUPLICATED_OPTION_NAME", ["input", "productOptions", String(i)], "Duplicated option name."));
    if (!o.values?.length) errors.push(err("OPTION_VALUES_MISSING", ["input", "productOptions", String(i), "values"], "Each option must have at least one option value specified."));
    options.set(o.name ?? "", new Set((o.values ?? []).map((v) => v.name ?? "")));
  });
  (input.variants ?? []).forEach((v, i) => {
    const at = (...rest: string[]) => ["input", "variants", String(i), ...rest];
    for (const key of Object.keys(v)) {
      if (!VARIANT_SUPPORTED.has(key)) throw notImplemented(`productSet input.variants.${key}`);
    }
    if (v.id) {
      const variant = shop.variants.get(idOf("ProductVariant", v.id) ?? -1);
      if (!variant || variant.productId !== existing?.id) errors.push(err("PRODUCT_VARIANT_DOES_NOT_EXIST", at("id"), "Product variant does not exist."));
    }
    if (v.price != null && (parseMoney(v.price) ?? -1) < 0) errors.push(err("INVALID_VARIANT", at("price"), "Price must be greater than or equal to 0"));
    v.optionValues.forEach((ov, j) => {
      const values = options.get(ov.optionName ?? "");
      if (!values) errors.push(err("OPTION_DOES_NOT_EXIST", at("optionValues", String(j)), "Option does not exist."));
      else if (!values.has(ov.name ?? "")) errors.push(err("OPTION_VALUE_DOES_NOT_EXIST", at("optionValues", String(j)), "Option value does not exist."));
    });
    (v.inventoryQuantities ?? []).forEach((q, j) => {
      if (!shop.locations.has(idOf("Location", q.locationId) ?? -1)) errors.push(err("INVALID_VARIANT", at("inventoryQuantities", String(j), "locationId"), "Location not found."));
      if (q.name !== "available" && q.name !== "on_hand") errors.push(err("INVALID_INPUT", at("inventoryQuantities", String(j), "name"), "The quantity name must be either 'available' or 'on_hand'."));
    });
  });
  return errors;
}

export function notImplemented(what: string): GraphQLError {
  return new GraphQLError(`${what} is not implemented by the Shopify emulator`, { extensions: { code: "EMULATOR_NOT_IMPLEMENTED" } });
}

export function productSet(args: ProductSetArgs, ctx: Context): object {
  const { shop } = ctx;
  const { identifier, input } = args;
  for (const key of Object.keys(input)) if (!SUPPORTED.has(key)) throw notImplemented(`productSet input.${key}`);
  const fail = (...userErrors: UserError[]) => ({ product: null, productSetOperation: null, userErrors });

  let existing: Product | undefined;
  if (identifier && input.id) return fail(err("ID_NOT_ALLOWED", ["input", "id"], "The id field is not allowed if identifier is provided."));
  if (identifier?.id) {
    existing = shop.products.get(idOf("Product", identifier.id) ?? -1);
    if (!existing) return fail(err("NOT_FOUND", ["identifier", "id"], "Resource matching the identifier was not found."));
  } else if (identifier?.handle) {
    if (input.handle && input.handle !== identifier.handle) {
      return fail(err("INPUT_MISMATCH", ["input", "handle"], "The identifier value does not match the value of the corresponding field in the input."));
    }
    existing = shop.productByHandle(identifier.handle);
  } else if (identifier?.customId) {
    const c = identifier.customId;
    const namespace = c.namespace ?? APP_NAMESPACE;
    if (input.metafields && !input.metafields.some((m) => (m.namespace ?? APP_NAMESPACE) === namespace && m.key === c.key && m.value === c.value)) {
      return fail(err("METAFIELD_MISMATCH", ["input", "metafields"], "The input argument `metafields` (if present) must contain the `customId` value."));
    }
    existing = findByCustomId(shop, c);
  } else if (input.id) {
    existing = shop.products.get(idOf("Product", input.id) ?? -1);
    if (!existing) return fail(err("PRODUCT_DOES_NOT_EXIST", ["input", "id"], "Product does not exist"));
  }
  const errors = validate(shop, args, existing);
  if (errors.length) return fail(...errors);

  if (args.synchronous === false) {
    // Asynchronous mode: a ProductSetOperation now, the product once the operation has run.
    const operation: ProductOperationRecord = { id: nextId(), status: "CREATED", productId: null };
    shop.productOperations.set(operation.id, operation);
    setImmediate(() => {
      operation.productId = apply(ctx, args, existing && shop.products.has(existing.id) ? existing : undefined).id;
      operation.status = "COMPLETE";
    });
    return { product: null, productSetOperation: productOperationView(ctx, operation.id), userErrors: [] };
  }
  const product = apply(ctx, args, existing);
  return { product: productView(shop, product), productSetOperation: null, userErrors: [] };
}

export function productOperationView(ctx: Context, id: number): object | null {
  const op = ctx.shop.productOperations.get(id);
  if (!op) return null;
  const product = op.productId === null ? undefined : ctx.shop.products.get(op.productId);
  return {
    __typename: "ProductSetOperation",
    id: gid("ProductSetOperation", op.id),
    status: op.status,
    product: product ? productView(ctx.shop, product) : null,
    userErrors: [],
  };
}

function setMetafields(list: Metafield[], inputs: MetafieldInput[], now: string): Metafield[] {
  return inputs.map((m) => {
    const namespace = m.namespace ?? APP_NAMESPACE;
    const old = list.find((x) => x.namespace === namespace && x.key === m.key);
    const value = m.value ?? old?.value ?? "";
    if (old && old.value === value && (m.type ?? old.type) === old.type) return old;
    return { id: old?.id ?? nextId(), namespace, key: m.key ?? "", value, type: m.type ?? old?.type ?? "single_line_text_field", createdAt: old?.createdAt ?? now, updatedAt: now };
  });
}

function apply(ctx: Context, args: ProductSetArgs, existing: Product | undefined): Product {
  const { shop } = ctx;
  const { input, identifier } = args;
  const now = isoNow();
  const before = existing ? JSON.stringify(productPayload(shop, existing)) : null;
  const p: Product = existing ?? {
    id: nextId(), title: "", handle: "", status: "ACTIVE", vendor: ctx.services.options.shopName, productType: "", descriptionHtml: "",
    tags: [], templateSuffix: null, options: [], metafields: [], variantIds: [], createdAt: now, updatedAt: now,
  };
  if (input.title != null) p.title = input.title;
  // A handle given is used as it is (validate refused one taken); a new product without one gets its title's.
  if (input.handle != null) p.handle = slugify(input.handle);
  else if (!existing) p.handle = identifier?.handle ?? uniqueHandle(shop, slugify(p.title), p.id);
  if (input.descriptionHtml != null) p.descriptionHtml = input.descriptionHtml;
  if (input.vendor != null) p.vendor = input.vendor;
  if (input.productType != null) p.productType = input.productType;
  if (input.status != null) p.status = input.status;
  if (input.templateSuffix !== undefined) p.templateSuffix = input.templateSuffix;
  if (input.tags) p.tags = [...new Set(input.tags.map((t) => t.trim()).filter(Boolean))];
  if (input.metafields) p.metafields = setMetafields(p.metafields, input.metafields, now);
  const customId = identifier?.customId;
  if (customId && !findByCustomId(shop, customId)) {
    p.metafields = [...p.metafields, ...setMetafields([], [{ ...customId, type: "id" }], now)];
  }
  shop.products.set(p.id, p);
  shop.indexProduct(p);

  const changedLevels: InventoryLevel[] = [];
  if (input.variants && input.productOptions) {
    p.options = input.productOptions.map((o) => ({
      id: p.options.find((x) => x.name === o.name)?.id ?? nextId(),
      name: o.name ?? "",
      values: (o.values ?? []).map((v) => v.name ?? ""),
    }));
    const kept = new Set<number>();
    const ids = input.variants.map((v) => {
      const selected = v.optionValues.map((ov) => ({ name: ov.optionName ?? "", value: ov.name ?? "" }));
      const key = JSON.stringify(selected);
      const match =
        (v.id ? shop.variants.get(idOf("ProductVariant", v.id) ?? -1) : undefined) ??
        shop.variantsOf(p).find((x) => !kept.has(x.id) && JSON.stringify(x.selectedOptions) === key);
      const variant = match ?? createVariant(shop, p, now);
      kept.add(variant.id);
      updateVariant(shop, variant, { input: v, selected, isNew: !match, now }, changedLevels);
      return variant.id;
    });
    for (const old of shop.variantsOf(p)) if (!kept.has(old.id)) shop.deleteVariant(old);
    p.variantIds = ids;
  } else if (!existing) {
    p.options = [{ id: nextId(), name: "Title", values: ["Default Title"] }];
    const variant = createVariant(shop, p, now);
    variant.selectedOptions = [{ name: "Title", value: "Default Title" }];
    p.variantIds = [variant.id];
  }

  if (!existing) {
    ctx.services.emit("products/create", productPayload(shop, p));
  } else if (before !== JSON.stringify(productPayload(shop, p))) {
    p.updatedAt = now;
    ctx.services.emit("products/update", productPayload(shop, p));
  }
  for (const level of changedLevels) ctx.services.emit("inventory_levels/update", inventoryLevelPayload(level));
  return p;
}

function createVariant(shop: Shop, p: Product, now: string): Variant {
  const variant: Variant = {
    id: nextId(), productId: p.id, inventoryItemId: nextId(), title: "Default Title", price: 0, compareAtPrice: null, barcode: null,
    taxable: true, inventoryPolicy: "DENY", selectedOptions: [], createdAt: now, updatedAt: now,
  };
  shop.variants.set(variant.id, variant);
  shop.items.set(variant.inventoryItemId, { id: variant.inventoryItemId, variantId: variant.id, sku: null, tracked: true, requiresShipping: true, createdAt: now, updatedAt: now });
  p.variantIds.push(variant.id);
  return variant;
}

interface VariantChange {
  input: VariantSetInput;
  selected: Variant["selectedOptions"];
  isNew: boolean;
  now: string;
}

function updateVariant(shop: Shop, variant: Variant, change: VariantChange, changed: InventoryLevel[]): void {
  const { input: v, selected, isNew, now } = change;
  const item = shop.items.get(variant.inventoryItemId)!;
  const before = JSON.stringify([variant, item]);
  variant.selectedOptions = selected;
  variant.title = selected.map((o) => o.value).join(" / ") || "Default Title";
  if (v.price != null) variant.price = parseMoney(v.price) ?? variant.price;
  if (v.compareAtPrice !== undefined) variant.compareAtPrice = v.compareAtPrice === null ? null : parseMoney(v.compareAtPrice);
  if (v.barcode !== undefined) variant.barcode = v.barcode;
  if (v.taxable != null) variant.taxable = v.taxable;
  if (v.inventoryPolicy != null) variant.inventoryPolicy = v.inventoryPolicy;
  const sku = v.sku ?? v.inventoryItem?.sku;
  if (sku !== undefined) shop.setSku(item, sku);
  if (v.inventoryItem?.tracked != null) item.tracked = v.inventoryItem.tracked;
  if (v.inventoryItem?.requiresShipping != null) item.requiresShipping = v.inventoryItem.requiresShipping;
  if (before !== JSON.stringify([variant, item])) {
    variant.updatedAt = now;
    item.updatedAt = now;
  }
  for (const q of v.inventoryQuantities ?? []) {
    const locationId = idOf("Location", q.locationId)!;
    // "If you're updating an existing variant, then you can only update the quantities at locations where
    // the variant is already stocked." (ProductVariantSetInput.inventoryQuantities)
    const level = isNew ? shop.activate(item.id, locationId) : shop.level(item.id, locationId);
    if (!level) continue;
    const name = q.name === "on_hand" ? "on_hand" : "available";
    const delta = q.quantity - level.quantities[name];
    if (delta === 0) continue;
    level.quantities.available += delta;
    level.quantities.on_hand += delta;
    level.updatedAt = now;
    changed.push(level);
  }
}
