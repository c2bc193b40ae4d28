// The list of events (the dashboard's first page) and a new event.
import { $, dateTime, fill, h, say, table } from "/common/dom.js";
import { api, signOut, view } from "/admin/state.js";
import { act } from "/admin/ui.js";
import { words } from "/admin/refusals.js";

export async function renderEvents(more = false) {
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

export async function createEvent(e) {
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
