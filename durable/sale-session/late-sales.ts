import { audit } from "../../lib/audit";
import { AppError, unwrap } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { TransactionCreate } from "../../schemas/api";
import type { Actor, Replayable, TransactionView } from "../../schemas/domain";
import { claim } from "./availability";
import { record, replayOf } from "./checkout";
import type { Inventory } from "../inventory";
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
function mayBeLate(error: unknown, s: SessionRow): boolean {
  return error instanceof AppError && error.code === "SESSION_NOT_ACTIVE" && s.status === "completed";
}

/** Step 1: throws why this session cannot take `input` late, having changed nothing. */
function requireLateSale(store: Pick<SessionStore, "sql" | "foreignIds">, s: SessionRow, input: TransactionCreate, actor: Actor, now: number) {
  if (s.archived_at !== null) {
    throw new AppError("SESSION_NOT_ACTIVE", `session ${s.session_id} has ended and was archived: it takes no more sales`, { status: s.status, reason: "ARCHIVED" });
  }
  requireOwnId(store.foreignIds, input.id);
  // Read only: every item of the cart must be this session's and not sold here.
  claim(store.sql, input.items, null, actor.keyId, now);
}

/** Step 2's record: what is being claimed, for the alarm. Inside a transaction. */
function keepIntent(sql: Sql, input: TransactionCreate, actor: Actor, now: number) {
  sql.run("INSERT OR IGNORE INTO late_sales (tx_id, input, actor, at) VALUES (?, ?, ?, ?)", input.id, JSON.stringify(input), JSON.stringify(actor), now);
}

function dropIntent(sql: Sql, txId: string) {
  sql.run("DELETE FROM late_sales WHERE tx_id = ?", txId);
}

/** The late sales whose claim was asked for and which are not yet recorded or refused. */
function pendingIntents(sql: Sql): { input: TransactionCreate; actor: Actor; at: number }[] {
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
function recordLateSale(store: SessionStore, s: SessionRow, input: TransactionCreate, actor: Actor, now: number): Replayable<TransactionView> {
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

/** What the late-sale flow needs of the session object. */
export interface LateSaleHost {
  readonly store: SessionStore;
  session(): SessionRow;
  inventory(eventId: string): Pick<DurableObjectStub<Inventory>, "claimLateSale">;
  /** After a sale is recorded: send its message now, and write the totals to D1. */
  recorded(now: number): void;
  /** Come back to the intents from the alarm (the claim may not have been answered). */
  retryLater(): void;
}

/** The flow of a late sale through the session object: steps 1–3 above, and the alarm's part. */
export class LateSales {
  constructor(private readonly host: LateSaleHost) {}

  /**
   * An uploaded sale the checkout refused (`error`): taken late if it was refused only because
   * the session completed, else `error` is thrown again.
   */
  async take(error: unknown, input: TransactionCreate, actor: Actor, now: number): Promise<Replayable<TransactionView>> {
    const { store } = this.host;
    const s = this.host.session();
    if (!mayBeLate(error, s)) throw error;
    requireLateSale(store, s, input, actor, now);
    store.storage.transactionSync(() => keepIntent(store.sql, input, actor, now));
    // Before the claim is asked: should the object stop while waiting for the Inventory, its alarm
    // comes back to the intent (an ended session sets no other alarm).
    this.host.retryLater();
    return this.claimAndRecord(input, actor, now);
  }

  /**
   * Asks the Inventory for the sale's items, then records the sale here. A refusal drops the intent
   * (nothing changed anywhere); any other failure keeps it for the alarm and the register's retry,
   * both of which claim again (the Inventory answers the same claim the same).
   */
  private async claimAndRecord(input: TransactionCreate, actor: Actor, occurredAt: number): Promise<Replayable<TransactionView>> {
    const s = this.host.session();
    try {
      unwrap(await this.host.inventory(s.event_id).claimLateSale(s.session_id, input.id, input.items, occurredAt, actor));
    } catch (error) {
      // Refused (a 4xx): nothing was claimed. Anything else may have been: ask again later.
      if (error instanceof AppError && error.status < 500) dropIntent(this.host.store.sql, input.id);
      else this.host.retryLater();
      throw error;
    }
    const sold = recordLateSale(this.host.store, this.host.session(), input, actor, Date.now());
    if (!sold.replayed) this.host.recorded(Date.now());
    return sold;
  }

  /** How many are claimed and not yet recorded (the archive does not prune meanwhile). */
  pending(): number {
    return pendingIntentCount(this.host.store.sql);
  }

  /** The alarm's part: sales whose claim was asked for and that are not yet recorded (the object stopped in between). */
  async finish() {
    for (const { input, actor, at } of pendingIntents(this.host.store.sql)) {
      try {
        await this.claimAndRecord(input, actor, at);
      } catch (error) {
        if (!(error instanceof AppError)) console.warn(`late sale ${input.id} not finished; trying again later`, error);
      }
    }
  }
}
