import pRetry, { AbortError } from "p-retry";
import { graphqlUrl, type ShopifyConfig } from "./config";

/** Shopify's cost report on every Admin GraphQL answer. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface GraphQLAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
  extensions?: { cost?: { requestedQueryCost?: number; actualQueryCost?: number | null; throttleStatus?: ThrottleStatus } };
}

/** A failure that a person must fix (bad token, uninstalled app, a document Shopify refuses): never retried. */
export class ShopifyStop extends Error {
  override readonly name = "ShopifyStop";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A failure worth another try (throttled, 5xx, network), with how long Shopify asks us to wait. */
class Retryable extends Error {
  override readonly name = "Retryable";
  constructor(
    message: string,
    readonly waitMs: number,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  fetch?: typeof fetch;
  /** Attempts after the first (throttling, 5xx, network). */
  retries?: number;
  /** Gives up retrying after this long (ms). */
  maxRetryTime?: number;
  /** Each request's own time limit (ms). */
  timeoutMs?: number;
}

/**
 * What this isolate last heard of a shop's leaky bucket. Shared by every client of the isolate so
 * concurrent callers pace together; the bucket refills at `restoreRate` points a second.
 */
const buckets = new Map<string, { status: ThrottleStatus; at: number }>();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Points a call is expected to cost before Shopify tells us: mutations cost 10, small queries a few. */
export const expectedCost = (query: string) => (/^\s*mutation\b/.test(query) ? 10 : 5);

/**
 * A small Admin GraphQL client: the pinned version from config, cost-aware pacing from
 * `throttleStatus`, retries (p-retry) for THROTTLED — in the body or as HTTP 429 — 5xx and network
 * errors, and a `ShopifyStop` for what needs a person. userErrors are the caller's to judge.
 */
export class ShopifyClient {
  /** GraphQL calls made (attempts included) and points Shopify charged, for status and the bench. */
  calls = 0;
  pointsSpent = 0;
  private readonly doFetch: typeof fetch;

  constructor(
    readonly config: ShopifyConfig,
    private readonly options: ClientOptions = {},
  ) {
    this.doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return pRetry(() => this.attempt<T>(query, variables), {
      retries: this.options.retries ?? 8,
      maxRetryTime: this.options.maxRetryTime ?? 60_000,
      minTimeout: 200,
      maxTimeout: 5_000,
      factor: 2,
      shouldRetry: ({ error }) => error instanceof Retryable || isNetworkError(error),
      onFailedAttempt: async ({ error }) => {
        if (error instanceof Retryable && error.waitMs > 0) await sleep(error.waitMs);
      },
    });
  }

  private async attempt<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    await this.pace(expectedCost(query));
    this.calls++;
    let response: Response;
    try {
      response = await this.doFetch(graphqlUrl(this.config), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-Shopify-Access-Token": this.config.token },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch (error) {
      throw new Retryable(`Shopify unreachable: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
    if (response.status === 401 || response.status === 403) {
      throw new AbortError(new ShopifyStop("UNAUTHORIZED", `Shopify refused the access token (HTTP ${response.status}): check SHOPIFY_ADMIN_TOKEN, or the app was uninstalled`));
    }
    if (response.status === 402 || response.status === 423) {
      throw new AbortError(new ShopifyStop("SHOP_UNAVAILABLE", `the shop is ${response.status === 402 ? "frozen (unpaid)" : "locked"} (HTTP ${response.status})`));
    }
    if (response.status === 404) throw new AbortError(new ShopifyStop("NOT_FOUND", `no Admin API at ${graphqlUrl(this.config)} (HTTP 404): check the shop and API version`));
    if (response.status === 429) throw new Retryable("throttled (HTTP 429)", retryAfterMs(response));
    if (response.status >= 500) throw new Retryable(`Shopify answered HTTP ${response.status}`, retryAfterMs(response));
    if (!response.ok) throw new AbortError(new ShopifyStop("HTTP_ERROR", `Shopify answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`));
    const answer = (await response.json()) as GraphQLAnswer<T>;
    const cost = answer.extensions?.cost;
    if (cost?.throttleStatus) buckets.set(this.config.origin, { status: cost.throttleStatus, at: Date.now() });
    this.pointsSpent += cost?.actualQueryCost ?? 0;
    const errors = answer.errors ?? [];
    if (errors.some((e) => e.extensions?.code === "THROTTLED")) {
      const status = cost?.throttleStatus;
      const needed = (cost?.requestedQueryCost ?? expectedCost(query)) - (status?.currentlyAvailable ?? 0);
      throw new Retryable("throttled", status && status.restoreRate > 0 ? Math.ceil((Math.max(needed, 1) / status.restoreRate) * 1000) : 1_000);
    }
    if (errors.some((e) => e.extensions?.code === "INTERNAL_SERVER_ERROR")) throw new Retryable(`Shopify internal error: ${errors[0]!.message}`, 0);
    if (errors.length > 0 || answer.data === undefined) {
      throw new AbortError(new ShopifyStop(errors[0]?.extensions?.code ?? "GRAPHQL_ERROR", `Shopify refused the request: ${errors.map((e) => e.message).join("; ") || "no data"}`));
    }
    return answer.data;
  }

  /** Waits until the shop's bucket (as last reported) holds `cost` points. */
  private async pace(cost: number) {
    const last = buckets.get(this.config.origin);
    if (!last) return;
    const { maximumAvailable, currentlyAvailable, restoreRate } = last.status;
    const now = Math.min(maximumAvailable, currentlyAvailable + ((Date.now() - last.at) / 1000) * restoreRate);
    if (now >= cost || restoreRate <= 0) return;
    await sleep(Math.ceil(((cost - now) / restoreRate) * 1000));
  }
}

function retryAfterMs(response: Response): number {
  const header = Number(response.headers.get("Retry-After"));
  return Number.isFinite(header) && header > 0 ? header * 1000 : 1_000;
}

const isNetworkError = (error: unknown) => error instanceof TypeError;

/** Unwraps p-retry's AbortError so callers see the ShopifyStop. */
export function stopOf(error: unknown): ShopifyStop | null {
  if (error instanceof ShopifyStop) return error;
  const original = (error as { originalError?: unknown } | null)?.originalError;
  return original instanceof ShopifyStop ? original : null;
}
