// The Shopify tab: the online channel on or off, its sync, and its conflicts (each marked resolved).
import { $, dateTime, fill, h, plural, say, table } from "/common/dom.js";
import { api, ev, still } from "/admin/state.js";
import { act, card, messageLine } from "/admin/ui.js";
import { words } from "/admin/refusals.js";

export async function renderShopify(panel) {
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
