import { sha256Hex } from "../lib/crypto";
import { unwrap } from "../lib/errors";
import { sessionObjectName } from "../lib/ids";
import {
  ARCHIVE_KINDS,
  ARCHIVE_PAGE,
  SESSION_KINDS,
  type ArchiveKind,
  type ArchiveManifest,
  type ArchivePart,
  type ArchiveRow,
  type SessionKind,
  type SessionRef,
} from "../schemas/archive";

/** The R2 key of one page of one kind: the same page always lands on the same key. */
export const partKey = (s: SessionRef, kind: ArchiveKind, page: number) =>
  `archive/${s.eventId}/${s.sessionId}/${kind}/part-${String(page).padStart(5, "0")}.ndjson`;
export const manifestKey = (s: SessionRef) => `archive/${s.eventId}/${s.sessionId}/manifest.json`;

/** Sessions registered in D1, ended, and not yet archived. */
export async function sessionsToArchive(env: Env): Promise<SessionRef[]> {
  const { results } = await env.DB.prepare("SELECT event_id, id FROM sessions WHERE archived_at IS NULL ORDER BY event_id, id").all<{ event_id: string; id: string }>();
  const ready: SessionRef[] = [];
  for (const row of results) {
    const summary = unwrap(await env.SALE_SESSION.getByName(sessionObjectName(row.event_id, row.id)).summary());
    if (summary.archivedAt !== null) {
      // Pruned by a run that stopped before it could say so here.
      await env.DB.prepare("UPDATE sessions SET archived_at = ? WHERE event_id = ? AND id = ?").bind(summary.archivedAt, row.event_id, row.id).run();
    } else if (summary.status === "completed" || summary.status === "cancelled") {
      ready.push({ eventId: row.event_id, sessionId: row.id });
    }
  }
  return ready;
}

/** Reads one page from the object that owns the kind. */
async function readPage(env: Env, s: SessionRef, kind: ArchiveKind, after: string) {
  if ((SESSION_KINDS as readonly string[]).includes(kind)) {
    return unwrap(await env.SALE_SESSION.getByName(sessionObjectName(s.eventId, s.sessionId)).archivePage(kind as SessionKind, after, ARCHIVE_PAGE));
  }
  return unwrap(await env.COMMISSION_LEDGER.getByName(s.eventId).archivePage(kind as "calculations" | "ledger_entries", s.sessionId, after, ARCHIVE_PAGE));
}

