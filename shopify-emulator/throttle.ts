// The cost-based leaky bucket (shopify.dev/docs/api/usage/limits#the-leaky-bucket-algorithm): a query
// takes its requested cost from the bucket before it runs (refused with THROTTLED when the bucket
// lacks it, nothing applied), is refunded the difference to its actual cost after, and the bucket
// refills continuously at the restore rate up to its size.

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class LeakyBucket {
  readonly maximumAvailable: number;
  readonly restoreRate: number;
  private available: number;
  private at = performance.now();

  constructor(maximumAvailable: number, restoreRate: number) {
    this.maximumAvailable = maximumAvailable;
    this.restoreRate = restoreRate;
    this.available = maximumAvailable;
  }

  private refill(): void {
    const now = performance.now();
    this.available = Math.min(this.maximumAvailable, this.available + ((now - this.at) / 1000) * this.restoreRate);
    this.at = now;
  }

  /** Takes `cost` points if the bucket has them. */
  take(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.maximumAvailable, this.available + points);
  }

  status(): ThrottleStatus {
    this.refill();
    return { maximumAvailable: this.maximumAvailable, currentlyAvailable: Math.floor(this.available), restoreRate: this.restoreRate };
  }

  fill(): void {
    this.available = this.maximumAvailable;
    this.at = performance.now();
  }
}
