// The register page: sign in, scan tags into a cart, check out, receipts, refusals in plain words,
// voids of this register's recent sales, and the offline queue. No framework: the state lives in
// localStorage (store.js) and every change re-renders the few parts of the page it touches.
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
import { cart as cartStore, newTransactionId, queue as queueStore, recent as recentStore, settings as settingsStore } from "/register/store.js";

const RETRY_MS = 15_000;
const UPLOAD_CHUNK = 100;
const MAX_CART = 200;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why an item cannot be sold (details.reasons of 409 ITEM_UNAVAILABLE), as a cashier would say it. */
const REASONS = {
  sold: "was already sold (at a register)",
  sold_online: "was sold online: it is not for sale here any more",
  held: "is on hold at another register",
  unknown: "is not in this sale: check the number on the tag",
};

const $ = (id) => document.getElementById(id);

/** What is on screen but need not survive a reload. */
const view = {
  busy: false, // a checkout is on its way
  flushing: false,
  contact: "unknown", // "ok" | "failed": how the last call to the server went
  receipt: null, // { kind: "sold" | "saved", tx?, sale? }
  voidOpen: null, // id of the sale whose void reasons are shown
  authProblem: null,
};

// ------------------------------------------------------------------ helpers

function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Replaces an element's children, leaving out the null/false of conditional parts. */
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

const money = (cents) => `$${(cents / 100).toFixed(2)}`;
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function show(el, text, kind = "") {
  el.hidden = !text;
  el.textContent = text ?? "";
  el.className = `message ${kind}`.trim();
}

function focusScan() {
  const scan = $("scan");
  if (!$("sell").hidden && document.activeElement !== scan && !scan.disabled) scan.focus({ preventScroll: true });
}

/** A refusal (the API's error envelope) in sentences; each ITEM_UNAVAILABLE item gets its own. */
function refusalWords(error) {
  const details = error?.details ?? {};
  switch (error?.code) {
    case "ITEM_UNAVAILABLE":
      return (details.items ?? []).map((id) => `Tag ${id} ${REASONS[details.reasons?.[id]] ?? `cannot be sold (${details.reasons?.[id] ?? "no reason given"})`}.`);
    case "SESSION_NOT_ACTIVE":
      return [`The session is not open for sales (it is ${details.status ?? "not running"}). Ask the organizer, or switch to the running session with the Session button.`];
    case "UNAUTHENTICATED":
      return ["This register key is not accepted (it may have been revoked). Sign out and sign in with a new key."];
    case "FORBIDDEN":
      return ["This register key belongs to another event, or cannot do this."];
    case "NOT_FOUND":
      return ["The server does not know this event, session or sale. Check the session with the Session button."];
    case "IDEMPOTENCY_KEY_REUSED":
      return ["The server already had this sale's number with another cart. Check out again: the sale gets a new number."];
    case "VALIDATION_FAILED":
      return [`The server refused the sale as malformed: ${error.message}`];
    default:
      return [`${error?.code ?? "Refused"}: ${error?.message ?? "no reason given"}`];
  }
}

function unavailableOf(error) {
  return error?.code === "ITEM_UNAVAILABLE" ? (error.details?.items ?? []) : [];
}

function noteContact(outcome) {
  view.contact = outcome === "unknown" ? "failed" : "ok";
}

function addRecent(tx) {
  const list = recentStore.get().filter((r) => r.id !== tx.id);
  list.push(tx);
  list.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  recentStore.set(list);
}

// ------------------------------------------------------------------ sign in

