/** Stable error codes of the HTTP contract (README, "API") and the status each maps to. */
const STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ITEM_UNAVAILABLE: 409,
  SESSION_NOT_ACTIVE: 409,
  INVALID_TRANSITION: 409,
  VERSION_CONFLICT: 409,
  ITEM_LOCKED: 409,
  SESSION_HAS_SALES: 409,
  ALREADY_EXISTS: 409,
  SHOPIFY_NOT_CONFIGURED: 409,
  EVENT_CLOSED: 409,
  ITEM_RULE_VIOLATED: 422,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof STATUS;

/** Every error code, in the order above (the OpenAPI document lists them). */
export const ERROR_CODES = Object.keys(STATUS) as [ErrorCode, ...ErrorCode[]];

/** The HTTP status an error code answers with. */
export const statusOf = (code: ErrorCode): number => STATUS[code];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** An error with a stable code; the API's one error handler turns it into the envelope. */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = STATUS[code];
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const notFound = (what: string, details?: unknown) => new AppError("NOT_FOUND", `${what} not found`, details);

export const invalidTransition = (entity: string, from: string, to: string, details?: Record<string, unknown>) =>
  new AppError("INVALID_TRANSITION", `${entity} cannot go from ${from} to ${to}`, { from, to, ...details });

/**
 * What a Durable Object's RPC method returns. Errors cross the RPC boundary as plain data so the
 * code and details survive (a thrown Error keeps only its message).
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

/** Runs `fn`, turning an AppError into a failed Result; anything else is a bug and is rethrown. */
export async function attempt<T>(fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error: error.toBody() };
    throw error;
  }
}

/** The caller's side of `attempt`: the value, or the AppError again. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new AppError(result.error.code, result.error.message, result.error.details);
}
