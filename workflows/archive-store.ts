import { joinInChunks } from "../lib/chunks";
import { hex, sha256Hex, sha256OfChunks } from "../lib/crypto";
import { gzipChunks } from "../lib/gzip";
import { unwrap } from "../lib/errors";
import { sessionObjectName } from "../lib/ids";
import { FEES_SESSION, ONLINE_SESSION } from "../schemas/common";
import {
  ARCHIVE_KINDS,
  ARCHIVE_PAGE,
  isFees,
  isOnline,
  LEDGER_KINDS,
  SESSION_KINDS,
  type ArchiveCandidate,
  type ArchiveKind,
  type ArchiveManifest,
  type ArchivePart,
  type SessionKind,
  type SessionRef,
} from "../schemas/archive";
import { archivedValues, countInD1, readBackPart, upsertPage } from "./archive-d1";

/** The R2 key of one page of one kind (gzipped NDJSON): the same page always lands on the same key. */
export const partKey = (s: SessionRef, kind: ArchiveKind, page: number) =>
  `archive/${s.eventId}/${s.sessionId}/${kind}/part-${String(page).padStart(5, "0")}.ndjson.gz`;
export const manifestKey = (s: SessionRef) => `archive/${s.eventId}/${s.sessionId}/manifest.json`;

/** SHA-256 of the rows' values as one JSON array (`[[…],[…]]`), hashed in chunks. */
const contentHash = (values: readonly unknown[][]) => sha256OfChunks(["[", ...joinInChunks(values.map((v) => JSON.stringify(v)), ","), "]"]);

const sessionStub = (env: Env, s: SessionRef) => env.SALE_SESSION.getByName(sessionObjectName(s.eventId, s.sessionId));

/**
 * The ended sessions with something to archive: every one not yet pruned, and every pruned one
 * whose calculations or ledger entries changed since they were copied (a void by an admin, a
 * calculation completed or re-priced later). A session pruned by a run that stopped before D1
 * heard of it is recorded as pruned here. Then every event's online channel with sales whose
 * rows changed since they were copied (see onlineChannelsToArchive).
 */
export async function sessionsToArchive(env: Env): Promise<ArchiveCandidate[]> {
  const { results } = await env.DB.prepare("SELECT event_id, id, archived_at, archived_version FROM sessions ORDER BY event_id, id").all<{
    event_id: string;
    id: string;
    archived_at: number | null;
    archived_version: string | null;
  }>();
  const ledgers = new Map<string, Awaited<ReturnType<typeof ledgerStates>>>();
  const found: ArchiveCandidate[] = [];
  for (const row of results) {
    const s = { eventId: row.event_id, sessionId: row.id };
    const summary = unwrap(await sessionStub(env, s).summary());
    if (summary.status !== "completed" && summary.status !== "cancelled") continue;
    if (summary.archivedAt !== null && row.archived_at === null) {
      await env.DB.prepare("UPDATE sessions SET archived_at = ? WHERE event_id = ? AND id = ?").bind(summary.archivedAt, row.event_id, row.id).run();
    }
    if (!ledgers.has(row.event_id)) ledgers.set(row.event_id, await ledgerStates(env, row.event_id));
    const version = ledgers.get(row.event_id)![row.id]?.version ?? "";
    const pruned = summary.archivedAt !== null;
    if (!pruned || version !== (row.archived_version ?? "")) found.push({ ...s, pruned, version });
  }
  return [...found, ...(await onlineChannelsToArchive(env, ledgers)), ...(await feesToArchive(env, ledgers))];
}

type LedgerStates = Awaited<ReturnType<typeof ledgerStates>>;
const ledgerStates = async (env: Env, eventId: string) => unwrap(await env.COMMISSION_LEDGER.getByName(eventId).sessionStates());

/**
 * The online channel (session `online`) of every event that has online sales, when they or their
 * calculations and entries changed since the last copy: its version is the Inventory's version of
 * the sales and the ledger's of the session. It never ends while the event runs, so it is copied
 * whole each time it changed, and never pruned.
 */
const onlineChannelsToArchive = (env: Env, ledgers: Map<string, LedgerStates>) =>
  channelsToArchive(env, ledgers, ONLINE_SESSION, "online_archives", async (eventId, ledger) => {
    const online = unwrap(await env.INVENTORY.getByName(eventId).onlineArchiveState());
    return online.rows === 0 ? null : `${online.version}/${ledger[ONLINE_SESSION]?.version ?? ""}`;
  });

/**
 * The consignor fees (session `fees`) of every event that has fee entries, when they changed since
 * the last copy (the ledger's version of them: entries are only ever added). Only ledger entries:
 * there are no session rows to copy or prune.
 */
const feesToArchive = (env: Env, ledgers: Map<string, LedgerStates>) =>
  channelsToArchive(env, ledgers, FEES_SESSION, "fee_archives", async (_, ledger) => ledger[FEES_SESSION]?.version ?? null);

