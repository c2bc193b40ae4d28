// A refusal (the API's error envelope) in words, for an organizer.
/** A refusal in words, for an organizer. */
export function words(error) {
  const d = error?.details ?? {};
  switch (error?.code) {
    case "NETWORK":
      return "Could not reach the server. Check the connection and try again.";
    case "UNAUTHENTICATED":
      return "The admin key is not accepted. Sign out and sign in again.";
    case "FORBIDDEN":
      return "This key is not an admin key.";
    case "INVALID_TRANSITION":
      if (d.reason === "RATES_NOT_SET") return "Set the commission rates first (Settings tab).";
      return d.from && d.to ? `Not possible now: it cannot go from ${d.from} to ${d.to}.` : `Not possible now: ${error.message}.`;
    case "SESSION_HAS_SALES":
      return "This session has sales: it can be completed, not cancelled (void its sales first to cancel).";
    case "SESSION_NOT_ACTIVE":
      return "The session is not running.";
    case "ALREADY_EXISTS":
      return "That id is taken (with other details). Choose another id.";
    case "EVENT_CLOSED":
      return "The event is closed: nothing more can change.";
    case "SHOPIFY_NOT_CONFIGURED":
      return "Shopify is not configured for this deployment (SHOPIFY_ADMIN_ORIGIN and its token).";
    case "VALIDATION_FAILED":
      return `Check the form: ${(d.issues ?? []).map((i) => `${i.path}: ${i.message}`).join("; ") || error.message}`;
    case "NOT_FOUND":
      return `Not found: ${error.message}.`;
    default:
      return `${error?.code ?? "Refused"}: ${error?.message ?? "no reason given"}`;
  }
}
