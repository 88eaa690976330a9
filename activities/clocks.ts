import type { ClockSnapshot } from '../domain/ladder';
import { parseProposalNumber } from '../domain/proposal-number';
import { summarizeClock } from '../domain/proposal-summary';
import { itemRowIds, itemScope, type ClockRow } from '../store/items';
import { openClockChange, openWork } from '../store/open-work';
import { proposalViews, yearRowIds } from '../store/proposals';
import type { ActivityDeps } from './deps';
import { timelineActivities, type TimelineInput } from './timeline';

/**
 * Writes a clock snapshot into the views, newest revision wins: the item's page, the open work while
 * it runs, and for a proposal its session year (lists and statistics).
 */
export function clockProjection({ store }: ActivityDeps) {
  return async function projectClock(clock: ClockSnapshot): Promise<void> {
    const summary = summarizeClock(clock);
    const row: ClockRow = {
      clockId: clock.id,
      code: clock.code,
      label: clock.label,
      responsible: clock.responsible ?? {},
      status: clock.status,
      startedAt: clock.startedAt,
      overdue: clock.overdue,
      escalation: summary.escalation,
      fired: clock.fired,
      nextStepAt: summary.nextStepAt,
      deadline: clock.plan.deadline,
    };
    const number = clock.itemKind === 'proposal' ? parseProposalNumber(clock.itemId) : undefined;
    // Three scopes, written at once: each is idempotent on its own, and a retry redoes any that failed.
    await Promise.all([
      store.views.put(itemScope(clock.itemId), [
        { id: itemRowIds.clock(clock.id), revision: clock.revision, value: row },
      ]),
      number &&
        proposalViews.put(store.views, number.sessionYear, [
          { id: yearRowIds.clock(clock.itemId, clock.id), revision: clock.revision, value: summary },
        ]),
      store.views.put(openWork, [openClockChange(clock)]),
    ]);
  };
}

export interface ClockEvent {
  entry: TimelineInput;
  clock: ClockSnapshot;
}

export function clockActivities(deps: ActivityDeps) {
  const { recordTimeline } = timelineActivities(deps);
  const projectClock = clockProjection(deps);
  return {
    /** A clock started, was extended, met, cancelled or went overdue: timeline entry and read model. */
    async recordClock({ entry, clock }: ClockEvent): Promise<void> {
      // Both write the item's view at once: one write (store/views.ts joins them).
      await Promise.all([recordTimeline(entry), projectClock(clock)]);
    },
  };
}
