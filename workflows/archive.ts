import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { ARCHIVE_KINDS, LEDGER_KINDS, ArchiveParams, isFees, isOnline, type ArchiveCandidate, type ArchiveKind, type ArchivePart } from "../schemas/archive";
import { archivePage, FEES_NOT_PRUNED, ONLINE_NOT_PRUNED, pruneSession, pruneVerdict, recordArchived, sessionsToArchive, verifyArchive, writeManifest } from "./archive-store";

const STEP: WorkflowStepConfig = { retries: { limit: 5, delay: "5 seconds", backoff: "exponential" }, timeout: "2 minutes" };

export interface ArchiveOutput {
  date: string;
  sessions: { eventId: string; sessionId: string; rows: number; bytes: number; pruned: boolean; reason: string | null }[];
  /** Sessions whose archive failed this run (after the step's retries); the next run tries them again. */
  failed: { eventId: string; sessionId: string; error: string }[];
}

/**
 * The nightly archive: every ended session's transactions, their items, its audit trail, and its
 * calculations and ledger entries go to R2 (NDJSON pages under deterministic keys, plus a
 * manifest with counts and SHA-256 per page) and to D1 (upserts), are verified by content against
 * what the objects held, and only then — once the ledger has a completed calculation for every
 * transaction — pruned from the session object. A session already pruned whose calculations or
 * entries changed since has those copied again. Each side effect is its own step and can run again
 * harmlessly; one session that fails does not stop the others, and is tried again next run.
 * Each event's online sales (session `online`, held by the Inventory) are archived the same way
 * whenever they changed, and never pruned.
 */
export class ArchiveWorkflow extends WorkflowEntrypoint<Env, ArchiveParams> {
  override async run(event: WorkflowEvent<ArchiveParams>, step: WorkflowStep): Promise<ArchiveOutput> {
    const params = ArchiveParams.safeParse(event.payload);
    // Outside a step, and safe there: validation has no side effect and gives the same answer on replay.
    if (!params.success) throw new NonRetryableError(`invalid parameters: ${params.error.message}`);
    const sessions = await step.do("find the sessions to archive", STEP, () => sessionsToArchive(this.env));
    const output: ArchiveOutput = { date: params.data.date, sessions: [], failed: [] };
    for (const s of sessions) {
      try {
        output.sessions.push({ eventId: s.eventId, sessionId: s.sessionId, ...(await this.archiveSession(s, step)) });
      } catch (error) {
        // The step gave up after its retries. Outside a step, and safe: it only notes the failure.
        output.failed.push({ eventId: s.eventId, sessionId: s.sessionId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return output;
  }

  private async archiveSession(s: ArchiveCandidate, step: WorkflowStep) {
    const name = `${s.eventId}/${s.sessionId}`;
    // A pruned session, or an event's fees: only the ledger's rows.
    const kinds: readonly ArchiveKind[] = s.pruned || isFees(s) ? LEDGER_KINDS : ARCHIVE_KINDS;
    const parts: Partial<Record<ArchiveKind, ArchivePart[]>> = {};
    for (const kind of kinds) {
      const done: ArchivePart[] = [];
      let after = "";
      for (let page = 0; ; page++) {
        const result = await step.do(`archive ${kind} page ${page} of ${name}`, STEP, () => archivePage(this.env, s, kind, page, after));
        if (result.part) done.push(result.part);
        if (!result.next) break;
        after = result.next;
      }
      parts[kind] = done;
    }
    const manifest = await step.do(`write the manifest of ${name}`, STEP, () => writeManifest(this.env, s, parts));
    const verified = await step.do(`verify the archive of ${name}`, STEP, () => verifyArchive(this.env, s, manifest));
    let pruned = s.pruned;
    let reason: string | null = null;
    if (isOnline(s)) reason = ONLINE_NOT_PRUNED;
    else if (isFees(s)) reason = FEES_NOT_PRUNED;
    else if (!s.pruned) {
      const verdict = await step.do(`check the ledger is complete for ${name}`, STEP, () => pruneVerdict(this.env, s));
      if (verdict.prune) {
        await step.do(`prune the archived rows of ${name}`, STEP, () => pruneSession(this.env, s, manifest));
        pruned = true;
      }
      reason = verdict.reason;
    }
    await step.do(`record the archive of ${name} in D1`, STEP, () => recordArchived(this.env, s, pruned, reason));
    return { ...verified, pruned, reason };
  }
}
