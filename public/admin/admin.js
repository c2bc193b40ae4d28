// The organizer's dashboard: events, an event's sessions and their live totals, commissions in
// error, payouts and unsold reports, Shopify, settings, api keys, closing and archiving. Signed in
// with the admin key, kept in this tab only (sessionStorage). No framework: each tab is a function
// that reads what it shows from the API and draws it; an action draws its tab again.
import { call, download } from "/common/api.js";
import { $, dateTime, fill, h, money, num, parseMoney, percent, plural, say, table, time } from "/common/dom.js";
import { LiveTotals } from "/admin/live.js";

const KEY = "admin.v1.key";
/** An id as the API takes it, as an input's pattern (escaped for the `v` flag browsers use there). */
const ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}";
const TABS = [
  ["sessions", "Sessions & live"],
  ["commissions", "Commissions"],
  ["payouts", "Payouts & reports"],
  ["shopify", "Shopify"],
  ["settings", "Settings"],
  ["keys", "API keys"],
  ["close", "Close & archive"],
];

const view = {
  key: sessionStorage.getItem(KEY),
  events: [],
  eventsNext: null,
  event: null, // the open event's record
  tab: "sessions",
  watched: null, // the session whose live totals are shown
  live: null, // LiveTotals
  liveState: null, // [state, error] of the socket, drawn again with the tab
  summary: null, // the last summary heard
  transactions: [],
  transactionsNext: null,
  archiveRuns: JSON.parse(sessionStorage.getItem("admin.v1.archive") ?? "[]"),
};

const api = (method, path, body) => call(view.key, method, path, body);
const ev = (path = "") => `/events/${encodeURIComponent(view.event.id)}${path}`;

/** A refusal in words, for an organizer. */
function words(error) {
  const d = error?.details ?? {};
  switch (error?.code) {
    case "NETWORK":
      return "Could not reach the server. Check the connection and try again.";
    case "UNAUTHENTICATED":
      return "The admin key is not accepted. Sign out and sign in again.";
    case "FORBIDDEN":
      return "This key is not an admin key.";
    case "INVALID_TRANSITION":
      if (d.reason === "RATES_NOT_SET") return "Set the commission rates first (Settings tab).";
      return d.from && d.to ? `Not possible now: it cannot go from ${d.from} to ${d.to}.` : `Not possible now: ${error.message}.`;
    case "SESSION_HAS_SALES":
      return "This session has sales: it can be completed, not cancelled (void its sales first to cancel).";
    case "SESSION_NOT_ACTIVE":
      return "The session is not running.";
    case "ALREADY_EXISTS":
      return "That id is taken (with other details). Choose another id.";
    case "EVENT_CLOSED":
      return "The event is closed: nothing more can change.";
    case "SHOPIFY_NOT_CONFIGURED":
      return "Shopify is not configured for this deployment (SHOPIFY_ADMIN_ORIGIN and its token).";
    case "VALIDATION_FAILED":
      return `Check the form: ${(d.issues ?? []).map((i) => `${i.path}: ${i.message}`).join("; ") || error.message}`;
    case "NOT_FOUND":
      return `Not found: ${error.message}.`;
    default:
      return `${error?.code ?? "Refused"}: ${error?.message ?? "no reason given"}`;
  }
}

/** Runs an action from a button: disables it meanwhile, says the outcome in `message`. */
async function act(button, message, fn) {
  if (button) button.disabled = true;
  try {
    const answer = await fn();
    if (answer && answer.ok === false) {
      say(message, words(answer.error), "bad");
      if (answer.status === 401) signOut("The admin key is not accepted any more.");
    }
    return answer;
  } finally {
    if (button?.isConnected) button.disabled = false;
  }
}

/** Whether the tab a renderer started for is still the one on screen (a click on another tab may have overtaken it). */
function still(tab) {
  const eventId = view.event?.id;
  return () => view.tab === tab && view.event?.id === eventId;
}

const card = (title, ...children) => h("div", { class: "card" }, title ? h("h2", null, title) : null, ...children);
const messageLine = (id) => h("p", { id, class: "message", hidden: true, role: "status" });
const field = (label, input, props = {}) => h("label", props, label, input);
const pct = (bp) => (bp === null || bp === undefined ? "" : String(bp / 100));
const bpOf = (text) => (text.trim() === "" ? null : Math.round(Number(text) * 100));

// ------------------------------------------------------------------ sign in, routing

function signOut(message = "") {
  view.live?.stop();
  view.live = null;
  view.key = null;
  sessionStorage.removeItem(KEY);
  show("signin");
  say($("signin-message"), message, "warn");
  $("key").value = "";
  $("key").focus();
}

async function signIn(e) {
  e.preventDefault();
  const key = $("key").value.trim();
  const message = $("signin-message");
  say(message, "Checking…");
  const answer = await call(key, "GET", "/events?limit=1");
  if (!answer.ok) {
    return say(message, answer.status === 403 ? "This is not an admin key (a register's or consignor's key cannot open the dashboard)." : words(answer.error), "bad");
  }
  view.key = key;
  sessionStorage.setItem(KEY, key);
  say(message, "");
  route();
}

function show(section) {
  for (const id of ["signin", "events", "event"]) $(id).hidden = id !== section;
  $("sign-out").hidden = section === "signin";
  if (section !== "event") {
    $("event-title").textContent = "";
    $("live-pill").hidden = true;
  }
}

