// Calculated query cost (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): scalars and enums
// cost 0, objects 1, a connection 2 plus its page size times the cost of one node, a mutation field 10
// (productSet: 10 + 0.2 per variant + 0.4 per metafield, "Dynamic complexity cost for productSet").
// The requested cost sizes connections by `first`/`last`; the actual cost by what was returned.
import {
  getArgumentValues,
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/** The fields of a selection set with the type each applies to, fragments expanded. */
function collect(w: Walk, set: SelectionSetNode, type: GraphQLCompositeType, out: { field: FieldNode; type: GraphQLCompositeType }[] = []) {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.push({ field: s, type });
    else if (s.kind === Kind.INLINE_FRAGMENT) {
      const t = s.typeCondition ? (w.schema.getType(s.typeCondition.name.value) as GraphQLCompositeType) : type;
      collect(w, s.selectionSet, t, out);
    } else {
      const f = w.fragments.get(s.name.value);
      if (f) collect(w, f.selectionSet, w.schema.getType(f.typeCondition.name.value) as GraphQLCompositeType, out);
    }
  }
  return out;
}

function fieldDef(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return "getFields" in type ? type.getFields()[name] : undefined;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

function args(w: Walk, def: GraphQLField<unknown, unknown>, field: FieldNode): Record<string, unknown> {
  try {
    return getArgumentValues(def, field, w.variables);
  } catch {
    return {};
  }
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v]);

/**
 * Cost of a selection set. With `parents === null` it is the requested cost of one parent object;
 * with the parents' response objects it is the actual cost summed over them.
 */
function selectionCost(w: Walk, set: SelectionSetNode, type: GraphQLCompositeType, parents: unknown[] | null): number {
  let total = 0;
  for (const { field, type: on } of collect(w, set, type)) {
    const def = fieldDef(on, field.name.value);
    if (!def || !field.selectionSet) continue;
    const named = getNamedType(def.type) as GraphQLCompositeType;
    if (isLeafType(named) || named.name === "PageInfo") continue;
    const key = field.alias?.value ?? field.name.value;
    const values = parents === null ? null : parents.flatMap((p) => asArray((p as Record<string, unknown> | null)?.[key]));
    if (named.name.endsWith("Connection")) {
      total += connectionCost(w, field, named, def, values);
    } else if (parents === null) {
      const a = args(w, def, field);
      const size = isList(def.type) ? Number(a.first ?? a.last ?? (Array.isArray(a.ids) ? a.ids.length : 1)) : 1;
      total += size * (1 + selectionCost(w, field.selectionSet, named, null));
    } else {
      total += values!.length + selectionCost(w, field.selectionSet, named, values);
    }
  }
  return total;
}

function connectionCost(w: Walk, field: FieldNode, type: GraphQLCompositeType, def: GraphQLField<unknown, unknown>, connections: unknown[] | null): number {
  // One node's selection: `edges { node { … } }` and/or `nodes { … }`.
  const nodeSets: { set: SelectionSetNode; type: GraphQLCompositeType; path: string[] }[] = [];
  for (const { field: f, type: on } of collect(w, field.selectionSet!, type)) {
    const d = fieldDef(on, f.name.value);
    if (!d || !f.selectionSet) continue;
    const named = getNamedType(d.type) as GraphQLCompositeType;
    const key = f.alias?.value ?? f.name.value;
    if (f.name.value === "nodes") nodeSets.push({ set: f.selectionSet, type: named, path: [key] });
    if (f.name.value === "edges") {
      for (const { field: e, type: edgeType } of collect(w, f.selectionSet, named)) {
        const ed = fieldDef(edgeType, e.name.value);
        if (e.name.value === "node" && ed && e.selectionSet) nodeSets.push({ set: e.selectionSet, type: getNamedType(ed.type) as GraphQLCompositeType, path: [key, e.alias?.value ?? "node"] });
      }
    }
  }
  if (connections === null) {
    const a = args(w, def, field);
    const size = Number(a.first ?? a.last ?? 0);
    const perNode = Math.max(0, ...nodeSets.map((n) => selectionCost(w, n.set, n.type, null)));
    return 2 + size * (1 + perNode);
  }
  let total = 0;
  for (const connection of connections) {
    total += 2;
    let counted = false;
    for (const n of nodeSets) {
      const [listKey, nodeKey] = n.path;
      const list = asArray((connection as Record<string, unknown> | null)?.[listKey!]);
      const nodes = nodeKey ? list.map((e) => (e as Record<string, unknown>)[nodeKey]) : list;
      total += (counted ? 0 : nodes.length) + selectionCost(w, n.set, n.type, nodes);
      counted = true;
    }
  }
  return total;
}

function mutationFieldCost(w: Walk, field: FieldNode): number {
  if (field.name.value !== "productSet") return 10;
  const def = w.schema.getMutationType()!.getFields().productSet!;
  const input = (args(w, def, field).input ?? {}) as { variants?: { metafields?: unknown[] }[]; metafields?: unknown[] };
  const variants = input.variants ?? [];
  const variantMetafields = variants.reduce((sum, v) => sum + (v.metafields?.length ?? 0), 0);
  return Math.ceil(10 + variants.length * 0.2 + variantMetafields * 0.4 + (input.metafields?.length ?? 0) * 0.4);
}

export interface QueryCost {
  requested: number;
  actual: (data: unknown) => number;
}

export function queryCost(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>, variables: Record<string, unknown>): QueryCost {
  const w: Walk = { schema, fragments, variables };
  if (operation.operation === "mutation") {
    const fields = collect(w, operation.selectionSet, schema.getMutationType()!).map((x) => x.field);
    const requested = fields.reduce((sum, f) => sum + mutationFieldCost(w, f), 0);
    return { requested, actual: () => requested };
  }
  const root = schema.getQueryType()!;
  return {
    requested: selectionCost(w, operation.selectionSet, root, null),
    actual: (data) => selectionCost(w, operation.selectionSet, root, [data]),
  };
}
