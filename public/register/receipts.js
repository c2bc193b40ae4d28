// The receipt on screen, the last sales made on this register, and their voids.
import * as api from "/register/api.js";
import { recent as recentStore, settings as settingsStore } from "/register/store.js";
import { $, fill, h, money, plural, show, time } from "/register/dom.js";
import { refusalWords } from "/register/refusals.js";
import { noteContact, view } from "/register/view.js";
import { render } from "/register/render.js";

export function addRecent(tx) {
  const list = recentStore.get().filter((r) => r.id !== tx.id);
  list.push(tx);
  list.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  recentStore.set(list);
}

export async function voidSale(id, reason) {
  const s = settingsStore.get();
  const sale = recentStore.get().find((r) => r.id === id);
  if (!sale || !reason) return;
  const message = $("scan-message");
  show(message, "Voiding…");
  const answer = await api.voidSale(s.key, sale.eventId, sale.sessionId, id, reason);
  noteContact(answer.outcome);
  view.voidOpen = null;
  if (answer.outcome === "ok") {
    addRecent(answer.body);
    if (view.receipt?.tx?.id === id) view.receipt = { kind: "sold", tx: answer.body };
    show(message, `Sale voided. ${sale.items.map((i) => i.itemId).join(", ")} can be sold again.`, "ok");
  } else if (answer.outcome === "refused") {
    const words = answer.error.code === "SESSION_NOT_ACTIVE" ? "That session has ended: only the organizer can void this sale now." : refusalWords(answer.error).join(" ");
    show(message, `Not voided. ${words}`, "bad");
  } else show(message, "Could not reach the server: the sale is NOT voided yet. Try again when the network is back.", "bad");
  render();
}

function receiptLines(items) {
  return h(
    "table",
    { class: "lines-table" },
    h(
      "tbody",
      null,
      items.map((i) =>
        h(
          "tr",
          { dataset: { tag: i.itemId } },
          h("td", { class: "tag" }, i.itemId),
          h("td", null, i.title ?? ""),
          h(
            "td",
            { class: "price" },
            i.price === undefined ? "" : i.tagPrice !== undefined && i.tagPrice !== i.price ? [h("s", { class: "tagprice" }, money(i.tagPrice)), " ", money(i.price)] : money(i.price),
          ),
        ),
      ),
    ),
  );
}

export function renderReceipt() {
  const r = view.receipt;
  const box = $("receipt");
  box.hidden = !r;
  if (!r) {
    box.replaceChildren();
    delete box.dataset.tx;
    delete box.dataset.total;
    return;
  }
  if (r.kind === "sold") {
    const tx = r.tx;
    const saved = tx.items.reduce((n, i) => n + (i.tagPrice - i.price), 0);
    box.dataset.tx = tx.id;
    box.dataset.total = String(tx.total);
    fill(box,
      h("h2", null, tx.status === "voided" ? "Sale voided" : "Sale complete"),
      receiptLines(tx.items),
      saved > 0 ? h("p", { class: "muted" }, `Discount today: ${money(saved)} off the tag prices`) : null,
      h("p", { class: "total" }, "Total ", h("span", { id: "receipt-total" }, money(tx.total))),
      h("p", { class: "muted small" }, `${time(tx.createdAt)} · sale ${tx.id.slice(0, 8)}`),
    );
  } else {
    // The cart's lines as they were priced (by the server, or by this register's price list when it could not be asked).
    const lines = r.lines ?? r.sale.items.map((itemId) => ({ itemId }));
    const priced = lines.every((l) => l.price !== undefined && (l.status ?? "available") === "available");
    const total = priced ? lines.reduce((n, l) => n + l.price, 0) : null;
    box.dataset.tx = r.sale.id;
    if (total === null) delete box.dataset.total;
    else box.dataset.total = String(total);
    fill(box,
      h("h2", null, "Sale saved on this register"),
      h("p", null, `The network is down. The sale will upload by itself when it is back; nothing more to do.${total === null ? " Take payment from the prices on the tags." : ""}`),
      receiptLines(lines),
      total === null ? null : h("p", { class: "total" }, "Total ", h("span", { id: "receipt-total" }, money(total))),
      total === null ? null : h("p", { class: "muted small" }, "Priced by this register's price list; if a tag says otherwise, the tag is right."),
      h("p", { class: "muted small" }, `sale ${r.sale.id.slice(0, 8)}`),
    );
  }
}

export function renderRecent() {
  const s = settingsStore.get();
  const list = recentStore.get().filter((r) => r.eventId === s.eventId);
  $("recent-empty").hidden = list.length > 0;
  fill($("recent"),
    ...list.slice(0, 10).map((r) => {
      const canVoid = r.status === "completed" && r.sessionId === s.sessionId;
      const label = r.status === "voided" ? "voided" : r.status === "dismissed" ? "not uploaded (dismissed)" : r.total === null ? "" : money(r.total);
      return h(
        "li",
        { class: `sale ${r.status}`, dataset: { tx: r.id, status: r.status } },
        h("div", { class: "row spread" }, h("span", null, `${time(r.createdAt)} · ${plural(r.items.length, "tag")}`), h("strong", null, label)),
        h("div", { class: "muted" }, r.items.map((i) => i.itemId).join(", ")),
        canVoid && view.voidOpen !== r.id ? h("button", { type: "button", class: "void", onclick: () => ((view.voidOpen = r.id), render()) }, "Void this sale") : null,
        canVoid && view.voidOpen === r.id
          ? h(
              "div",
              { class: "void-reasons" },
              h("p", null, "Why? (the tags go back on sale)"),
              ["Customer changed their mind", "Rung up by mistake"].map((why) => h("button", { type: "button", class: "reason", onclick: () => voidSale(r.id, why) }, why)),
              h("button", { type: "button", class: "reason", onclick: () => voidSale(r.id, (prompt("Reason for the void") ?? "").trim()) }, "Other…"),
              h("button", { type: "button", onclick: () => ((view.voidOpen = null), render()) }, "Keep the sale"),
            )
          : null,
      );
    }),
  );
}