/** `#/` the events; `#/events/<id>/<tab>` an event. */
async function route() {
  if (!view.key) return signOut();
  const m = /^#\/events\/([^/]+)(?:\/([a-z]+))?$/.exec(location.hash);
  if (!m) {
    view.live?.stop();
    view.live = null;
    view.event = null;
    show("events");
    return renderEvents();
  }
  const eventId = decodeURIComponent(m[1]);
  const tab = TABS.some(([t]) => t === m[2]) ? m[2] : "sessions";
  if (view.event?.id !== eventId) {
    view.live?.stop();
    Object.assign(view, { live: null, watched: null, summary: null, transactions: [], transactionsNext: null });
    const answer = await api("GET", `/events/${encodeURIComponent(eventId)}`);
    if (!answer.ok) {
      if (answer.status === 401) return signOut("The admin key is not accepted any more.");
      show("events");
      await renderEvents();
      return say($("event-form-message"), answer.status === 404 ? `There is no event “${eventId}”.` : words(answer.error), "bad");
    }
    view.event = answer.body;
  }
  view.tab = tab;
  show("event");
  $("event-title").textContent = `${view.event.name} (${view.event.id})${view.event.closedAt ? " · closed" : ""}`;
  fill($("tabs"), TABS.map(([t, label]) => h("a", { href: `#/events/${encodeURIComponent(view.event.id)}/${t}`, "aria-current": t === tab ? "page" : null, dataset: { tab: t } }, label)));
  if (tab !== "sessions") {
    view.live?.stop();
    view.live = null;
    $("live-pill").hidden = true;
  }
  const panel = $("panel");
  fill(panel, h("p", { class: "muted" }, "Loading…"));
  await RENDER[tab](panel);
}

// ------------------------------------------------------------------ events

async function renderEvents(more = false) {
  const answer = await api("GET", `/events?limit=50${more && view.eventsNext ? `&after=${encodeURIComponent(view.eventsNext)}` : ""}`);
  if (!answer.ok) {
    if (answer.status === 401) return signOut("The admin key is not accepted any more.");
    return fill($("event-list"), h("p", { class: "message bad" }, words(answer.error)));
  }
  view.events = more ? [...view.events, ...answer.body.events] : answer.body.events;
  view.eventsNext = answer.body.next;
  $("more-events").hidden = !view.eventsNext;
  fill(
    $("event-list"),
    view.events.length === 0
      ? h("p", { class: "empty" }, "No events yet: create the first one below.")
      : table(
          ["Event", "Name", "Created"],
          view.events.map((e) => [h("a", { href: `#/events/${encodeURIComponent(e.id)}`, dataset: { event: e.id } }, e.id), e.name, dateTime(e.createdAt)]),
          { id: "events-table" },
        ),
  );
}

async function createEvent(e) {
  e.preventDefault();
  const id = $("new-event-id").value.trim();
  const name = $("new-event-name").value.trim();
  const message = $("event-form-message");
  const answer = await act(e.submitter, message, () => api("POST", "/events", { id, name }));
  if (!answer.ok) return;
  say(message, answer.status === 200 ? `Event ${id} already existed with this name.` : `Event ${id} created.`, "ok");
  e.target.reset();
  location.hash = `#/events/${encodeURIComponent(id)}/settings`;
}

// ------------------------------------------------------------------ sessions and live totals

const STATUS_WORDS = { initial: "not started", active: "running", completed: "completed", cancelled: "cancelled" };
const discountWords = (bp) => (!bp ? "full price" : bp === 5000 ? "half price" : `${percent(bp)} off`);

async function renderSessions(panel) {
  const current = still("sessions");
  const answer = await api("GET", ev("/sessions"));
  if (!current()) return;
  if (!answer.ok) return fill(panel, card(null, h("p", { class: "message bad" }, words(answer.error))));
  const sessions = answer.body.sessions;
  const running = sessions.find((s) => s.status === "active");
  if (!sessions.some((s) => s.id === view.watched)) view.watched = running?.id ?? sessions.at(-1)?.id ?? null;
  const now = new Date();
  const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  fill(
    panel,
    liveCard(sessions),
    card(
      "Sessions",
      sessions.length === 0
        ? h("p", { class: "empty" }, "No sessions yet.")
        : table(
            ["Session", "Name", "Prices", "Status", ""],
            sessions.map((s) =>
              h(
                "tr",
                { class: s.id === view.watched ? "watched" : null, dataset: { session: s.id, status: s.status } },
                h("td", null, s.id),
                h("td", null, s.name),
                h("td", null, discountWords(s.discount)),
                h("td", { class: `status-${s.status}` }, STATUS_WORDS[s.status] ?? s.status),
                h("td", { class: "row" }, sessionButtons(s)),
              ),
            ),
            { id: "sessions-table" },
          ),
      messageLine("sessions-message"),
      h("h3", null, "New session"),
      h(
        "form",
        { id: "session-form", class: "fields", autocomplete: "off", onsubmit: createSession },
        field("Session id", h("input", { id: "new-session-id", required: true, pattern: ID_PATTERN, spellcheck: "false" })),
        field("Name", h("input", { id: "new-session-name", required: true, maxlength: 200 }), { class: "wide" }),
        field(h("span", null, "Discount ", h("small", null, "(% off tags that allow it; 50 = half price)")), h("input", { id: "new-session-discount", type: "number", min: 0, max: 99, step: 1, value: 0 })),
        field("Starts", h("input", { id: "new-session-start", type: "datetime-local", value: local(now), required: true })),
        field("Ends", h("input", { id: "new-session-end", type: "datetime-local", value: local(new Date(now.getTime() + 8 * 3_600_000)), required: true })),
        h("button", { type: "submit", class: "primary" }, "Create session"),
      ),
    ),
    transactionsCard(),
  );
  if (view.summary?.id === view.watched) showSummary(view.summary);
  const following = view.live && view.live.sessionId === view.watched && !view.live.stopped;
  watch(view.watched);
  if (following && view.liveState) liveState(...view.liveState);
  if (view.watched) void loadTransactions(false);
}

