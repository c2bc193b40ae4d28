// The Sessions & live tab: the event's sessions (create, start, complete, cancel), the watched
// session's live totals (one socket, live.js) and its sales.
import { $, fill, h, money, num, percent, plural, say, table, time } from "/common/dom.js";
import { LiveTotals } from "/admin/live.js";
import { api, ev, still, view } from "/admin/state.js";
import { act, card, field, ID_PATTERN, messageLine } from "/admin/ui.js";
import { words } from "/admin/refusals.js";

const STATUS_WORDS = { initial: "not started", active: "running", completed: "completed", cancelled: "cancelled" };
const discountWords = (bp) => (!bp ? "full price" : bp === 5000 ? "half price" : `${percent(bp)} off`);

export async function renderSessions(panel) {
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
  // The last sale first; "More" goes further back in time.
  const answer = await api("GET", ev(`/sessions/${encodeURIComponent(sessionId)}/transactions?order=newest&limit=100${after}`));
  const box = $("transactions");
  if (!box || sessionId !== view.watched) return;
  if (!answer.ok) return fill(box, h("p", { class: "message bad" }, words(answer.error)));
  view.transactions = more ? [...view.transactions, ...answer.body.transactions] : answer.body.transactions;
  view.transactionsNext = answer.body.next;
  $("more-transactions").hidden = !view.transactionsNext;
  const list = view.transactions;
  // A sale a register made offline and uploaded after the session was completed (closing time on bad Wi-Fi).
  const endedAt = view.summary?.id === sessionId ? view.summary.endedAt : null;
  const late = (t) => endedAt !== null && t.createdAt > endedAt;
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
              h("td", null, t.status === "voided" ? `voided: ${t.voidReason ?? ""}` : late(t) ? "sold · uploaded after the session ended" : "sold"),
            ),
          ),
        ),
    view.transactionsNext ? h("p", { class: "muted small" }, `${list.length} shown; more below.`) : null,
  );
}
