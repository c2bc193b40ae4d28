// Refusals (the API's error envelope) in the words a cashier would use.

/** Why an item cannot be sold (details.reasons of 409 ITEM_UNAVAILABLE), as a cashier would say it. */
export const REASONS = {
  sold: "was already sold (at a register)",
  sold_online: "was sold online: it is not for sale here any more",
  held: "is on hold at another register",
  unknown: "is not in this sale: check the number on the tag",
  transferred: "was moved out of the sale after the session ended",
  unavailable: "is not for sale now",
};

/** A refusal (the API's error envelope) in sentences; each ITEM_UNAVAILABLE item gets its own. */
export function refusalWords(error) {
  const details = error?.details ?? {};
  switch (error?.code) {
    case "ITEM_UNAVAILABLE":
      return (details.items ?? []).map((id) => `Tag ${id} ${REASONS[details.reasons?.[id]] ?? `cannot be sold (${details.reasons?.[id] ?? "no reason given"})`}.`);
    case "SESSION_NOT_ACTIVE":
      if (details.reason === "LATER_SESSION_STARTED" || details.reason === "ARCHIVED") {
        return ["This sale was made in a session that has ended, and it can no longer be added to it (a later session has started, or it was archived). Give the organizer its time and tags."];
      }
      return [`The session is not open for sales (it is ${details.status ?? "not running"}). Ask the organizer, or switch to the running session with the Session button.`];
    case "UNAUTHENTICATED":
      return ["This register key is not accepted (it may have been revoked). Sign out and sign in with a new key."];
    case "FORBIDDEN":
      return ["This register key belongs to another event, or cannot do this."];
    case "NOT_FOUND":
      return ["The server does not know this event, session or sale. Check the session with the Session button."];
    case "IDEMPOTENCY_KEY_REUSED":
      return ["The server already had this sale's number with another cart. Check out again: the sale gets a new number."];
    case "VALIDATION_FAILED":
      return [`The server refused the sale as malformed: ${error.message}`];
    default:
      return [`${error?.code ?? "Refused"}: ${error?.message ?? "no reason given"}`];
  }
}

export function unavailableOf(error) {
  return error?.code === "ITEM_UNAVAILABLE" ? (error.details?.items ?? []) : [];
}
