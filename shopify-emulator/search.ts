// Shopify's search syntax for the `query:` argument (shopify.dev/docs/api/usage/search-syntax):
// `field:value`, comparators (`updated_at:>=2026-11-27T10:00:00Z`), `*` prefix wildcards, quotes,
// implicit AND, `OR`, `NOT`/`-`, parentheses, and bare words searched in a resource's default fields.

export type FieldKind = "string" | "number" | "date" | "id";
export interface SearchField<T> {
  kind: FieldKind;
  get: (record: T) => unknown;
}
export type SearchFields<T> = Record<string, SearchField<T>> & { default: SearchField<T> };

type Node =
  | { op: "and" | "or"; left: Node; right: Node }
  | { op: "not"; inner: Node }
  | { op: "term"; field: string; cmp: string; value: string };

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      tokens.push(c);
      i++;
    } else {
      let token = "";
      while (i < query.length && !/[\s()]/.test(query[i]!)) {
        const q = query[i]!;
        if (q === '"' || q === "'") {
          const end = query.indexOf(q, i + 1);
          const stop = end === -1 ? query.length : end;
          token += query.slice(i + 1, stop);
          i = stop + 1;
        } else {
          token += q;
          i++;
        }
      }
      tokens.push(token);
    }
  }
  return tokens;
}

function parse(tokens: string[]): Node | null {
  let pos = 0;
  const peek = () => tokens[pos];
  function orExpr(): Node | null {
    let left = andExpr();
    while (peek() === "OR") {
      pos++;
      const right = andExpr();
      if (left && right) left = { op: "or", left, right };
      else left = left ?? right;
    }
    return left;
  }
  function andExpr(): Node | null {
    let left = unary();
    while (pos < tokens.length && peek() !== ")" && peek() !== "OR") {
      if (peek() === "AND") pos++;
      const right = unary();
      if (left && right) left = { op: "and", left, right };
      else left = left ?? right;
    }
    return left;
  }
  function unary(): Node | null {
    const token = peek();
    if (token === undefined) return null;
    if (token === "NOT") {
      pos++;
      const inner = unary();
      return inner ? { op: "not", inner } : null;
    }
    if (token === "(") {
      pos++;
      const inner = orExpr();
      if (peek() === ")") pos++;
      return inner;
    }
    pos++;
    if (token.startsWith("-") && token.length > 1) return { op: "not", inner: term(token.slice(1)) };
    return term(token);
  }
  function term(token: string): Node {
    const colon = token.indexOf(":");
    if (colon <= 0) return { op: "term", field: "default", cmp: ":", value: token };
    const field = token.slice(0, colon);
    let rest = token.slice(colon + 1);
    const cmp = /^(>=|<=|>|<)/.exec(rest)?.[1] ?? ":";
    rest = rest.slice(cmp === ":" ? 0 : cmp.length);
    return { op: "term", field, cmp, value: rest };
  }
  return orExpr();
}

function compare(kind: FieldKind, actual: unknown, cmp: string, wanted: string): boolean {
  if (actual === null || actual === undefined) return false;
  if (Array.isArray(actual)) return actual.some((a) => compare(kind, a, cmp, wanted));
  if (kind === "number" || kind === "id") {
    const a = Number(actual);
    const w = Number(kind === "id" ? wanted.replace(/^gid:\/\/shopify\/\w+\//, "") : wanted);
    if (Number.isNaN(w)) return false;
    return cmp === ">=" ? a >= w : cmp === "<=" ? a <= w : cmp === ">" ? a > w : cmp === "<" ? a < w : a === w;
  }
  if (kind === "date") {
    const a = Date.parse(String(actual));
    const w = Date.parse(wanted);
    if (Number.isNaN(w)) return false;
    return cmp === ">=" ? a >= w : cmp === "<=" ? a <= w : cmp === ">" ? a > w : cmp === "<" ? a < w : a === w;
  }
  const a = String(actual).toLowerCase();
  const w = wanted.toLowerCase();
  if (cmp !== ":") return cmp === ">=" ? a >= w : cmp === "<=" ? a <= w : cmp === ">" ? a > w : a < w;
  if (w === "*") return a.length > 0;
  if (w.endsWith("*")) return a.startsWith(w.slice(0, -1));
  return a === w;
}

function evaluate<T>(node: Node, record: T, fields: SearchFields<T>): boolean {
  switch (node.op) {
    case "and":
      return evaluate(node.left, record, fields) && evaluate(node.right, record, fields);
    case "or":
      return evaluate(node.left, record, fields) || evaluate(node.right, record, fields);
    case "not":
      return !evaluate(node.inner, record, fields);
    case "term": {
      const field = fields[node.field];
      if (!field) return true; // Shopify ignores filters it does not know (and warns in `extensions.search`)
      if (node.field === "default") {
        // Bare words match a word of the default fields, case-insensitively, or a prefix with `*`.
        const text = String(field.get(record) ?? "").toLowerCase();
        const w = node.value.toLowerCase();
        return w.endsWith("*") ? text.split(/\s+/).some((word) => word.startsWith(w.slice(0, -1))) : text.includes(w);
      }
      return compare(field.kind, field.get(record), node.cmp, node.value);
    }
  }
}

/** A predicate for `query`, or null when the query is empty. */
export function searchFilter<T>(query: string | null | undefined, fields: SearchFields<T>): ((record: T) => boolean) | null {
  if (!query || !query.trim()) return null;
  const tree = parse(tokenize(query));
  return tree ? (record) => evaluate(tree, record, fields) : null;
}
