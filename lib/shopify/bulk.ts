import type { ShopifyPlanEntry, ShopifyPushed } from "../../schemas/shopify";
import { ShopifyStop, type ShopifyClient } from "./client";
import { BULK_OPERATION, BULK_PRODUCT_SET, BULK_RUN_MUTATION, STAGED_UPLOADS_CREATE } from "./documents";
import { productSetVariables } from "./mapping";

/**
 * Many items' `productSet` as one bulk operation: the variables of every item as JSONL, uploaded to
 * a staged target, then `bulkOperationRunMutation` runs it on Shopify's side. A few calls for
 * thousands of items instead of one each (Shopify's bulk import guide). A first listing sets each
 * new variant's quantity; a re-pricing of listed items (a discount session starting or ending)
 * leaves quantities alone, as they move only by compare-and-set.
 */

/** One line of a bulk operation: which item (and which change of it), and the quantity it sets (null: none). */
export type BulkLine = [itemId: string, seq: number, dataVersion: number, quantity: number | null];

/** A first listing (with quantities) or a re-pricing of listed items (data only). */
export type BulkPurpose = "listing" | "repricing";

export interface StartedBulk {
  operationId: string;
  lines: BulkLine[];
}

type UserError = { field?: string[] | null; message: string; code?: string | null };

export async function startBulkProductSet(client: ShopifyClient, eventId: string, entries: readonly ShopifyPlanEntry[], locationId: string, purpose: BulkPurpose): Promise<StartedBulk> {
  const quantity = (e: ShopifyPlanEntry) => (purpose === "listing" ? e.desired : null);
  const lines: BulkLine[] = entries.map((e) => [e.itemId, e.seq, e.dataVersion, quantity(e)]);
  const jsonl = entries.map((e) => JSON.stringify(productSetVariables(eventId, e.item, locationId, quantity(e)))).join("\n") + "\n";
  const file = new Blob([jsonl], { type: "text/jsonl" });

  const staged = await client.request<{
    stagedUploadsCreate: { stagedTargets: { url: string | null; parameters: { name: string; value: string }[] }[] | null; userErrors: UserError[] };
  }>(STAGED_UPLOADS_CREATE, {
    input: [{ resource: "BULK_MUTATION_VARIABLES", filename: `${purpose}-${eventId}.jsonl`, mimeType: "text/jsonl", httpMethod: "POST", fileSize: String(file.size) }],
  });
  const target = staged.stagedUploadsCreate.stagedTargets?.[0];
  if (staged.stagedUploadsCreate.userErrors.length > 0 || !target?.url) {
    throw new ShopifyStop("STAGED_UPLOAD_REFUSED", `stagedUploadsCreate refused: ${staged.stagedUploadsCreate.userErrors.map((e) => e.message).join("; ")}`);
  }
  const path = target.parameters.find((p) => p.name === "key")?.value;
  if (!path) throw new ShopifyStop("STAGED_UPLOAD_REFUSED", "stagedUploadsCreate gave no key for the upload");

  // The staged target is a plain multipart POST: its parameters first, the file last.
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append("file", file, `${purpose}-${eventId}.jsonl`);
  const upload = await fetch(target.url, { method: "POST", body: form });
  if (!upload.ok) throw new Error(`the staged upload answered HTTP ${upload.status}`);

  const run = await client.request<{ bulkOperationRunMutation: { bulkOperation: { id: string } | null; userErrors: UserError[] } }>(BULK_RUN_MUTATION, {
    mutation: BULK_PRODUCT_SET,
    path,
    clientIdentifier: `${purpose}:${eventId}`,
  });
  const op = run.bulkOperationRunMutation;
  if (op.userErrors.length > 0 || !op.bulkOperation) {
    // Too many bulk operations running is worth waiting for; anything else needs a person.
    const busy = op.userErrors.some((e) => /already|in progress|limit/i.test(e.message) || e.code === "OPERATION_IN_PROGRESS");
    if (busy) throw new Error(`bulk operation refused for now: ${op.userErrors.map((e) => e.message).join("; ")}`);
    throw new ShopifyStop(op.userErrors[0]?.code ?? "BULK_REFUSED", `bulkOperationRunMutation refused: ${op.userErrors.map((e) => e.message).join("; ")}`);
  }
  return { operationId: op.bulkOperation.id, lines };
}

export interface BulkState {
  status: string;
  url: string | null;
  errorCode: string | null;
  objectCount: number;
}

export async function bulkState(client: ShopifyClient, operationId: string): Promise<BulkState> {
  const data = await client.request<{ bulkOperation: { status: string; url: string | null; partialDataUrl: string | null; errorCode: string | null; objectCount: string } | null }>(
    BULK_OPERATION,
    { id: operationId },
  );
  const op = data.bulkOperation;
  if (!op) throw new ShopifyStop("BULK_NOT_FOUND", `bulk operation ${operationId} not found`);
  return { status: op.status, url: op.url ?? op.partialDataUrl, errorCode: op.errorCode, objectCount: Number(op.objectCount) };
}

/**
 * Reads a finished bulk operation's results (JSONL, one line per input line, `__lineNumber` naming
 * it): the GIDs of each item, its data version now on Shopify, and the quantity a listing line set
 * (a re-pricing line records none: quantities are confirmed only by their compare-and-set). Lines
 * with userErrors are left out (the item stays in the outbox and goes again one by one, where an
 * error stops with its message).
 */
export async function bulkResults(url: string, lines: readonly BulkLine[]): Promise<{ pushed: ShopifyPushed[]; failed: { itemId: string; message: string }[] }> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`bulk results answered HTTP ${response.status}`);
  // JSONL (not text/*): read as bytes and decode as UTF-8.
  const text = new TextDecoder().decode(await response.arrayBuffer());
  const pushed: ShopifyPushed[] = [];
  const failed: { itemId: string; message: string }[] = [];
  let index = 0;
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    const row = JSON.parse(raw) as {
      __lineNumber?: number;
      data?: { productSet?: { product: { id: string; variants: { nodes: { id: string; inventoryItem: { id: string }; inventoryQuantity: number | null }[] } } | null; userErrors: UserError[] } };
      errors?: { message: string }[];
    };
    const line = lines[row.__lineNumber ?? index];
    index++;
    if (!line) continue;
    const [itemId, seq, dataVersion, quantity] = line;
    const result = row.data?.productSet;
    const variant = result?.product?.variants.nodes[0];
    if (!result?.product || !variant || result.userErrors.length > 0) {
      failed.push({ itemId, message: [...(result?.userErrors ?? []), ...(row.errors ?? [])].map((e) => e.message).join("; ") || "no product" });
      continue;
    }
    pushed.push({
      itemId,
      seq,
      listing: { productId: result.product.id, variantId: variant.id, inventoryItemId: variant.inventoryItem.id },
      pushedVersion: dataVersion,
      ...(quantity === null ? {} : { quantity: variant.inventoryQuantity ?? quantity }),
    });
  }
  return { pushed, failed };
}
