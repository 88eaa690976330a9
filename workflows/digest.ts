/** The secretaries' daily digest, started each morning by a Temporal Schedule (worker/schedules.ts). */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DigestOutcome } from '../activities/digest';

const { planDigest, enqueueDigests } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes' });

export interface DailyDigestInput {
  /** Default: now (the schedule's firing time). */
  at?: number;
}

export type DailyDigestResult = ({ date: string; skipped: false } & DigestOutcome) | { skipped: true };

export async function dailyDigest({ at = Date.now() }: DailyDigestInput = {}): Promise<DailyDigestResult> {
  const day = await planDigest({ at });
  if (!day) return { skipped: true }; // none on non-working days
  return { date: day.date, skipped: false, ...(await enqueueDigests({ day, at })) };
}
