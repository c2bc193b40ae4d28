import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { ARCHIVE_KINDS, ArchiveParams, type ArchiveKind, type ArchivePart } from "../schemas/archive";
import { archivePage, pruneSession, sessionsToArchive, verifyArchive, writeManifest } from "./archive-store";

const STEP: WorkflowStepConfig = { retries: { limit: 5, delay: "5 seconds", backoff: "exponential" }, timeout: "2 minutes" };

export interface ArchiveOutput {
  date: string;
  sessions: { eventId: string; sessionId: string; rows: number; bytes: number }[];
}

/**
 * The nightly archive: every ended session's transactions, their items, its audit trail, and its
 * calculations and ledger entries go to R2 (NDJSON pages under deterministic keys, plus a
 * manifest with counts and SHA-256 per page) and to D1 (INSERT OR IGNORE), are verified against
 * the manifest, and only then pruned from the session object. Each side effect is its own step and
 * can run again harmlessly, so a run that failed anywhere can simply be run again.
 */
export class ArchiveWorkflow extends WorkflowEntrypoint<Env, ArchiveParams> {
  override async run(event: WorkflowEvent<ArchiveParams>, step: WorkflowStep): Promise<ArchiveOutput> {
    const params = ArchiveParams.safeParse(event.payload);
    // Outside a step, and safe there: validation has no side effect and gives the same answer on replay.
    if (!params.success) throw new NonRetryableError(`invalid parameters: ${params.error.message}`);
    const sessions = await step.do("find the ended sessions not yet archived", STEP, () => sessionsToArchive(this.env));
    const output: ArchiveOutput = { date: params.data.date, sessions: [] };
    for (const s of sessions) {
      const name = `${s.eventId}/${s.sessionId}`;
      const parts = Object.fromEntries(ARCHIVE_KINDS.map((k) => [k, [] as ArchivePart[]])) as Record<ArchiveKind, ArchivePart[]>;
      for (const kind of ARCHIVE_KINDS) {
        let after = "";
        for (let page = 0; ; page++) {
          const result = await step.do(`archive ${kind} page ${page} of ${name}`, STEP, () => archivePage(this.env, s, kind, page, after));
          if (result.part) parts[kind].push(result.part);
          if (!result.next) break;
          after = result.next;
        }
      }
      const manifest = await step.do(`write the manifest of ${name}`, STEP, () => writeManifest(this.env, s, parts));
      const verified = await step.do(`verify the archive of ${name}`, STEP, () => verifyArchive(this.env, s, manifest));
      await step.do(`prune the archived rows of ${name}`, STEP, () => pruneSession(this.env, s, manifest));
      output.sessions.push({ ...s, ...verified });
    }
    return output;
  }
}
