import { commissionOf, rateFor } from "../../lib/money";
import type { TransactionCompleted } from "../../schemas/messages";
import type { LedgerContext } from "./context";

/** One item of a sale, priced: `price` is what it sold for, `tagPrice` what its tag said. */
export type PricedLine = { itemId: string; consignorId: string; price: number; rate: number; baseCommission: number; commission: number; tagPrice: number };
/** A sale priced, or why it cannot be (only a change of data can cure it). */
export type Priced =
  | { ok: true; lines: PricedLine[]; perConsignor: Map<string, number>; base: number; total: number }
  | { ok: false; code: "RATES_NOT_SET" | "UNKNOWN_CONSIGNOR"; message: string };

/**
 * Prices a sale from the rates and tiers as they are now; reads only. Per item: commission =
 * round(price × rate), base = round(price × base rate); the parts of the whole add up exactly by
 * construction. A sale that cannot be priced says why (only a change of data can cure it).
 */
export function price(ledger: Pick<LedgerContext, "rates" | "consignor">, message: TransactionCompleted): Priced {
  const rates = ledger.rates();
  if (!rates) return { ok: false, code: "RATES_NOT_SET", message: "the event's commission rates are not set" };
  const lines: PricedLine[] = [];
  const perConsignor = new Map<string, number>();
  let base = 0;
  let total = 0;
  for (const item of message.items) {
    const tier = ledger.consignor(item.consignorId)?.tier;
    if (!tier) return { ok: false, code: "UNKNOWN_CONSIGNOR", message: `consignor ${item.consignorId} is not registered for this event` };
    const rate = rateFor(rates, tier);
    const commission = commissionOf(item.price, rate);
    const baseCommission = commissionOf(item.price, rates.base);
    base += baseCommission;
    total += commission;
    perConsignor.set(item.consignorId, (perConsignor.get(item.consignorId) ?? 0) + commission);
    lines.push({ itemId: item.itemId, consignorId: item.consignorId, price: item.price, rate, baseCommission, commission, tagPrice: item.tagPrice ?? item.price });
  }
  return { ok: true, lines, perConsignor, base, total };
}
