// The consignor's page: enter and edit their own items while tagging is open (the organizer's
// rules said in words), print their tags, see what sold and what they are paid, and after the
// close their pickup and donation lists. Signed in with their consignor key and the event id (kept
// on this device, localStorage); the key says which consignor it is (GET /v1/me).
import { call, download, openFile } from "/common/api.js";
import { $, dateTime, fill, h, money, num, parseMoney, plural, say, table } from "/common/dom.js";

const SETTINGS = "consignor.v1.settings";
const settings = {
  get: () => JSON.parse(localStorage.getItem(SETTINGS) ?? "null") ?? { key: null, eventId: "", consignorId: null },
  set: (s) => localStorage.setItem(SETTINGS, JSON.stringify(s)),
};
const lastPrintKey = () => `consignor.v1.printed.${settings.get().eventId}.${settings.get().consignorId}`;

// `adding`: the new item last sent without an answer, with its request id, so saving the same item
// again (the phone never heard back) repeats that request and cannot add the item twice.
const view = { event: null, consignor: null, items: [], editing: null, adding: null };

const s = () => settings.get();
const api = (method, path, body) => call(s().key, method, path, body);
const ev = (path = "") => `/events/${encodeURIComponent(s().eventId)}${path}`;
const mine = (path = "") => ev(`/consignors/${encodeURIComponent(s().consignorId)}${path}`);

const STATUS = {
  modifiable: "Tagging: you can change it",
  locked: "In the sale",
  sold: "Sold",
  transfer: { donated: "Donated", pickup: "To pick up", withdrawn: "Withdrawn", transfer: "Taken out by the organizer" },
};
/**
 * What an item's status says. The statement is the consignor's record of what sold: an item on it
 * (not voided) reads "Sold" even when the item list was read a moment before the sale reached it
 * (the Inventory and the ledger hear of a sale from the same queue, in either order).
 */
const statusWords = (i) =>
  i.status === "transfer" ? (STATUS.transfer[i.transferReason] ?? "Out of the sale") : view.soldIds?.has(i.id) ? STATUS.sold : (STATUS[i.status] ?? i.status);

/** The organizer's rule that refused an item, or any other refusal, in words. */
function words(error) {
  const d = error?.details ?? {};
  switch (error?.code) {
    case "ITEM_RULE_VIOLATED":
      if (d.rule === "maxItemsPerConsignor") return `This sale takes at most ${plural(d.limit, "item")} from each consignor, and you have ${d.have ?? "that many"} already.`;
      if (d.rule === "minPrice") return `The lowest price in this sale is ${money(d.limit)}: price it at ${money(d.limit)} or more.`;
      if (d.rule === "priceStep") {
        const down = Math.floor((d.price ?? 0) / d.limit) * d.limit;
        const near = down > 0 ? ` — ${money(down)} or ${money(down + d.limit)}, say` : "";
        return `Prices in this sale go in steps of ${money(d.limit)}${near}.`;
      }
      return `The organizer’s rules do not allow this (${d.rule ?? error.message}).`;
    case "ITEM_LOCKED":
      return "Tagging is closed for this item: it is already in the sale, so it cannot change any more.";
    case "VERSION_CONFLICT":
      return "This item was changed somewhere else meanwhile (another tab or device?). The list is up to date again: make your change once more.";
    case "EVENT_CLOSED":
      return "The sale is closed: items cannot change any more.";
    case "UNAUTHENTICATED":
      return "Your key is not accepted any more. Sign out and sign in with the key the organizer gave you.";
    case "FORBIDDEN":
      return "Your key cannot do this (it is for another consignor or another sale).";
    case "NOT_FOUND":
      return `Not found: ${error.message}.`;
    case "VALIDATION_FAILED":
      return `Check the form: ${(d.issues ?? []).map((i) => i.message).join("; ") || error.message}`;
    case "NETWORK":
      return "Could not reach the server. Check your connection and try again.";
    default:
      return `${error?.code ?? "Refused"}: ${error?.message ?? "no reason given"}`;
  }
}

// ------------------------------------------------------------------ sign in

function openSignIn(message = "") {
  $("signin").hidden = false;
  $("home").hidden = true;
  $("sign-out").hidden = true;
  $("event-name").textContent = "My consignment";
  $("who").textContent = "";
  $("key").value = "";
  $("event-id").value = s().eventId ?? "";
  say($("signin-message"), message, "warn");
  $("key").focus();
}

