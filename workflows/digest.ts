/** The secretaries' daily digest, started each morning by a Temporal Schedule (worker/schedules.ts). */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DigestOutcome } from '../activities/digest';
import { deliverWhenDue } from './dispatch';

const { planDigest, enqueueDigests } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes' });

export interface DailyDigestInput {
  /** Default: now (the schedule's firing time). */
  at?: number;
}

export type DailyDigestResult =
  ({ date: string; skipped: false } & Omit<DigestOutcome, 'plan'>) | { skipped: true };

export async function dailyDigest({ at = Date.now() }: DailyDigestInput = {}): Promise<DailyDigestResult> {
  const day = await planDigest({ at });
  if (!day) return { skipped: true }; // none on non-working days
  const { plan, ...outcome } = await enqueueDigests({ day, at });
  await deliverWhenDue(plan); // a delivery workflow of its own sends the digests (office hours respected)
  return { date: day.date, skipped: false, ...outcome };
}
