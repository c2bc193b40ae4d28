import { AppError } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { Actor } from "../../schemas/domain";

/**
 * Item entry made safe to repeat: a call of `PUT …/items` that carries a `requestId` is recorded
 * with its answer, so the same call again (the consignor's phone never heard back) answers the
 * same ids and adds nothing. The id is the caller's: another key, or another body, with it is
 * refused, changing nothing. Inside the caller's transaction, with the save it guards.
 */
export function withItemRequest<T>(sql: Sql, request: { id: string; bodyHash: string } | null, actor: Actor, now: number, save: () => T): { value: T; replayed: boolean } {
  if (!request) return { value: save(), replayed: false };
  const seen = sql.one<{ key_id: string; body_hash: string; answer: string }>("SELECT key_id, body_hash, answer FROM item_requests WHERE request_id = ?", request.id);
  if (seen) {
    if (seen.key_id !== actor.keyId || seen.body_hash !== request.bodyHash) {
      throw new AppError("IDEMPOTENCY_KEY_REUSED", `requestId ${request.id} was used for another call; make a new one for each submission`);
    }
    return { value: JSON.parse(seen.answer) as T, replayed: true };
  }
  const value = save();
  sql.run("INSERT INTO item_requests (request_id, key_id, body_hash, answer, at) VALUES (?, ?, ?, ?, ?)", request.id, actor.keyId, request.bodyHash, JSON.stringify(value), now);
  return { value, replayed: false };
}
