import type { Sql } from "../../lib/sql";
import type { HoldChanged } from "../../schemas/messages";

/**
 * Which items a register holds (in a cart, not yet paid), as the sessions tell it through the
 * queue. Messages come at least once and in any order: an `ended` heard first wins over its
 * `placed` heard later. The online channel offers no held item (see shopify.ts). Inside a transaction.
 */
export function applyHolds(sql: Sql, messages: readonly HoldChanged[]): void {
  const rows = (state: HoldChanged["state"]) =>
    messages.filter((m) => m.state === state).flatMap((m) => m.items.map((item) => [m.sessionId, m.holdId, item, m.occurredAt, state]));
  sql.insertMany("INSERT OR IGNORE INTO item_holds (session_id, hold_id, item_id, at, state)", rows("placed"));
  const ended = rows("ended");
  if (ended.length > 0) {
    sql.run(
      `INSERT INTO item_holds (session_id, hold_id, item_id, at, state)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, 'ended' FROM json_each(?) WHERE true
         ON CONFLICT (session_id, hold_id, item_id) DO UPDATE SET state = 'ended', at = excluded.at WHERE state = 'placed'`,
      JSON.stringify(ended),
    );
  }
}

/** SQL: whether item `alias.id` is held at a register now. */
export const HELD_SQL = (alias: string) => `EXISTS (SELECT 1 FROM item_holds h WHERE h.item_id = ${alias}.id AND h.state = 'placed')`;