function openSignIn(message) {
  const s = settingsStore.get();
  $("key").value = s.key ?? "";
  $("event-id").value = s.eventId;
  $("session-id").value = s.sessionId;
  $("register-id").value = s.registerId || `register-${Math.random().toString(36).slice(2, 6)}`;
  show($("signin-message"), message ?? "", "warn");
  $("signin").hidden = false;
  $("sell").hidden = true;
  renderBar();
  (s.key ? $("session-id") : $("key")).focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = $("key").value.trim();
  const eventId = $("event-id").value.trim();
  const sessionId = $("session-id").value.trim();
  const registerId = $("register-id").value.trim();
  const message = $("signin-message");
  const button = $("signin-button");
  button.disabled = true;
  show(message, "Checking…");
  try {
    const ev = await api.getEvent(key, eventId);
    noteContact(ev.outcome);
    if (ev.outcome === "refused") {
      const words = { 401: "This key is not accepted. Check it (or ask the organizer for a new one).", 403: "This key belongs to another event.", 404: `There is no event “${eventId}”.` };
      return show(message, words[ev.status] ?? refusalWords(ev.error).join(" "), "bad");
    }
    const ses = ev.outcome === "ok" ? await api.getSession(key, eventId, sessionId) : ev;
    noteContact(ses.outcome);
    if (ses.outcome === "refused") {
      return show(message, ses.status === 404 ? `There is no session “${sessionId}” in this event.` : refusalWords(ses.error).join(" "), "bad");
    }
    const previous = settingsStore.get();
    const sameSession = previous.eventId === eventId && previous.sessionId === sessionId;
    settingsStore.set({
      key,
      eventId,
      sessionId,
      registerId,
      eventName: ev.outcome === "ok" ? ev.body.name : sameSession ? previous.eventName : eventId,
      sessionName: ses.outcome === "ok" ? ses.body.name : sameSession ? previous.sessionName : sessionId,
      sessionStatus: ses.outcome === "ok" ? ses.body.status : null,
      discount: ses.outcome === "ok" ? ses.body.discount : sameSession ? previous.discount : 0,
    });
    view.authProblem = null;
    $("signin").hidden = true;
    $("sell").hidden = false;
    render();
    if (ev.outcome === "unknown") {
      show($("scan-message"), "Could not reach the server to check the key. Sales are kept on this register until it is back.", "warn");
    } else if (ses.body.status !== "active") {
      show($("scan-message"), `Session “${ses.body.name}” is ${ses.body.status}: checkouts will be refused until the organizer starts it.`, "warn");
    } else show($("scan-message"), "");
    focusScan();
    flush();
  } finally {
    button.disabled = false;
  }
}

function signOut() {
  const waiting = queueStore.get().length;
  if (waiting > 0 && !confirm(`${plural(waiting, "sale")} not uploaded yet. They stay on this register and upload after the next sign-in. Sign out?`)) return;
  settingsStore.set({ ...settingsStore.get(), key: null });
  view.receipt = null;
  openSignIn("");
}

// ------------------------------------------------------------------ the cart

function addTag(raw) {
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
 * be sold). Only a help to the cashier: offline, the line just waits for the receipt's prices,
 * and the checkout decides either way.
 */
async function lookUp(tag) {
  const s = settingsStore.get();
  if (!s.key || navigator.onLine === false) return;
  const answer = await api.getItem(s.key, s.eventId, s.sessionId, tag);
  const c = cartStore.get();
  const line = c.lines.find((l) => l.itemId === tag);
  if (!line) return;
  if (answer.outcome === "ok") {
    Object.assign(line, { title: answer.body.title, size: answer.body.size, price: answer.body.price, tagPrice: answer.body.tagPrice, status: answer.body.status });
    if (answer.body.status !== "available") show($("scan-message"), `Tag ${tag}: ${REASONS[answer.body.status] ?? "cannot be sold"}.`, "bad");
  } else if (answer.outcome === "refused" && answer.status === 404) {
    line.status = "unknown";
    show($("scan-message"), `Tag ${tag}: ${REASONS.unknown}.`, "bad");
  } else return;
  cartStore.set(c);
  render();
}

/** What a cart line says: why it cannot be sold, or what it is and its price here. */
function lineWords(l, refusedReason) {
  if (refusedReason !== undefined) return REASONS[refusedReason] ?? "cannot be sold";
  if (l.status && l.status !== "available") return REASONS[l.status] ?? "cannot be sold";
  if (l.price === undefined) return "price shown at checkout";
  const price = l.tagPrice !== undefined && l.tagPrice !== l.price ? [h("s", { class: "tagprice" }, money(l.tagPrice)), " ", money(l.price)] : money(l.price);
  return [`${l.title}${l.size ? ` (${l.size})` : ""} · `, h("strong", { class: "line-price" }, price)];
}

function removeTags(tags) {
  const c = cartStore.get();
  if (c.sending) return;
  c.lines = c.lines.filter((l) => !tags.includes(l.itemId));
  c.txId = null;
  if (c.refused && unavailableOf(c.refused).every((id) => !c.lines.some((l) => l.itemId === id))) c.refused = null;
  cartStore.set(c);
  render();
}