/** One INSERT OR IGNORE per row into the kind's D1 table: a repeated page adds nothing. */
function insertStatement(env: Env, s: SessionRef, kind: ArchiveKind, r: ArchiveRow): D1PreparedStatement {
  switch (kind) {
    case "transactions":
      return env.DB.prepare(
        `INSERT OR IGNORE INTO transactions (event_id, session_id, id, register_id, shopper_code, hold_id, status, total, commission_total,
           item_count, created_at, actor, voided_at, void_reason, void_actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(s.eventId, s.sessionId, r.id, r.register_id, r.shopper_code, r.hold_id, r.status, r.total, r.commission_total, r.item_count, r.created_at, r.actor, r.voided_at, r.void_reason, r.void_actor);
    case "transaction_items":
      return env.DB.prepare(
        `INSERT OR IGNORE INTO transaction_items (event_id, tx_id, position, item_id, consignor_id, title, price, commission_rate, commission)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(s.eventId, r.tx_id, r.position, r.item_id, r.consignor_id, r.title, r.price, r.commission_rate, r.commission);
    case "audit":
      return env.DB.prepare(
        `INSERT OR IGNORE INTO audit_log (id, event_id, session_id, source, at, actor, entity, entity_id, action, before, after)
         VALUES (?, ?, ?, 'session', ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(`session:${s.eventId}:${s.sessionId}:${r.seq}`, s.eventId, s.sessionId, r.at, r.actor, r.entity, r.entity_id, r.action, r.before, r.after);
    case "calculations":
      return env.DB.prepare(
        `INSERT OR IGNORE INTO calculations (event_id, tx_id, session_id, status, attempts, error_code, error, sale_total, base_amount,
           bonus_amount, total_amount, voided_at, occurred_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(s.eventId, r.tx_id, r.session_id, r.status, r.attempts, r.error_code, r.error, r.sale_total, r.base_amount, r.bonus_amount, r.total_amount, r.voided_at, r.occurred_at, r.completed_at);
    case "ledger_entries":
      return env.DB.prepare(
        `INSERT OR IGNORE INTO ledger_entries (event_id, seq, consignor_id, tx_id, session_id, kind, amount, batch_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(s.eventId, r.seq, r.consignor_id, r.tx_id, r.session_id, r.kind, r.amount, r.batch_id || null, r.created_at);
  }
}

/**
 * One page: read it from its object, write it to R2 as NDJSON under a deterministic key, insert
 * it into D1. Every part of it can run again with the same result.
 */
export async function archivePage(env: Env, s: SessionRef, kind: ArchiveKind, page: number, after: string): Promise<{ part: ArchivePart | null; next: string | null }> {
  const { rows, next } = await readPage(env, s, kind, after);
  if (rows.length === 0) return { part: null, next: null };
  const body = rows.map((r) => JSON.stringify({ eventId: s.eventId, sessionId: s.sessionId, ...r })).join("\n") + "\n";
  const key = partKey(s, kind, page);
  const sha256 = await sha256Hex(body);
  await env.ARCHIVE.put(key, body, { httpMetadata: { contentType: "application/x-ndjson" }, customMetadata: { sha256, count: String(rows.length) } });
  // D1 limits a batch's size; 500 statements at a time stay well inside it.
  for (let i = 0; i < rows.length; i += 500) {
    await env.DB.batch(rows.slice(i, i + 500).map((r) => insertStatement(env, s, kind, r)));
  }
  return { part: { key, count: rows.length, bytes: new TextEncoder().encode(body).byteLength, sha256 }, next };
}

export async function writeManifest(env: Env, s: SessionRef, parts: Record<ArchiveKind, ArchivePart[]>): Promise<ArchiveManifest> {
  const kinds = Object.fromEntries(
    ARCHIVE_KINDS.map((k) => [k, { count: parts[k].reduce((n, p) => n + p.count, 0), parts: parts[k] }]),
  ) as ArchiveManifest["kinds"];
  const manifest: ArchiveManifest = { eventId: s.eventId, sessionId: s.sessionId, archivedAt: Date.now(), kinds };
  await env.ARCHIVE.put(manifestKey(s), JSON.stringify(manifest, null, 2), { httpMetadata: { contentType: "application/json" } });
  return manifest;
}

const D1_COUNTS: Record<ArchiveKind, string> = {
  transactions: "SELECT COUNT(*) AS n FROM transactions WHERE event_id = ?1 AND session_id = ?2",
  transaction_items:
    "SELECT COUNT(*) AS n FROM transaction_items i JOIN transactions t ON t.event_id = i.event_id AND t.id = i.tx_id WHERE i.event_id = ?1 AND t.session_id = ?2",
  audit: "SELECT COUNT(*) AS n FROM audit_log WHERE event_id = ?1 AND session_id = ?2 AND source = 'session'",
  calculations: "SELECT COUNT(*) AS n FROM calculations WHERE event_id = ?1 AND session_id = ?2",
  ledger_entries: "SELECT COUNT(*) AS n FROM ledger_entries WHERE event_id = ?1 AND session_id = ?2",
};

/**
 * Checks the archive against its manifest: D1 holds exactly the counted rows of every kind, and
 * every R2 part still hashes to what was written. Throws on any difference.
 */
export async function verifyArchive(env: Env, s: SessionRef, manifest: ArchiveManifest): Promise<{ rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  for (const kind of ARCHIVE_KINDS) {
    const counted = await env.DB.prepare(D1_COUNTS[kind]).bind(s.eventId, s.sessionId).first<{ n: number }>();
    if (counted?.n !== manifest.kinds[kind].count) {
      throw new Error(`D1 holds ${counted?.n} ${kind} of ${s.eventId}/${s.sessionId}, the manifest says ${manifest.kinds[kind].count}`);
    }
    for (const part of manifest.kinds[kind].parts) {
      const object = await env.ARCHIVE.get(part.key);
      if (!object) throw new Error(`R2 part ${part.key} is missing`);
      const hash = await sha256Hex(await object.text());
      if (hash !== part.sha256) throw new Error(`R2 part ${part.key} hashes to ${hash}, the manifest says ${part.sha256}`);
      bytes += part.bytes;
    }
    rows += manifest.kinds[kind].count;
  }
  return { rows, bytes };
}

export async function pruneSession(env: Env, s: SessionRef, manifest: ArchiveManifest) {
  const archived = Object.fromEntries(SESSION_KINDS.map((k) => [k, manifest.kinds[k].count])) as Record<SessionKind, number>;
  const result = unwrap(await env.SALE_SESSION.getByName(sessionObjectName(s.eventId, s.sessionId)).pruneArchived(archived));
  await env.DB.prepare("UPDATE sessions SET archived_at = ? WHERE event_id = ? AND id = ? AND archived_at IS NULL").bind(Date.now(), s.eventId, s.sessionId).run();
  return result;
}
