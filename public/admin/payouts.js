// The Payouts & reports tab: each consignor's payout, the unsold items (pickup, donations), their CSVs.
import { download } from "/common/api.js";
import { $, fill, h, money, num, plural, say, table } from "/common/dom.js";
import { api, ev, still, view } from "/admin/state.js";
import { act, card, messageLine } from "/admin/ui.js";
import { words } from "/admin/refusals.js";

export async function renderPayouts(panel) {
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
