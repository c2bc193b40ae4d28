// The live totals of one session: a WebSocket the session's Durable Object holds (hibernatable)
// and pushes its summary on, at most every 500 ms, after sales, voids and transitions. Nothing is
// polled. A browser cannot send the admin key on a WebSocket, so each connection first takes a
// one-use ticket (POST …/live/tickets, with the key) and offers it as a subprotocol beside
// `consignment.live.v1`; the key never goes into a URL. A dropped socket reconnects (new ticket).
import { call } from "/common/api.js";

const PING_MS = 30_000;
const BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000];

export class LiveTotals {
  /**
   * `onSummary(session, sentAt)` for every push; `onState(state, detail)` with state one of
   * `connecting`, `live`, `reconnecting`, `stopped` (refused for good: detail is the API's error).
   */
  constructor({ key, eventId, sessionId, onSummary, onState }) {
    Object.assign(this, { key, eventId, sessionId, onSummary, onState });
    this.ws = null;
    this.stopped = false;
    this.failures = 0;
    this.timer = null;
    this.ping = null;
  }

  start() {
    this.stopped = false;
    void this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000, "done");
      this.ws = null;
    }
  }

  async connect() {
    if (this.stopped) return;
    this.onState(this.failures === 0 ? "connecting" : "reconnecting");
    const path = `/events/${encodeURIComponent(this.eventId)}/sessions/${encodeURIComponent(this.sessionId)}/live`;
    const answer = await call(this.key, "POST", `${path}/tickets`);
    if (this.stopped) return;
    if (!answer.ok) {
      // A key that is refused, or a session that is not there, will not get better by retrying.
      if ([401, 403, 404].includes(answer.status)) {
        this.stopped = true;
        return this.onState("stopped", answer.error);
      }
      return this.retry();
    }
    const { ticket, protocol } = answer.body;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      ws = new WebSocket(`${scheme}//${location.host}/v1${path}`, [protocol, ticket]);
    } catch {
      return this.retry();
    }
    this.ws = ws;
    ws.onopen = () => {
      this.failures = 0;
      this.onState("live");
      clearInterval(this.ping);
      this.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), PING_MS);
    };
    ws.onmessage = (event) => {
      if (event.data === "pong") return;
      try {
        const message = JSON.parse(event.data);
        if (message.type === "summary") this.onSummary(message.session, message.sentAt);
      } catch {}
    };
    ws.onclose = () => {
      clearInterval(this.ping);
      if (this.ws === ws) this.ws = null;
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    const wait = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)];
    this.failures++;
    this.onState("reconnecting");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), wait);
  }
}
