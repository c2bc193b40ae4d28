import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";

export interface CommissionRetryParams {
  eventId: string;
  transactionId: string;
  round: number;
}

/**
 * Retries one failed commission calculation (issue 3 fills in the calculation itself). Until the
 * ledger keeps calculations there is nothing to retry, so an instance ends at once, saying so.
 */
export class CommissionRetryWorkflow extends WorkflowEntrypoint<Env, CommissionRetryParams> {
  override async run(event: WorkflowEvent<CommissionRetryParams>, step: WorkflowStep) {
    await step.do("check the calculation can be retried", async () => {
      throw new NonRetryableError(`the ledger keeps no calculations yet (transaction ${event.payload.transactionId})`);
    });
  }
}
