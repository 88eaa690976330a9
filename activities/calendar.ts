import { computeDeadline, type Deadline } from '../domain/deadline';
import { planLadder, type LadderStep, type PlannedStep } from '../domain/ladder';
import type { TimeLimit } from '../domain/time';
import { loadCalendar } from '../store/calendar';
import type { ActivityDeps } from './deps';

export interface ClockPlan {
  deadline: Deadline;
  steps: PlannedStep[];
}

export interface PlanClockInput {
  start: number;
  rule: TimeLimit;
  ladder: LadderStep[];
  officeHours: { time: string };
}

/**
 * Deadlines are computed here, not in workflow code, so the result is recorded in
 * history and a later calendar or policy change cannot break replay (domain.md §6).
 */
export function calendarActivities({ store }: ActivityDeps) {
  return {
    async computeDeadline(input: { start: number; rule: TimeLimit }): Promise<Deadline> {
      return computeDeadline(await loadCalendar(store), input.start, input.rule);
    },

    async planClock(input: PlanClockInput): Promise<ClockPlan> {
      const calendar = await loadCalendar(store);
      const deadline = computeDeadline(calendar, input.start, input.rule);
      return { deadline, steps: planLadder(calendar, deadline, input.ladder, input.officeHours) };
    },
  };
}