function sessionButtons(s) {
  const message = () => $("sessions-message");
  const transition = (name, question) => async (e) => {
    if (question && !confirm(question)) return;
    say(message(), name === "start" ? `Starting ${s.id}: loading its items…` : "");
    const answer = await act(e.target, message(), () => api("POST", ev(`/sessions/${encodeURIComponent(s.id)}/${name}`)));
    if (!answer.ok) return;
    if (name === "start") view.watched = s.id;
    await renderSessions($("panel"));
    say(message(), `Session ${s.id} is ${STATUS_WORDS[answer.body.status] ?? answer.body.status}.`, "ok");
  };
  return [
    s.id !== view.watched ? h("button", { type: "button", class: "small", onclick: () => ((view.watched = s.id), renderSessions($("panel"))) }, "Show totals") : null,
    s.status === "initial" ? h("button", { type: "button", class: "small primary", dataset: { action: "start" }, onclick: transition("start") }, "Start") : null,
    s.status === "active"
      ? h("button", { type: "button", class: "small", dataset: { action: "complete" }, onclick: transition("complete", `Complete session “${s.name}”? Registers can no longer sell in it.`) }, "Complete")
      : null,
    s.status === "initial" || s.status === "active"
      ? h("button", { type: "button", class: "small danger", dataset: { action: "cancel" }, onclick: transition("cancel", `Cancel session “${s.name}”? (Only possible while no sale stands.)`) }, "Cancel")
      : null,
  ];
}

async function createSession(e) {
  e.preventDefault();
  const message = $("sessions-message");
  const discount = Math.round(Number($("new-session-discount").value || 0) * 100);
  const body = {
    id: $("new-session-id").value.trim(),
    name: $("new-session-name").value.trim(),
    startTime: new Date($("new-session-start").value).getTime(),
    endTime: new Date($("new-session-end").value).getTime(),
    discount,
  };
  const answer = await act(e.submitter, message, () => api("POST", ev("/sessions"), body));
  if (!answer.ok) return;
  view.watched = body.id;
  await renderSessions($("panel"));
  say($("sessions-message"), `Session ${body.id} created (${discountWords(discount)}). Start it when the doors open.`, "ok");
}

function liveCard(sessions) {
  const s = sessions.find((x) => x.id === view.watched);
  const box = (id, label) => h("div", { class: "total-box", id }, h("div", { class: "label" }, label), h("div", { class: "value" }, "…"), h("div", { class: "sub" }));
  return h(
    "div",
    { class: "card", id: "live-card" },
    h("div", { class: "row spread" }, h("h2", null, s ? `Totals: ${s.name}` : "Totals"), h("span", { id: "live-state", class: "pill" }, s ? "…" : "")),
    s
      ? [
          h("div", { class: "totals" }, box("live-sales", "Sales"), box("live-commissions", "Commissions (consignors’ share)"), box("live-sold", "Items sold"), box("live-sellthrough", "Sell-through")),
          h("p", { id: "live-foot", class: "muted small" }),
        ]
      : h("p", { class: "empty" }, "Create a session to see its totals here."),
  );
}

/** Keeps one socket, on the watched session. */
function watch(sessionId) {
  if (view.live && view.live.sessionId === sessionId && !view.live.stopped) return;
  view.live?.stop();
  view.live = null;
  if (!sessionId) return;
  view.live = new LiveTotals({
    key: view.key,
    eventId: view.event.id,
    sessionId,
    onSummary: (summary) => {
      view.summary = summary;
      if (summary.id === view.watched) showSummary(summary);
    },
    onState: (state, error) => liveState(state, error),
  }).start();
}

function liveState(state, error) {
  view.liveState = [state, error];
  const label = { connecting: "Connecting…", live: "● Live", reconnecting: "Reconnecting…", stopped: "Not live" }[state];
  const kind = { connecting: "", live: "ok", reconnecting: "warn", stopped: "bad" }[state];
  for (const el of [$("live-state"), $("live-pill")]) {
    if (!el) continue;
    el.textContent = label;
    el.className = `pill ${kind}`;
    el.dataset.state = state;
    el.hidden = false;
  }
  if (state === "stopped" && $("live-foot")) say($("live-foot"), `Live totals stopped: ${words(error)}`, "bad");
}

function setBox(id, value, sub, data) {
  const el = $(id);
  if (!el) return;
  const v = el.querySelector(".value");
  if (v.textContent !== value && v.textContent !== "…") {
    el.classList.remove("moved");
    void el.offsetWidth; // restart the animation
    el.classList.add("moved");
  }
  v.textContent = value;
  fill(el.querySelector(".sub"), sub);
  Object.assign(el.dataset, data);
}

function showSummary(s) {
  const m = s.metadata;
  const through = m.itemCount > 0 ? Math.round((m.soldCount * 10_000) / m.itemCount) : 0;
  setBox("live-sales", money(m.totalSales), `${plural(m.transactionCount, "sale")}${m.voidCount ? `, ${plural(m.voidCount, "void")}` : ""}`, { cents: String(m.totalSales) });
  setBox("live-commissions", money(m.totalCommissions), `house keeps ${money(m.totalSales - m.totalCommissions)}`, { cents: String(m.totalCommissions) });
  setBox("live-sold", String(m.soldCount), `of ${plural(m.itemCount, "item")} on the floor`, { count: String(m.soldCount) });
  setBox("live-sellthrough", percent(through), h("div", { class: "bar-track" }, h("div", { class: "bar-fill", style: `width:${through / 100}%` })), { bp: String(through) });
  const foot = $("live-foot");
  if (foot) {
    foot.className = "muted small";
    foot.hidden = false;
    foot.textContent = `${STATUS_WORDS[s.status] ?? s.status} · ${discountWords(s.discount)} · ${m.activeHolds ? `${plural(m.activeHolds, "cart")} on hold · ` : ""}last sale ${m.lastTransactionAt ? time(m.lastTransactionAt) : "—"} · updated ${time(Date.now())}`;
  }
}

