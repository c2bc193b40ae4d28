// Bulk operations (shopify.dev/docs/api/usage/bulk-operations/imports and …/queries): a bulk mutation
// runs its mutation once per line of an uploaded JSONL file; a bulk query runs one query over every
// record. Both run in the background and leave a JSONL result file served by the emulator.
import {
  getNamedType,
  GraphQLObjectType,
  isCompositeType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { gid, isoNow, nextId, restTime } from "./ids.ts";

export type BulkType = "MUTATION" | "QUERY";
export type BulkStatus = "CANCELED" | "CANCELING" | "COMPLETED" | "CREATED" | "FAILED" | "RUNNING";

export interface BulkOperationRecord {
  id: number;
  type: BulkType;
  status: BulkStatus;
  query: string;
  clientIdentifier: string | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: number;
  rootObjectCount: number;
  lines: string[];
  errorCode: string | null;
}

/** Runs one document (synchronously) with the emulator's resolvers. */
export type BulkExecute = (document: DocumentNode, variables: Record<string, unknown>, bulk: boolean) => ExecutionResult;

const MAX_CONCURRENT = 5; // "In API versions 2026-01 and higher apps can run up to five bulk query operations at a time per shop."

export class BulkOperations {
  readonly ops = new Map<number, BulkOperationRecord>();
  private readonly schema: GraphQLSchema;
  private readonly execute: BulkExecute;
  private readonly onFinish: (op: BulkOperationRecord) => void;
  private readonly linesPerTick: number;

  constructor(schema: GraphQLSchema, execute: BulkExecute, onFinish: (op: BulkOperationRecord) => void, linesPerTick: number) {
    this.schema = schema;
    this.execute = execute;
    this.onFinish = onFinish;
    this.linesPerTick = linesPerTick;
  }

  reset(): void {
    for (const op of this.ops.values()) if (op.status === "RUNNING" || op.status === "CREATED") op.status = "CANCELED";
    this.ops.clear();
  }

  running(): number {
    return [...this.ops.values()].filter((op) => op.status === "CREATED" || op.status === "RUNNING" || op.status === "CANCELING").length;
  }

  current(type: BulkType): BulkOperationRecord | undefined {
    return [...this.ops.values()].filter((op) => op.type === type).at(-1);
  }

  result(id: number): string | undefined {
    const op = this.ops.get(id);
    return op && (op.status === "COMPLETED" || op.status === "CANCELED" || op.status === "FAILED") ? op.lines.join("") : undefined;
  }

  private create(type: BulkType, query: string, clientIdentifier: string | null): BulkOperationRecord {
    const op: BulkOperationRecord = {
      id: nextId(), type, status: "CREATED", query, clientIdentifier, createdAt: isoNow(), completedAt: null,
      objectCount: 0, rootObjectCount: 0, lines: [], errorCode: null,
    };
    this.ops.set(op.id, op);
    return op;
  }

  private finish(op: BulkOperationRecord, status: BulkStatus): void {
    op.status = status;
    op.completedAt = isoNow();
    this.onFinish(op);
  }

  /** Starts a bulk mutation; returns the operation or a user error (code and message). */
  runMutation(mutation: string, file: Buffer | undefined, clientIdentifier: string | null): BulkOperationRecord | { code: string; field: string[]; message: string } {
    if (this.running() >= MAX_CONCURRENT) return { code: "LIMIT_REACHED", field: [], message: "Bulk operations limit reached. Please try again later." };
    if (!file) return { code: "NO_SUCH_FILE", field: ["stagedUploadPath"], message: "The JSONL file could not be found. Try uploading the file again." };
    let document: DocumentNode;
    try {
      document = parse(mutation);
    } catch (error) {
      return { code: "INVALID_MUTATION", field: ["mutation"], message: `Invalid mutation: ${(error as Error).message}` };
    }
    const problems = validate(this.schema, document);
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const op0 = operations[0];
    if (problems.length) return { code: "INVALID_MUTATION", field: ["mutation"], message: problems.map((p) => p.message).join("; ") };
    if (operations.length !== 1 || op0?.operation !== "mutation" || op0.selectionSet.selections.length !== 1) {
      return { code: "INVALID_MUTATION", field: ["mutation"], message: "The bulk mutation must be a single mutation with a single top-level field." };
    }
    const lines = file.toString("utf8").split("\n").filter((l) => l.trim() !== "");
    const variables: Record<string, unknown>[] = [];
    for (const line of lines) {
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
        variables.push(parsed as Record<string, unknown>);
      } catch {
        return { code: "INVALID_STAGED_UPLOAD_FILE", field: ["stagedUploadPath"], message: "Unexpected file structure - expected JSONL" };
      }
    }
    const op = this.create("MUTATION", mutation, clientIdentifier);
    let next = 0;
    const step = () => {
      if (op.status === "CANCELING") return this.finish(op, "CANCELED");
      if (!this.ops.has(op.id)) return; // reset while running
      op.status = "RUNNING";
      for (const end = Math.min(variables.length, next + this.linesPerTick); next < end; next++) {
        const result = this.execute(document, variables[next]!, false);
        op.lines.push(`${JSON.stringify({ ...result, __lineNumber: next })}\n`);
        op.objectCount++;
        op.rootObjectCount++;
      }
      if (next < variables.length) setImmediate(step);
      else this.finish(op, "COMPLETED");
    };
    setImmediate(step);
    return op;
  }

  /** Starts a bulk query; returns the operation or a user error. */
  runQuery(query: string): BulkOperationRecord | { code: string; field: string[]; message: string } {
    if (this.running() >= MAX_CONCURRENT) return { code: "LIMIT_REACHED", field: [], message: "Bulk operations limit reached. Please try again later." };
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return { code: "INVALID", field: ["query"], message: `Invalid bulk query: ${(error as Error).message}` };
    }
    const problems = validate(this.schema, document);
    const problem = problems.length ? problems.map((p) => p.message).join("; ") : checkBulkQuery(this.schema, document);
    if (problem) return { code: "INVALID", field: ["query"], message: problem };
    const op = this.create("QUERY", query, null);
    setImmediate(() => {
      if (!this.ops.has(op.id)) return;
      op.status = "RUNNING";
      const result = this.execute(document, {}, true);
      if (result.errors?.length || !result.data) {
        op.errorCode = "INTERNAL_SERVER_ERROR";
        op.lines = [`${JSON.stringify({ errors: result.errors })}\n`];
        return this.finish(op, "FAILED");
      }
      const root = Object.values(result.data)[0];
      flatten(root, null, op);
      this.finish(op, "COMPLETED");
    });
    return op;
  }

  cancel(id: number): BulkOperationRecord | undefined {
    const op = this.ops.get(id);
    if (op && (op.status === "CREATED" || op.status === "RUNNING")) op.status = op.type === "MUTATION" ? "CANCELING" : "CANCELED";
    return op;
  }
}

