import { audit } from "../../lib/audit";
import { invalidTransition } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { Actor } from "../../schemas/domain";
import { requireEvent } from "./event";
import { runningSession, unsettledSession, type ItemRow } from "./schema";
import type { SessionContext } from "./sessions";

// Closing the event: after its last session, every item that did not sell leaves the sale, donated
// or set out for its consignor to pick up, as its tag said.

/** Items moved per SQL transaction while closing (keeps each commit short). */
const CLOSE_CHUNK = 2_000;

export interface CloseOutcome {
  closedAt: number;
  donated: number;
  pickup: number;
}

/**
 * Closes the event: refused while a session runs or an ended one is not yet settled (its sales must
 * be known here first). Then, in chunks, every unsold item moves to `transfer` with reason
 * `donated` or `pickup`, audited. Idempotent: the close is recorded first, so a call that stopped
 * half-way is finished by the next one, and a repeat changes nothing. The checks and the first
 * write run with no await between them.
 */
export function closeEvent(ctx: Pick<SessionContext, "sql" | "transaction" | "now">, actor: Actor): CloseOutcome {
  const { sql } = ctx;
  const event = requireEvent(sql);
  if (event.closedAt === null) {
    const running = runningSession(sql) ?? unsettledSession(sql);
    if (running) {
      throw invalidTransition("event", "open", "closed", {
        reason: running.status === "completed" ? "an ended session's sales are not yet all known; try again shortly" : `session ${running.id} is ${running.status}`,
        sessionId: running.id,
      });
    }
    const now = ctx.now();
    ctx.transaction(() => {
      sql.run("UPDATE event SET closed_at = ? WHERE id = 1", now);
      audit(sql, actor, now, { entity: "event", entityId: event.id, action: "close", before: { closedAt: null }, after: { closedAt: now } });
    });
  }
  for (;;) {
    const batch = sql.all<Pick<ItemRow, "id" | "status" | "donate">>(
      "SELECT id, status, donate FROM items WHERE status IN ('modifiable', 'locked') ORDER BY id LIMIT ?",
      CLOSE_CHUNK,
    );
    if (batch.length === 0) break;
    const now = ctx.now();
    ctx.transaction(() => {
      for (const item of batch) {
        const reason = item.donate ? "donated" : "pickup";
        sql.run("UPDATE items SET status = 'transfer', transfer_reason = ?, last_modified = ?, version = version + 1 WHERE id = ?", reason, now, item.id);
        audit(sql, actor, now, { entity: "item", entityId: item.id, action: "close", before: { status: item.status }, after: { status: "transfer", reason } });
      }
    });
  }
  const counts = { donated: 0, pickup: 0 };
  for (const r of sql.all<{ reason: "donated" | "pickup"; n: number }>(
    "SELECT transfer_reason AS reason, COUNT(*) AS n FROM items WHERE status = 'transfer' AND transfer_reason IN ('donated', 'pickup') GROUP BY transfer_reason",
  )) {
    counts[r.reason] = r.n;
  }
  return { closedAt: requireEvent(sql).closedAt!, ...counts };
}

export interface UnsoldItem {
  itemId: string;
  consignorId: string;
  title: string;
  category: string;
  size: string;
  /** The tag price, in cents: the donation's value for a receipt. */
  price: number;
}

export interface UnsoldReport {
  /** Whether the event is closed (before, the lists say what would happen to what is unsold now). */
  closed: boolean;
  pickup: UnsoldItem[];
  donated: UnsoldItem[];
  totals: { pickupCount: number; pickupValue: number; donatedCount: number; donatedValue: number };
}

/**
 * What did not sell, for one consignor or all: to pick up, and donated with values. Before the
 * close, the items still in the sale by their tag's mark; after it, by the reason they left.
 */
export function unsoldReport(sql: Sql, consignorId: string | null): UnsoldReport {
  const closed = requireEvent(sql).closedAt !== null;
  const rows = sql.all<ItemRow>(
    `SELECT * FROM items
       WHERE (status IN ('modifiable', 'locked') OR (status = 'transfer' AND transfer_reason IN ('donated', 'pickup')))
         AND (? IS NULL OR consignor_id = ?)
       ORDER BY consignor_id, id`,
    consignorId,
    consignorId,
  );
  const report: UnsoldReport = { closed, pickup: [], donated: [], totals: { pickupCount: 0, pickupValue: 0, donatedCount: 0, donatedValue: 0 } };
  for (const r of rows) {
    const donated = r.status === "transfer" ? r.transfer_reason === "donated" : r.donate === 1;
    const item: UnsoldItem = { itemId: r.id, consignorId: r.consignor_id, title: r.title, category: r.category, size: r.size, price: r.price };
    if (donated) {
      report.donated.push(item);
      report.totals.donatedCount++;
      report.totals.donatedValue += r.price;
    } else {
      report.pickup.push(item);
      report.totals.pickupCount++;
      report.totals.pickupValue += r.price;
    }
  }
  return report;
}
