import { sha256Hex } from "../lib/crypto";
import type { CommissionRetryParams } from "../schemas/workflows";

/**
 * The instance id of a retry round: derived from event, transaction and round, so starting the
 * same round twice (a redelivered message, a double click) finds the instance already there.
 */
export async function retryInstanceId(params: CommissionRetryParams): Promise<string> {
  const digest = await sha256Hex(`${params.eventId}\u0000${params.transactionId}`);
  return `commission-${digest.slice(0, 40)}-r${params.round}`;
}

/** Starts the retry workflow for one failed calculation's round; harmless when it already runs. */
export async function startCommissionRetry(env: Env, params: CommissionRetryParams): Promise<string> {
  const id = await retryInstanceId(params);
  try {
    await env.COMMISSION_RETRY.create({ id, params });
  } catch (error) {
    // The only acceptable failure: this round's instance exists already.
    const existing = await env.COMMISSION_RETRY.get(id).catch(() => null);
    if (!existing) throw error;
  }
  return id;
}