function isConnection(value: unknown): value is { edges?: { node: Record<string, unknown> }[]; nodes?: Record<string, unknown>[] } {
  return !!value && typeof value === "object" && (Array.isArray((value as { edges?: unknown }).edges) || Array.isArray((value as { nodes?: unknown }).nodes));
}

/** Shopify's bulk JSONL: one line per node, nested connections' nodes on their own lines with `__parentId`. */
function flatten(connection: unknown, parentId: string | null, op: BulkOperationRecord): void {
  if (!isConnection(connection)) return;
  const nodes = connection.edges ? connection.edges.map((e) => e.node) : (connection.nodes ?? []);
  for (const node of nodes) {
    const line: Record<string, unknown> = {};
    const nested: unknown[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (isConnection(value)) nested.push(value);
      else line[key] = value;
    }
    if (parentId !== null) line.__parentId = parentId;
    else op.rootObjectCount++;
    op.lines.push(`${JSON.stringify(line)}\n`);
    op.objectCount++;
    for (const child of nested) flatten(child, typeof node.id === "string" ? node.id : null, op);
  }
}

/**
 * The bulk query rules (shopify.dev/docs/api/usage/bulk-operations/queries#operation-restrictions): one
 * top-level field that is a connection, at most five connections nested at most two levels, and the
 * parent of a nested connection must select `id`.
 */
