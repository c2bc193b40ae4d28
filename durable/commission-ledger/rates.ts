import { audit } from "../../lib/audit";
import type { RateTable, Tier } from "../../lib/money";
import type { Sql } from "../../lib/sql";
import type { ConsignorBody, RatesBody } from "../../schemas/api";
import type { Actor, ConsignorRecord } from "../../schemas/domain";
import type { LedgerContext } from "./context";
import { settleFee } from "./fees";
import { openBatch } from "./repricing";
import type { ConsignorRow, RatesRow } from "./schema";

// The event's rates (basis points) and its consignors' tiers. A change of either re-prices
// completed calculations: it opens an adjustment batch (see repricing.ts).

/** The rates as stored, null until set (the object caches the answer). */
export function readRates(sql: Sql): RateTable | null {
  const row = sql.one<RatesRow>("SELECT * FROM rates WHERE id = 1");
  return row ? { base: row.base, volunteerBonus: row.volunteer_bonus, superBonus: row.super_bonus } : null;
}

/** A consignor as stored, null when not registered (the object caches the answer). */
export function readConsignor(sql: Sql, id: string): ConsignorRecord | null {
  const row = sql.one<ConsignorRow>("SELECT * FROM consignors WHERE id = ?", id);
  return row ? { id: row.id, name: row.name, tier: row.tier, fee: row.fee, updatedAt: row.updated_at } : null;
}

/** Sets the rates, audited; rates that changed open an adjustment batch. Inside a transaction. */
export function writeRates(ledger: LedgerContext, rates: RatesBody, before: RateTable | null, actor: Actor, now: number) {
  const changed = !before || before.base !== rates.base || before.volunteerBonus !== rates.volunteerBonus || before.superBonus !== rates.superBonus;
  ledger.sql.run(
    `INSERT INTO rates (id, base, volunteer_bonus, super_bonus, updated_at) VALUES (1, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET base = excluded.base, volunteer_bonus = excluded.volunteer_bonus,
       super_bonus = excluded.super_bonus, updated_at = excluded.updated_at`,
    rates.base,
    rates.volunteerBonus,
    rates.superBonus,
    now,
  );
  ledger.forgetRates();
  audit(ledger.sql, actor, now, { entity: "rates", entityId: "event", action: "set", before, after: rates });
  if (before && changed) openBatch(ledger, `rates changed by ${actor.keyId}`, null, now);
}

/** Creates or updates a consignor, audited; a change of tier opens an adjustment batch. Inside a transaction. */
export function writeConsignor(ledger: LedgerContext, consignorId: string, body: ConsignorBody, before: ConsignorRecord | null, actor: Actor, now: number) {
  ledger.sql.run(
    `INSERT INTO consignors (id, name, tier, fee, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, tier = excluded.tier, fee = excluded.fee, updated_at = excluded.updated_at`,
    consignorId,
    body.name,
    body.tier,
    // Absent keeps the override as it was; null clears it.
    body.fee === undefined ? (before?.fee ?? null) : body.fee,
    now,
  );
  settleFee(ledger.sql, consignorId, now);
  ledger.forgetConsignor(consignorId);
  audit(ledger.sql, actor, now, { entity: "consignor", entityId: consignorId, action: before ? "update" : "create", before, after: body });
  if (before && before.tier !== body.tier) openBatch(ledger, `tier of ${consignorId} changed by ${actor.keyId}`, consignorId, now);
}

/** Every consignor's tier, by id. */
export function consignorTiers(sql: Sql): Record<string, Tier> {
  const tiers: Record<string, Tier> = {};
  for (const c of sql.all<{ id: string; tier: Tier }>("SELECT id, tier FROM consignors")) tiers[c.id] = c.tier;
  return tiers;
}
