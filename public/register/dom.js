// The register page's own small helpers: elements, money, times, message lines. (The organizer's and
// consignors' pages use /common/dom.js, whose money and times differ: a minus sign, seconds.)

export const $ = (id) => document.getElementById(id);

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Replaces an element's children, leaving out the null/false of conditional parts. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

export const money = (cents) => `$${(cents / 100).toFixed(2)}`;
export const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function show(el, text, kind = "") {
  el.hidden = !text;
  el.textContent = text ?? "";
  el.className = `message ${kind}`.trim();
}
