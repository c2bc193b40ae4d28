// The Settings tab: commission rates, the consignor fee, the item rules, and the consignors.
import { $, fill, h, parseMoney, say, table } from "/common/dom.js";
import { api, ev, still, view } from "/admin/state.js";
import { act, bpOf, card, field, ID_PATTERN, messageLine, pct } from "/admin/ui.js";

export async function renderSettings(panel) {
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
