/** 10,000 basis points make a whole: 6000 bp = 60 %. */
export const BP_SCALE = 10_000;

/**
 * The one rounding function of the project: `numerator / denominator` rounded to the nearest whole
 * number, halves away from zero. Integer arithmetic only, exact for every safe integer.
 */
export function divRound(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new RangeError(`divRound needs safe integers and a positive denominator: ${numerator}/${denominator}`);
  }
  const sign = numerator < 0 ? -1 : 1;
  const magnitude = Math.abs(numerator);
  let quotient = Math.floor(magnitude / denominator);
  let remainder = magnitude - quotient * denominator;
  // The float division can be one off for very large magnitudes; the remainder settles it exactly.
  if (remainder < 0) {
    quotient -= 1;
    remainder += denominator;
  } else if (remainder >= denominator) {
    quotient += 1;
    remainder -= denominator;
  }
  if (remainder * 2 >= denominator) quotient += 1;
  return sign * quotient === 0 ? 0 : sign * quotient;
}

/** A consignor's share of one item: round(price × rate / 10000), in cents. */
export function commissionOf(priceCents: number, rateBp: number): number {
  return divRound(priceCents * rateBp, BP_SCALE);
}

export interface RateTable {
  base: number;
  volunteerBonus: number;
  superBonus: number;
}

export type Tier = "standard" | "volunteer" | "super";

/** The rate in basis points that applies to a consignor of `tier`. */
export function rateFor(rates: RateTable, tier: Tier): number {
  switch (tier) {
    case "volunteer":
      return rates.base + rates.volunteerBonus;
    case "super":
      return rates.base + rates.superBonus;
    case "standard":
      return rates.base;
  }
}

/**
 * What an item sells for in a session with `discountBp` off (0 = full price): round(price ×
 * (10000 − discount) / 10000), halves away from zero, never below one cent.
 */
export function salePriceOf(tagPriceCents: number, discountBp: number): number {
  if (discountBp === 0) return tagPriceCents;
  return Math.max(1, divRound(tagPriceCents * (BP_SCALE - discountBp), BP_SCALE));
}
