/**
 * The outbox dispatcher, started every minute by a Temporal Schedule (worker/schedules.ts): claims
 * the due rows and delivers each in its own activity, so a slow or failing channel holds up nobody.
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeliveryOutcome } from '../activities/outbox';

const { claimOutbox, enqueueTestNotice } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

const { deliverOutbox } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Must end within the claim's lease (10 minutes), so no other dispatcher takes the row meanwhile.
  scheduleToCloseTimeout: '5 minutes',
  // Channel failures are recorded on the row (its own backoff); these retries cover a worker or
  // database failure between sending and recording, and re-send with the same key.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});

export interface DispatchInput {
  batch?: number;
  maxBatches?: number;
}

/** `unfinished`: the delivery activity gave up; the row is reclaimed when its lease runs out. */
export type DispatchResult = Record<DeliveryOutcome | 'unfinished', number>;

export async function dispatchOutbox({
  batch = 50,
  maxBatches = 20,
}: DispatchInput = {}): Promise<DispatchResult> {
  const { workflowId, runId } = workflowInfo();
  const owner = `${workflowId}/${runId}`;
  const result: DispatchResult = { sent: 0, retrying: 0, failed: 0, skipped: 0, unfinished: 0 };
  for (let round = 0; round < maxBatches; round++) {
    const ids = await claimOutbox({ owner, limit: batch });
    const outcomes = await Promise.allSettled(ids.map((id) => deliverOutbox({ id, owner })));
    for (const outcome of outcomes) result[outcome.status === 'fulfilled' ? outcome.value : 'unfinished']++;
    if (ids.length < batch) break;
  }
  return result;
}

/** A test message to one user, delivered at once by a dispatcher run of its own: a deployment self-check. */
export async function testNotification({ userId }: { userId: string }) {
  const { workflowId } = workflowInfo();
  const rows = await enqueueTestNotice({ key: `test:${workflowId}`, userId });
  const delivery = await executeChild(dispatchOutbox, { workflowId: `${workflowId}-dispatch`, args: [{}] });
  return { rows, delivery };
}
