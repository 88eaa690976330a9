import { stepKindLabels, type ClockSnapshot, type PlannedStep } from '../domain/ladder';
import { clockProjection } from './clocks';
import type { ActivityDeps } from './deps';
import { timelineActivities } from './timeline';

/** One ladder step of one clock that has come due. */
export interface StepNotice {
  /** Idempotency key (item, clock, generation, step): a retried or replayed step is recorded once. */
  key: string;
  step: PlannedStep;
  /** When the workflow fired the step (workflow time). */
  at: number;
  /** Escalations of a key proposal go to its leader first. */
  leaderId?: string;
  clock: ClockSnapshot;
}

/**
 * The notification hook of the deadline ladder: records the step in the item's
 * timeline and the clock's read model, where digests, reports and the guarantee read it.
 */
export function notifyActivities(deps: ActivityDeps) {
  const { recordTimeline } = timelineActivities(deps);
  const projectClock = clockProjection(deps);
  return {
    async notifyStep({ key, step, at, leaderId, clock }: StepNotice): Promise<void> {
      await recordTimeline({
        key,
        itemId: clock.itemId,
        at,
        kind: step.kind,
        label: `${clock.label}${stepKindLabels[step.kind]}（期限 ${clock.plan.deadline.due}）`,
        data: {
          clockId: clock.id,
          step: step.step,
          plannedAt: step.at,
          to: step.to,
          responsible: clock.responsible,
          leaderId,
        },
      });
      await projectClock(clock);
    },
  };
}