/**
 * An event-wide pseudo-session of every event, when its version (null: nothing to copy) differs
 * from the one its D1 table recorded at the last copy.
 */
async function channelsToArchive(
  env: Env,
  ledgers: Map<string, LedgerStates>,
  sessionId: string,
  table: "online_archives" | "fee_archives",
  versionOf: (eventId: string, ledger: LedgerStates) => Promise<string | null>,
): Promise<ArchiveCandidate[]> {
  const { results: events } = await env.DB.prepare("SELECT id FROM events ORDER BY id").all<{ id: string }>();
  const { results: copied } = await env.DB.prepare(`SELECT event_id, archived_version FROM ${table}`).all<{ event_id: string; archived_version: string }>();
  const copiedVersion = new Map(copied.map((r) => [r.event_id, r.archived_version]));
  const found: ArchiveCandidate[] = [];
  for (const { id: eventId } of events) {
    if (!ledgers.has(eventId)) ledgers.set(eventId, await ledgerStates(env, eventId));
    const version = await versionOf(eventId, ledgers.get(eventId)!);
    if (version !== null && version !== copiedVersion.get(eventId)) found.push({ eventId, sessionId, pruned: false, version });
  }
  return found;
}

/** The output's reason for an event's fees: they stay in the ledger, which statements and payouts read. */
export const FEES_NOT_PRUNED = "not pruned: consignor fee entries stay in the ledger, which statements and payouts read";

/** The output's reason for the online channel, which the archive never prunes. */
export const ONLINE_NOT_PRUNED =
  "not pruned: the online channel stays open while the event runs, and its sales stay in the Inventory, which answers redelivered orders and refunds from them";

/** Reads one page from the object that owns the kind: the session, or for online sales the Inventory; the ledger. */
async function readPage(env: Env, s: SessionRef, kind: ArchiveKind, after: string) {
  if ((SESSION_KINDS as readonly string[]).includes(kind)) {
    if (isOnline(s)) return unwrap(await env.INVENTORY.getByName(s.eventId).onlineArchivePage(kind as SessionKind, after, ARCHIVE_PAGE));
    return unwrap(await sessionStub(env, s).archivePage(kind as SessionKind, after, ARCHIVE_PAGE));
  }
  return unwrap(await env.COMMISSION_LEDGER.getByName(s.eventId).archivePage(kind as (typeof LEDGER_KINDS)[number], s.sessionId, after, ARCHIVE_PAGE));
}

/** Where the next page starts after `row`, in the kind's key order. */
function keyOf(kind: ArchiveKind, row: Record<string, unknown>): string {
  switch (kind) {
    case "transactions":
      return String(row.id);
    case "transaction_items":
      return `${row.tx_id}|${row.position}`;
    case "calculations":
      return String(row.tx_id);
    case "audit":
    case "ledger_entries":
      return String(row.seq);
  }
}

/**
 * One page: read it from its object, write it to R2 as gzipped NDJSON under a deterministic key,
 * upsert it into D1. Every part of it can run again with the same result. Only this page is in
 * memory, and of its NDJSON only the compressed bytes are held whole.
 */
export async function archivePage(env: Env, s: SessionRef, kind: ArchiveKind, page: number, after: string): Promise<{ part: ArchivePart | null; next: string | null }> {
  const { rows, next } = await readPage(env, s, kind, after);
  if (rows.length === 0) return { part: null, next: null };
  // Built in small chunks (see lib/chunks.ts) and compressed as they come: the bytes hashed, counted and stored are the gzip.
  const body = await gzipChunks(joinInChunks(rows.map((r) => `${JSON.stringify({ eventId: s.eventId, sessionId: s.sessionId, ...r })}\n`)));
  const key = partKey(s, kind, page);
  const [sha256, contentSha256] = await Promise.all([sha256Hex(body), contentHash(rows.map((r) => archivedValues(kind, r)))]);
  await env.ARCHIVE.put(key, body, {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
    customMetadata: { sha256, count: String(rows.length) },
  });
  await upsertPage(env.DB, s, kind, rows);
  return { part: { key, count: rows.length, bytes: body.byteLength, sha256, contentSha256, after, last: keyOf(kind, rows.at(-1)!) }, next };
}

/**
 * Writes the session's manifest. A pruned session copies only the ledger's kinds again: its own
 * kinds keep the parts the manifest of the run that pruned it lists. An event's fees have none.
 */
