// Drawing the page from what is stored and on screen: the bar (who, where, the network, the queue),
// the cart and its refusal, the offline queue; render() draws every part (the receipt and recent
// sales are drawn by receipts.js).
import { cart as cartStore, queue as queueStore, settings as settingsStore } from "/register/store.js";
import { $, fill, h, money, plural, time } from "/register/dom.js";
import { refusalWords, unavailableOf } from "/register/refusals.js";
import { view } from "/register/view.js";
import { lineWords, removeTags } from "/register/cart.js";
import { checkout, dismiss, retryRefused } from "/register/checkout.js";
import { renderReceipt, renderRecent } from "/register/receipts.js";

export function render() {
  renderBar();
  if ($("sell").hidden) return;
  renderCart();
  renderReceipt();
  renderQueue();
  renderRecent();
}

export function renderBar() {
  const s = settingsStore.get();
  const signedIn = Boolean(s.key) && $("signin").hidden;
  $("event-name").textContent = signedIn ? s.eventName || s.eventId : "Register";
  const discount = s.discount ? ` · ${s.discount === 5000 ? "half price" : `${s.discount / 100}% off`}` : "";
  $("session-name").textContent = signedIn ? `${s.sessionName || s.sessionId}${discount} · ${s.registerId}` : "";
  $("sign-out").hidden = !signedIn;
  $("change-session").hidden = !signedIn;

  const net = $("net");
  const offline = navigator.onLine === false;
  net.textContent = offline ? "Offline" : view.contact === "failed" ? "No connection" : view.flushing ? "Uploading…" : "Online";
  net.className = `pill ${offline || view.contact === "failed" ? "bad" : "ok"}`;

  const list = view.priceList;
  const prices = $("prices");
  const ours = list && list.eventId === s.eventId && list.sessionId === s.sessionId;
  prices.hidden = !signedIn;
  prices.textContent = ours ? `Prices kept: ${list.count.toLocaleString()} · ${time(list.takenAt)}` : "No price list";
  prices.title = ours ? "This register's copy of the session's prices, for scanning while offline" : "Tags scanned offline show no price until the list is taken";
  prices.className = `pill ${ours ? "ok" : "warn"}`;

  const q = queueStore.get();
  const waiting = q.filter((e) => e.state === "waiting").length;
  const refused = q.length - waiting;
  const w = $("waiting");
  w.hidden = waiting === 0;
  w.textContent = `${plural(waiting, "sale")} waiting to upload`;
  w.dataset.count = String(waiting);
  const a = $("attention");
  a.hidden = refused === 0 && !view.authProblem;
  a.textContent = view.authProblem ? "Key not accepted: sign in again" : `${plural(refused, "sale")} need${refused === 1 ? "s" : ""} attention`;
  a.dataset.count = String(refused);
}

export function renderCart() {
  const c = cartStore.get();
  const flagged = new Set(unavailableOf(c.refused));
  const reasons = c.refused?.details?.reasons ?? {};
  const list = $("cart");
  fill(list,
    ...c.lines.map((l) =>
      h(
        "li",
        { class: flagged.has(l.itemId) ? "line flagged" : "line", dataset: { tag: l.itemId } },
        h("span", { class: "tag" }, l.itemId),
        h("span", { class: "what" }, lineWords(l, flagged.has(l.itemId) ? (reasons[l.itemId] ?? null) : undefined)),
        h("button", { type: "button", class: "remove", disabled: c.sending || view.busy, "aria-label": `Remove ${l.itemId}`, onclick: () => removeTags([l.itemId]) }, "Remove"),
      ),
    ),
  );
  $("cart-empty").hidden = c.lines.length > 0;
  const priced = c.lines.filter((l) => l.price !== undefined && (l.status ?? "available") === "available");
  const total = priced.reduce((sum, l) => sum + l.price, 0);
  const unpriced = c.lines.length - priced.length;
  $("cart-count").textContent = c.lines.length
    ? `${plural(c.lines.length, "tag")} · ${money(total)}${unpriced > 0 ? ` + ${plural(unpriced, "tag")} not priced yet` : ""}`
    : "";
  const shopper = $("shopper");
  if (document.activeElement !== shopper) shopper.value = c.shopperCode;
  shopper.disabled = c.sending || view.busy;
  $("scan").disabled = view.busy;
  const button = $("checkout");
  button.disabled = c.lines.length === 0 || c.sending || view.busy;
  button.textContent = view.busy ? "Sending…" : c.lines.length ? `Check out ${plural(c.lines.length, "tag")}` : "Check out";
  $("clear-cart").disabled = c.lines.length === 0 || c.sending || view.busy;

  const refusal = $("refusal");
  refusal.hidden = !c.refused;
  if (c.refused) {
    const gone = unavailableOf(c.refused).filter((id) => c.lines.some((l) => l.itemId === id));
    fill(refusal,
      h("strong", null, "Not sold. Nothing was charged."),
      h("ul", null, refusalWords(c.refused).map((w) => h("li", null, w))),
      gone.length > 0 && c.lines.length > gone.length
        ? h("button", { type: "button", id: "remove-refused", class: "primary big", onclick: async () => (removeTags(gone), await checkout()) }, `Remove ${gone.join(", ")} and check out the rest`)
        : null,
      gone.length > 0 && c.lines.length === gone.length ? h("p", null, "Set the tag(s) aside for the organizer and clear the cart.") : null,
    );
  }
}

export function renderQueue() {
  const q = queueStore.get();
  const s = settingsStore.get();
  $("queue-card").hidden = q.length === 0;
  const waiting = q.filter((e) => e.state === "waiting").length;
  const refused = q.length - waiting;
  $("queue-summary").textContent = [
    waiting ? `${plural(waiting, "sale")} waiting to upload${view.flushing ? " (uploading now)" : ""}.` : "",
    refused ? `${plural(refused, "sale")} refused by the server: read why below and tell the organizer.` : "",
  ].join(" ");
  $("upload-now").hidden = waiting === 0;
  fill($("queue"),
    ...q.map((e) =>
      h(
        "li",
        { class: e.state === "refused" ? "sale flagged" : "sale", dataset: { tx: e.id, state: e.state } },
        h("div", null, h("strong", null, `${time(e.queuedAt)} · ${plural(e.items.length, "tag")}`), " ", e.items.join(", ")),
        e.eventId !== s.eventId ? h("div", { class: "muted" }, `For event ${e.eventId}: uploads when this register is signed in to it.`) : null,
        e.state === "refused" ? h("ul", null, refusalWords(e.error).map((w) => h("li", null, w))) : null,
        e.state === "refused"
          ? h(
              "div",
              { class: "row" },
              unavailableOf(e.error).length > 0 && unavailableOf(e.error).length < e.items.length
                ? h("button", { type: "button", class: "primary", onclick: () => retryRefused(e.id, { dropUnavailable: true }) }, `Upload without ${unavailableOf(e.error).join(", ")}`)
                : h("button", { type: "button", onclick: () => retryRefused(e.id, { dropUnavailable: false }) }, "Try again"),
              h("button", { type: "button", onclick: () => dismiss(e.id) }, "Dismiss"),
            )
          : null,
      ),
    ),
  );
}
