import { audit } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { TransactionCreate } from "../../schemas/api";
import type { Actor, Replayable, TransactionView } from "../../schemas/domain";
import { claim } from "./availability";
import { record, replayOf } from "./checkout";
import type { SessionRow } from "./schema";
import type { SessionStore } from "./store";
import { requireOwnId } from "./transaction-ids";

// A sale a register made offline during this session and uploaded after the session completed.
// It happened while the session ran (the shopper left with the items), so it belongs here, at this
// session's prices — if the items are still this sale's to give: the Inventory decides (no later
// session started, the items neither transferred nor sold online since) and sells them to it at
// once. The order, so nothing is lost or sold twice between the two objects:
//   1. checks here, with no await: completed and not pruned, the id not another session's, every
//      item of the cart this session's and unsold here;
//   2. the intent is kept (late_sales), then the Inventory claims the items (idempotent);
//   3. the sale is recorded here as a checkout would record it, and the intent dropped, in one
//      SQL transaction. A refusal by the Inventory drops the intent having changed nothing.
// If the object stops between 2 and 3, its alarm claims again (the same answer) and records.

/** Whether a refused upload may be taken as a late sale: refused only because the session completed. */
export function mayBeLate(error: unknown, s: SessionRow): boolean {
  return error instanceof AppError && error.code === "SESSION_NOT_ACTIVE" && s.status === "completed";
}

/** Step 1: throws why this session cannot take `input` late, having changed nothing. */
export function requireLateSale(store: Pick<SessionStore, "sql" | "foreignIds">, s: SessionRow, input: TransactionCreate, actor: Actor, now: number) {
  if (s.archived_at !== null) {
    throw new AppError("SESSION_NOT_ACTIVE", `session ${s.session_id} has ended and was archived: it takes no more sales`, { status: s.status, reason: "ARCHIVED" });
  }
  requireOwnId(store.foreignIds, input.id);
  // Read only: every item of the cart must be this session's and not sold here.
  claim(store.sql, input.items, null, actor.keyId, now);
}

/** Step 2's record: what is being claimed, for the alarm. Inside a transaction. */
export function keepIntent(sql: Sql, input: TransactionCreate, actor: Actor, now: number) {
  sql.run("INSERT OR IGNORE INTO late_sales (tx_id, input, actor, at) VALUES (?, ?, ?, ?)", input.id, JSON.stringify(input), JSON.stringify(actor), now);
}

export function dropIntent(sql: Sql, txId: string) {
  sql.run("DELETE FROM late_sales WHERE tx_id = ?", txId);
}

/** The late sales whose claim was asked for and which are not yet recorded or refused. */
export function pendingIntents(sql: Sql): { input: TransactionCreate; actor: Actor; at: number }[] {
  return sql
    .all<{ input: string; actor: string; at: number }>("SELECT input, actor, at FROM late_sales ORDER BY at, tx_id")
    .map((r) => ({ input: JSON.parse(r.input) as TransactionCreate, actor: JSON.parse(r.actor) as Actor, at: r.at }));
}

export function pendingIntentCount(sql: Sql): number {
  return sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM late_sales")!.n;
}

/**
 * Step 3, once the Inventory claimed the items: records the sale (or answers the replay of one
 * recorded meanwhile) and drops the intent, in one SQL transaction.
 */
export function recordLateSale(store: SessionStore, s: SessionRow, input: TransactionCreate, actor: Actor, now: number): Replayable<TransactionView> {
  const replay = replayOf(store, s, input);
  if (replay) {
    dropIntent(store.sql, input.id);
    return replay;
  }
  const value = record(store, s, input, actor, now, () => {
    dropIntent(store.sql, input.id);
    audit(store.sql, actor, now, {
      entity: "transaction",
      entityId: input.id,
      action: "late-sale",
      before: { sessionStatus: s.status, endedAt: s.ended_at },
      after: { status: "completed", items: input.items },
    });
  });
  return { value, replayed: false };
}
