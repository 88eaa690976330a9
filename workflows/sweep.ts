/**
 * The daily sweep of expired records, started by a Temporal Schedule (worker/schedules.ts): outbox
 * rows and Idempotency-Key claims past their retention, and webhooks still stored plain (the
 * `sweepExpired` activity, activities/outbox.ts).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { sweepExpired } = proxyActivities<Activities>({
  // Filters over whole collections on FerretDB: minutes at a large outbox.
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 minute', maximumAttempts: 3 },
});

export async function expirySweep(): Promise<Awaited<ReturnType<Activities['sweepExpired']>>> {
  return sweepExpired({});
}