function transactionsCard() {
  return h(
    "div",
    { class: "card", id: "transactions-card" },
    h("div", { class: "row spread" }, h("h2", null, view.watched ? `Sales in ${view.watched}` : "Sales"), view.watched ? h("button", { type: "button", class: "small", onclick: () => loadTransactions(false) }, "Refresh") : null),
    h("div", { id: "transactions" }),
    h("button", { type: "button", id: "more-transactions", hidden: true, onclick: () => loadTransactions(true) }, "More"),
  );
}

async function loadTransactions(more) {
  const sessionId = view.watched;
  const after = more && view.transactionsNext ? `&after=${view.transactionsNext}` : "";
  const answer = await api("GET", ev(`/sessions/${encodeURIComponent(sessionId)}/transactions?limit=100${after}`));
  const box = $("transactions");
  if (!box || sessionId !== view.watched) return;
  if (!answer.ok) return fill(box, h("p", { class: "message bad" }, words(answer.error)));
  view.transactions = more ? [...view.transactions, ...answer.body.transactions] : answer.body.transactions;
  view.transactionsNext = answer.body.next;
  $("more-transactions").hidden = !view.transactionsNext;
  const list = [...view.transactions].sort((a, b) => b.createdAt - a.createdAt);
  fill(
    box,
    answer.body.archived ? h("p", { class: "message" }, "This session was archived: its sales are in the archive (D1 and R2), not listed here.") : null,
    list.length === 0 && !answer.body.archived
      ? h("p", { class: "empty" }, "No sales yet.")
      : table(
          ["Time", "Register", "Shopper", "Tags", { text: "Total", class: "num" }, { text: "Commissions", class: "num" }, "Status"],
          list.map((t) =>
            h(
              "tr",
              { class: t.status === "voided" ? "dim" : null, dataset: { tx: t.id } },
              h("td", null, time(t.createdAt)),
              h("td", null, t.registerId),
              h("td", null, t.shopperCode),
              h("td", null, t.items.map((i) => i.itemId).join(", ")),
              num(money(t.total)),
              num(money(t.commissionTotal)),
              h("td", null, t.status === "voided" ? `voided: ${t.voidReason ?? ""}` : "sold"),
            ),
          ),
        ),
    view.transactionsNext ? h("p", { class: "muted small" }, `${list.length} shown; more below.`) : null,
  );
}

// ------------------------------------------------------------------ commissions

async function renderCommissions(panel) {
  const current = still("commissions");
  const [summary, errors] = await Promise.all([api("GET", ev("/commissions")), api("GET", ev("/commissions/calculations?status=error&limit=200"))]);
  if (!current()) return;
  if (!summary.ok) return fill(panel, card(null, h("p", { class: "message bad" }, words(summary.error))));
  const c = summary.body.calculations;
  const list = errors.ok ? errors.body.calculations : [];
  fill(
    panel,
    card(
      null,
      h("div", { class: "row spread" }, h("h2", null, "Calculations"), h("button", { type: "button", id: "refresh-commissions", class: "small", onclick: () => renderCommissions($("panel")) }, "Refresh")),
      h("p", null, `${plural(c.completed, "sale")} calculated, ${c.pending} waiting, `, h("strong", { id: "error-count" }, `${c.error} in error`), "."),
      summary.body.adjustmentsRunning ? h("p", { class: "message warn" }, "A change of rates or tiers is being applied (adjustments running).") : null,
    ),
    card(
      "Calculations in error",
      messageLine("commissions-message"),
      !errors.ok
        ? h("p", { class: "message bad" }, words(errors.error))
        : list.length === 0
          ? h("p", { class: "empty" }, "None. Every sale the ledger heard of is calculated or on its way.")
          : table(
              ["Sale", "Session", "Why", "Tries", "When", ""],
              list.map((calc) =>
                h(
                  "tr",
                  { dataset: { tx: calc.transactionId } },
                  h("td", null, h("code", null, calc.transactionId.slice(0, 8))),
                  h("td", null, calc.sessionId),
                  h("td", null, h("strong", null, calc.error?.code ?? "error"), h("br"), h("span", { class: "muted" }, calc.error?.message ?? "")),
                  h("td", null, `${calc.attempts} (round ${calc.round ?? 0})`),
                  h("td", null, dateTime(calc.occurredAt)),
                  h("td", null, h("button", { type: "button", class: "small primary", onclick: (e) => retry(e, calc.transactionId) }, "Retry")),
                ),
              ),
              { id: "errors-table" },
            ),
      errors.ok && errors.body.next ? h("p", { class: "muted small" }, "The first 200 are shown.") : null,
      h("p", { class: "muted small" }, "Fix the cause first (say, register the consignor in Settings), then retry: a new round of retries recalculates the sale."),
    ),
  );
}

async function retry(e, txId) {
  const message = $("commissions-message");
  const answer = await act(e.target, message, () => api("POST", ev(`/commissions/calculations/${txId}/retry`)));
  if (!answer.ok) return;
  say(message, `Retry round ${answer.body.round} started for sale ${txId.slice(0, 8)}; this list updates in a few seconds.`, "ok");
  setTimeout(() => view.tab === "commissions" && renderCommissions($("panel")).then(() => say($("commissions-message"), `Retry round ${answer.body.round} of sale ${txId.slice(0, 8)} was started.`, "ok")), 3_000);
}

// ------------------------------------------------------------------ payouts and reports

