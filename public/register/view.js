// The page's state on screen (what must survive a reload is in store.js), and noting how the last
// call to the server went.

/** What is on screen but need not survive a reload. */
export const view = {
  busy: false, // a checkout is on its way
  flushing: false,
  contact: "unknown", // "ok" | "failed": how the last call to the server went
  receipt: null, // { kind: "sold" | "saved", tx?, sale? }
  voidOpen: null, // id of the sale whose void reasons are shown
  authProblem: null,
  priceList: null, // { eventId, sessionId, count, takenAt } of the list this device keeps (prices.js)
};

export function noteContact(outcome) {
  view.contact = outcome === "unknown" ? "failed" : "ok";
}
