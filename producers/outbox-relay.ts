import pRetry from "p-retry";
import type { Sql } from "../lib/sql";
import type { SessionMessage } from "../schemas/messages";

/** Queue limits: 100 messages and 256 KB a batch; stay under both. */
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 200_000;
/** Unsent messages kept parsed in memory at most. */
const MAX_CACHED = 5_000;

export type SendMessages = (messages: SessionMessage[]) => Promise<void>;

export const queueSender =
  (queue: Queue<SessionMessage>): SendMessages =>
  async (messages) => {
    await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" })));
  };

/**
 * Moves rows of an object's `outbox` table onto the queue, oldest first, and deletes each batch once
 * the queue has accepted it. At most one flush runs at a time; a flush asked for while one runs is
 * folded into it. A row whose send fails stays in the table for the owner's alarm to send again, so
 * delivery is at least once; consumers are idempotent.
 */
export class OutboxRelay {
  private running: Promise<number> | null = null;
  private rerun = false;
  /** Messages this instance wrote, by outbox seq, so sending them needs no read and no parse. */
  private readonly written = new Map<number, { body: string; message: SessionMessage }>();

  constructor(
    private readonly sql: Sql,
    /** Replaceable so a test can make the queue refuse; production uses `queueSender`. */
    public send: SendMessages,
    /** How long a flush waits for more rows before sending, so busy registers share one send. */
    private readonly gatherMs = 0,
  ) {}

  /** Writes a message to the outbox (inside the caller's transaction). */
  enqueue(message: SessionMessage, now: number) {
    const body = JSON.stringify(message);
    const seq = this.sql.one<{ seq: number }>("INSERT INTO outbox (body, created_at) VALUES (?, ?) RETURNING seq", body, now)!.seq;
    // Every insert sets or clears the entry of its seq, so an entry always belongs to the latest
    // insert of that seq: the row, if the row exists (a rolled-back insert leaves no row, and the
    // next insert that reuses its seq replaces the entry). Bounded: during a long queue outage
    // rows beyond this are read from storage when sent.
    if (this.written.size < MAX_CACHED) this.written.set(seq, { body, message });
    else this.written.delete(seq);
  }

  /** Sends everything pending; resolves with the number of messages sent. */
  flush(): Promise<number> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  pending(): number {
    return this.sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM outbox")?.n ?? 0;
  }

  /** The oldest unsent rows; bodies come from memory when every one of them is there. */
  private pendingRows(): { seq: number; body: string; message?: SessionMessage }[] {
    const seqs = this.sql.all<{ seq: number }>("SELECT seq FROM outbox ORDER BY seq LIMIT ?", MAX_BATCH_MESSAGES);
    const cached = [];
    for (const { seq } of seqs) {
      const entry = this.written.get(seq);
      if (!entry) return this.sql.all<{ seq: number; body: string }>("SELECT seq, body FROM outbox ORDER BY seq LIMIT ?", MAX_BATCH_MESSAGES);
      cached.push({ seq, ...entry });
    }
    return cached;
  }

  private async drain(): Promise<number> {
    let sent = 0;
    if (this.gatherMs > 0) await scheduler.wait(this.gatherMs);
    for (;;) {
      this.rerun = false;
      const rows = this.pendingRows();
      const batch: typeof rows = [];
      let bytes = 0;
      for (const row of rows) {
        if (batch.length > 0 && bytes + row.body.length > MAX_BATCH_BYTES) break;
        batch.push(row);
        bytes += row.body.length;
      }
      if (batch.length === 0) return sent;
      const messages = batch.map((row) => row.message ?? (JSON.parse(row.body) as SessionMessage));
      await pRetry(() => this.send(messages), { retries: 2, minTimeout: 50, maxTimeout: 200 });
      const last = batch[batch.length - 1]!.seq;
      // Rows are taken oldest first and no other flush runs, so every row up to `last` was sent.
      this.sql.run("DELETE FROM outbox WHERE seq <= ?", last);
      for (const row of batch) this.written.delete(row.seq);
      sent += batch.length;
      if (batch.length === rows.length && rows.length < MAX_BATCH_MESSAGES && !this.rerun) return sent;
    }
  }
}
