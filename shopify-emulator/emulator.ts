// One emulated shop and everything around it: schema, state, rate limit, idempotency keys, webhooks,
// staged uploads, bulk operations, fault knobs and the call log.
import { executeSync, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import { BulkOperations, bulkFinishPayload } from "./bulk.ts";
import { CallLog } from "./calls.ts";
import type { EmulatorOptions } from "./config.ts";
import { Faults } from "./faults.ts";
import { isoNow, nextId } from "./ids.ts";
import { IdempotencyKeys } from "./idempotency.ts";
import type { Context, Services } from "./resolvers/context.ts";
import { rootValue } from "./resolvers/index.ts";
import { adminSchema } from "./schema.ts";
import { Shop } from "./shop.ts";
import { StagedUploads } from "./staged-uploads.ts";
import { LeakyBucket } from "./throttle.ts";
import { enumTopic } from "./topics.ts";
import { Webhooks } from "./webhooks.ts";

/** Fields the emulator does not serve answer this error instead of a silent null. */
const fieldResolver: GraphQLFieldResolver<unknown, Context> = (source, args, ctx, info) => {
  if (source === null || typeof source !== "object") return undefined;
  const record = source as Record<string, unknown>;
  if (!(info.fieldName in record)) {
    throw new GraphQLError(`${info.parentType.name}.${info.fieldName} is not implemented by the Shopify emulator`, {
      extensions: { code: "EMULATOR_NOT_IMPLEMENTED" },
    });
  }
  const value = record[info.fieldName];
  return typeof value === "function" ? (value as (...a: unknown[]) => unknown).call(record, args, ctx, info) : value;
};

export class Emulator {
  readonly schema: GraphQLSchema = adminSchema();
  readonly shop = new Shop();
  readonly faults = new Faults();
  readonly calls = new CallLog();
  readonly keys: IdempotencyKeys;
  readonly bucket: LeakyBucket;
  readonly webhooks: Webhooks;
  readonly uploads: StagedUploads;
  readonly bulk: BulkOperations;
  readonly services: Services;
  /** Set by `POST /_emulator/uninstall`: the token stops working, as after app/uninstalled. */
  uninstalled = false;
  origin = "";
  private readonly root: Record<string, unknown>;

  readonly options: EmulatorOptions;

  constructor(options: EmulatorOptions) {
    this.options = options;
    this.keys = new IdempotencyKeys(this.schema.getDirective("idempotent")!);
    this.root = rootValue(this.schema, this.keys);
    this.bucket = new LeakyBucket(options.bucketSize, options.restoreRate);
    this.webhooks = new Webhooks(options, () => this.shop, this.faults);
    this.uploads = new StagedUploads(this.shop.id);
    this.bulk = new BulkOperations(
      this.schema,
      (document, variables, bulk) => this.execute(document, variables, bulk),
      (op) => this.webhooks.emit("bulk_operations/finish", bulkFinishPayload(op)),
      options.bulkLinesPerTick,
    );
    this.services = {
      options,
      origin: () => this.origin,
      emit: (topic, payload) => this.webhooks.emit(topic, payload),
      uploads: this.uploads,
      bulk: this.bulk,
    };
    this.addConfigSubscriptions();
  }

  private addConfigSubscriptions(): void {
    const now = isoNow();
    for (const { uri, topics } of this.options.configSubscriptions) {
      for (const topic of topics) {
        const id = nextId();
        this.shop.subscriptions.set(id, { id, topic: enumTopic(topic), uri, format: "JSON", includeFields: [], name: null, fromConfig: true, createdAt: now, updatedAt: now });
      }
    }
  }

  /** Runs a validated document with the emulator's resolvers (synchronously: mutations are atomic). */
  execute(document: DocumentNode, variables: Record<string, unknown>, bulk: boolean, operationName?: string | null): ExecutionResult {
    const contextValue: Context = { shop: this.shop, services: this.services, bulk };
    return executeSync({ schema: this.schema, document, rootValue: this.root, contextValue, variableValues: variables, operationName, fieldResolver });
  }

  /** `POST /_emulator/reset`: an empty shop (same location), full bucket, no keys, faults, calls or deliveries. */
  reset(): void {
    this.shop.clear();
    this.addConfigSubscriptions();
    this.faults.clear({});
    this.calls.clear();
    this.webhooks.reset();
    this.uploads.reset();
    this.bulk.reset();
    this.keys.reset();
    this.bucket.fill();
    this.uninstalled = false;
  }
}
