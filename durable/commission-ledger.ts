import { DurableObject } from "cloudflare:workers";
import { audit, AUDIT_TABLE } from "../lib/audit";
import { attempt, invalidTransition, notFound, unwrap, type Result } from "../lib/errors";
import { commissionOf, rateFor, type RateTable, type Tier } from "../lib/money";
import { Sql } from "../lib/sql";
import type { ConsignorBody, RatesBody } from "../schemas/api";
import { systemActor, type Actor, type ConsignorRecord } from "../schemas/domain";
import { ARCHIVE_PAGE, type ArchivePage, type ArchiveRow, type LedgerKind } from "../schemas/archive";
import { TransactionCompleted, type TransactionMessage, type TransactionVoided } from "../schemas/messages";

/** Completed calculations re-priced per SQL transaction by an adjustment batch. */
const REPRICE_PAGE = 200;

const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE rates (
      id INTEGER PRIMARY KEY CHECK (id = 1), base INTEGER NOT NULL, volunteer_bonus INTEGER NOT NULL,
      super_bonus INTEGER NOT NULL, updated_at INTEGER NOT NULL
    )`,
    `CREATE TABLE consignors (id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID`,
    AUDIT_TABLE,
  ],
  [
    // One calculation per transaction id: pending → completed | error, error → pending (retry).
    `CREATE TABLE calculations (
      tx_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, register_id TEXT NOT NULL, occurred_at INTEGER NOT NULL,
      status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, round INTEGER NOT NULL DEFAULT 0,
      error_code TEXT, error TEXT, sale_total INTEGER NOT NULL,
      base_amount INTEGER, bonus_amount INTEGER, total_amount INTEGER,
      voided_at INTEGER, void_reason TEXT, message TEXT NOT NULL,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, completed_at INTEGER
    ) WITHOUT ROWID`,
    `CREATE INDEX calculations_by_status ON calculations (status, tx_id)`,
    `CREATE TABLE calculation_items (
      tx_id TEXT NOT NULL, position INTEGER NOT NULL, item_id TEXT NOT NULL, consignor_id TEXT NOT NULL,
      price INTEGER NOT NULL, rate INTEGER NOT NULL, base_commission INTEGER NOT NULL, commission INTEGER NOT NULL,
      PRIMARY KEY (tx_id, position)
    ) WITHOUT ROWID`,
    `CREATE INDEX calculation_items_by_consignor ON calculation_items (consignor_id, tx_id)`,
    // A void that arrived before its sale was calculated waits here and is applied the moment it is.
    `CREATE TABLE held_voids (tx_id TEXT PRIMARY KEY, reason TEXT NOT NULL, occurred_at INTEGER NOT NULL, received_at INTEGER NOT NULL) WITHOUT ROWID`,
    // What each consignor is owed, in cents: sales, their exact reversals, and adjustments.
    `CREATE TABLE entries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, consignor_id TEXT NOT NULL, tx_id TEXT NOT NULL, kind TEXT NOT NULL,
      amount INTEGER NOT NULL, batch_id TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL
    )`,
    `CREATE UNIQUE INDEX entries_once ON entries (tx_id, consignor_id, kind, batch_id)`,
    `CREATE INDEX entries_by_consignor ON entries (consignor_id, seq)`,
    `CREATE TABLE ledger_meta (
      id INTEGER PRIMARY KEY CHECK (id = 1), total_calculations INTEGER NOT NULL DEFAULT 0,
      error_count INTEGER NOT NULL DEFAULT 0, last_calculation INTEGER, standing_sales INTEGER NOT NULL DEFAULT 0
    )`,
    `INSERT INTO ledger_meta (id) VALUES (1)`,
    `CREATE TABLE adjustment_batches (
      id TEXT PRIMARY KEY, reason TEXT NOT NULL, consignor_id TEXT, cursor TEXT NOT NULL DEFAULT '',
      status TEXT NOT NULL, entries INTEGER NOT NULL DEFAULT 0, amount INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL, finished_at INTEGER
    ) WITHOUT ROWID`,
  ],
  // The summary last written to D1's ledger_snapshots, to write again only when it changed.
  [`ALTER TABLE ledger_meta ADD COLUMN snapshot TEXT`],
];

type RatesRow = { base: number; volunteer_bonus: number; super_bonus: number; updated_at: number };
type ConsignorRow = { id: string; name: string; tier: Tier; updated_at: number };
export type CalculationStatus = "pending" | "completed" | "error";
type CalculationRow = {
  tx_id: string;
  session_id: string;
  register_id: string;
  occurred_at: number;
  status: CalculationStatus;
  attempts: number;
  round: number;
  error_code: string | null;
  error: string | null;
  sale_total: number;
  base_amount: number | null;
  bonus_amount: number | null;
  total_amount: number | null;
  voided_at: number | null;
  void_reason: string | null;
  message: string;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
};
type CalculationItemRow = {
  item_id: string;
  consignor_id: string;
  price: number;
  rate: number;
  base_commission: number;
  commission: number;
};

export interface CalculationView {
  transactionId: string;
  sessionId: string;
  status: CalculationStatus;
  attempts: number;
  round: number;
  error: { code: string; message: string } | null;
  saleTotal: number;
  baseAmount: number | null;
  bonusAmount: number | null;
  totalAmount: number | null;
  items: { itemId: string; consignorId: string; price: number; rate: number; baseCommission: number; commission: number }[];
  voided: boolean;
  voidReason: string | null;
  occurredAt: number;
  completedAt: number | null;
}

/** What became of a sale handed to the ledger: a retry workflow starts for `error`. */
export interface CalculationOutcome {
  transactionId: string;
  status: CalculationStatus;
  round: number;
  duplicate: boolean;
  errorCode: string | null;
  error: string | null;
}

type PricedLine = { itemId: string; consignorId: string; price: number; rate: number; baseCommission: number; commission: number };
/** A sale priced, or why it cannot be (only a change of data can cure it). */
type Priced =
  | { ok: true; lines: PricedLine[]; perConsignor: Map<string, number>; base: number; total: number }
  | { ok: false; code: "RATES_NOT_SET" | "UNKNOWN_CONSIGNOR"; message: string };

/** What one SQL transaction adds to ledger_meta, written once at its end. */
interface Tally {
  calculations: number;
  errors: number;
  standingSales: number;
  lastCalculation: number | null;
  /** Whether any void may be waiting for its sale (held_voids is looked at only then). */
  voidsHeld: boolean;
}

/** A sale priced and newly calculated, to be written to the ledger. */
type Booking = { message: TransactionCompleted; priced: Extract<Priced, { ok: true }> };

const newTally = (voidsHeld: boolean): Tally => ({ calculations: 0, errors: 0, standingSales: 0, lastCalculation: null, voidsHeld });

/**
 * The commission side of one event (`eventId`): rates in basis points, consignor tiers, one
 * calculation per transaction, and the entries that say what each consignor is owed. A duplicate
 * message is a no-op; a void before its sale is held until the sale is calculated; a change of
 * rates or tiers re-prices completed calculations as adjustment entries, never by editing them.
 */
export class CommissionLedger extends DurableObject<Env> {
  private readonly sql: Sql;
  private repricing: Promise<void> | null = null;
  /** When the alarm is set for, mirrored so every change need not ask storage. */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
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
      const changed = !before || before.base !== rates.base || before.volunteerBonus !== rates.volunteerBonus || before.superBonus !== rates.superBonus;
      this.ctx.storage.transactionSync(() => {
        this.sql.run(
          `INSERT INTO rates (id, base, volunteer_bonus, super_bonus, updated_at) VALUES (1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET base = excluded.base, volunteer_bonus = excluded.volunteer_bonus,
             super_bonus = excluded.super_bonus, updated_at = excluded.updated_at`,
          rates.base,
          rates.volunteerBonus,
          rates.superBonus,
          now,
        );
        this.ratesCache = undefined;
        audit(this.sql, actor, now, { entity: "rates", entityId: "event", action: "set", before, after: rates });
        if (before && changed) this.openBatch(`rates changed by ${actor.keyId}`, null, now);
      });
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
      this.ctx.storage.transactionSync(() => {
        this.sql.run(
          `INSERT INTO consignors (id, name, tier, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, tier = excluded.tier, updated_at = excluded.updated_at`,
          consignorId,
          body.name,
          body.tier,
          now,
        );
        this.consignorCache.delete(consignorId);
        audit(this.sql, actor, now, { entity: "consignor", entityId: consignorId, action: before ? "update" : "create", before, after: body });
        if (before && before.tier !== body.tier) this.openBatch(`tier of ${consignorId} changed by ${actor.keyId}`, consignorId, now);
      });
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
      const tiers: Record<string, Tier> = {};
      for (const c of this.sql.all<{ id: string; tier: Tier }>("SELECT id, tier FROM consignors")) tiers[c.id] = c.tier;
      return { rates: this.rates(), tiers };
    });
  }

  // ---------------------------------------------------------------- calculations

  /** A completed transaction arrives: calculate it once; a second delivery changes nothing. */
  async recordSale(message: TransactionCompleted): Promise<Result<CalculationOutcome>> {
    return attempt(() => {
      const [outcome] = this.ctx.storage.transactionSync(() => {
        const tally = newTally(true);
        const outcomes = this.salesOf([message], Date.now(), tally);
        this.applyTally(tally);
        return outcomes;
      });
      if (!outcome!.duplicate) this.changed();
      return outcome!;
    });
  }

  /**
   * A batch from the queue, in one SQL transaction: each sale calculated once, each void applied
   * or held. Returns the outcome of every sale (a retry workflow starts for those in `error`).
   * Order within the batch does not matter: the sales are written first, all together, then the
   * voids (one whose sale is in the batch finds it calculated and reverses it at once).
   */
  async recordBatch(messages: TransactionMessage[]): Promise<Result<{ sales: CalculationOutcome[] }>> {
    return attempt(() => {
      const sales = this.ctx.storage.transactionSync(() => {
        const now = Date.now();
        // Held voids are rare: look for them among the new sales only when any is waiting.
        const tally = newTally(this.sql.one("SELECT 1 AS x FROM held_voids LIMIT 1") !== null);
        const outcomes = this.salesOf(
          messages.filter((m): m is TransactionCompleted => m.type === "transaction.completed"),
          now,
          tally,
        );
        for (const message of messages) {
          if (message.type === "transaction.voided") this.voidOf(message, now);
        }
        this.applyTally(tally);
        return outcomes;
      });
      this.changed();
      return { sales };
    });
  }

  /**
   * pending → completed | error, for many sales in a few statements. Each is priced before it is
   * written, inside the one SQL transaction that records it, so the `pending` state is never
   * stored: a calculation is written once, in the state it ends in. A sale calculated before (or
   * earlier in the same list) is a duplicate and changes nothing. Outcomes are in `messages` order.
   */
  private salesOf(messages: readonly TransactionCompleted[], now: number, tally: Tally): CalculationOutcome[] {
    const priced = messages.map((message) => this.price(message));
    const firstAt = new Map<string, number>();
    messages.forEach((message, i) => {
      if (!firstAt.has(message.transactionId)) firstAt.set(message.transactionId, i);
    });
    const candidates = [...firstAt.values()];
    const written = new Set(
      this.sql
        .insertManyReturning<{ tx_id: string }>(
          `INSERT OR IGNORE INTO calculations (tx_id, session_id, register_id, occurred_at, status, attempts, error_code, error,
             sale_total, base_amount, bonus_amount, total_amount, message, created_at, updated_at, completed_at)`,
          candidates.map((i) => {
            const message = messages[i]!;
            const p = priced[i]!;
            return [
              message.transactionId,
              message.sessionId,
              message.registerId,
              message.occurredAt,
              p.ok ? "completed" : "error",
              1,
              p.ok ? null : p.code,
              p.ok ? null : p.message,
              message.total,
              p.ok ? p.base : null,
              p.ok ? p.total - p.base : null,
              p.ok ? p.total : null,
              JSON.stringify(message),
              now,
              now,
              p.ok ? now : null,
            ];
          }),
          "tx_id",
        )
        .map((row) => row.tx_id),
    );
    const isNew = (i: number) => firstAt.get(messages[i]!.transactionId) === i && written.has(messages[i]!.transactionId);
    const booked: Booking[] = [];
    const outcomes = messages.map((message, i): CalculationOutcome | null => {
      if (!isNew(i)) return null;
      const p = priced[i]!;
      tally.calculations += 1;
      if (!p.ok) {
        tally.errors += 1;
        return { transactionId: message.transactionId, status: "error", round: 0, duplicate: false, errorCode: p.code, error: p.message };
      }
      booked.push({ message, priced: p });
      return { transactionId: message.transactionId, status: "completed", round: 0, duplicate: false, errorCode: null, error: null };
    });
    this.book(booked, now, tally);
    return outcomes.map((outcome, i) => outcome ?? outcomeOf(this.calculation(messages[i]!.transactionId)!, true));
  }

  /**
   * A sale that the queue gave up on (dead-lettered): record it as `error` so it is visible and a
   * retry workflow takes it on. A calculation that exists already keeps its state.
   */
  async recordDeadLetter(message: TransactionCompleted): Promise<Result<CalculationOutcome>> {
    return attempt(() => {
      const existing = this.calculation(message.transactionId);
      if (existing) return outcomeOf(existing, true);
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.sql.run(
          `INSERT INTO calculations (tx_id, session_id, register_id, occurred_at, status, error_code, error, sale_total, message, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'error', 'DEAD_LETTERED', ?, ?, ?, ?, ?)`,
          message.transactionId,
          message.sessionId,
          message.registerId,
          message.occurredAt,
          "the queue gave up delivering this sale; a retry workflow takes it on",
          message.total,
          JSON.stringify(message),
          now,
          now,
        );
        this.applyTally({ ...newTally(false), calculations: 1, errors: 1 });
      });
      this.changed();
      return outcomeOf(this.calculation(message.transactionId)!, false);
    });
  }

  /**
   * One retry of round `round`: error → pending → completed | error, from the sale as it was
   * stored (in one SQL transaction, so only the state it ends in is written). A calculation
   * already completed, or moved on to a later round, is left alone.
   */
  async retryCalculation(txId: string, round: number): Promise<Result<CalculationOutcome & { superseded: boolean }>> {
    return attempt(() => {
      const calc = this.calculation(txId);
      if (!calc) throw notFound(`calculation ${txId}`);
      if (calc.status === "completed" || calc.round !== round) return { ...outcomeOf(calc, true), superseded: true };
      const now = Date.now();
      const message = TransactionCompleted.parse(JSON.parse(calc.message));
      const priced = this.price(message);
      this.ctx.storage.transactionSync(() => {
        const tally = newTally(true);
        const wasError = calc.status === "error" ? 1 : 0;
        if (priced.ok) {
          this.sql.run(
            `UPDATE calculations SET status = 'completed', attempts = attempts + 1, error_code = NULL, error = NULL,
               base_amount = ?, bonus_amount = ?, total_amount = ?, updated_at = ?, completed_at = ? WHERE tx_id = ?`,
            priced.base,
            priced.total - priced.base,
            priced.total,
            now,
            now,
            txId,
          );
          tally.errors -= wasError;
          this.book([{ message, priced }], now, tally);
        } else {
          this.sql.run(
            "UPDATE calculations SET status = 'error', attempts = attempts + 1, error_code = ?, error = ?, updated_at = ? WHERE tx_id = ?",
            priced.code,
            priced.message,
            now,
            txId,
          );
          tally.errors += 1 - wasError;
        }
        this.applyTally(tally);
      });
      this.changed();
      return { ...outcomeOf(this.calculation(txId)!, false), superseded: false };
    });
  }

  /** An admin asks for another round of retries: only a calculation in `error` can have one. */
  async beginRetryRound(txId: string, actor: Actor): Promise<Result<CalculationOutcome>> {
    return attempt(() => {
      const calc = this.calculation(txId);
      if (!calc) throw notFound(`calculation ${txId}`);
      if (calc.status !== "error") throw invalidTransition("calculation", calc.status, "pending");
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.sql.run("UPDATE calculations SET round = round + 1, updated_at = ? WHERE tx_id = ?", now, txId);
        audit(this.sql, actor, now, { entity: "calculation", entityId: txId, action: "retry", before: { round: calc.round }, after: { round: calc.round + 1 } });
      });
      return outcomeOf(this.calculation(txId)!, false);
    });
  }

  /**
   * Prices a sale from the rates and tiers as they are now; reads only. Per item: commission =
   * round(price × rate), base = round(price × base rate); the parts of the whole add up exactly by
   * construction. A sale that cannot be priced says why (only a change of data can cure it).
   */
  private price(message: TransactionCompleted): Priced {
    const rates = this.rates();
    if (!rates) return { ok: false, code: "RATES_NOT_SET", message: "the event's commission rates are not set" };
    const lines: PricedLine[] = [];
    const perConsignor = new Map<string, number>();
    let base = 0;
    let total = 0;
    for (const item of message.items) {
      const tier = this.consignor(item.consignorId)?.tier;
      if (!tier) return { ok: false, code: "UNKNOWN_CONSIGNOR", message: `consignor ${item.consignorId} is not registered for this event` };
      const rate = rateFor(rates, tier);
      const commission = commissionOf(item.price, rate);
      const baseCommission = commissionOf(item.price, rates.base);
      base += baseCommission;
      total += commission;
      perConsignor.set(item.consignorId, (perConsignor.get(item.consignorId) ?? 0) + commission);
      lines.push({ itemId: item.itemId, consignorId: item.consignorId, price: item.price, rate, baseCommission, commission });
    }
    return { ok: true, lines, perConsignor, base, total };
  }

  /**
   * Writes the lines of priced sales and what each consignor is owed, and applies voids that were
   * waiting for them. In a transaction, right after their calculations became `completed`.
   */
  private book(bookings: readonly Booking[], now: number, tally: Tally) {
    if (bookings.length === 0) return;
    this.sql.insertMany(
      "INSERT INTO calculation_items (tx_id, position, item_id, consignor_id, price, rate, base_commission, commission)",
      bookings.flatMap(({ message, priced }) =>
        priced.lines.map((line, position) => [message.transactionId, position, line.itemId, line.consignorId, line.price, line.rate, line.baseCommission, line.commission]),
      ),
    );
    this.sql.insertMany(
      "INSERT INTO entries (consignor_id, tx_id, kind, amount, created_at)",
      bookings.flatMap(({ message, priced }) => [...priced.perConsignor].map(([consignorId, amount]) => [consignorId, message.transactionId, "sale", amount, now])),
    );
    for (const { message } of bookings) tally.standingSales += message.total;
    tally.lastCalculation = now;
    if (tally.voidsHeld) {
      const held = this.sql.all<{ tx_id: string; reason: string }>(
        "DELETE FROM held_voids WHERE tx_id IN (SELECT value FROM json_each(?)) RETURNING tx_id, reason",
        JSON.stringify(bookings.map(({ message }) => message.transactionId)),
      );
      for (const { tx_id, reason } of held) this.reverse(tx_id, reason, now);
    }
  }

  /** Adds what a transaction changed to the ledger's counters, in one statement. */
  private applyTally(tally: Tally) {
    if (tally.calculations === 0 && tally.errors === 0 && tally.standingSales === 0 && tally.lastCalculation === null) return;
    this.sql.run(
      `UPDATE ledger_meta SET total_calculations = total_calculations + ?, error_count = error_count + ?,
         standing_sales = standing_sales + ?, last_calculation = COALESCE(?, last_calculation) WHERE id = 1`,
      tally.calculations,
      tally.errors,
      tally.standingSales,
      tally.lastCalculation,
    );
  }

  /**
   * A void arrives: reverse the sale exactly if it is calculated, or hold the void until it is.
   * A second delivery changes nothing.
   */
  async recordVoid(message: TransactionVoided): Promise<Result<{ applied: boolean; held: boolean }>> {
    return attempt(() => {
      const outcome = this.ctx.storage.transactionSync(() => this.voidOf(message, Date.now()));
      if (outcome.applied) this.changed();
      return outcome;
    });
  }

  /** Inside a transaction. */
  private voidOf(message: TransactionVoided, now: number): { applied: boolean; held: boolean } {
    const calc = this.calculation(message.transactionId);
    if (calc?.status === "completed") {
      if (calc.voided_at !== null) return { applied: false, held: false };
      this.reverse(message.transactionId, message.reason, now);
      return { applied: true, held: false };
    }
    const inserted = this.sql.run(
      "INSERT OR IGNORE INTO held_voids (tx_id, reason, occurred_at, received_at) VALUES (?, ?, ?, ?)",
      message.transactionId,
      message.reason,
      message.occurredAt,
      now,
    );
    return { applied: false, held: inserted > 0 };
  }

  /** The exact negation of what the transaction's entries add up to, per consignor. In a transaction. */
  private reverse(txId: string, reason: string, now: number) {
    const nets = this.sql.all<{ consignor_id: string; net: number }>(
      "SELECT consignor_id, SUM(amount) AS net FROM entries WHERE tx_id = ? GROUP BY consignor_id",
      txId,
    );
    for (const { consignor_id, net } of nets) {
      this.sql.run("INSERT INTO entries (consignor_id, tx_id, kind, amount, created_at) VALUES (?, ?, 'reversal', ?, ?)", consignor_id, txId, -net, now);
    }
    const sale = this.sql.one<{ sale_total: number }>("SELECT sale_total FROM calculations WHERE tx_id = ?", txId)!;
    this.sql.run("UPDATE calculations SET voided_at = ?, void_reason = ?, updated_at = ? WHERE tx_id = ?", now, reason, now, txId);
    this.sql.run("UPDATE ledger_meta SET standing_sales = standing_sales - ? WHERE id = 1", sale.sale_total);
  }

  // ---------------------------------------------------------------- adjustments

  /** Opens an adjustment batch (inside a transaction); the alarm makes sure it finishes. */
  private openBatch(reason: string, consignorId: string | null, now: number) {
    const id = `adj-${now}-${crypto.randomUUID().slice(0, 8)}`;
    this.sql.run("INSERT INTO adjustment_batches (id, reason, consignor_id, status, created_at) VALUES (?, ?, ?, 'running', ?)", id, reason, consignorId, now);
    this.scheduleAlarm(now + 1000);
  }

  /** Works through open adjustment batches a page at a time; one run at once. */
  private continueRepricing(): Promise<void> {
    this.repricing ??= this.drainBatches().finally(() => {
      this.repricing = null;
    });
    return this.repricing;
  }

  private async drainBatches(): Promise<void> {
    try {
      for (;;) {
        const batch = this.sql.one<{ id: string; consignor_id: string | null; cursor: string }>(
          "SELECT id, consignor_id, cursor FROM adjustment_batches WHERE status = 'running' ORDER BY created_at, id LIMIT 1",
        );
        if (!batch) return;
        this.ctx.storage.transactionSync(() => this.repricePage(batch.id, batch.consignor_id, batch.cursor));
        // Let other requests in between pages.
        await scheduler.wait(0);
      }
    } catch (error) {
      // The batch stays `running`; the alarm set when it opened tries again.
      console.error("adjustment batch failed; the alarm will resume it", error);
    }
  }

  /**
   * One page of a batch: for each completed, standing calculation it brings every consignor's net
   * (sale + earlier adjustments) to what today's rates and tiers give, with one adjustment entry
   * for the difference. Re-running a page adds nothing, so a batch resumed after a crash is exact.
   */
  private repricePage(batchId: string, consignorId: string | null, cursor: string) {
    const rates = this.rates();
    const calcs = consignorId
      ? this.sql.all<{ tx_id: string }>(
          `SELECT DISTINCT c.tx_id FROM calculation_items i JOIN calculations c ON c.tx_id = i.tx_id
           WHERE i.consignor_id = ? AND i.tx_id > ? AND c.status = 'completed' AND c.voided_at IS NULL ORDER BY i.tx_id LIMIT ?`,
          consignorId,
          cursor,
          REPRICE_PAGE,
        )
      : this.sql.all<{ tx_id: string }>(
          "SELECT tx_id FROM calculations WHERE tx_id > ? AND status = 'completed' AND voided_at IS NULL ORDER BY tx_id LIMIT ?",
          cursor,
          REPRICE_PAGE,
        );
    const now = Date.now();
    let entries = 0;
    let amount = 0;
    if (rates) {
      for (const { tx_id } of calcs) {
        const due = new Map<string, number>();
        for (const item of this.sql.all<CalculationItemRow>("SELECT * FROM calculation_items WHERE tx_id = ?", tx_id)) {
          if (consignorId && item.consignor_id !== consignorId) continue;
          const tier = this.consignor(item.consignor_id)?.tier ?? "standard";
          due.set(item.consignor_id, (due.get(item.consignor_id) ?? 0) + commissionOf(item.price, rateFor(rates, tier)));
        }
        for (const [consignor, owed] of due) {
          const net = this.sql.one<{ net: number }>("SELECT COALESCE(SUM(amount), 0) AS net FROM entries WHERE tx_id = ? AND consignor_id = ?", tx_id, consignor)!.net;
          if (owed === net) continue;
          const inserted = this.sql.run(
            "INSERT OR IGNORE INTO entries (consignor_id, tx_id, kind, amount, batch_id, created_at) VALUES (?, ?, 'adjustment', ?, ?, ?)",
            consignor,
            tx_id,
            owed - net,
            batchId,
            now,
          );
          if (inserted > 0) {
            entries++;
            amount += owed - net;
          }
        }
      }
    }
    const done = calcs.length < REPRICE_PAGE;
    this.sql.run(
      `UPDATE adjustment_batches SET cursor = ?, entries = entries + ?, amount = amount + ?, status = ?, finished_at = ? WHERE id = ?`,
      calcs.at(-1)?.tx_id ?? cursor,
      entries,
      amount,
      done ? "done" : "running",
      done ? now : null,
      batchId,
    );
    if (done) {
      audit(this.sql, systemActor("system:adjustments"), now, { entity: "adjustment-batch", entityId: batchId, action: "done", before: null, after: { entries, amount } });
    }
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
    if (this.sql.one("SELECT 1 AS x FROM adjustment_batches WHERE status = 'running'")) this.scheduleAlarm(Date.now() + 1000);
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
    const state = JSON.stringify(summary);
    const stored = this.sql.one<{ snapshot: string | null }>("SELECT snapshot FROM ledger_meta WHERE id = 1")?.snapshot ?? null;
    if (state === stored) return;
    await this.env.DB.prepare(
      `INSERT INTO ledger_snapshots (event_id, total_calculations, error_count, last_calculation, pending, completed, errored,
         total_sales, consignor_total, house_share, consignors, taken_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id) DO UPDATE SET total_calculations = excluded.total_calculations, error_count = excluded.error_count,
         last_calculation = excluded.last_calculation, pending = excluded.pending, completed = excluded.completed,
         errored = excluded.errored, total_sales = excluded.total_sales, consignor_total = excluded.consignor_total,
         house_share = excluded.house_share, consignors = excluded.consignors, taken_at = excluded.taken_at`,
    )
      .bind(
        eventId,
        summary.metadata.totalCalculations,
        summary.metadata.errorCount,
        summary.metadata.lastCalculation,
        summary.calculations.pending,
        summary.calculations.completed,
        summary.calculations.error,
        summary.totalSales,
        summary.consignorTotal,
        summary.houseShare,
        JSON.stringify(summary.consignors),
        Date.now(),
      )
      .run();
    this.sql.run("UPDATE ledger_meta SET snapshot = ? WHERE id = 1", state);
  }

  // ---------------------------------------------------------------- archive

  /** A page of one session's calculations or ledger entries for the archive, in key order. */
  async archivePage(kind: LedgerKind, sessionId: string, after: string, limit: number): Promise<Result<ArchivePage>> {
    return attempt(() => {
      const size = Math.min(limit, ARCHIVE_PAGE);
      const rows =
        kind === "calculations"
          ? this.sql.all<ArchiveRow>(
              `SELECT tx_id, session_id, status, attempts, error_code, error, sale_total, base_amount, bonus_amount, total_amount,
                 voided_at, occurred_at, completed_at FROM calculations WHERE session_id = ? AND tx_id > ? ORDER BY tx_id LIMIT ?`,
              sessionId,
              after,
              size,
            )
          : this.sql.all<ArchiveRow>(
              `SELECT e.seq, e.consignor_id, e.tx_id, c.session_id, e.kind, e.amount, e.batch_id, e.created_at
               FROM entries e JOIN calculations c ON c.tx_id = e.tx_id WHERE c.session_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`,
              sessionId,
              Number(after || 0),
              size,
            );
      const last = rows.at(-1);
      return { rows, next: rows.length === size && last ? String(kind === "calculations" ? last.tx_id : last.seq) : null };
    });
  }

  // ---------------------------------------------------------------- reads

  async getCalculation(txId: string): Promise<Result<CalculationView>> {
    return attempt(() => {
      const calc = this.calculation(txId);
      if (!calc) throw notFound(`calculation ${txId}`);
      return this.view(calc);
    });
  }

  async listCalculations(status: CalculationStatus | null, afterId: string, limit: number): Promise<Result<{ calculations: CalculationView[]; next: string | null }>> {
    return attempt(() => {
      const rows = status
        ? this.sql.all<CalculationRow>("SELECT * FROM calculations WHERE status = ? AND tx_id > ? ORDER BY tx_id LIMIT ?", status, afterId, limit)
        : this.sql.all<CalculationRow>("SELECT * FROM calculations WHERE tx_id > ? ORDER BY tx_id LIMIT ?", afterId, limit);
      return { calculations: rows.map((r) => this.view(r)), next: rows.length === limit ? rows.at(-1)!.tx_id : null };
    });
  }

  /** Which of `txIds` the ledger has a calculation for, and which voids it has applied or holds. */
  async knownTransactions(txIds: string[]): Promise<Result<Record<string, { calculated: boolean; voidKnown: boolean }>>> {
    return attempt(() => {
      const known: Record<string, { calculated: boolean; voidKnown: boolean }> = {};
      for (const id of txIds) {
        const calc = this.sql.one<{ voided_at: number | null }>("SELECT voided_at FROM calculations WHERE tx_id = ?", id);
        const held = this.sql.one("SELECT 1 AS x FROM held_voids WHERE tx_id = ?", id);
        known[id] = { calculated: calc !== null, voidKnown: calc?.voided_at != null || held !== null };
      }
      return known;
    });
  }

  /** Per-consignor totals, calculation counts by status, and the house's share. */
  async summary(): Promise<Result<CommissionSummary>> {
    return attempt(() => {
      const meta = this.sql.one<{ total_calculations: number; error_count: number; last_calculation: number | null; standing_sales: number }>(
        "SELECT * FROM ledger_meta WHERE id = 1",
      )!;
      const counts: Record<CalculationStatus, number> = { pending: 0, completed: 0, error: 0 };
      for (const r of this.sql.all<{ status: CalculationStatus; n: number }>("SELECT status, COUNT(*) AS n FROM calculations GROUP BY status")) counts[r.status] = r.n;
      const byConsignor = new Map<string, CommissionSummary["consignors"][number]>();
      for (const c of this.sql.all<ConsignorRow>("SELECT * FROM consignors ORDER BY id")) {
        byConsignor.set(c.id, { consignorId: c.id, name: c.name, tier: c.tier, sales: 0, reversals: 0, adjustments: 0, balance: 0 });
      }
      for (const r of this.sql.all<{ consignor_id: string; kind: "sale" | "reversal" | "adjustment"; amount: number }>(
        "SELECT consignor_id, kind, SUM(amount) AS amount FROM entries GROUP BY consignor_id, kind",
      )) {
        const row = byConsignor.get(r.consignor_id) ?? { consignorId: r.consignor_id, name: null, tier: null, sales: 0, reversals: 0, adjustments: 0, balance: 0 };
        row[r.kind === "sale" ? "sales" : r.kind === "reversal" ? "reversals" : "adjustments"] += r.amount;
        row.balance += r.amount;
        byConsignor.set(r.consignor_id, row);
      }
      const consignors = [...byConsignor.values()];
      const owed = consignors.reduce((sum, c) => sum + c.balance, 0);
      return {
        metadata: { totalCalculations: meta.total_calculations, errorCount: meta.error_count, lastCalculation: meta.last_calculation },
        calculations: counts,
        totalSales: meta.standing_sales,
        consignorTotal: owed,
        houseShare: meta.standing_sales - owed,
        consignors,
        adjustmentsRunning: this.sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM adjustment_batches WHERE status = 'running'")!.n,
      };
    });
  }

  /** Everything a consignor is owed and why: each item sold, each reversal, each adjustment. */
  async statement(consignorId: string): Promise<Result<ConsignorStatement>> {
    return attempt(() => {
      const consignor = this.consignor(consignorId);
      if (!consignor) throw notFound(`consignor ${consignorId}`);
      const items = this.sql
        .all<CalculationItemRow & { tx_id: string; session_id: string; occurred_at: number; voided_at: number | null }>(
          `SELECT i.*, c.session_id, c.occurred_at, c.voided_at FROM calculation_items i JOIN calculations c ON c.tx_id = i.tx_id
           WHERE i.consignor_id = ? ORDER BY c.occurred_at, i.tx_id, i.position`,
          consignorId,
        )
        .map((r) => ({
          transactionId: r.tx_id,
          sessionId: r.session_id,
          soldAt: r.occurred_at,
          itemId: r.item_id,
          price: r.price,
          rate: r.rate,
          commission: r.commission,
          voided: r.voided_at !== null,
        }));
      const entries = this.sql
        .all<{ seq: number; tx_id: string; kind: "sale" | "reversal" | "adjustment"; amount: number; batch_id: string; created_at: number }>(
          "SELECT seq, tx_id, kind, amount, batch_id, created_at FROM entries WHERE consignor_id = ? ORDER BY seq",
          consignorId,
        )
        .map((e) => ({ transactionId: e.tx_id, kind: e.kind, amount: e.amount, batchId: e.batch_id || null, at: e.created_at }));
      const uncalculated = this.sql
        .all<{ tx_id: string; status: CalculationStatus; error_code: string | null; message: string }>(
          "SELECT tx_id, status, error_code, message FROM calculations WHERE status != 'completed'",
        )
        .flatMap((c) =>
          TransactionCompleted.parse(JSON.parse(c.message))
            .items.filter((i) => i.consignorId === consignorId)
            .map((i) => ({ transactionId: c.tx_id, itemId: i.itemId, price: i.price, status: c.status, errorCode: c.error_code })),
        );
      const sum = (kind: string) => entries.filter((e) => e.kind === kind).reduce((s, e) => s + e.amount, 0);
      return {
        consignor,
        items,
        entries,
        totals: { sales: sum("sale"), reversals: sum("reversal"), adjustments: sum("adjustment"), balance: entries.reduce((s, e) => s + e.amount, 0) },
        uncalculated,
      };
    });
  }

  // ---------------------------------------------------------------- helpers

  /** Rates and consignors are read on every calculation and change rarely: kept in memory, dropped on change. */
  private ratesCache: RateTable | null | undefined;
  private readonly consignorCache = new Map<string, ConsignorRecord | null>();

  private rates(): RateTable | null {
    if (this.ratesCache === undefined) {
      const row = this.sql.one<RatesRow>("SELECT * FROM rates WHERE id = 1");
      this.ratesCache = row ? { base: row.base, volunteerBonus: row.volunteer_bonus, superBonus: row.super_bonus } : null;
    }
    return this.ratesCache;
  }

  private consignor(id: string): ConsignorRecord | null {
    let cached = this.consignorCache.get(id);
    if (cached === undefined) {
      const row = this.sql.one<ConsignorRow>("SELECT * FROM consignors WHERE id = ?", id);
      cached = row ? { id: row.id, name: row.name, tier: row.tier, updatedAt: row.updated_at } : null;
      this.consignorCache.set(id, cached);
    }
    return cached;
  }

  private calculation(txId: string): CalculationRow | null {
    return this.sql.one<CalculationRow>("SELECT * FROM calculations WHERE tx_id = ?", txId);
  }

  private view(calc: CalculationRow): CalculationView {
    return {
      transactionId: calc.tx_id,
      sessionId: calc.session_id,
      status: calc.status,
      attempts: calc.attempts,
      round: calc.round,
      error: calc.error_code ? { code: calc.error_code, message: calc.error ?? "" } : null,
      saleTotal: calc.sale_total,
      baseAmount: calc.base_amount,
      bonusAmount: calc.bonus_amount,
      totalAmount: calc.total_amount,
      items: this.sql
        .all<CalculationItemRow>("SELECT * FROM calculation_items WHERE tx_id = ? ORDER BY position", calc.tx_id)
        .map((i) => ({ itemId: i.item_id, consignorId: i.consignor_id, price: i.price, rate: i.rate, baseCommission: i.base_commission, commission: i.commission })),
      voided: calc.voided_at !== null,
      voidReason: calc.void_reason,
      occurredAt: calc.occurred_at,
      completedAt: calc.completed_at,
    };
  }
}

export interface CommissionSummary {
  metadata: { totalCalculations: number; errorCount: number; lastCalculation: number | null };
  calculations: Record<CalculationStatus, number>;
  totalSales: number;
  consignorTotal: number;
  houseShare: number;
  consignors: { consignorId: string; name: string | null; tier: Tier | null; sales: number; reversals: number; adjustments: number; balance: number }[];
  adjustmentsRunning: number;
}

export interface ConsignorStatement {
  consignor: ConsignorRecord;
  items: { transactionId: string; sessionId: string; soldAt: number; itemId: string; price: number; rate: number; commission: number; voided: boolean }[];
  entries: { transactionId: string; kind: "sale" | "reversal" | "adjustment"; amount: number; batchId: string | null; at: number }[];
  totals: { sales: number; reversals: number; adjustments: number; balance: number };
  uncalculated: { transactionId: string; itemId: string; price: number; status: CalculationStatus; errorCode: string | null }[];
}

function outcomeOf(calc: CalculationRow, duplicate: boolean): CalculationOutcome {
  return { transactionId: calc.tx_id, status: calc.status, round: calc.round, duplicate, errorCode: calc.error_code, error: calc.error };
}