async function renderPayouts(panel) {
  const current = still("payouts");
  const [summary, unsold] = await Promise.all([api("GET", ev("/commissions")), api("GET", ev("/reports/unsold"))]);
  if (!current()) return;
  const s = summary.ok ? summary.body : null;
  const csv = (path, name) => async (e) => {
    const answer = await act(e.target, $("payouts-message"), () => download(view.key, ev(path), name));
    if (answer.ok) say($("payouts-message"), `Downloaded ${answer.filename ?? name}.`, "ok");
  };
  fill(
    panel,
    messageLine("payouts-message"),
    card(
      "Payouts",
      !s
        ? h("p", { class: "message bad" }, words(summary.error))
        : [
            h("p", null, `Sales ${money(s.totalSales)} · to consignors ${money(s.consignorTotal)} · the house keeps ${money(s.houseShare)} (fees included) · consignor fee ${money(s.consignorFee)}`),
            s.consignors.length === 0
              ? h("p", { class: "empty" }, "No consignors yet.")
              : h(
                  "div",
                  { class: "scroll" },
                  table(
                    ["Consignor", "Name", "Tier", ...["Sales", "Reversals", "Adjustments", "Fees", "Balance", "Payout", "Owes"].map((t) => ({ text: t, class: "num" }))],
                    s.consignors.map((p) =>
                      h(
                        "tr",
                        { dataset: { consignor: p.consignorId } },
                        h("td", null, p.consignorId),
                        h("td", null, p.name ?? ""),
                        h("td", null, p.tier ?? ""),
                        num(money(p.sales)),
                        num(money(p.reversals)),
                        num(money(p.adjustments)),
                        num(money(p.fees)),
                        num(money(p.balance)),
                        num(h("strong", null, money(p.payout))),
                        num(p.owedByConsignor ? money(p.owedByConsignor) : ""),
                      ),
                    ),
                    { id: "payouts-table" },
                  ),
                ),
          ],
      h("p", { class: "row" }, h("button", { type: "button", onclick: csv("/reports/payouts.csv", "payouts.csv") }, "Download payouts CSV"), h("span", { class: "muted small" }, "The CSV is from the last snapshot (written every 30 s); the table is live.")),
    ),
    card(
      "Unsold: pickup and donations",
      !unsold.ok
        ? h("p", { class: "message bad" }, words(unsold.error))
        : [
            h("p", null, unsold.body.closed ? "The event is closed: these lists are final." : "The event is open: this is what would happen to what is unsold now."),
            h(
              "p",
              null,
              `To pick up: ${plural(unsold.body.totals.pickupCount, "item")} (${money(unsold.body.totals.pickupValue)}) · donated: ${plural(unsold.body.totals.donatedCount, "item")} (${money(unsold.body.totals.donatedValue)})`,
            ),
            ...["pickup", "donated"].map((list) =>
              unsold.body[list].length === 0
                ? null
                : h(
                    "details",
                    null,
                    h("summary", null, list === "pickup" ? "Pickup list" : "Donation list"),
                    table(
                      ["Consignor", "Tag", "Title", "Size", { text: "Tag price", class: "num" }],
                      unsold.body[list].map((i) => [i.consignorId, i.itemId, i.title, i.size, num(money(i.price))]),
                    ),
                  ),
            ),
          ],
      h("p", null, h("button", { type: "button", onclick: csv("/reports/unsold.csv", "unsold.csv") }, "Download unsold CSV")),
    ),
  );
}

// ------------------------------------------------------------------ Shopify

async function renderShopify(panel) {
  const current = still("shopify");
  const [status, conflicts] = await Promise.all([api("GET", ev("/shopify")), api("GET", ev("/shopify/conflicts?limit=100"))]);
  if (!current()) return;
  const st = status.ok ? status.body : null;
  const message = () => $("shopify-message");
  const setEnabled = (enabled) => async (e) => {
    if (!enabled && !confirm("Turn the online channel off? Shopify stops hearing of sales.")) return;
    const answer = await act(e.target, message(), () => api("PUT", ev("/shopify"), { enabled }));
    if (answer.ok) await renderShopify($("panel")).then(() => say(message(), enabled ? "Shopify is on: every item is being listed." : "Shopify is off.", "ok"));
  };
  const sync = async (e) => {
    const answer = await act(e.target, message(), () => api("POST", ev("/shopify/sync")));
    if (answer.ok) say(message(), `Reconcile ${answer.body.started ? "started" : "already running"} (${answer.body.instanceId}).`, "ok");
  };
  const meta = st?.syncMetadata ?? {};
  fill(
    panel,
    card(
      "Shopify",
      messageLine("shopify-message"),
      !st
        ? h("p", { class: "message bad" }, words(status.error))
        : [
            h(
              "dl",
              { class: "facts", id: "shopify-facts" },
              h("dt", null, "Online channel"),
              h("dd", null, st.enabled ? "on" : "off", st.configured ? "" : " (Shopify is not configured for this deployment)"),
              h("dt", null, "Status"),
              h("dd", null, st.stopped ? h("strong", null, `stopped: ${st.lastError ?? "needs a person"} — save the settings again to resume`) : st.lastError ? `last error: ${st.lastError}` : "ok"),
              h("dt", null, "Waiting to sync"),
              h("dd", null, `${plural(st.waiting ?? 0, "item")}${st.unlisted ? `, ${st.unlisted} not listed yet` : ""}`),
              h("dt", null, "Last sync"),
              h("dd", null, meta.lastSyncTime ? dateTime(meta.lastSyncTime) : "never", meta.syncCount ? ` (${plural(meta.syncCount, "sync")})` : ""),
              h("dt", null, "Conflicts"),
              h("dd", null, `${meta.conflictCount ?? 0} in all, `, h("strong", null, `${st.openConflicts ?? 0} to do`)),
            ),
            h(
              "p",
              { class: "row" },
              st.enabled ? h("button", { type: "button", class: "danger", onclick: setEnabled(false) }, "Turn off") : h("button", { type: "button", class: "primary", onclick: setEnabled(true), disabled: !st.configured }, "Turn on"),
              st.enabled && st.stopped ? h("button", { type: "button", onclick: setEnabled(true) }, "Resume") : null,
              st.enabled ? h("button", { type: "button", onclick: sync }, "Reconcile now") : null,
            ),
          ],
    ),
    card(
      "Conflicts",
      !conflicts.ok
        ? h("p", { class: "message bad" }, words(conflicts.error))
        : conflicts.body.conflicts.length === 0
          ? h("p", { class: "empty" }, "No conflicts.")
          : table(
              ["When", "Tag", "Kind", "Ours", "Shopify's", "What was done", ""],
              conflicts.body.conflicts.map((c) =>
                h(
                  "tr",
                  { dataset: { conflict: String(c.id) }, class: c.resolvedAt ? "dim" : null },
                  h("td", null, dateTime(c.at)),
                  h("td", null, c.itemId),
                  h("td", null, c.kind === "double_sale" ? h("strong", null, "sold twice: refund the online order") : c.kind.replaceAll("_", " ")),
                  h("td", null, h("code", null, JSON.stringify(c.ours))),
                  h("td", null, h("code", null, JSON.stringify(c.theirs))),
                  h("td", null, c.action),
                  h("td", null, c.resolvedAt ? `resolved ${dateTime(c.resolvedAt)}` : resolveForm(c)),
                ),
              ),
            ),
    ),
  );
}

