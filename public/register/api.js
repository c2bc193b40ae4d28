// Calls to the API (same origin, /v1). Every answer is one of three outcomes:
//   ok       — 2xx, with the body;
//   refused  — a 4xx with the API's error envelope: the server said no and changed nothing;
//   unknown  — no answer (network down, timeout), a 5xx, or something that is not the API talking:
//              the request may or may not have been applied, so a sale is kept and sent again
//              with the same transaction id (a repeat is answered 200, never sold twice).

export async function call(key, method, path, body, timeoutMs = 8000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const headers = { Authorization: `Bearer ${key}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: "no-store",
    });
    let json = null;
    try {
      json = await response.json();
    } catch {}
    if (response.ok) return { outcome: "ok", status: response.status, body: json };
    if (response.status >= 500 || response.status === 408 || response.status === 429 || !json?.error?.code) {
      return { outcome: "unknown", status: response.status };
    }
    return { outcome: "refused", status: response.status, error: json.error };
  } catch {
    return { outcome: "unknown", status: 0 };
  } finally {
    clearTimeout(timer);
  }
}

const path = (eventId, sessionId = null) =>
  `/events/${encodeURIComponent(eventId)}${sessionId === null ? "" : `/sessions/${encodeURIComponent(sessionId)}`}`;

export const getEvent = (key, eventId) => call(key, "GET", path(eventId));
export const getSession = (key, eventId, sessionId) => call(key, "GET", path(eventId, sessionId));
export const listSessions = (key, eventId) => call(key, "GET", `${path(eventId)}/sessions`, undefined, 4000);
export const getItem = (key, eventId, sessionId, itemId) => call(key, "GET", `${path(eventId, sessionId)}/items/${encodeURIComponent(itemId)}`, undefined, 4000);
export const priceList = (key, eventId, sessionId, after, limit) =>
  call(key, "GET", `${path(eventId, sessionId)}/price-list?after=${encodeURIComponent(after)}&limit=${limit}`, undefined, 20000);
export const checkout = (key, sale) =>
  call(key, "POST", `${path(sale.eventId, sale.sessionId)}/transactions`, body(sale));
export const upload = (key, eventId, sessionId, sales) =>
  call(key, "POST", `${path(eventId, sessionId)}/transactions/batch`, { transactions: sales.map(body) }, 20000);
export const voidSale = (key, eventId, sessionId, txId, reason) =>
  call(key, "POST", `${path(eventId, sessionId)}/transactions/${txId}/void`, { reason });

/** The checkout body of a sale (what the API's TransactionCreate takes, nothing more). */
function body(sale) {
  return { id: sale.id, registerId: sale.registerId, shopperCode: sale.shopperCode, items: sale.items };
}
