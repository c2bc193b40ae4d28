// Signing in (key, event, session and register name, checked against the server when it answers),
// changing session, signing out.
import * as api from "/register/api.js";
import { queue as queueStore, settings as settingsStore } from "/register/store.js";
import { $, plural, show } from "/register/dom.js";
import { refusalWords } from "/register/refusals.js";
import { noteContact, view } from "/register/view.js";
import { focusScan } from "/register/cart.js";
import { flush } from "/register/checkout.js";
import { render, renderBar } from "/register/render.js";
import { keepPrices } from "/register/prices.js";

export function openSignIn(message) {
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
  void offerSessions();
}

/**
 * Offers the event's sessions to pick from (the running one first, filled in when the field is
 * empty), once a key and an event id are typed. Only a help: offline, the id is typed as before.
 */
export async function offerSessions() {
  const key = $("key").value.trim();
  const eventId = $("event-id").value.trim();
  if (!key || !eventId || navigator.onLine === false) return;
  const answer = await api.listSessions(key, eventId);
  if (answer.outcome !== "ok") return;
  const order = { active: 0, initial: 1, completed: 2, cancelled: 3 };
  const sessions = [...answer.body.sessions].sort((a, b) => (order[a.status] ?? 9) - (order[b.status] ?? 9));
  const list = $("session-list");
  list.replaceChildren(
    ...sessions.map((x) => {
      const option = document.createElement("option");
      option.value = x.id;
      option.label = `${x.name} · ${x.status === "active" ? "running" : x.status}${x.discount ? ` · ${x.discount / 100} % off` : ""}`;
      return option;
    }),
  );
  const running = sessions.find((x) => x.status === "active");
  if (running && !$("session-id").value.trim()) $("session-id").value = running.id;
}

export async function signIn(event) {
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
    void keepPrices();
  } finally {
    button.disabled = false;
  }
}

export function signOut() {
  const waiting = queueStore.get().length;
  if (waiting > 0 && !confirm(`${plural(waiting, "sale")} not uploaded yet. They stay on this register and upload after the next sign-in. Sign out?`)) return;
  settingsStore.set({ ...settingsStore.get(), key: null });
  view.receipt = null;
  openSignIn("");
}