function resolveForm(c) {
  const note = h("input", { placeholder: "what you did (e.g. refunded)", maxlength: 500, "aria-label": `Note for conflict ${c.id}` });
  return h(
    "form",
    {
      class: "row",
      onsubmit: async (e) => {
        e.preventDefault();
        if (!note.value.trim()) return note.focus();
        const answer = await act(e.submitter, $("shopify-message"), () => api("POST", ev(`/shopify/conflicts/${c.id}/resolve`), { note: note.value.trim() }));
        if (answer.ok) await renderShopify($("panel")).then(() => say($("shopify-message"), `Conflict ${c.id} marked resolved.`, "ok"));
      },
    },
    note,
    h("button", { type: "submit", class: "small" }, "Mark resolved"),
  );
}

// ------------------------------------------------------------------ settings

async function renderSettings(panel) {
  const current = still("settings");
  const [rates, fees, event, commissions] = await Promise.all([api("GET", ev("/rates")), api("GET", ev("/fees")), api("GET", ev()), api("GET", ev("/commissions"))]);
  if (!current()) return;
  if (event.ok) view.event = event.body;
  const r = rates.ok ? rates.body : {};
  const rules = view.event.itemRules ?? {};
  const input = (id, value, props = {}) => h("input", { id, value: value ?? "", inputmode: "decimal", ...props });
  const submit = (id, fn) => async (e) => {
    e.preventDefault();
    const message = $(`${id}-message`);
    const answer = await act(e.submitter, message, fn);
    if (answer?.ok) say(message, "Saved.", "ok");
  };
  const dollars = (id) => {
    const text = $(id).value.trim();
    if (text === "") return null;
    const cents = parseMoney(text);
    if (cents === null) throw new Error(`“${text}” is not an amount`);
    return cents;
  };
  const guarded = (id, fn) => () => {
    try {
      return fn();
    } catch (error) {
      say($(`${id}-message`), error.message, "bad");
      return null;
    }
  };
  fill(
    panel,
    h(
      "div",
      { class: "columns" },
      card(
        "Commission rates",
        h("p", { class: "muted small" }, "The consignor’s share of each sale: the base, plus the bonus of their tier. Needed before the first session starts."),
        h(
          "form",
          {
            id: "rates-form",
            class: "fields",
            onsubmit: submit("rates", () => api("PUT", ev("/rates"), { base: bpOf($("rate-base").value), volunteerBonus: bpOf($("rate-volunteer").value) ?? 0, superBonus: bpOf($("rate-super").value) ?? 0 })),
          },
          field("Base %", input("rate-base", pct(r.base), { required: true })),
          field("Volunteer bonus %", input("rate-volunteer", pct(r.volunteerBonus))),
          field("Super bonus %", input("rate-super", pct(r.superBonus))),
          h("button", { type: "submit", class: "primary" }, "Save rates"),
        ),
        messageLine("rates-message"),
      ),
      card(
        "Consignor fee",
        h("p", { class: "muted small" }, "Taken once from each consignor’s payout (a consignor’s own fee overrides it)."),
        h(
          "form",
          { id: "fees-form", class: "fields", onsubmit: submit("fees", guarded("fees", () => api("PUT", ev("/fees"), { consignorFee: dollars("fee") ?? 0 }))) },
          field("Fee ($)", input("fee", fees.ok ? (fees.body.consignorFee / 100).toFixed(2) : "")),
          h("button", { type: "submit", class: "primary" }, "Save fee"),
        ),
        messageLine("fees-message"),
      ),
    ),
    card(
      "Item rules for consignors’ own entry",
      h("p", { class: "muted small" }, "Leave a box empty for no limit. Organizers are not held to these."),
      h(
        "form",
        {
          id: "rules-form",
          class: "fields",
          onsubmit: submit(
            "rules",
            guarded("rules", () => {
              const max = $("rule-max").value.trim();
              return api("PUT", ev("/item-rules"), { maxItemsPerConsignor: max === "" ? null : Number(max), minPrice: dollars("rule-min"), priceStep: dollars("rule-step") });
            }),
          ),
        },
        field("Items per consignor", input("rule-max", rules.maxItemsPerConsignor, { type: "number", min: 1, inputmode: "numeric" })),
        field("Lowest price ($)", input("rule-min", rules.minPrice === null || rules.minPrice === undefined ? "" : (rules.minPrice / 100).toFixed(2))),
        field("Price step ($)", input("rule-step", rules.priceStep === null || rules.priceStep === undefined ? "" : (rules.priceStep / 100).toFixed(2))),
        h("button", { type: "submit", class: "primary" }, "Save rules"),
      ),
      messageLine("rules-message"),
    ),
    card(
      "Consignors",
      h(
        "form",
        {
          id: "consignor-form",
          class: "fields",
          autocomplete: "off",
          onsubmit: async (e) => {
            e.preventDefault();
            const message = $("consignor-message");
            const id = $("consignor-id").value.trim();
            let fee;
            try {
              fee = $("consignor-fee").value.trim() === "" ? null : dollars("consignor-fee");
            } catch (error) {
              return say(message, error.message, "bad");
            }
            const answer = await act(e.submitter, message, () => api("PUT", ev(`/consignors/${encodeURIComponent(id)}`), { name: $("consignor-name").value.trim(), tier: $("consignor-tier").value, fee }));
            if (answer.ok) await renderSettings($("panel")).then(() => say($("consignor-message"), `Consignor ${id} ${answer.status === 201 ? "added" : "updated"}.`, "ok"));
          },
        },
        field("Consignor id", h("input", { id: "consignor-id", required: true, pattern: ID_PATTERN, spellcheck: "false" })),
        field("Name", h("input", { id: "consignor-name", required: true, maxlength: 200 }), { class: "wide" }),
        field("Tier", h("select", { id: "consignor-tier" }, ["standard", "volunteer", "super"].map((t) => h("option", { value: t }, t)))),
        field(h("span", null, "Own fee ($) ", h("small", null, "(empty: the event’s)")), input("consignor-fee", "")),
        h("button", { type: "submit", class: "primary" }, "Save consignor"),
      ),
      messageLine("consignor-message"),
      commissions.ok && commissions.body.consignors.length > 0
        ? table(
            ["Consignor", "Name", "Tier"],
            commissions.body.consignors.map((c) => [c.consignorId, c.name ?? h("span", { class: "muted" }, "(not registered: has sales)"), c.tier ?? ""]),
            { id: "consignors-table" },
          )
        : h("p", { class: "empty" }, "No consignors yet."),
    ),
  );
}

