// What the register keeps on this device, in localStorage, so that a reload, a crash or a dead
// network loses nothing: the sign-in, the cart (with its transaction id once a checkout began),
// the sales waiting to upload, and the last sales made here.
const PREFIX = "register.v1.";

function read(name, fallback) {
  try {
    const text = localStorage.getItem(PREFIX + name);
    return text === null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}

/** Throws when the device cannot store it (storage full or blocked): callers stop before sending. */
function write(name, value) {
  localStorage.setItem(PREFIX + name, JSON.stringify(value));
}

/** Key, event, session and register name; `null` values until signed in. */
export const settings = {
  get: () => read("settings", { key: null, eventId: "", sessionId: "", registerId: "", eventName: "", sessionName: "", discount: 0 }),
  set: (value) => write("settings", value),
};

/**
 * The cart being rung up: `lines` ([{itemId}]), `txId` (made once, when its first checkout
 * starts, and kept until the sale is answered or the cart changes after a refusal), `sending`
 * (a checkout was sent and not answered: at start-up such a cart goes to the queue).
 */
export const cart = {
  empty: () => ({ lines: [], txId: null, shopperCode: "", sending: false, refused: null }),
  get: () => read("cart", null) ?? cart.empty(),
  set: (value) => write("cart", value),
};

/**
 * Sales made while the server could not be reached, oldest first: the checkout body as it was
 * first sent (same id, same tags) plus `eventId`, `sessionId`, `queuedAt`, `state`
 * (`waiting` | `refused`) and, when refused, the server's `error`.
 */
export const queue = {
  get: () => read("queue", []),
  set: (value) => write("queue", value),
};

/** The last sales made on this device (newest first): transaction views, plus `status` changes by voids. */
const RECENT_MAX = 30;
export const recent = {
  get: () => read("recent", []),
  set: (value) => write("recent", value.slice(0, RECENT_MAX)),
};

/** A v4 UUID: `crypto.randomUUID` where the page is a secure context, else from getRandomValues. */
export function newTransactionId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
