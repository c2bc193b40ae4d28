// Relay connections as Shopify pages them: `first`/`last` (required outside bulk operations, at most
// 250), opaque cursors, `reverse`, `pageInfo`.
import { GraphQLError } from "graphql";
import { decodeCursor, encodeCursor } from "../ids.ts";
import type { Context } from "./context.ts";

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

const MAX_PAGE = 250;

function compareKeys(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (x === undefined || x === null) return -1;
    if (y === undefined || y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST" } });
}

/**
 * One page of `records` ordered by `sortKey` (which should end with the id, so keys are unique).
 * In a bulk operation (`ctx.bulk`) every record is returned, as Shopify's bulk queries do.
 */
export function connection<T>(
  ctx: Context,
  fieldName: string,
  records: Iterable<T>,
  args: PageArgs,
  sortKey: (record: T) => unknown[],
  view: (record: T) => object,
): object {
  const { first, last, after, before } = args;
  if (!ctx.bulk) {
    if (first == null && last == null) throw badRequest("you must provide one of first or last");
    if (first != null && last != null) throw badRequest("providing both first and last is not supported");
    for (const [name, size] of [["first", first], ["last", last]] as const) {
      if (size != null && (size < 0 || size > MAX_PAGE)) {
        throw badRequest(`Argument '${name}' on Field '${fieldName}' has an invalid value (${size}). Expected a value between 0 and ${MAX_PAGE}.`);
      }
    }
  }
  const direction = args.reverse ? -1 : 1;
  const sorted = [...records].map((r) => ({ r, key: sortKey(r) })).sort((a, b) => direction * compareKeys(a.key, b.key));
  let start = 0;
  let end = sorted.length;
  if (after) {
    const key = decodeCursor(after);
    while (start < end && direction * compareKeys(sorted[start]!.key, key) <= 0) start++;
  }
  if (before) {
    const key = decodeCursor(before);
    while (end > start && direction * compareKeys(sorted[end - 1]!.key, key) >= 0) end--;
  }
  let from = start;
  let to = end;
  if (!ctx.bulk) {
    if (first != null) to = Math.min(end, start + first);
    else if (last != null) from = Math.max(start, end - last);
  }
  const page = sorted.slice(from, to);
  const edges = page.map(({ r, key }) => ({ cursor: encodeCursor(key), node: view(r) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: to < sorted.length,
      hasPreviousPage: from > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** `{ count, precision }` as the `Count` type. */
export function count(n: number): object {
  return { count: n, precision: "EXACT" };
}
