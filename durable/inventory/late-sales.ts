import { audit } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import { ONLINE_SESSION } from "../../schemas/common";
import type { Actor } from "../../schemas/domain";
import { requireOpen } from "./event";
import { takeLocked, type SaleRef } from "./sales";
import { itemRow, type SessionRow } from "./schema";
import { refreshRunningSessions, type SessionContext } from "./sessions";

// A sale a register made offline during a session and uploaded after the session completed. The
// session asks this object first: the items must still be in the sale and unsold here (since the
// session ended they may have been transferred, or sold online), and no later session may have
// started (it copied the unsold items and may have sold them). If so, the items are sold here to
// the sale at once, in one SQL transaction, so no online order or transfer can take them after
// the answer; the session then records the sale, whose message later changes nothing here.

export interface LateSale {
  sessionId: string;
  txId: string;
  itemIds: readonly string[];
  occurredAt: number;
}

/** Why an item of a late sale cannot be taken (the words a register's refusals use). */
type Refusal = "unknown" | "sold" | "sold_online" | "transferred" | "unavailable";

/**
 * Claims the items of a late sale for session `sale.sessionId`, or throws having changed nothing:
 * SESSION_NOT_ACTIVE (the session is not the last one to have started, or has not completed),
 * EVENT_CLOSED, IDEMPOTENCY_KEY_REUSED (the id already sold something in the event), ITEM_UNAVAILABLE naming
 * each item that left the sale. The same claim again is answered the same (idempotent), also once
 * a later session started. Learns first whether a session this object believes running has ended;
 * from then on no await.
 */
export async function claimLateSale(ctx: SessionContext, sale: LateSale, actor: Actor): Promise<{ claimed: number }> {
  await refreshRunningSessions(ctx, "");
  const { sql } = ctx;
  // The same claim again (the session stopped before recording the sale, or did not hear back):
  // the items are this sale's whatever happened since, and the session must still record it.
  const mine = (id: string) => sql.one("SELECT 1 AS x FROM items WHERE id = ? AND status = 'sold' AND sold_tx_id = ? AND sold_session_id = ?", id, sale.txId, sale.sessionId);
  if (sale.itemIds.length > 0 && sale.itemIds.every((id) => mine(id) !== null)) return { claimed: 0 };
  // The id already sold something here (another cart, or a sale of another session): never again.
  if (sql.one("SELECT 1 AS x FROM sales WHERE tx_id = ? LIMIT 1", sale.txId)) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", `transaction ${sale.txId} was already used for another sale of this event`);
  }
  requireOpen(sql);
  const session = sql.one<SessionRow>("SELECT * FROM sessions WHERE id = ?", sale.sessionId);
  if (!session || session.status !== "completed") {
    throw new AppError("SESSION_NOT_ACTIVE", `session ${sale.sessionId} has not completed`, { status: session?.status ?? null });
  }
  const latest = sql.one<{ seq: number | null }>("SELECT MAX(started_seq) AS seq FROM sessions")!.seq;
  if (session.started_seq === null || session.started_seq !== latest) {
    throw new AppError("SESSION_NOT_ACTIVE", `session ${sale.sessionId} has ended and a later session has started: it takes no more sales`, {
      status: "completed",
      reason: "LATER_SESSION_STARTED",
    });
  }
  const refusals: Record<string, Refusal> = {};
  const take: SaleRef[] = [];
  for (const itemId of sale.itemIds) {
    const row = itemRow(sql, itemId);
    if (!row) refusals[itemId] = "unknown";
    else if (row.status === "locked" && row.sold_tx_id === null) take.push({ itemId, txId: sale.txId, sessionId: sale.sessionId, occurredAt: sale.occurredAt });
    else refusals[itemId] = row.status === "sold" ? (row.sold_session_id === ONLINE_SESSION ? "sold_online" : "sold") : row.status === "transfer" ? "transferred" : "unavailable";
  }
  const refused = Object.keys(refusals);
  if (refused.length > 0) {
    throw new AppError("ITEM_UNAVAILABLE", `${refused.length} item(s) left the sale after the session ended: ${refused.join(", ")}`, {
      items: refused,
      reasons: refusals,
    });
  }
  const now = ctx.now();
  return ctx.transaction(() => {
    const taken = takeLocked(sql, take, actor, now);
    if (taken.size !== take.length) throw new Error(`late sale ${sale.txId}: ${take.length - taken.size} item(s) could not be taken`);
    audit(sql, actor, now, {
      entity: "transaction",
      entityId: sale.txId,
      action: "late-sale",
      before: null,
      after: { sessionId: sale.sessionId, items: sale.itemIds, occurredAt: sale.occurredAt },
    });
    return { claimed: take.length };
  });
}