// ------------------------------------------------------------------ api keys

async function renderKeys(panel) {
  const current = still("keys");
  const answer = await api("GET", ev("/api-keys"));
  if (!current()) return;
  const message = () => $("keys-message");
  const role = h(
    "select",
    {
      id: "key-role",
      onchange: () => {
        $("key-consignor-label").hidden = role.value !== "consignor";
      },
    },
    h("option", { value: "register" }, "register"),
    h("option", { value: "consignor" }, "consignor"),
  );
  fill(
    panel,
    card(
      "Issue a key",
      h(
        "form",
        {
          id: "key-form",
          class: "fields",
          autocomplete: "off",
          onsubmit: async (e) => {
            e.preventDefault();
            const body = { role: role.value, label: $("key-label").value.trim() };
            if (role.value === "consignor") body.consignorId = $("key-consignor").value.trim();
            const issued = await act(e.submitter, message(), () => api("POST", ev("/api-keys"), body));
            if (!issued.ok) return;
            await renderKeys($("panel"));
            fill(
              $("issued"),
              h(
                "div",
                { class: "once", id: "issued-key" },
                h("p", null, h("strong", null, `The ${issued.body.role} key “${issued.body.label}”`), " — copy it now: it is shown this once."),
                h("p", null, h("code", null, issued.body.key)),
                h("button", { type: "button", class: "small", onclick: () => navigator.clipboard?.writeText(issued.body.key).then(() => say(message(), "Copied.", "ok")) }, "Copy"),
              ),
            );
          },
        },
        field("Role", role),
        field("Consignor id", h("input", { id: "key-consignor", pattern: ID_PATTERN, spellcheck: "false" }), { id: "key-consignor-label", hidden: true }),
        field("Label", h("input", { id: "key-label", required: true, maxlength: 200, placeholder: "front register 1, or the consignor's name" }), { class: "wide" }),
        h("button", { type: "submit", class: "primary" }, "Issue key"),
      ),
      h("div", { id: "issued" }),
      messageLine("keys-message"),
    ),
    card(
      "Keys of this event",
      !answer.ok
        ? h("p", { class: "message bad" }, words(answer.error))
        : answer.body.keys.length === 0
          ? h("p", { class: "empty" }, "No keys yet.")
          : table(
              ["Key", "Role", "Consignor", "Label", "Issued", ""],
              answer.body.keys.map((k) =>
                h(
                  "tr",
                  { class: k.revokedAt ? "dim" : null, dataset: { key: k.id } },
                  h("td", null, h("code", null, k.id)),
                  h("td", null, k.role),
                  h("td", null, k.consignorId ?? ""),
                  h("td", null, k.label),
                  h("td", null, dateTime(k.createdAt)),
                  h(
                    "td",
                    null,
                    k.revokedAt
                      ? `revoked ${dateTime(k.revokedAt)}`
                      : h(
                          "button",
                          {
                            type: "button",
                            class: "small danger",
                            onclick: async (e) => {
                              if (!confirm(`Revoke the ${k.role} key “${k.label}”? It stops working within half a minute everywhere.`)) return;
                              const revoked = await act(e.target, message(), () => api("DELETE", ev(`/api-keys/${encodeURIComponent(k.id)}`)));
                              if (revoked.ok) await renderKeys($("panel")).then(() => say(message(), `Key “${k.label}” revoked.`, "ok"));
                            },
                          },
                          "Revoke",
                        ),
                  ),
                ),
              ),
              { id: "keys-table" },
            ),
    ),
  );
}

