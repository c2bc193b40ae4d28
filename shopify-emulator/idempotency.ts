// The `@idempotent(key:)` directive (shopify.dev/docs/api/usage/idempotent-requests and
// …/implementing-idempotency): the same key with the same parameters returns the original result
// without applying again; the same key with other parameters is IDEMPOTENCY_KEY_PARAMETER_MISMATCH;
// a key whose first attempt failed (user errors) answers IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED.
// Keys are kept 24 hours. Since 2026-04 some mutations refuse to run without the directive.
import {
  getDirectiveValues,
  getNamedType,
  GraphQLError,
  GraphQLObjectType,
  type GraphQLDirective,
  type GraphQLFieldResolver,
} from "graphql";

const RETENTION_MS = 24 * 60 * 60 * 1000;

interface Entry {
  fingerprint: string;
  result: unknown;
  failed: boolean;
  at: number;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();
  private readonly directive: GraphQLDirective;

  constructor(directive: GraphQLDirective) {
    this.directive = directive;
  }

  get size(): number {
    return this.entries.size;
  }

  reset(): void {
    this.entries.clear();
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.at < RETENTION_MS) break; // insertion order is age order
      this.entries.delete(key);
    }
  }

  /** Wraps a mutation resolver with the directive's semantics. */
  wrap<C>(name: string, resolve: GraphQLFieldResolver<unknown, C>, required: boolean): GraphQLFieldResolver<unknown, C> {
    return (source, args, context, info) => {
      const values = getDirectiveValues(this.directive, info.fieldNodes[0]!, info.variableValues) as { key: string } | undefined;
      if (!values) {
        if (required) {
          throw new GraphQLError("The @idempotent directive is required for this mutation but was not provided.", { extensions: { code: "BAD_REQUEST" } });
        }
        return resolve(source, args, context, info);
      }
      const now = Date.now();
      this.prune(now);
      const fingerprint = `${name}${canonical(args)}`;
      const prior = this.entries.get(values.key);
      if (prior) {
        if (prior.fingerprint !== fingerprint) {
          return refusal(info.returnType, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "The same idempotency key cannot be used with different operation parameters.");
        }
        if (prior.failed) {
          return refusal(info.returnType, "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED", "A previous request with this idempotency key failed. Retry with a new idempotency key.");
        }
        return prior.result;
      }
      const result = resolve(source, args, context, info);
      const userErrors = (result as { userErrors?: unknown[] } | null)?.userErrors;
      this.entries.set(values.key, { fingerprint, result, failed: Array.isArray(userErrors) && userErrors.length > 0, at: now });
      return result;
    };
  }
}

/** A payload whose userErrors carry the code, or a top-level error when the payload's errors have no `code`. */
function refusal(returnType: Parameters<typeof getNamedType>[0], code: string, message: string): object {
  const payload = getNamedType(returnType);
  if (payload instanceof GraphQLObjectType) {
    const errorType = getNamedType(payload.getFields().userErrors?.type);
    if (errorType instanceof GraphQLObjectType && errorType.getFields().code) {
      const nulls = Object.fromEntries(Object.keys(payload.getFields()).map((f) => [f, null]));
      return { ...nulls, userErrors: [{ field: null, message, code }] };
    }
  }
  throw new GraphQLError(message, { extensions: { code } });
}
