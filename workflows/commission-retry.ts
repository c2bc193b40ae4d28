import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { AppError, unwrap } from "../lib/errors";
import { CommissionRetryParams } from "../schemas/workflows";

/** Attempts after the first, with exponential backoff: 30 s, 1, 2, 4, 8, 16 min (about half an hour). */
export const RETRY_LIMIT = 6;

export interface CommissionRetryOutput {
  transactionId: string;
  status: "completed" | "error" | "pending";
  superseded: boolean;
}

/**
 * Retries one calculation that could not be made (say its consignor was not registered yet).
 * Each attempt recalculates from the sale as the ledger stored it; the backoff gives an organizer
 * time to fix the cause. When the attempts run out, or the calculation cannot exist, the instance
 * ends with NonRetryableError: the calculation stays `error` with its reason until a person fixes
 * the cause and asks for another round (`POST …/calculations/:txId/retry`).
 */
export class CommissionRetryWorkflow extends WorkflowEntrypoint<Env, CommissionRetryParams> {
  override async run(event: WorkflowEvent<CommissionRetryParams>, step: WorkflowStep): Promise<CommissionRetryOutput> {
    const params = CommissionRetryParams.safeParse(event.payload);
    // Outside a step, and safe there: validation has no side effect and gives the same answer on replay.
    if (!params.success) throw new NonRetryableError(`invalid parameters: ${params.error.message}`);
    const { eventId, transactionId, round } = params.data;
    const ledger = this.env.COMMISSION_LEDGER.getByName(eventId);
    try {
      return await step.do(
        "recalculate the commission",
        { retries: { limit: RETRY_LIMIT, delay: "30 seconds", backoff: "exponential" }, timeout: "1 minute" },
        async (): Promise<CommissionRetryOutput> => {
          let outcome;
          try {
            outcome = unwrap(await ledger.retryCalculation(transactionId, round));
          } catch (error) {
            // No calculation to retry: no later attempt can find one either.
            if (error instanceof AppError && error.code === "NOT_FOUND") throw new NonRetryableError(error.message);
            throw error;
          }
          if (outcome.status === "completed" || outcome.superseded) {
            return { transactionId, status: outcome.status, superseded: outcome.superseded };
          }
          throw new Error(`${outcome.errorCode ?? "ERROR"}: ${outcome.error ?? "calculation failed"}`);
        },
      );
    } catch (error) {
      if (error instanceof NonRetryableError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new NonRetryableError(`transaction ${transactionId} needs a person after ${RETRY_LIMIT + 1} attempts: ${reason}`);
    }
  }
}
