// What the tabs build with: cards, fields and message lines, ids as inputs take them, percentages
// as basis points, and `act`, which runs a button's action and says a refusal in words.
import { h, say } from "/common/dom.js";
import { words } from "/admin/refusals.js";
import { signOut } from "/admin/state.js";

/** An id as the API takes it, as an input's pattern (escaped for the `v` flag browsers use there). */
export const ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}";

/** Runs an action from a button: disables it meanwhile, says the outcome in `message`. */
export async function act(button, message, fn) {
  if (button) button.disabled = true;
  try {
    const answer = await fn();
    if (answer && answer.ok === false) {
      say(message, words(answer.error), "bad");
      if (answer.status === 401) signOut("The admin key is not accepted any more.");
    }
    return answer;
  } finally {
    if (button?.isConnected) button.disabled = false;
  }
}

export const card = (title, ...children) => h("div", { class: "card" }, title ? h("h2", null, title) : null, ...children);
export const messageLine = (id) => h("p", { id, class: "message", hidden: true, role: "status" });
export const field = (label, input, props = {}) => h("label", props, label, input);
export const pct = (bp) => (bp === null || bp === undefined ? "" : String(bp / 100));
export const bpOf = (text) => (text.trim() === "" ? null : Math.round(Number(text) * 100));
