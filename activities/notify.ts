import type { Deadline } from '../domain/deadline';
import { stepKindLabels, type PlannedStep, type Responsible } from '../domain/ladder';
import type { ActivityDeps } from './deps';
import { timelineActivities } from './timeline';

/** One ladder step of one clock that has come due. */
export interface StepNotice {
  /** Idempotency key (item, clock, generation, step): a retried or replayed step is recorded once. */
  key: string;
  itemId: string;
  clockId: string;
  clockLabel: string;
  step: PlannedStep;
  deadline: Deadline;
  responsible: Responsible;
  leaderId?: string;
  /** When the workflow fired the step (workflow time). */
  at: number;
}

/**
 * The notification hook of the deadline ladder: records the step in the item's
 * timeline, where reports and the guarantee read it.
 */
export function notifyActivities(deps: ActivityDeps) {
  const { recordTimeline } = timelineActivities(deps);
  return {
    async notifyStep(notice: StepNotice): Promise<void> {
      const { step, deadline } = notice;
      await recordTimeline({
        key: notice.key,
        itemId: notice.itemId,
        at: notice.at,
        kind: step.kind,
        label: `${notice.clockLabel}${stepKindLabels[step.kind]}（期限 ${deadline.due}）`,
        data: {
          clockId: notice.clockId,
          step: step.step,
          plannedAt: step.at,
          to: step.to,
          responsible: notice.responsible,
          leaderId: notice.leaderId,
        },
      });
    },
  };
}
