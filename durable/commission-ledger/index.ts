import { DurableObject } from "cloudflare:workers";
import { attempt, notFound, unwrap, type Result } from "../../lib/errors";
import type { RateTable, Tier } from "../../lib/money";
import { Sql } from "../../lib/sql";
import type { ConsignorBody, RatesBody } from "../../schemas/api";
import type { Actor, ConsignorRecord } from "../../schemas/domain";
import type { ArchivePage, LedgerKind } from "../../schemas/archive";
import type { TransactionCompleted, TransactionMessage, TransactionVoided } from "../../schemas/messages";
import { archivePage, sessionStates, type LedgerSessionState } from "./archive-export";
import { duplicateOf, outcomeOf, recordBatch, recordSale } from "./calculations";
import type { LedgerContext } from "./context";
import { consignorTiers, readConsignor, readRates, writeConsignor, writeRates } from "./rates";
import { calculationPage, calculationView, knownOf, statementOf, summarize } from "./reads";
import { batchRunning, drainBatches } from "./repricing";
import { beginRound, planRetry, recordDeadLetter, retryable, writeRetry } from "./retry";
import { calculation, MIGRATIONS, type CalculationStatus } from "./schema";
import { writeSnapshot } from "./snapshot";
import type { CalculationOutcome, CalculationView, CommissionSummary, ConsignorStatement } from "./types";
import { voidOf } from "./voids";

export type { LedgerSessionState } from "./archive-export";
export type { CalculationStatus } from "./schema";
export type { CalculationOutcome, CalculationView, CommissionSummary, ConsignorStatement } from "./types";

/**
 * The commission side of one event (`eventId`): rates in basis points, consignor tiers, one
 * calculation per transaction, and the entries that say what each consignor is owed. A duplicate
 * message is a no-op; a void before its sale is held until the sale is calculated; a change of
 * rates or tiers re-prices completed calculations as adjustment entries, never by editing them.
 *
 * This class is the RPC surface: each method opens the SQL transaction and hands the work to the
 * module that owns it (rates, calculations, voids, retry, repricing, reads, archive-export, snapshot).
 */
