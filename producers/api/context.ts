import type { Context } from "hono";
import type { z } from "zod";
import { AppError } from "../../lib/errors";
import type { Actor } from "../../schemas/domain";

export type AppEnv = { Bindings: Env; Variables: { actor: Actor; requestId: string } };
export type AppContext = Context<AppEnv>;

/** Reads the JSON body and validates it; bad JSON or a bad shape is a 400 VALIDATION_FAILED. */
export async function parseBody<S extends z.ZodType>(c: AppContext, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new AppError("VALIDATION_FAILED", "the body must be JSON");
  }
  return parse(schema, raw, "body");
}

/** Validates a path parameter or any other value at the edge. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError("VALIDATION_FAILED", `invalid ${where}`, {
      issues: result.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join("."), message: i.message })),
    });
  }
  return result.data;
}

/** A write's answer: 201 the first time, 200 with `Idempotent-Replayed: true` when it was a replay. */
export function written<T>(c: AppContext, result: { value: T; replayed: boolean }) {
  if (result.replayed) {
    c.header("Idempotent-Replayed", "true");
    return c.json(result.value, 200);
  }
  return c.json(result.value, 201);
}
