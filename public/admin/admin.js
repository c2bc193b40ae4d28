// The organizer's dashboard: events, an event's sessions and their live totals, commissions in
// error, payouts and unsold reports, Shopify, settings, api keys, closing and archiving. Signed in
// with the admin key, kept in this tab only (sessionStorage). No framework: each tab is a function
// that reads what it shows from the API and draws it; an action draws its tab again.
//
// This file signs in, routes (`#/` the events, `#/events/<id>/<tab>` a tab) and wires the page; each
// tab is a module of its own (sessions.js, commissions.js, payouts.js, shopify.js, settings.js,
// keys.js, close.js), the events list is events.js; state.js holds the state and signing out, ui.js
// and refusals.js what the tabs share.
import { call } from "/common/api.js";
import { $, fill, h, say } from "/common/dom.js";
import { api, KEY, show, signOut, view } from "/admin/state.js";
import { words } from "/admin/refusals.js";
import { createEvent, renderEvents } from "/admin/events.js";
import { renderSessions } from "/admin/sessions.js";
import { renderCommissions } from "/admin/commissions.js";
import { renderPayouts } from "/admin/payouts.js";
import { renderShopify } from "/admin/shopify.js";
import { renderSettings } from "/admin/settings.js";
import { renderKeys } from "/admin/keys.js";
import { renderClose } from "/admin/close.js";

const TABS = [
  ["sessions", "Sessions & live"],
  ["commissions", "Commissions"],
  ["payouts", "Payouts & reports"],
  ["shopify", "Shopify"],
  ["settings", "Settings"],
  ["keys", "API keys"],
  ["close", "Close & archive"],
];

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

const RENDER = { sessions: renderSessions, commissions: renderCommissions, payouts: renderPayouts, shopify: renderShopify, settings: renderSettings, keys: renderKeys, close: renderClose };

// ------------------------------------------------------------------ start

$("signin-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", () => signOut(""));
$("event-form").addEventListener("submit", createEvent);
$("more-events").addEventListener("click", () => renderEvents(true));
window.addEventListener("hashchange", route);
if (view.key) route();
else signOut();