export class CommissionLedger extends DurableObject<Env> {
  private readonly sql: Sql;
  /** What the modules get from this object (see context.ts). */
  private readonly ledger: LedgerContext;
  private repricing: Promise<void> | null = null;
  /** When the alarm is set for, mirrored so every change need not ask storage. */
  private alarmAt: number | null = null;
  /** Rates and consignors are read on every calculation and change rarely: kept in memory, dropped on change. */
  private ratesCache: RateTable | null | undefined;
  private readonly consignorCache = new Map<string, ConsignorRecord | null>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.ledger = {
      sql: this.sql,
      rates: () => this.rates(),
      consignor: (id) => this.consignor(id),
      forgetRates: () => {
        this.ratesCache = undefined;
      },
      forgetConsignor: (id) => {
        this.consignorCache.delete(id);
      },
      scheduleAlarm: (at) => this.scheduleAlarm(at),
    };
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.sql.migrate(MIGRATIONS));
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---------------------------------------------------------------- rates and consignors

  async setRates(rates: RatesBody, actor: Actor): Promise<Result<RateTable>> {
    return attempt(() => {
      const before = this.rates();
      const now = Date.now();
      this.ctx.storage.transactionSync(() => writeRates(this.ledger, rates, before, actor, now));
      this.continueRepricing();
      this.changed();
      return this.rates()!;
    });
  }

  async getRates(): Promise<Result<RateTable>> {
    return attempt(() => {
      const rates = this.rates();
      if (!rates) throw notFound("rates");
      return rates;
    });
  }

  async upsertConsignor(consignorId: string, body: ConsignorBody, actor: Actor): Promise<Result<{ consignor: ConsignorRecord; created: boolean }>> {
    return attempt(() => {
      const before = this.consignor(consignorId);
      const now = Date.now();
      this.ctx.storage.transactionSync(() => writeConsignor(this.ledger, consignorId, body, before, actor, now));
      this.continueRepricing();
      this.changed();
      return { consignor: this.consignor(consignorId)!, created: before === null };
    });
  }

  async getConsignor(consignorId: string): Promise<Result<ConsignorRecord>> {
    return attempt(() => {
      const consignor = this.consignor(consignorId);
      if (!consignor) throw notFound(`consignor ${consignorId}`);
      return consignor;
    });
  }

  /** The rates (null until set) and every consignor's tier: what a starting session snapshots. */
  async rateTable(): Promise<Result<{ rates: RateTable | null; tiers: Record<string, Tier> }>> {
    return attempt(() => {
      const tiers = consignorTiers(this.sql);
      return { rates: this.rates(), tiers };
    });
  }

  // ---------------------------------------------------------------- calculations

  /** A completed transaction arrives: calculate it once; a second delivery changes nothing. */
  async recordSale(message: TransactionCompleted): Promise<Result<CalculationOutcome>> {
    return attempt(() => {
      const outcome = this.ctx.storage.transactionSync(() => recordSale(this.ledger, message, Date.now()));
      if (!outcome.duplicate) this.changed();
      return outcome;
    });
  }

  /**
   * A batch from the queue, in one SQL transaction: each sale calculated once, each void applied
   * or held. Returns the outcome of every sale (a retry workflow starts for those in `error`).
   * Order within the batch does not matter: the sales are written first, all together, then the
   * voids (one whose sale is in the batch finds it calculated and reverses it at once).
   */
  async recordBatch(messages: TransactionMessage[]): Promise<Result<{ sales: CalculationOutcome[]; rejectedVoids: { transactionId: string; reason: string }[] }>> {
    return attempt(() => {
      const outcome = this.ctx.storage.transactionSync(() => recordBatch(this.ledger, messages, Date.now()));
      this.changed();
      return outcome;
    });
  }

  /**
   * A sale that the queue gave up on (dead-lettered): record it as `error` so it is visible and a
   * retry workflow takes it on. A calculation that exists already keeps its state.
   */
  async recordDeadLetter(message: TransactionCompleted): Promise<Result<CalculationOutcome>> {
    return attempt(() => {
      if (calculation(this.sql, message.transactionId)) return this.ctx.storage.transactionSync(() => duplicateOf(this.sql, message, Date.now()));
      const now = Date.now();
      this.ctx.storage.transactionSync(() => recordDeadLetter(this.sql, message, now));
      this.changed();
      return outcomeOf(calculation(this.sql, message.transactionId)!, false);
    });
  }

  /**
   * One retry of round `round`: error → pending → completed | error, from the sale as it was
   * stored (in one SQL transaction, so only the state it ends in is written). A calculation
   * already completed, or moved on to a later round, is left alone.
   */
  async retryCalculation(txId: string, round: number): Promise<Result<CalculationOutcome & { superseded: boolean }>> {
    return attempt(() => {
      const plan = planRetry(this.ledger, txId, round);
      if (plan.superseded) return plan.outcome;
      const now = Date.now();
      this.ctx.storage.transactionSync(() => writeRetry(this.sql, plan, now));
      this.changed();
      return { ...outcomeOf(calculation(this.sql, txId)!, false), superseded: false };
    });
  }

  /** An admin asks for another round of retries: only a calculation in `error` can have one. */
  async beginRetryRound(txId: string, actor: Actor): Promise<Result<CalculationOutcome>> {
    return attempt(() => {
      const calc = retryable(this.sql, txId);
      const now = Date.now();
      this.ctx.storage.transactionSync(() => beginRound(this.sql, calc, actor, now));
      return outcomeOf(calculation(this.sql, txId)!, false);
    });
  }

  /**
   * A void arrives: reverse the sale exactly if it is calculated, or hold the void until it is.
   * A second delivery changes nothing.
   */
  async recordVoid(message: TransactionVoided): Promise<Result<{ applied: boolean; held: boolean; rejected?: string }>> {
    return attempt(() => {
      const outcome = this.ctx.storage.transactionSync(() => voidOf(this.sql, message, Date.now()));
      if (outcome.applied) this.changed();
      return outcome;
    });
  }

  // ---------------------------------------------------------------- adjustments and the alarm

  /** Works through open adjustment batches a page at a time; one run at once. */
  private continueRepricing(): Promise<void> {
    this.repricing ??= drainBatches(this.ledger, (page) => this.ctx.storage.transactionSync(page)).finally(() => {
      this.repricing = null;
    });
    return this.repricing;
  }

  /** Finishes adjustment batches a crash interrupted, and writes the summary to D1 if it changed. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.continueRepricing();
    try {
      await this.writeSnapshot();
    } catch (error) {
      console.warn("ledger snapshot to D1 failed; trying again later", error);
      this.scheduleAlarm(Date.now() + Number(this.env.SNAPSHOT_INTERVAL_MS));
    }
    if (batchRunning(this.sql)) this.scheduleAlarm(Date.now() + 1000);
  }

  private scheduleAlarm(at: number) {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** Something changed: the summary reaches D1 within one snapshot interval. */
  private changed() {
    this.scheduleAlarm(Date.now() + Number(this.env.SNAPSHOT_INTERVAL_MS));
  }

  private async writeSnapshot() {
    // The object is named after its event (getByName(eventId)).
    const eventId = this.ctx.id.name;
    if (!eventId) return;
    const summary = unwrap(await this.summary());
    await writeSnapshot(this.env.DB, this.sql, eventId, summary, Date.now());
  }

  // ---------------------------------------------------------------- archive

  /** A page of one session's calculations or ledger entries for the archive, in key order. */
  async archivePage(kind: LedgerKind, sessionId: string, after: string, limit: number): Promise<Result<ArchivePage>> {
    return attempt(() => archivePage(this.sql, kind, sessionId, after, limit));
  }

  /** Per session: how complete its calculations are, and a version that moves with any change (for the archive). */
  async sessionStates(): Promise<Result<Record<string, LedgerSessionState>>> {
    return attempt(() => sessionStates(this.sql));
  }

  // ---------------------------------------------------------------- reads

  async getCalculation(txId: string): Promise<Result<CalculationView>> {
    return attempt(() => calculationView(this.sql, txId));
  }

  async listCalculations(status: CalculationStatus | null, afterId: string, limit: number): Promise<Result<{ calculations: CalculationView[]; next: string | null }>> {
    return attempt(() => calculationPage(this.sql, status, afterId, limit));
  }

  /** Which of `txIds` the ledger has a calculation for, and which voids it has applied or holds. */
  async knownTransactions(txIds: string[]): Promise<Result<Record<string, { calculated: boolean; voidKnown: boolean }>>> {
    return attempt(() => knownOf(this.sql, txIds));
  }

  /** Per-consignor totals, calculation counts by status, and the house's share. */
  async summary(): Promise<Result<CommissionSummary>> {
    return attempt(() => summarize(this.sql));
  }

  /** Everything a consignor is owed and why: each item sold, each reversal, each adjustment. */
  async statement(consignorId: string): Promise<Result<ConsignorStatement>> {
    return attempt(() => statementOf(this.ledger, consignorId));
  }

  // ---------------------------------------------------------------- caches

  private rates(): RateTable | null {
    if (this.ratesCache === undefined) this.ratesCache = readRates(this.sql);
    return this.ratesCache;
  }

  private consignor(id: string): ConsignorRecord | null {
    let cached = this.consignorCache.get(id);
    if (cached === undefined) {
      cached = readConsignor(this.sql, id);
      this.consignorCache.set(id, cached);
    }
    return cached;
  }
}