async function signIn(e) {
  e.preventDefault();
  const key = $("key").value.trim();
  const eventId = $("event-id").value.trim();
  const message = $("signin-message");
  say(message, "Checking…");
  const who = await call(key, "GET", "/me");
  if (!who.ok) return say(message, who.status === 401 ? "This key is not accepted. Check it, or ask the organizer for a new one." : words(who.error), "bad");
  if (who.body.role !== "consignor") {
    return say(message, who.body.role === "admin" ? "This is an organizer’s key: the organizer’s page is /admin." : "This is a register’s key, not a consignor’s.", "bad");
  }
  if (who.body.eventId !== eventId) return say(message, `This key is for the sale “${who.body.eventId}”, not “${eventId}”.`, "bad");
  settings.set({ key, eventId, consignorId: who.body.consignorId });
  say(message, "");
  await openHome();
}

function signOut() {
  settings.set({ ...s(), key: null, consignorId: null });
  openSignIn("");
}

async function openHome() {
  const [event, consignor] = await Promise.all([api("GET", ev()), api("GET", mine())]);
  if (!event.ok) {
    if (event.status === 401 || event.status === 403) return openSignIn(words(event.error));
    return openSignIn(event.status === 404 ? `There is no sale “${s().eventId}”.` : words(event.error));
  }
  view.event = event.body;
  view.consignor = consignor.ok ? consignor.body : null;
  $("signin").hidden = true;
  $("home").hidden = false;
  $("sign-out").hidden = false;
  $("event-name").textContent = view.event.name;
  $("who").textContent = `${view.consignor?.name ?? "Consignor"} · #${s().consignorId}`;
  renderRules();
  await Promise.all([loadItems(), renderStatement(), renderUnsold()]);
}

function renderRules() {
  const r = view.event.itemRules ?? {};
  const parts = [
    r.maxItemsPerConsignor !== null && r.maxItemsPerConsignor !== undefined ? `at most ${plural(r.maxItemsPerConsignor, "item")}` : null,
    r.minPrice ? `prices from ${money(r.minPrice)}` : null,
    r.priceStep ? `in steps of ${money(r.priceStep)}` : null,
  ].filter(Boolean);
  $("rules").textContent = view.event.closedAt
    ? "The sale is closed: items cannot change any more."
    : `Each item gets its tag number when you add it. ${parts.length ? `This sale’s rules: ${parts.join(", ")}.` : ""}`;
  for (const el of $("item-form").elements) el.disabled = Boolean(view.event.closedAt);
}

// ------------------------------------------------------------------ items

async function loadItems() {
  const all = [];
  for (let after = ""; ; ) {
    const page = await api("GET", ev(`/items?consignorId=${encodeURIComponent(s().consignorId)}&limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`));
    if (!page.ok) return fill($("items"), h("p", { class: "message bad" }, words(page.error)));
    all.push(...page.body.items);
    if (!page.body.next) break;
    after = page.body.next;
  }
  view.items = all;
  renderItems();
}

function renderItems() {
  const list = view.items;
  $("item-count").textContent = list.length ? plural(list.filter((i) => i.transferReason !== "withdrawn").length, "item") : "";
  fill(
    $("items"),
    list.length === 0
      ? h("p", { class: "empty" }, "No items yet: add your first one above.")
      : table(
          ["Tag", "What", "Size", { text: "Price", class: "num" }, "Marks", "Status", ""],
          list.map((i) =>
            h(
              "tr",
              { dataset: { item: i.id, status: i.status }, class: view.editing?.id === i.id ? "editing" : i.status === "transfer" && i.transferReason === "withdrawn" ? "dim" : null },
              h("td", null, h("strong", null, i.id)),
              h("td", null, i.title, h("div", { class: "muted small" }, i.category)),
              h("td", null, i.size),
              num(money(i.price)),
              h("td", null, i.discountAllowed ? h("span", { class: "badge" }, "½ OK") : h("span", { class: "badge" }, "full price"), i.donate ? h("span", { class: "badge donate" }, "donate") : null),
              h("td", { class: `status-${i.status}` }, statusWords(i)),
              h(
                "td",
                { class: "actions" },
                i.status === "modifiable" && !view.event.closedAt
                  ? [
                      h("button", { type: "button", class: "small", dataset: { action: "edit" }, onclick: () => startEdit(i) }, "Edit"),
                      " ",
                      h("button", { type: "button", class: "small danger", dataset: { action: "delete" }, onclick: (e) => removeItem(e, i) }, "Delete"),
                    ]
                  : null,
              ),
            ),
          ),
          { id: "items-table" },
        ),
  );
}

function formItem() {
  const price = parseMoney($("item-price").value);
  return {
    title: $("item-title").value.trim(),
    category: $("item-category").value.trim(),
    size: $("item-size").value.trim(),
    price,
    discountAllowed: $("item-discount").checked,
    donate: $("item-donate").checked,
  };
}

