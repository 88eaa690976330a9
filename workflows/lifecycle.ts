import { allHandlersFinished, ApplicationFailure, condition, workflowInfo } from '@temporalio/workflow';
import type { Clocks } from './clocks';

/** History length at which long-lived workflows roll over even if the server has not suggested it yet. */
export const DEFAULT_HISTORY_LIMIT = 10_000;

/** Whether this run should continue-as-new: the server suggests it, or history passed `limit` (tests set it low). */
export function historyFull(limit = DEFAULT_HISTORY_LIMIT): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}

/**
 * Prepares continue-as-new: halts the ladder loop (no new step starts, no timer is left behind), then
 * waits until nothing is in flight (update handlers, a step's notification) so the next run loses nothing.
 */
export async function quiesce(clocks: Clocks): Promise<void> {
  clocks.halt();
  await condition(() => allHandlersFinished() && clocks.idle());
}

/**
 * A refused human action (thrown from an Update validator or handler). The API
 * answers it with HTTP 409 carrying `code` and the Chinese `message`.
 */
export function refuse(code: string, message: string): never {
  throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
}
