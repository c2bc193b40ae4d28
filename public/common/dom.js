// What the organizer's and consignors' pages share: building elements, money, times. Plain ES
// modules, no framework (as the register page).

export const $ = (id) => document.getElementById(id);

/** An element: `h("button", { class: "x", onclick }, "text", child…)`; null/false children are left out. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = Boolean(v);
    else if (k === "style") el.style.cssText = v; // through the CSSOM: the pages' CSP allows no style attributes
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false).map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return el;
}

/** Cents as dollars: 1250 → "$12.50", -300 → "−$3.00". */
export const money = (cents) => (cents === null || cents === undefined ? "" : `${cents < 0 ? "−" : ""}$${(Math.abs(cents) / 100).toFixed(2)}`);

/** What a person types for a price ("12", "12.5", "$12.50") in cents, or null when it is not one. */
export function parseMoney(text) {
  const m = /^\s*\$?\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(String(text ?? ""));
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
}

/** Basis points as a percentage: 5000 → "50 %", 333 → "3.3 %". */
export const percent = (bp) => `${Number.isInteger(bp / 100) ? bp / 100 : (bp / 100).toFixed(1)} %`;

export const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "");
export const dateTime = (ms) => (ms ? new Date(ms).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "");
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A message line: text and a kind (ok, warn, bad); empty text hides it. */
export function say(el, text, kind = "") {
  el.hidden = !text;
  el.textContent = text ?? "";
  el.className = `message ${kind}`.trim();
}

/** A table: header cells, then rows of cells (a row may be an element already). */
export function table(head, rows, props = {}) {
  return h(
    "table",
    { class: "grid", ...props },
    h("thead", null, h("tr", null, head.map((c) => h("th", typeof c === "object" && !(c instanceof Node) ? { class: c.class } : null, typeof c === "object" && !(c instanceof Node) ? c.text : c)))),
    h("tbody", null, rows.map((r) => (r instanceof Node ? r : h("tr", null, r.map((c) => (c instanceof Node && c.tagName === "TD" ? c : h("td", null, c))))))),
  );
}

/** A number cell (right-aligned). */
export const num = (content, props = {}) => h("td", { class: "num", ...props }, content);