function clearCart() {
  const c = cartStore.get();
  if (c.sending || c.lines.length === 0) return;
  if (c.lines.length > 1 && !confirm(`Take all ${c.lines.length} tags out of the cart?`)) return;
  cartStore.set(cartStore.empty());
  render();
}

async function checkout() {
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
    view.receipt = { kind: "saved", sale };
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
function recoverUnanswered() {
  const c = cartStore.get();
  if (c.sending && c.sale) enqueue(c.sale);
  else if (c.sending) cartStore.set({ ...c, sending: false });
}

// ------------------------------------------------------------------ the offline queue

async function flush() {
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

function retryRefused(id, { dropUnavailable }) {
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

function dismiss(id, force = false) {
  const q = queueStore.get();
  const e = q.find((x) => x.id === id);
  if (!e) return;
  if (!force && !confirm("This sale will not be uploaded. Do this only once the organizer has dealt with it. Dismiss it?")) return;
  addRecent({ id: e.id, eventId: e.eventId, sessionId: e.sessionId, createdAt: e.queuedAt, status: "dismissed", total: null, items: e.items.map((itemId) => ({ itemId })), error: e.error });
  queueStore.set(q.filter((x) => x.id !== id));
  render();
}

// ------------------------------------------------------------------ voids

async function voidSale(id, reason) {
  const s = settingsStore.get();
  const sale = recentStore.get().find((r) => r.id === id);
  if (!sale || !reason) return;
  const message = $("scan-message");
  show(message, "Voiding…");
  const answer = await api.voidSale(s.key, sale.eventId, sale.sessionId, id, reason);
  noteContact(answer.outcome);
  view.voidOpen = null;
  if (answer.outcome === "ok") {
    addRecent(answer.body);
    if (view.receipt?.tx?.id === id) view.receipt = { kind: "sold", tx: answer.body };
    show(message, `Sale voided. ${sale.items.map((i) => i.itemId).join(", ")} can be sold again.`, "ok");
  } else if (answer.outcome === "refused") {
    const words = answer.error.code === "SESSION_NOT_ACTIVE" ? "That session has ended: only the organizer can void this sale now." : refusalWords(answer.error).join(" ");
    show(message, `Not voided. ${words}`, "bad");
  } else show(message, "Could not reach the server: the sale is NOT voided yet. Try again when the network is back.", "bad");
  render();
}

// ------------------------------------------------------------------ rendering

function render() {
  renderBar();
  if ($("sell").hidden) return;
  renderCart();
  renderReceipt();
  renderQueue();
  renderRecent();
}

function renderBar() {
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

function renderCart() {
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

function receiptLines(items) {
  return h(
    "table",
    { class: "lines-table" },
    h(
      "tbody",
      null,
      items.map((i) =>
        h(
          "tr",
          { dataset: { tag: i.itemId } },
          h("td", { class: "tag" }, i.itemId),
          h("td", null, i.title ?? ""),
          h(
            "td",
            { class: "price" },
            i.price === undefined ? "" : i.tagPrice !== undefined && i.tagPrice !== i.price ? [h("s", { class: "tagprice" }, money(i.tagPrice)), " ", money(i.price)] : money(i.price),
          ),
        ),
      ),
    ),
  );
}

function renderReceipt() {
  const r = view.receipt;
  const box = $("receipt");
  box.hidden = !r;
  if (!r) {
    box.replaceChildren();
    delete box.dataset.tx;
    delete box.dataset.total;
    return;
  }
  if (r.kind === "sold") {
    const tx = r.tx;
    const saved = tx.items.reduce((n, i) => n + (i.tagPrice - i.price), 0);
    box.dataset.tx = tx.id;
    box.dataset.total = String(tx.total);
    fill(box,
      h("h2", null, tx.status === "voided" ? "Sale voided" : "Sale complete"),
      receiptLines(tx.items),
      saved > 0 ? h("p", { class: "muted" }, `Discount today: ${money(saved)} off the tag prices`) : null,
      h("p", { class: "total" }, "Total ", h("span", { id: "receipt-total" }, money(tx.total))),
      h("p", { class: "muted small" }, `${time(tx.createdAt)} · sale ${tx.id.slice(0, 8)}`),
    );
  } else {
    box.dataset.tx = r.sale.id;
    delete box.dataset.total;
    fill(box,
      h("h2", null, "Sale saved on this register"),
      h("p", null, "The network is down. The sale will upload by itself when it is back; nothing more to do. Take payment from the prices on the tags."),
      receiptLines(r.sale.items.map((itemId) => ({ itemId }))),
      h("p", { class: "muted small" }, `sale ${r.sale.id.slice(0, 8)}`),
    );
  }
}

function renderQueue() {
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

function renderRecent() {
  const s = settingsStore.get();
  const list = recentStore.get().filter((r) => r.eventId === s.eventId);
  $("recent-empty").hidden = list.length > 0;
  fill($("recent"),
    ...list.slice(0, 10).map((r) => {
      const canVoid = r.status === "completed" && r.sessionId === s.sessionId;
      const label = r.status === "voided" ? "voided" : r.status === "dismissed" ? "not uploaded (dismissed)" : r.total === null ? "" : money(r.total);
      return h(
        "li",
        { class: `sale ${r.status}`, dataset: { tx: r.id, status: r.status } },
        h("div", { class: "row spread" }, h("span", null, `${time(r.createdAt)} · ${plural(r.items.length, "tag")}`), h("strong", null, label)),
        h("div", { class: "muted" }, r.items.map((i) => i.itemId).join(", ")),
        canVoid && view.voidOpen !== r.id ? h("button", { type: "button", class: "void", onclick: () => ((view.voidOpen = r.id), render()) }, "Void this sale") : null,
        canVoid && view.voidOpen === r.id
          ? h(
              "div",
              { class: "void-reasons" },
              h("p", null, "Why? (the tags go back on sale)"),
              ["Customer changed their mind", "Rung up by mistake"].map((why) => h("button", { type: "button", class: "reason", onclick: () => voidSale(r.id, why) }, why)),
              h("button", { type: "button", class: "reason", onclick: () => voidSale(r.id, (prompt("Reason for the void") ?? "").trim()) }, "Other…"),
              h("button", { type: "button", onclick: () => ((view.voidOpen = null), render()) }, "Keep the sale"),
            )
          : null,
      );
    }),
  );
}

// ------------------------------------------------------------------ start

function start() {
  recoverUnanswered();
  $("signin-form").addEventListener("submit", signIn);
  $("scan-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const scan = $("scan");
    addTag(scan.value);
    scan.value = "";
    focusScan();
  });
  $("checkout").addEventListener("click", checkout);
  $("clear-cart").addEventListener("click", clearCart);
  $("shopper").addEventListener("change", (e) => {
    const c = cartStore.get();
    if (c.sending) return;
    cartStore.set({ ...c, shopperCode: e.target.value.trim(), txId: null });
  });
  $("upload-now").addEventListener("click", flush);
  $("waiting").addEventListener("click", flush);
  $("sign-out").addEventListener("click", signOut);
  $("change-session").addEventListener("click", () => openSignIn(""));
  // The scanner types wherever the focus is: after a tap anywhere but a text field (a button, the
  // page), the focus goes back to the scan field; a character typed while no text field has the
  // focus (a button that was just hidden, the page) goes into the scan field, and so does the rest.
  document.addEventListener("click", (e) => {
    if (!e.target.closest("input, label, select, textarea")) setTimeout(focusScan, 0);
  });
  document.addEventListener("keydown", (e) => {
    const typing = document.activeElement?.matches?.("input, select, textarea");
    if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && e.key.length === 1 && e.key !== " " && !$("sell").hidden) focusScan();
  });
  window.addEventListener("online", () => {
    view.contact = "unknown";
    render();
    flush();
  });
  window.addEventListener("offline", renderBar);
  window.addEventListener("storage", render); // another tab of this register changed something
  setInterval(flush, RETRY_MS);
  // Keeps the page's own files on the device so it opens again without a network (sw.js).
  navigator.serviceWorker?.register("/register/sw.js", { scope: "/register" }).catch(() => {});

  if (settingsStore.get().key) {
    $("sell").hidden = false;
    render();
    focusScan();
    flush();
  } else openSignIn();
}

start();