// ------------------------------------------------------------------ close and archive

async function renderClose(panel) {
  const current = still("close");
  const event = await api("GET", ev());
  if (!current()) return;
  if (event.ok) view.event = event.body;
  const closed = view.event.closedAt;
  const typed = h("input", { id: "close-confirm-id", spellcheck: "false", autocomplete: "off", "aria-label": "Type the event id to confirm" });
  const go = h("button", { type: "button", id: "close-confirm", class: "danger solid", disabled: true }, "Close the event");
  typed.addEventListener("input", () => (go.disabled = typed.value.trim() !== view.event.id));
  go.addEventListener("click", async () => {
    const message = $("close-message");
    const answer = await act(go, message, () => api("POST", ev("/close")));
    if (!answer.ok) return;
    await renderClose($("panel"));
    $("event-title").textContent = `${view.event.name} (${view.event.id}) · closed`;
    say($("close-message"), `Closed: ${plural(answer.body.pickup, "item")} set out for pickup, ${plural(answer.body.donated, "item")} donated.`, "ok");
  });
  const panelConfirm = h(
    "div",
    { class: "confirm", id: "close-panel", hidden: true },
    h("p", null, h("strong", null, "Closing is for good."), " Every unsold item leaves the sale: donated when its tag says so, otherwise set out for its consignor to pick up. No session can start afterwards and no item can change."),
    field(`Type the event id (${view.event.id}) to confirm`, typed),
    h("div", { class: "row" }, go, h("button", { type: "button", onclick: () => (panelConfirm.hidden = true) }, "Keep it open")),
  );
  const force = h("input", { type: "checkbox", id: "archive-force" });
  fill(
    panel,
    card(
      "Close the event",
      closed
        ? h("p", { id: "closed-at" }, `Closed ${dateTime(closed)}. The pickup and donation lists are under Payouts & reports.`)
        : [
            h("p", null, "After the last session has completed. Refused while a session runs or its sales are still being settled."),
            h("button", { type: "button", id: "close-open", class: "danger", onclick: () => ((panelConfirm.hidden = false), typed.focus()) }, "Close the event…"),
            panelConfirm,
          ],
      messageLine("close-message"),
    ),
    card(
      "Archive",
      h("p", { class: "muted small" }, "The nightly archive copies every ended session to D1 and R2 and prunes what it verified. Run it now to archive today’s sessions (all events)."),
      h(
        "div",
        { class: "row" },
        h(
          "button",
          {
            type: "button",
            id: "archive-run",
            onclick: async (e) => {
              const answer = await act(e.target, $("archive-message"), () => call(view.key, "POST", "/archive", force.checked ? { force: true } : {}));
              if (!answer.ok) return;
              view.archiveRuns = [answer.body.instanceId, ...view.archiveRuns.filter((i) => i !== answer.body.instanceId)].slice(0, 10);
              sessionStorage.setItem("admin.v1.archive", JSON.stringify(view.archiveRuns));
              say($("archive-message"), answer.status === 200 ? "Tonight’s run had already started: showing it." : "Archive run started.", "ok");
              await showArchiveRun(answer.body.instanceId);
            },
          },
          "Run the archive now",
        ),
        h("label", { class: "check" }, force, "a new run even if one ran today"),
      ),
      messageLine("archive-message"),
      h("div", { id: "archive-run-view" }),
      view.archiveRuns.length > 0
        ? [h("h3", null, "Runs started from this tab"), h("ul", null, view.archiveRuns.map((id) => h("li", null, h("button", { type: "button", class: "link", onclick: () => showArchiveRun(id) }, id))))]
        : null,
    ),
  );
}

/** Shows an archive run, reading its status every 2 s until it has finished. */
async function showArchiveRun(instanceId) {
  const box = $("archive-run-view");
  for (;;) {
    if (!box.isConnected) return;
    const answer = await call(view.key, "GET", `/archive/${encodeURIComponent(instanceId)}`);
    if (!answer.ok) return fill(box, h("p", { class: "message bad" }, words(answer.error)));
    const { status, output, error } = answer.body;
    fill(
      box,
      h("p", { id: "archive-status", dataset: { status } }, "Run ", h("code", null, instanceId), `: ${status}`),
      error ? h("p", { class: "message bad" }, `${error.name ?? "Error"}: ${error.message ?? ""}`) : null,
      output
        ? [
            output.sessions.length === 0
              ? h("p", { class: "empty" }, "No session needed archiving.")
              : table(
                  ["Event", "Session", { text: "Rows", class: "num" }, { text: "Bytes", class: "num" }, "Pruned"],
                  output.sessions.map((s) => [s.eventId, s.sessionId, num(String(s.rows)), num(String(s.bytes)), s.pruned ? "yes" : `no: ${s.reason ?? ""}`]),
                ),
            output.failed.length > 0 ? h("p", { class: "message bad" }, `Failed: ${output.failed.map((f) => `${f.eventId}/${f.sessionId} (${f.error})`).join("; ")} — tried again next run.`) : null,
          ]
        : null,
    );
    if (!["queued", "running", "waiting", "paused", "waitingForPause", "unknown"].includes(status)) return;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

const RENDER = { sessions: renderSessions, commissions: renderCommissions, payouts: renderPayouts, shopify: renderShopify, settings: renderSettings, keys: renderKeys, close: renderClose };

// ------------------------------------------------------------------ start

$("signin-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", () => signOut(""));
$("event-form").addEventListener("submit", createEvent);
$("more-events").addEventListener("click", () => renderEvents(true));
window.addEventListener("hashchange", route);
if (view.key) route();
else signOut();