function checkBulkQuery(schema: GraphQLSchema, document: DocumentNode): string | null {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const op = operations[0];
  if (operations.length !== 1 || op?.operation !== "query") return "The bulk query must be a single query operation.";
  const selections = op.selectionSet.selections.filter((s) => s.kind === Kind.FIELD);
  if (selections.length !== 1) return "Bulk queries must contain exactly one top-level field.";
  let connections = 0;
  let problem: string | null = null;
  const walk = (set: SelectionSetNode, type: GraphQLCompositeType, depth: number, nodeHasId: boolean) => {
    const fields = type instanceof GraphQLObjectType || "getFields" in type ? (type as GraphQLObjectType).getFields() : {};
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, (s.typeCondition ? (schema.getType(s.typeCondition.name.value) as GraphQLCompositeType) : type), depth, nodeHasId);
      else if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(s.name.value);
        if (f) walk(f.selectionSet, schema.getType(f.typeCondition.name.value) as GraphQLCompositeType, depth, nodeHasId);
      } else if (s.selectionSet) {
        const named = getNamedType(fields[s.name.value]?.type);
        if (!named || !isCompositeType(named)) continue;
        if (named.name.endsWith("Connection")) {
          connections++;
          if (depth >= 2) problem = "Bulk queries cannot contain connections nested more than two levels deep.";
          if (depth >= 1 && !nodeHasId) problem = `The parent 'node' field for a nested connection must select the 'id' field. Connection field: '${s.name.value}'.`;
          walk(s.selectionSet, named, depth + 1, false);
        } else if (s.name.value === "node" || s.name.value === "nodes" || s.name.value === "edges") {
          const hasId = s.name.value !== "edges" && s.selectionSet.selections.some((x) => x.kind === Kind.FIELD && x.name.value === "id");
          walk(s.selectionSet, named, depth, hasId || nodeHasId);
        } else {
          walk(s.selectionSet, named, depth, nodeHasId);
        }
      }
    }
  };
  const rootField = selections[0]!;
  const rootType = getNamedType(schema.getQueryType()!.getFields()[rootField.kind === Kind.FIELD ? rootField.name.value : ""]?.type);
  if (!rootType?.name.endsWith("Connection")) return "The top-level field of a bulk query must be a connection.";
  walk(op.selectionSet, schema.getQueryType()!, 0, false);
  if (connections > 5) return "Bulk queries cannot contain more than 5 connections.";
  return problem;
}

export function bulkOperationView(op: BulkOperationRecord, origin: string): object {
  const done = op.status === "COMPLETED" || op.status === "CANCELED" || op.status === "FAILED";
  const url = `${origin}/_emulator/bulk/${op.id}.jsonl`;
  const size = op.lines.reduce((sum, l) => sum + Buffer.byteLength(l), 0);
  return {
    __typename: "BulkOperation",
    id: gid("BulkOperation", op.id),
    type: op.type,
    status: op.status,
    query: op.query,
    createdAt: op.createdAt,
    completedAt: op.completedAt,
    errorCode: op.errorCode,
    objectCount: String(op.objectCount),
    rootObjectCount: String(op.rootObjectCount),
    fileSize: done && op.status === "COMPLETED" && size > 0 ? String(size) : null,
    url: op.status === "COMPLETED" && op.lines.length ? url : null,
    partialDataUrl: op.status !== "COMPLETED" && done && op.lines.length ? url : null,
  };
}

/** The `bulk_operations/finish` webhook body. */
export function bulkFinishPayload(op: BulkOperationRecord): object {
  return {
    admin_graphql_api_id: gid("BulkOperation", op.id),
    completed_at: restTime(op.completedAt),
    created_at: restTime(op.createdAt),
    error_code: op.errorCode?.toLowerCase() ?? null,
    status: op.status.toLowerCase(),
    type: op.type.toLowerCase(),
  };
}
