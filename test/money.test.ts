import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BP_SCALE, commissionOf, divRound, rateFor } from "../lib/money";

/** Reference rounding in BigInt: half away from zero. */
function reference(numerator: bigint, denominator: bigint): bigint {
  const sign = numerator < 0n ? -1n : 1n;
  const magnitude = numerator < 0n ? -numerator : numerator;
  const quotient = magnitude / denominator;
  const remainder = magnitude % denominator;
  return sign * (remainder * 2n >= denominator ? quotient + 1n : quotient);
}

const price = fc.integer({ min: 1, max: 100_000_000 });
const rate = fc.integer({ min: 0, max: BP_SCALE });

describe("money", () => {
  it("rounds halves away from zero", () => {
    expect([divRound(5, 10), divRound(-5, 10), divRound(4, 10), divRound(-4, 10), divRound(15, 10), divRound(-15, 10)]).toEqual([1, -1, 0, 0, 2, -2]);
    expect(commissionOf(1005, 7000)).toBe(704); // 703.5
    expect(commissionOf(333, 7500)).toBe(250); // 249.75
    expect(Object.is(divRound(-1, 10), 0)).toBe(true);
  });

  it("agrees with a BigInt reference for every safe integer", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 1, max: 1_000_000_000 }), (n, d) => {
        expect(divRound(n, d)).toBe(Number(reference(BigInt(n), BigInt(d))));
      }),
      { numRuns: 2_000 },
    );
  });

  it("refuses what is not a safe integer", () => {
    expect(() => divRound(1.5, 10)).toThrow(RangeError);
    expect(() => divRound(1, 0)).toThrow(RangeError);
    expect(() => divRound(2 ** 60, 3)).toThrow(RangeError);
  });

  it("splits a transaction into base and bonus parts that add up exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ price, tier: fc.constantFrom("standard" as const, "volunteer" as const, "super" as const) }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 8_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        (items, base, volunteerBonus, superBonus) => {
          const rates = { base, volunteerBonus, superBonus };
          const total = items.reduce((s, i) => s + commissionOf(i.price, rateFor(rates, i.tier)), 0);
          const baseAmount = items.reduce((s, i) => s + commissionOf(i.price, base), 0);
          const bonusAmount = total - baseAmount;
          expect(baseAmount + bonusAmount).toBe(total);
          expect(bonusAmount).toBeGreaterThanOrEqual(0);
          // The consignors never get more than the sale: the house share is never negative.
          expect(total).toBeLessThanOrEqual(items.reduce((s, i) => s + i.price, 0));
          // Rounding a negated amount gives the negated rounding (a reversal computed afresh matches).
          for (const i of items) expect(divRound(-i.price * base, BP_SCALE) + commissionOf(i.price, base)).toBe(0);
        },
      ),
    );
  });

  it("is monotone in price and rate", () => {
    fc.assert(
      fc.property(price, price, rate, (a, b, r) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(commissionOf(lo, r)).toBeLessThanOrEqual(commissionOf(hi, r));
        expect(commissionOf(lo, 0)).toBe(0);
        expect(commissionOf(lo, BP_SCALE)).toBe(lo);
      }),
    );
  });
});