async function saveItem(e) {
  e.preventDefault();
  const message = $("item-message");
  const item = formItem();
  if (item.price === null || item.price <= 0) return say(message, `“${$("item-price").value}” is not a price: write it like 12 or 12.50.`, "bad");
  const button = $("item-save");
  button.disabled = true;
  try {
    const editing = view.editing;
    let answer;
    if (editing) answer = await api("PATCH", ev(`/items/${encodeURIComponent(editing.id)}`), { version: editing.version, ...item });
    else {
      const items = [{ consignorId: s().consignorId, ...item }];
      const same = view.adding && JSON.stringify(view.adding.items) === JSON.stringify(items);
      if (!same) view.adding = { requestId: crypto.randomUUID(), items };
      answer = await api("PUT", ev("/items"), { requestId: view.adding.requestId, items });
      // A lost answer or a server error keeps the request for the next try (it may have been saved);
      // a success or a refusal (4xx: nothing changed) settles it.
      if (answer.ok || (answer.status >= 400 && answer.status < 500)) view.adding = null;
    }
    if (!answer.ok) {
      say(message, words(answer.error), "bad");
      if (answer.error.code === "VERSION_CONFLICT" || answer.error.code === "ITEM_LOCKED") {
        stopEdit();
        await loadItems();
      }
      return;
    }
    const id = editing ? editing.id : answer.body.ids[0];
    stopEdit();
    $("item-form").reset();
    await loadItems();
    say(message, editing ? `Saved ${id}. Print its tag again if the price changed.` : `Added: tag number ${id}. Print its tag when you have entered the rest.`, "ok");
    $("item-title").focus();
  } finally {
    button.disabled = false;
  }
}

function startEdit(i) {
  view.editing = { id: i.id, version: i.version };
  $("item-title").value = i.title;
  $("item-category").value = i.category;
  $("item-size").value = i.size;
  $("item-price").value = (i.price / 100).toFixed(2);
  $("item-discount").checked = i.discountAllowed;
  $("item-donate").checked = i.donate;
  $("item-save").textContent = `Save ${i.id}`;
  $("item-cancel").hidden = false;
  say($("item-message"), "");
  renderItems();
  $("item-title").focus();
}

function stopEdit() {
  view.editing = null;
  $("item-save").textContent = "Add item";
  $("item-cancel").hidden = true;
  renderItems();
}

async function removeItem(e, i) {
  if (!confirm(`Delete ${i.id} (${i.title})? Its tag number is not given again.`)) return;
  e.target.disabled = true;
  const answer = await api("DELETE", ev(`/items/${encodeURIComponent(i.id)}?version=${i.version}`));
  if (view.editing?.id === i.id) stopEdit();
  await loadItems();
  if (!answer.ok) return say($("item-message"), words(answer.error), "bad");
  say($("item-message"), answer.body.withdrawn ? `${i.id} is withdrawn (it was listed online; the listing comes down).` : `${i.id} deleted.`, "ok");
}

// ------------------------------------------------------------------ tags

async function printTags(e, query, what) {
  const message = $("print-message");
  const started = Date.now();
  e.target.disabled = true;
  say(message, "Making your tags…");
  try {
    const file = await openFile(s().key, mine(`/tags.pdf${query}`));
    if (!file.ok) return say(message, words(file.error), "bad");
    if (!query.includes("format=labels")) localStorage.setItem(lastPrintKey(), String(started));
    say(message, `${what} opened in a new tab (${Math.round(file.blob.size / 1024)} KB).`, "ok");
    message.dataset.bytes = String(file.blob.size);
    message.dataset.type = file.blob.type;
  } finally {
    e.target.disabled = false;
    renderPrintNew();
  }
}

function renderPrintNew() {
  const since = Number(localStorage.getItem(lastPrintKey()) ?? 0);
  $("print-new").disabled = !since;
  $("print-new").textContent = since ? `Only tags added or changed since my last print (${dateTime(since)})` : "Only tags added or changed since my last print";
}

// ------------------------------------------------------------------ what sold

