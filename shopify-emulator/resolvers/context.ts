// What every resolver is given: the shop's state and the emulator's services.
import type { EmulatorOptions } from "../config.ts";
import type { Shop } from "../shop.ts";
import type { BulkOperations } from "../bulk.ts";
import type { StagedUploads } from "../staged-uploads.ts";

export interface Services {
  options: EmulatorOptions;
  /** The origin clients reach the emulator at (`http://127.0.0.1:8789`). */
  origin(): string;
  /** Queue a webhook event for every subscription of `topic` (`orders/create`, …). */
  emit(topic: string, payload: object): void;
  uploads: StagedUploads;
  bulk: BulkOperations;
}

export interface Context {
  shop: Shop;
  services: Services;
  /** True while a bulk operation runs: connections return everything, no `first` needed. */
  bulk: boolean;
}

/** A user error as every payload's `userErrors` lists them. */
export interface UserError {
  field: string[] | null;
  message: string;
  code?: string | null;
}
