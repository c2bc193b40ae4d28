import { randomToken, sha256Hex } from "../../lib/crypto";
import type { Actor, SaleSessionSummary } from "../../schemas/domain";

// Live totals of a session for the organizer's dashboard, over WebSockets the session object
// accepts with the Hibernation API (`ctx.acceptWebSocket`): an idle watcher costs nothing while the
// object sleeps, and each change of the counters is pushed to every watcher, at most once per
// LIVE_PUSH_MS. A browser cannot put an Authorization header on a WebSocket, so a watcher first
// takes a one-use ticket with its key (POST …/live, admin), then opens the socket offering the
// subprotocols `LIVE_PROTOCOL` and the ticket; the ticket lives in this object (its hash, for
// TICKET_TTL_MS) and is spent by the upgrade. No key ever travels in a URL.

/** The subprotocol a watcher offers, and the one the answer names. */
export const LIVE_PROTOCOL = "consignment.live.v1";
/** The most often a watcher hears of changes. */
export const LIVE_PUSH_MS = 500;
/** How long a ticket may wait for its socket. */
export const TICKET_TTL_MS = 60_000;
/** Tickets are `lt_` and 32 random bytes (base64url): a valid subprotocol token. */
const TICKET = /^lt_[A-Za-z0-9_-]{40,64}$/;
const TICKET_KEY = "live-ticket:";

/** What a watcher hears: the session's summary (the same as GET …/sessions/:s), with the time it was sent. */
export interface LiveMessage {
  type: "summary";
  session: SaleSessionSummary;
  sentAt: number;
}

type StoredTicket = { keyId: string; expiresAt: number };

export class LiveFeed {
  /** Sockets open now; kept in memory so a checkout with no watcher costs one comparison. */
  private watchers: number;
  private lastPush = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly summary: () => SaleSessionSummary | null,
  ) {
    // After hibernation the object is built again with its sockets still open.
    this.watchers = ctx.getWebSockets().length;
    // A client's keep-alive is answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** A one-use ticket for one socket of `actor`, valid for TICKET_TTL_MS. */
  async issueTicket(actor: Actor, now: number): Promise<{ ticket: string; expiresAt: number; protocol: string }> {
    const kv = this.ctx.storage.kv;
    const stale = [...kv.list<StoredTicket>({ prefix: TICKET_KEY })].filter(([, value]) => value.expiresAt <= now);
    for (const [key] of stale) kv.delete(key);
    const ticket = `lt_${randomToken(32)}`;
    const expiresAt = now + TICKET_TTL_MS;
    kv.put<StoredTicket>(TICKET_KEY + (await sha256Hex(ticket)), { keyId: actor.keyId, expiresAt });
    return { ticket, expiresAt, protocol: LIVE_PROTOCOL };
  }

  /**
   * The upgrade: a 101 with the socket accepted for hibernation and the summary sent at once, or
   * null when the request offers no live ticket, or one that is unknown, spent or expired.
   */
  async accept(request: Request, now: number): Promise<Response | null> {
    const offered = (request.headers.get("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
    const ticket = offered.find((p) => TICKET.test(p));
    if (!offered.includes(LIVE_PROTOCOL) || !ticket) return null;
    const key = TICKET_KEY + (await sha256Hex(ticket));
    const stored = this.ctx.storage.kv.get<StoredTicket>(key);
    if (!stored) return null;
    this.ctx.storage.kv.delete(key);
    if (stored.expiresAt <= now) return null;
    const session = this.summary();
    if (!session) return null;
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [stored.keyId]);
    server.serializeAttachment({ keyId: stored.keyId, openedAt: now });
    this.watchers++;
    server.send(JSON.stringify(message(session, now)));
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": LIVE_PROTOCOL } });
  }

  /** A socket closed or failed. */
  closed(ws: WebSocket) {
    this.watchers = Math.max(0, this.ctx.getWebSockets().filter((w) => w !== ws).length);
  }

  /**
   * The counters may have moved: watchers hear of it on the next turn (so the checkouts of one
   * moment make one message), and then at most once per LIVE_PUSH_MS.
   */
  changed() {
    if (this.watchers === 0 || this.timer !== null) return;
    const wait = Math.max(0, this.lastPush + LIVE_PUSH_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.push();
    }, wait);
  }

  private push() {
    const session = this.summary();
    const sockets = this.ctx.getWebSockets();
    this.watchers = sockets.length;
    if (!session || sockets.length === 0) return;
    this.lastPush = Date.now();
    const text = JSON.stringify(message(session, this.lastPush));
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // Closing: webSocketClose will count it out.
      }
    }
  }
}

const message = (session: SaleSessionSummary, sentAt: number): LiveMessage => ({ type: "summary", session, sentAt });
