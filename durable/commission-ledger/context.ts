import type { RateTable } from "../../lib/money";
import type { Sql } from "../../lib/sql";
import type { ConsignorRecord } from "../../schemas/domain";

/**
 * What the ledger's modules need from the object: its SQL, the rates and consignors it keeps in
 * memory, and its alarm. The object hands them this rather than itself, so each module is plain
 * functions over plain values (a test can pass a fake).
 */
export interface LedgerContext {
  readonly sql: Sql;
  /** The rates, null until set (cached). */
  rates(): RateTable | null;
  /** A consignor, null when not registered (cached). */
  consignor(id: string): ConsignorRecord | null;
  /** Drops the cached rates: call right after writing them. */
  forgetRates(): void;
  /** Drops one cached consignor: call right after writing it. */
  forgetConsignor(id: string): void;
  /** Makes sure the alarm runs by `at`. */
  scheduleAlarm(at: number): void;
}
