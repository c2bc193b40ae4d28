import type { Tier } from "../../lib/money";
import type { ConsignorRecord } from "../../schemas/domain";
import type { CalculationStatus } from "./schema";

// What the ledger's RPC methods return; callers import them from "durable/commission-ledger".

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
  /** Per item: `price` is what it sold for, `tagPrice` what its tag said (more in a discount session). */
  items: { itemId: string; consignorId: string; price: number; tagPrice: number; rate: number; baseCommission: number; commission: number }[];
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
  /** Set when the message was refused: its transaction id is calculated under another session or cart. */
  rejected?: string;
  errorCode: string | null;
  error: string | null;
}

export interface CommissionSummary {
  metadata: { totalCalculations: number; errorCount: number; lastCalculation: number | null };
  calculations: Record<CalculationStatus, number>;
  totalSales: number;
  consignorTotal: number;
  houseShare: number;
  /** The event's consignor fee, in cents. */
  consignorFee: number;
  /** Per consignor: `fees` ≤ 0; `payout` = the balance, never below 0; `owedByConsignor` what fees left unpaid. */
  consignors: {
    consignorId: string;
    name: string | null;
    tier: Tier | null;
    sales: number;
    reversals: number;
    adjustments: number;
    fees: number;
    balance: number;
    payout: number;
    owedByConsignor: number;
  }[];
  adjustmentsRunning: number;
}

export type EntryKind = "sale" | "reversal" | "adjustment" | "fee";

export interface ConsignorStatement {
  consignor: ConsignorRecord;
  /** Each item sold: `price` what it sold for, `tagPrice` what its tag said; `online` when sold through Shopify. */
  items: { transactionId: string; sessionId: string; soldAt: number; itemId: string; tagPrice: number; price: number; rate: number; commission: number; voided: boolean; online: boolean }[];
  entries: { transactionId: string; kind: EntryKind; amount: number; batchId: string | null; at: number }[];
  /** `fees` ≤ 0; `payout` = `balance` but never below 0; `owedByConsignor` = what fees left unpaid. */
  totals: { sales: number; reversals: number; adjustments: number; fees: number; balance: number; payout: number; owedByConsignor: number };
  uncalculated: { transactionId: string; itemId: string; price: number; status: CalculationStatus; errorCode: string | null }[];
}
