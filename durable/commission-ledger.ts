import { DurableObject } from "cloudflare:workers";
import { attempt, notFound, type Result } from "../lib/errors";
import type { RateTable, Tier } from "../lib/money";
import { audit, AUDIT_TABLE } from "../lib/audit";
import { Sql } from "../lib/sql";
import type { ConsignorBody, RatesBody } from "../schemas/api";
import type { Actor, ConsignorRecord } from "../schemas/domain";

const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE rates (
      id INTEGER PRIMARY KEY CHECK (id = 1), base INTEGER NOT NULL, volunteer_bonus INTEGER NOT NULL,
      super_bonus INTEGER NOT NULL, updated_at INTEGER NOT NULL
    )`,
    `CREATE TABLE consignors (id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID`,
    AUDIT_TABLE,
  ],
];

type RatesRow = { base: number; volunteer_bonus: number; super_bonus: number; updated_at: number };
type ConsignorRow = { id: string; name: string; tier: Tier; updated_at: number };

/**
 * The commission side of one event (`eventId`): the event's rates in basis points and every
 * consignor's tier. Sessions read both when they start, to snapshot each item's rate.
 */
export class CommissionLedger extends DurableObject<Env> {
  private readonly sql: Sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.sql.migrate(MIGRATIONS));
    });
  }

  async setRates(rates: RatesBody, actor: Actor): Promise<Result<RateTable>> {
    return attempt(() => {
      const before = this.rates();
      const now = Date.now();
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
        audit(this.sql, actor, now, { entity: "rates", entityId: "event", action: "set", before: before, after: rates });
      });
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
        audit(this.sql, actor, now, { entity: "consignor", entityId: consignorId, action: before ? "update" : "create", before: before, after: body });
      });
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

  private rates(): RateTable | null {
    const row = this.sql.one<RatesRow>("SELECT * FROM rates WHERE id = 1");
    return row ? { base: row.base, volunteerBonus: row.volunteer_bonus, superBonus: row.super_bonus } : null;
  }

  private consignor(id: string): ConsignorRecord | null {
    const row = this.sql.one<ConsignorRow>("SELECT * FROM consignors WHERE id = ?", id);
    return row ? { id: row.id, name: row.name, tier: row.tier, updatedAt: row.updated_at } : null;
  }

}
