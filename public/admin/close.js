// The Close & archive tab: closing the event (typed confirmation) and running the archive.
import { call } from "/common/api.js";
import { $, dateTime, fill, h, num, plural, say, table } from "/common/dom.js";
import { api, ev, still, view } from "/admin/state.js";
import { act, card, field, messageLine } from "/admin/ui.js";
import { words } from "/admin/refusals.js";

export async function renderClose(panel) {
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
