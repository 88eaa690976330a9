import { computeDeadline, type Deadline } from '../domain/deadline';
import { planClock, type ClockPlan, type ClockRequest } from '../domain/ladder';
import type { TimeLimit } from '../domain/time';
import { loadCalendar } from '../store/calendar';
import type { ActivityDeps } from './deps';

/**
 * Deadlines are computed here, not in workflow code, so the result is recorded in
 * history and a later calendar or policy change cannot break replay (domain.md §6).
 */
export function calendarActivities({ store }: ActivityDeps) {
  return {
    async computeDeadline(input: { start: number; rule: TimeLimit }): Promise<Deadline> {
      return computeDeadline(await loadCalendar(store), input.start, input.rule);
    },

    async planClock(request: ClockRequest): Promise<ClockPlan> {
      return planClock(await loadCalendar(store), request);
    },
  };
}
