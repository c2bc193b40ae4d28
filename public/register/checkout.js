// Checkout and the offline queue.
//
// The rules that keep a sale from being lost or counted twice:
// - a cart's transaction id is made once, when its first checkout starts, and saved with the cart
//   (marked `sending`) before anything is sent; it changes only when the cart changes after the
//   server refused it (a refusal commits nothing);
// - a checkout with no answer (network down, timeout, 5xx) moves the sale, same id and tags, to the
//   queue; so does a cart found `sending` when the page starts (the tab died mid-checkout);
// - the queue is uploaded through …/transactions/batch; a sale leaves it only on 201 or 200 (a
//   replay: it had been sold by an earlier try); a refusal (4xx) stays, shown as needing attention,
//   until the cashier deals with it.
import * as api from "/register/api.js";
import { cart as cartStore, newTransactionId, queue as queueStore, settings as settingsStore } from "/register/store.js";
import { $, show } from "/register/dom.js";
import { unavailableOf } from "/register/refusals.js";
import { noteContact, view } from "/register/view.js";
import { focusScan } from "/register/cart.js";
import { addRecent } from "/register/receipts.js";
import { render, renderBar } from "/register/render.js";

const UPLOAD_CHUNK = 100;

export async function checkout() {
  const s = settingsStore.get();
  let c = cartStore.get();
  if (view.busy || c.sending || c.lines.length === 0 || !s.key) return;
  const sale = {
    id: c.txId ?? newTransactionId(),
    eventId: s.eventId,
    sessionId: s.sessionId,
    registerId: s.registerId,
    shopperCode: c.shopperCode.trim() || "walk-in",
    items: c.lines.map((l) => l.itemId),
  };
  c = { ...c, txId: sale.id, sending: true, sale, refused: null };
  try {
    cartStore.set(c); // saved with its id before the first byte is sent
  } catch {
    return show($("scan-message"), "This register cannot save the sale (its storage is full or blocked). Nothing was sent.", "bad");
  }
  view.busy = true;
  render();
  const answer = navigator.onLine === false ? { outcome: "unknown", status: 0 } : await api.checkout(s.key, sale);
  view.busy = false;
  noteContact(answer.outcome);
  if (answer.outcome === "ok") {
    addRecent(answer.body);
    cartStore.set(cartStore.empty());
    view.receipt = { kind: "sold", tx: answer.body };
    show($("scan-message"), "");
    flush();
  } else if (answer.outcome === "unknown") {
    enqueue(sale);
    view.receipt = { kind: "saved", sale, lines: c.lines };
    show($("scan-message"), "");
  } else {
    c = cartStore.get();
    c.sending = false;
    c.sale = null;
    c.refused = answer.error;
    if (answer.error.code === "IDEMPOTENCY_KEY_REUSED") c.txId = null;
    if (answer.status === 401) view.authProblem = answer.error;
    cartStore.set(c);
  }
  render();
  focusScan();
}

/** A sale with no answer goes to the queue (same id, same tags); the queue is written before the cart is emptied. */
function enqueue(sale) {
  const q = queueStore.get();
  if (!q.some((e) => e.id === sale.id)) q.push({ ...sale, queuedAt: Date.now(), state: "waiting", error: null });
  queueStore.set(q);
  cartStore.set(cartStore.empty());
}

/** At start-up: a cart left `sending` (the page died before the answer) is a sale of unknown fate: queue it. */
export function recoverUnanswered() {
  const c = cartStore.get();
  if (c.sending && c.sale) enqueue(c.sale);
  else if (c.sending) cartStore.set({ ...c, sending: false });
}

export async function flush() {
  const s = settingsStore.get();
  if (view.flushing || !s.key || view.authProblem || navigator.onLine === false) return;
  const waiting = queueStore.get().filter((e) => e.state === "waiting" && e.eventId === s.eventId);
  if (waiting.length === 0) return;
  view.flushing = true;
  renderBar();
  try {
    const bySession = new Map();
    for (const e of waiting) bySession.set(e.sessionId, [...(bySession.get(e.sessionId) ?? []), e]);
    for (const [sessionId, sales] of bySession) {
      for (let i = 0; i < sales.length; i += UPLOAD_CHUNK) {
        const chunk = sales.slice(i, i + UPLOAD_CHUNK);
        const answer = await api.upload(s.key, s.eventId, sessionId, chunk);
        noteContact(answer.outcome);
        if (answer.outcome === "unknown") return; // still no network: the next try sends the same sales again
        if (answer.outcome === "refused") {
          if (answer.status === 401 || answer.status === 403) {
            view.authProblem = answer.error;
            return;
          }
          settle(chunk.map((e) => ({ id: e.id, status: answer.status, error: answer.error })));
        } else settle(answer.body?.results ?? []);
      }
    }
  } finally {
    view.flushing = false;
    render();
  }
}

/** Per-sale results of an upload: 201/200 leave the queue (into recent sales), 4xx stay as refused, 5xx stay waiting. */
function settle(results) {
  const q = queueStore.get();
  for (const r of results) {
    const i = q.findIndex((e) => e.id === r.id);
    if (i < 0) continue;
    const onScreen = view.receipt?.kind === "saved" && view.receipt.sale.id === r.id;
    if (r.status === 200 || r.status === 201) {
      addRecent(r.transaction); // recent first: if the tab dies between the two writes, the next upload replays (200)
      q.splice(i, 1);
      if (onScreen) view.receipt = { kind: "sold", tx: r.transaction };
    } else if (r.status >= 400 && r.status < 500) {
      q[i] = { ...q[i], state: "refused", error: r.error };
      if (onScreen) view.receipt = null;
    }
  }
  queueStore.set(q);
}

export function retryRefused(id, { dropUnavailable }) {
  const q = queueStore.get();
  const i = q.findIndex((e) => e.id === id);
  if (i < 0) return;
  const e = q[i];
  if (dropUnavailable) {
    const gone = unavailableOf(e.error);
    const items = e.items.filter((t) => !gone.includes(t));
    if (items.length === 0) return dismiss(id, true);
    // The refused id committed nothing; the smaller cart goes as a new sale with a new id.
    q[i] = { ...e, id: newTransactionId(), items, state: "waiting", error: null, replaces: e.id, removed: gone };
  } else q[i] = { ...e, state: "waiting", error: null };
  queueStore.set(q);
  render();
  flush();
}

export function dismiss(id, force = false) {
  const q = queueStore.get();
  const e = q.find((x) => x.id === id);
  if (!e) return;
  if (!force && !confirm("This sale will not be uploaded. Do this only once the organizer has dealt with it. Dismiss it?")) return;
  addRecent({ id: e.id, eventId: e.eventId, sessionId: e.sessionId, createdAt: e.queuedAt, status: "dismissed", total: null, items: e.items.map((itemId) => ({ itemId })), error: e.error });
  queueStore.set(q.filter((x) => x.id !== id));
  render();
}