async function renderStatement() {
  const box = $("statement");
  const answer = await api("GET", mine("/statement"));
  if (!answer.ok) {
    return fill(box, answer.status === 404 ? h("p", { class: "empty" }, "Your statement appears here once the organizer has registered you for the sale.") : h("p", { class: "message bad" }, words(answer.error)));
  }
  const st = answer.body;
  view.soldIds = new Set(st.items.filter((i) => !i.voided).map((i) => i.itemId));
  if (view.items) renderItems();
  const titles = new Map(view.items.map((i) => [i.id, i.title]));
  const t = st.totals;
  const sum = (label, cents, cls = "") => h("div", { class: `sum ${cls}`.trim() }, h("div", { class: "label" }, label), h("div", { class: "value" }, money(cents)));
  fill(
    box,
    st.items.length === 0
      ? h("p", { class: "empty" }, "Nothing sold yet.")
      : table(
          ["Tag", "What", { text: "Tag price", class: "num" }, { text: "Sold for", class: "num" }, { text: "Your share", class: "num" }, "Where", "When"],
          st.items.map((i) =>
            h(
              "tr",
              { class: i.voided ? "dim" : null, dataset: { sold: i.itemId, tx: i.transactionId } },
              h("td", null, h("strong", null, i.itemId)),
              h("td", null, titles.get(i.itemId) ?? ""),
              num(i.tagPrice !== i.price ? h("s", { class: "tagprice" }, money(i.tagPrice)) : money(i.tagPrice)),
              num(money(i.price), { dataset: { cents: String(i.price) } }),
              num(h("strong", null, money(i.commission)), { dataset: { cents: String(i.commission) } }),
              h("td", null, i.online ? h("span", { class: "badge online" }, "online") : "at the sale", i.voided ? " · voided (returned)" : ""),
              h("td", null, dateTime(i.soldAt)),
            ),
          ),
          { id: "sold-table" },
        ),
    st.uncalculated.length > 0 ? h("p", { class: "message warn" }, `${plural(st.uncalculated.length, "sale")} of yours ${st.uncalculated.length === 1 ? "is" : "are"} still being counted; refresh in a minute.`) : null,
    h(
      "div",
      { class: "sums", id: "sums" },
      sum("Your share of sales", t.sales),
      t.reversals ? sum("Returned (voids)", t.reversals) : null,
      t.adjustments ? sum("Adjustments", t.adjustments) : null,
      sum("Fees", t.fees),
      sum("Your payout", t.payout, "main"),
      t.owedByConsignor ? sum("You owe the sale", t.owedByConsignor, "owe") : null,
    ),
    h("p", { class: "muted small" }, "Your share is your commission rate of what each item sold for (on a discount day, the lower price). Fees come off your payout once."),
  );
}

// ------------------------------------------------------------------ after the close

async function renderUnsold() {
  const box = $("unsold");
  if (!view.event.closedAt) return fill(box, h("p", { class: "empty" }, "Your pickup list and your donations appear here once the organizer closes the sale."));
  const answer = await api("GET", mine("/unsold"));
  if (!answer.ok) return fill(box, h("p", { class: "message bad" }, words(answer.error)));
  const u = answer.body;
  const list = (rows) => table(["Tag", "What", "Size", { text: "Tag price", class: "num" }], rows.map((i) => [i.itemId, i.title, i.size, num(money(i.price))]));
  fill(
    box,
    h("h3", null, `To pick up: ${plural(u.totals.pickupCount, "item")}`),
    u.pickup.length ? list(u.pickup) : h("p", { class: "empty" }, "Nothing to pick up."),
    h("h3", null, `Donated: ${plural(u.totals.donatedCount, "item")} (${money(u.totals.donatedValue)} at tag prices, for your tax receipt)`),
    u.donated.length ? list(u.donated) : h("p", { class: "empty" }, "Nothing donated."),
    h(
      "p",
      null,
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            const file = await download(s().key, mine("/unsold.csv"), "unsold.csv");
            if (!file.ok) say($("print-message"), words(file.error), "bad");
          },
        },
        "Download as CSV",
      ),
    ),
  );
}

// ------------------------------------------------------------------ start

$("signin-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", signOut);
$("item-form").addEventListener("submit", saveItem);
$("item-cancel").addEventListener("click", () => {
  stopEdit();
  $("item-form").reset();
  say($("item-message"), "");
});
$("print-all").addEventListener("click", (e) => printTags(e, "", "Your tags"));
$("print-new").addEventListener("click", (e) => printTags(e, `?since=${Number(localStorage.getItem(lastPrintKey()) ?? 0)}`, "Your new tags"));
$("print-labels").addEventListener("click", (e) => printTags(e, "?format=labels", "Your labels"));
$("refresh-statement").addEventListener("click", async (e) => {
  e.target.disabled = true;
  await loadItems();
  await renderStatement();
  e.target.disabled = false;
});
// What sold moves during the sale: read again every minute while the page is in view.
setInterval(() => {
  if (document.visibilityState === "visible" && !$("home").hidden) void renderStatement();
}, 60_000);
renderPrintNew();
if (s().key && s().consignorId) openHome();
else openSignIn();
