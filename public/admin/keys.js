// The API keys tab: issue a register's or consignor's key (shown once), list and revoke them.
import { $, dateTime, fill, h, say, table } from "/common/dom.js";
import { api, ev, still } from "/admin/state.js";
import { act, card, field, ID_PATTERN, messageLine } from "/admin/ui.js";
import { words } from "/admin/refusals.js";

export async function renderKeys(panel) {
  const current = still("keys");
  const answer = await api("GET", ev("/api-keys"));
  if (!current()) return;
  const message = () => $("keys-message");
  const role = h(
    "select",
    {
      id: "key-role",
      onchange: () => {
        $("key-consignor-label").hidden = role.value !== "consignor";
      },
    },
    h("option", { value: "register" }, "register"),
    h("option", { value: "consignor" }, "consignor"),
  );
  fill(
    panel,
    card(
      "Issue a key",
      h(
        "form",
        {
          id: "key-form",
          class: "fields",
          autocomplete: "off",
          onsubmit: async (e) => {
            e.preventDefault();
            const body = { role: role.value, label: $("key-label").value.trim() };
            if (role.value === "consignor") body.consignorId = $("key-consignor").value.trim();
            const issued = await act(e.submitter, message(), () => api("POST", ev("/api-keys"), body));
            if (!issued.ok) return;
            await renderKeys($("panel"));
            fill(
              $("issued"),
              h(
                "div",
                { class: "once", id: "issued-key" },
                h("p", null, h("strong", null, `The ${issued.body.role} key “${issued.body.label}”`), " — copy it now: it is shown this once."),
                h("p", null, h("code", null, issued.body.key)),
                h("button", { type: "button", class: "small", onclick: () => navigator.clipboard?.writeText(issued.body.key).then(() => say(message(), "Copied.", "ok")) }, "Copy"),
              ),
            );
          },
        },
        field("Role", role),
        field("Consignor id", h("input", { id: "key-consignor", pattern: ID_PATTERN, spellcheck: "false" }), { id: "key-consignor-label", hidden: true }),
        field("Label", h("input", { id: "key-label", required: true, maxlength: 200, placeholder: "front register 1, or the consignor's name" }), { class: "wide" }),
        h("button", { type: "submit", class: "primary" }, "Issue key"),
      ),
      h("div", { id: "issued" }),
      messageLine("keys-message"),
    ),
    card(
      "Keys of this event",
      !answer.ok
        ? h("p", { class: "message bad" }, words(answer.error))
        : answer.body.keys.length === 0
          ? h("p", { class: "empty" }, "No keys yet.")
          : table(
              ["Key", "Role", "Consignor", "Label", "Issued", ""],
              answer.body.keys.map((k) =>
                h(
                  "tr",
                  { class: k.revokedAt ? "dim" : null, dataset: { key: k.id } },
                  h("td", null, h("code", null, k.id)),
                  h("td", null, k.role),
                  h("td", null, k.consignorId ?? ""),
                  h("td", null, k.label),
                  h("td", null, dateTime(k.createdAt)),
                  h(
                    "td",
                    null,
                    k.revokedAt
                      ? `revoked ${dateTime(k.revokedAt)}`
                      : h(
                          "button",
                          {
                            type: "button",
                            class: "small danger",
                            onclick: async (e) => {
                              if (!confirm(`Revoke the ${k.role} key “${k.label}”? It stops working within half a minute everywhere.`)) return;
                              const revoked = await act(e.target, message(), () => api("DELETE", ev(`/api-keys/${encodeURIComponent(k.id)}`)));
                              if (revoked.ok) await renderKeys($("panel")).then(() => say(message(), `Key “${k.label}” revoked.`, "ok"));
                            },
                          },
                          "Revoke",
                        ),
                  ),
                ),
              ),
              { id: "keys-table" },
            ),
    ),
  );
}
