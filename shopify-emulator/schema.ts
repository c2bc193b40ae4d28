// Shopify's real Admin schema for the pinned version (from @shopify/dev-mcp 1.16.0, see SCHEMA-LICENSE.md),
// built once per process. Every document is validated against it.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import {
  buildClientSchema,
  GraphQLError,
  GraphQLScalarType,
  Kind,
  type GraphQLSchema,
  type IntrospectionQuery,
  type ValueNode,
} from "graphql";

let cached: GraphQLSchema | null = null;

export function adminSchema(): GraphQLSchema {
  if (cached) return cached;
  const file = new URL("./admin_2026-10.json.gz", import.meta.url);
  const introspection = JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) as { data: IntrospectionQuery };
  const schema = buildClientSchema(introspection.data);
  strictDecimal(schema, "Money");
  strictDecimal(schema, "Decimal");
  cached = schema;
  return schema;
}

/**
 * A client schema's custom scalars accept anything; Shopify's `Money` and `Decimal` accept a decimal
 * number or string only ("100.57"), so the emulator refuses what Shopify would refuse.
 */
function strictDecimal(schema: GraphQLSchema, name: string): void {
  const type = schema.getType(name);
  if (!(type instanceof GraphQLScalarType)) return;
  const check = (value: unknown): string => {
    const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
    if (typeof text !== "string" || !/^\s*-?\d+(\.\d+)?\s*$/.test(text)) {
      throw new GraphQLError(`invalid ${name.toLowerCase()} value: ${JSON.stringify(value)}`);
    }
    return text.trim();
  };
  type.parseValue = check;
  type.parseLiteral = (node: ValueNode) => {
    if (node.kind === Kind.STRING || node.kind === Kind.INT || node.kind === Kind.FLOAT) return check(node.value);
    throw new GraphQLError(`invalid ${name.toLowerCase()} value`);
  };
}

/**
 * Mutations whose schema description says the `@idempotent` key is required since 2026-04
 * (Shopify's changelog "Making idempotency mandatory for inventory adjustments and refund mutations"):
 * the schema cannot mark a directive as required, so Shopify refuses at run time and so does the emulator.
 */
export function mutationsRequiringIdempotency(schema: GraphQLSchema): Set<string> {
  const names = new Set<string>();
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    if (/As of (version )?`?2026-04`?, the idempotency key is required/.test(field.description ?? "")) names.add(field.name);
  }
  return names;
}
