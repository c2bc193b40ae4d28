// The Commissions tab: how many sales are calculated, and the calculations in error, each retried.
import { $, dateTime, fill, h, plural, say, table } from "/common/dom.js";
import { api, ev, still, view } from "/admin/state.js";
import { act, card, messageLine } from "/admin/ui.js";
import { words } from "/admin/refusals.js";

export async function renderCommissions(panel) {
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
