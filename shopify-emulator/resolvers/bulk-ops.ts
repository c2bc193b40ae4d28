// stagedUploadsCreate and the bulk operation mutations and queries (runner in ../bulk.ts).
import { bulkOperationView, type BulkOperationRecord } from "../bulk.ts";
import { idOf } from "../ids.ts";
import { connection, type PageArgs } from "./connection.ts";
import type { Context } from "./context.ts";

interface StagedUploadInput {
  resource: string;
  filename: string;
  mimeType: string;
  httpMethod?: string | null;
}

function view(ctx: Context, op: BulkOperationRecord | undefined): object | null {
  return op ? bulkOperationView(op, ctx.services.origin()) : null;
}

export const bulkMutations = {
  stagedUploadsCreate({ input }: { input: StagedUploadInput[] }, ctx: Context) {
    const unsupported = input.findIndex((i) => i.resource !== "BULK_MUTATION_VARIABLES");
    if (unsupported >= 0) {
      return {
        stagedTargets: [],
        userErrors: [{ field: ["input", String(unsupported), "resource"], message: "The Shopify emulator only stages BULK_MUTATION_VARIABLES uploads" }],
      };
    }
    return { stagedTargets: input.map((i) => ctx.services.uploads.create(ctx.services.origin(), i)), userErrors: [] };
  },

  bulkOperationRunMutation(args: { mutation: string; stagedUploadPath: string; clientIdentifier?: string | null }, ctx: Context) {
    const started = ctx.services.bulk.runMutation(args.mutation, ctx.services.uploads.read(args.stagedUploadPath), args.clientIdentifier ?? null);
    if ("code" in started) return { bulkOperation: null, userErrors: [started] };
    return { bulkOperation: view(ctx, started), userErrors: [] };
  },

  bulkOperationRunQuery(args: { query: string }, ctx: Context) {
    const started = ctx.services.bulk.runQuery(args.query);
    if ("code" in started) return { bulkOperation: null, userErrors: [started] };
    return { bulkOperation: view(ctx, started), userErrors: [] };
  },

  bulkOperationCancel({ id }: { id: string }, ctx: Context) {
    const op = ctx.services.bulk.cancel(idOf("BulkOperation", id) ?? -1);
    if (!op) return { bulkOperation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
    return { bulkOperation: view(ctx, op), userErrors: [] };
  },
};

export const bulkQueries = {
  currentBulkOperation({ type }: { type?: "MUTATION" | "QUERY" }, ctx: Context) {
    return view(ctx, ctx.services.bulk.current(type ?? "QUERY"));
  },
  bulkOperation({ id }: { id: string }, ctx: Context) {
    return view(ctx, ctx.services.bulk.ops.get(idOf("BulkOperation", id) ?? -1));
  },
  bulkOperations(args: PageArgs, ctx: Context) {
    return connection(ctx, "bulkOperations", ctx.services.bulk.ops.values(), args, (op) => [op.createdAt, op.id], (op) => bulkOperationView(op, ctx.services.origin()));
  },
};
