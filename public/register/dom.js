// The register page's small helpers: elements as every page builds them (/common/dom.js), and its own
// money, times and message lines (those of /common/dom.js differ: a minus sign, seconds).

export { $, h, fill } from "../common/dom.js";

export const money = (cents) => `$${(cents / 100).toFixed(2)}`;
export const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function show(el, text, kind = "") {
  el.hidden = !text;
  el.textContent = text ?? "";
  el.className = `message ${kind}`.trim();
}
