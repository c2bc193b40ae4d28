import type { MessageItem, TransactionCompleted, TransactionVoided } from "../../schemas/messages";
import { linesOf, type SessionRow, type TransactionItemRow, type TransactionRow } from "./schema";
import type { SessionStore } from "./store";
import { storedTransaction } from "./views";

function messageItems(items: TransactionItemRow[]): MessageItem[] {
  return items.map((i) => ({
    itemId: i.item_id,
    consignorId: i.consignor_id,
    price: i.price,
    commissionRate: i.commission_rate,
    ...(i.tag_price !== i.price ? { tagPrice: i.tag_price } : {}),
  }));
}

export function completedMessage(s: SessionRow, tx: TransactionRow, items: TransactionItemRow[]): TransactionCompleted {
  return {
    v: 1,
    type: "transaction.completed",
    eventId: s.event_id,
    sessionId: s.session_id,
    transactionId: tx.id,
    registerId: tx.register_id,
    occurredAt: tx.created_at,
    items: messageItems(items),
    total: tx.total,
    commissionTotal: tx.commission_total,
  };
}

export function voidedMessage(s: SessionRow, tx: TransactionRow, items: TransactionItemRow[]): TransactionVoided {
  return {
    v: 1,
    type: "transaction.voided",
    eventId: s.event_id,
    sessionId: s.session_id,
    transactionId: tx.id,
    registerId: tx.register_id,
    occurredAt: tx.voided_at ?? tx.created_at,
    items: messageItems(items),
    reason: tx.void_reason ?? "",
  };
}

/**
 * Writes the messages of stored transactions to the outbox again; unknown ids are skipped, and a
 * voided message only goes for a transaction that is voided. `session` is read only once a
 * transaction is found. Inside a transaction.
 */
export function reemitMessages(
  store: Pick<SessionStore, "sql" | "outbox">,
  session: () => SessionRow,
  requests: readonly { id: string; completed: boolean; voided: boolean }[],
  now: number,
): { completed: number; voided: number } {
  let completed = 0;
  let voided = 0;
  for (const request of requests) {
    const tx = storedTransaction(store.sql, request.id);
    if (!tx) continue;
    const items = linesOf(tx);
    if (request.completed) {
      store.outbox.enqueue(completedMessage(session(), tx, items), now);
      completed++;
    }
    if (request.voided && tx.status === "voided") {
      store.outbox.enqueue(voidedMessage(session(), tx, items), now);
      voided++;
    }
  }
  return { completed, voided };
}
