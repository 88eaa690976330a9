import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Deadline } from '../domain/deadline';
import type { TimeLimit } from '../domain/time';

const { computeDeadline, recordTimeline } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
});

/**
 * The smallest path through every layer: API → Temporal → worker → activity →
 * database. Computes one deadline and records it in the timeline.
 */
export async function deadlineProbe(input: { start: number; rule: TimeLimit }): Promise<Deadline> {
  const deadline = await computeDeadline(input);
  const { workflowId } = workflowInfo();
  await recordTimeline({
    key: `${workflowId}:computed`,
    itemId: workflowId,
    at: Date.now(),
    kind: 'deadlineComputed',
    label: '期限已计算',
    data: { due: deadline.due, uncertain: deadline.uncertain },
  });
  return deadline;
}
