// The dashboard's state: the admin key (kept in this tab only, sessionStorage), the open event and
// tab, the live socket; calls to the API with the key; which section is shown, and signing out
// (from any tab, when the key is refused).
import { call } from "/common/api.js";
import { $, say } from "/common/dom.js";

export const KEY = "admin.v1.key";

export const view = {
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

export const api = (method, path, body) => call(view.key, method, path, body);
export const ev = (path = "") => `/events/${encodeURIComponent(view.event.id)}${path}`;

/** Whether the tab a renderer started for is still the one on screen (a click on another tab may have overtaken it). */
export function still(tab) {
  const eventId = view.event?.id;
  return () => view.tab === tab && view.event?.id === eventId;
}

export function show(section) {
  for (const id of ["signin", "events", "event"]) $(id).hidden = id !== section;
  $("sign-out").hidden = section === "signin";
  if (section !== "event") {
    $("event-title").textContent = "";
    $("live-pill").hidden = true;
  }
}

export function signOut(message = "") {
  view.live?.stop();
  view.live = null;
  view.key = null;
  sessionStorage.removeItem(KEY);
  show("signin");
  say($("signin-message"), message, "warn");
  $("key").value = "";
  $("key").focus();
}
