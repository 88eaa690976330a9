import type { ClockSnapshot, StepKind } from '../domain/ladder';
import { parseProposalNumber } from '../domain/proposal-number';
import { summarizeClock } from '../domain/proposal-summary';
import { itemRowIds, itemScope, type ClockRow } from '../store/items';
import { upsertNewer } from '../store/mongo';
import { openClockChange, openWork } from '../store/open-work';
import { proposalViews, yearRowIds } from '../store/proposals';
import type { ActivityDeps } from './deps';
import { timelineActivities, type TimelineInput } from './timeline';

const escalationRank: StepKind[] = ['reminder', 'chaseNotice', 'supervisionEscalation', 'publicNotice'];

/** Writes clock snapshots into the read model, newest revision wins. */
export function clockProjection({ store }: ActivityDeps) {
  return async function projectClock(clock: ClockSnapshot): Promise<void> {
    const fired = clock.plan.steps.filter((s) => clock.fired.includes(s.step));
    const next = clock.plan.steps.find((s) => !clock.fired.includes(s.step));
    const escalation = fired
      .map((s) => s.kind)
      .filter((kind) => kind !== 'reminder')
      .sort((a, b) => escalationRank.indexOf(b) - escalationRank.indexOf(a))[0];
    const doc = {
      itemId: clock.itemId,
      itemKind: clock.itemKind,
      clockId: clock.id,
      code: clock.code,
      label: clock.label,
      responsible: clock.responsible,
      generation: clock.generation,
      status: clock.status,
      overdue: clock.overdue,
      startedAt: new Date(clock.startedAt),
      dueAt: new Date(clock.plan.deadline.dueAt),
      due: clock.plan.deadline.due,
      deadline: clock.plan.deadline,
      fired: clock.fired,
      escalation: escalation ?? null,
      nextStepAt: next && clock.status === 'running' ? new Date(next.at) : null,
      closedAt: clock.closedAt ? new Date(clock.closedAt) : null,
    };
    const row: ClockRow = {
      clockId: clock.id,
      code: clock.code,
      label: clock.label,
      responsible: clock.responsible ?? {},
      status: clock.status,
      startedAt: clock.startedAt,
      overdue: clock.overdue,
      escalation: escalation ?? null,
      deadline: clock.plan.deadline,
    };
    const change = { id: itemRowIds.clock(clock.id), revision: clock.revision, value: row };
    await store.views.put(itemScope(clock.itemId), [change]);
    await store.views.put(openWork, [openClockChange(clock)]);
    const number = clock.itemKind === 'proposal' ? parseProposalNumber(clock.itemId) : undefined;
    if (number)
      await proposalViews.put(store.views, number.sessionYear, [
        { ...change, id: yearRowIds.clock(clock.itemId, clock.id), value: summarizeClock(clock) },
      ]);
    // Last: who waits for this document finds the views already written.
    await upsertNewer(store.clocks, `${clock.itemId}:${clock.id}`, clock.revision, doc);
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
      await recordTimeline(entry);
      await projectClock(clock);
    },
  };
}
