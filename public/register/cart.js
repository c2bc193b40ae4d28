// The cart being rung up: tags scanned into it (and looked up, to show what each is and costs),
// taken out, or all cleared; and the scan field that keeps the focus.
import * as api from "/register/api.js";
import { cart as cartStore, queue as queueStore, settings as settingsStore } from "/register/store.js";
import { $, h, money, show, time } from "/register/dom.js";
import { REASONS, unavailableOf } from "/register/refusals.js";
import { view } from "/register/view.js";
import { render } from "/register/render.js";
import { priceOf } from "/register/prices.js";

const MAX_CART = 200;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function focusScan() {
  const scan = $("scan");
  if (!$("sell").hidden && document.activeElement !== scan && !scan.disabled) scan.focus({ preventScroll: true });
}

export function addTag(raw) {
  const tag = raw.trim();
  const message = $("scan-message");
  if (!tag) return;
  if (!ID.test(tag)) return show(message, `“${tag}” is not a tag number.`, "bad");
  const c = cartStore.get();
  if (c.sending || view.busy) return show(message, "Wait: the sale is being sent.", "warn");
  if (c.lines.some((l) => l.itemId === tag)) return show(message, `Tag ${tag} is already in this cart.`, "warn");
  const queued = queueStore.get().find((e) => e.state === "waiting" && e.items.includes(tag));
  if (queued) return show(message, `Tag ${tag} was sold on this register at ${time(queued.queuedAt)}; that sale is waiting to upload.`, "bad");
  if (c.lines.length >= MAX_CART) return show(message, `A cart holds at most ${MAX_CART} tags: check out, then start another.`, "bad");
  c.lines.push({ itemId: tag });
  c.txId = null; // a changed cart is another sale (nothing was committed under the old id: it was refused or never sent)
  cartStore.set(c);
  view.receipt = null;
  show(message, "");
  render();
  void lookUp(tag);
}

/**
 * Shows what a scanned tag is and what it costs in this session (and warns at once when it cannot
 * be sold). Only a help to the cashier, and the checkout decides either way. When the server
 * cannot be asked, the price list kept on this device (prices.js) prices the line, marked so.
 */
async function lookUp(tag) {
  const s = settingsStore.get();
  if (!s.key) return;
  const answer = navigator.onLine === false ? { outcome: "unknown" } : await api.getItem(s.key, s.eventId, s.sessionId, tag);
  const kept = answer.outcome === "unknown" ? await priceOf(s.eventId, s.sessionId, tag) : null;
  const c = cartStore.get();
  const line = c.lines.find((l) => l.itemId === tag);
  if (!line) return;
  if (answer.outcome === "ok") {
    Object.assign(line, { title: answer.body.title, size: answer.body.size, price: answer.body.price, tagPrice: answer.body.tagPrice, status: answer.body.status, fromList: false });
    if (answer.body.status !== "available") show($("scan-message"), `Tag ${tag}: ${REASONS[answer.body.status] ?? "cannot be sold"}.`, "bad");
  } else if (answer.outcome === "refused" && answer.status === 404) {
    line.status = "unknown";
    show($("scan-message"), `Tag ${tag}: ${REASONS.unknown}.`, "bad");
  } else if (kept) {
    Object.assign(line, { title: kept.title, size: kept.size, price: kept.price, tagPrice: kept.tagPrice, fromList: true });
  } else return;
  cartStore.set(c);
  render();
}

/** What a cart line says: why it cannot be sold, or what it is and its price here. */
export function lineWords(l, refusedReason) {
  if (refusedReason !== undefined) return REASONS[refusedReason] ?? "cannot be sold";
  if (l.status && l.status !== "available") return REASONS[l.status] ?? "cannot be sold";
  if (l.price === undefined) return "price shown at checkout";
  const price = l.tagPrice !== undefined && l.tagPrice !== l.price ? [h("s", { class: "tagprice" }, money(l.tagPrice)), " ", money(l.price)] : money(l.price);
  const from = l.fromList ? [" ", h("small", { class: "muted", title: "From this register's price list: the server could not be asked" }, "(price list)")] : [];
  return [`${l.title}${l.size ? ` (${l.size})` : ""} · `, h("strong", { class: "line-price" }, price), ...from];
}

export function removeTags(tags) {
  const c = cartStore.get();
  if (c.sending) return;
  c.lines = c.lines.filter((l) => !tags.includes(l.itemId));
  c.txId = null;
  if (c.refused && unavailableOf(c.refused).every((id) => !c.lines.some((l) => l.itemId === id))) c.refused = null;
  cartStore.set(c);
  render();
}

export function clearCart() {
  const c = cartStore.get();
  if (c.sending || c.lines.length === 0) return;
  if (c.lines.length > 1 && !confirm(`Take all ${c.lines.length} tags out of the cart?`)) return;
  cartStore.set(cartStore.empty());
  render();
}
