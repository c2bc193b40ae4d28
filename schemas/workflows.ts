import { z } from "zod";
import { Id, TransactionId } from "./common";

/** Parameters of one `commission-retry` instance: one failed calculation, one round of retries. */
export const CommissionRetryParams = z.strictObject({
  eventId: Id,
  transactionId: TransactionId,
  round: z.number().int().min(0),
});
export type CommissionRetryParams = z.infer<typeof CommissionRetryParams>;