export async function writeManifest(env: Env, s: ArchiveCandidate, parts: Partial<Record<ArchiveKind, ArchivePart[]>>): Promise<ArchiveManifest> {
  let previous: ArchiveManifest | null = null;
  if (s.pruned) {
    const object = await env.ARCHIVE.get(manifestKey(s));
    if (!object) throw new Error(`session ${s.eventId}/${s.sessionId} was pruned but its manifest is missing from R2`);
    previous = JSON.parse(await object.text()) as ArchiveManifest;
  }
  const kinds = Object.fromEntries(
    ARCHIVE_KINDS.map((k) => {
      const own = parts[k];
      if (own === undefined) return [k, previous?.kinds[k] ?? { count: 0, parts: [] }];
      return [k, { count: own.reduce((n, p) => n + p.count, 0), parts: own }];
    }),
  ) as ArchiveManifest["kinds"];
  const manifest: ArchiveManifest = { eventId: s.eventId, sessionId: s.sessionId, archivedAt: Date.now(), kinds };
  await env.ARCHIVE.put(manifestKey(s), JSON.stringify(manifest, null, 2), { httpMetadata: { contentType: "application/json" } });
  return manifest;
}

/**
 * Checks the archive against its manifest, by content: every R2 part still hashes to what was
 * written, D1 holds for every part exactly the rows the object held (their values hashed the same
 * way), and no more rows of any kind than the manifest counts. Throws on any difference. One part
 * is in memory at a time.
 */
export async function verifyArchive(env: Env, s: SessionRef, manifest: ArchiveManifest): Promise<{ rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  for (const kind of ARCHIVE_KINDS) {
    const { count, parts } = manifest.kinds[kind];
    const held = await countInD1(env.DB, s, kind);
    if (held !== count) throw new Error(`D1 holds ${held} ${kind} of ${s.eventId}/${s.sessionId}, the manifest says ${count}`);
    for (const part of parts) {
      const object = await env.ARCHIVE.get(part.key);
      if (!object) throw new Error(`R2 part ${part.key} is missing`);
      // Hashed as it streams in, never held whole.
      const digest = new crypto.DigestStream("SHA-256");
      await object.body.pipeTo(digest);
      const hash = hex(await digest.digest);
      if (hash !== part.sha256) throw new Error(`R2 part ${part.key} hashes to ${hash}, the manifest says ${part.sha256}`);
      const content = await contentHash(await readBackPart(env.DB, s, kind, part));
      if (content !== part.contentSha256) throw new Error(`D1's ${kind} of part ${part.key} differ from what the object held`);
      bytes += part.bytes;
    }
    rows += count;
  }
  return { rows, bytes };
}

/**
 * Whether the session's rows may leave its object: only when every transaction of it has a
 * completed calculation, none is pending or in error, every void has reached the ledger, and no
 * sale uploaded late is half recorded.
 * Otherwise the reason, for the run's output; the session is archived again next night.
 */
export async function pruneVerdict(env: Env, s: SessionRef): Promise<{ prune: boolean; reason: string | null }> {
  const { metadata } = unwrap(await sessionStub(env, s).summary());
  const ledger = (await ledgerStates(env, s.eventId))[s.sessionId];
  const problems: string[] = [];
  const completed = ledger?.completed ?? 0;
  if (completed < metadata.transactionCount) problems.push(`${metadata.transactionCount - completed} of ${metadata.transactionCount} transaction(s) have no completed calculation`);
  if ((ledger?.pending ?? 0) > 0) problems.push(`${ledger!.pending} calculation(s) pending`);
  if ((ledger?.errors ?? 0) > 0) problems.push(`${ledger!.errors} calculation(s) in error`);
  const voided = ledger?.voided ?? 0;
  if (voided < metadata.voidCount) problems.push(`${metadata.voidCount - voided} void(s) not yet reversed in the ledger`);
  const late = unwrap(await sessionStub(env, s).lateSalesPending());
  if (late > 0) problems.push(`${late} sale(s) uploaded after the session ended still being recorded`);
  return problems.length === 0 ? { prune: true, reason: null } : { prune: false, reason: `not pruned: ${problems.join("; ")}` };
}

export async function pruneSession(env: Env, s: SessionRef, manifest: ArchiveManifest) {
  const archived = Object.fromEntries(SESSION_KINDS.map((k) => [k, manifest.kinds[k].count])) as Record<SessionKind, number>;
  return unwrap(await sessionStub(env, s).pruneArchived(archived));
}

/** Records in D1 what was archived: the version copied, and the prune (or why not). */
export async function recordArchived(env: Env, s: ArchiveCandidate, pruned: boolean, note: string | null) {
  if (isOnline(s) || isFees(s)) {
    await env.DB.prepare(
      `INSERT INTO ${isOnline(s) ? "online_archives" : "fee_archives"} (event_id, archived_version, archive_note, archived_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (event_id) DO UPDATE SET archived_version = excluded.archived_version, archive_note = excluded.archive_note, archived_at = excluded.archived_at`,
    )
      .bind(s.eventId, s.version, note, Date.now())
      .run();
    return;
  }
  await env.DB.prepare(
    `UPDATE sessions SET archived_version = ?, archive_note = ?, archived_at = CASE WHEN ? THEN COALESCE(archived_at, ?) ELSE archived_at END
     WHERE event_id = ? AND id = ?`,
  )
    .bind(s.version, note, pruned ? 1 : 0, Date.now(), s.eventId, s.sessionId)
    .run();
}
