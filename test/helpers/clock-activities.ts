/**
 * Activities for workflow tests: the real calendar and ladder arithmetic (the
 * chinese-days data plus a 2027 year as an admin would load it), with notifications
 * and timeline writes captured instead of stored.
 */
import { seedCalendarYears, WorkingCalendar, type CalendarYear } from '../../domain/calendar';
import { computeDeadline } from '../../domain/deadline';
import { planClock, type ClockRequest } from '../../domain/ladder';
import type { ProposalState } from '../../domain/proposal';
import type { TimeLimit } from '../../domain/time';
import { toIso } from '../../domain/time';
import type { StepNotice } from '../../activities/notify';
import type { ClockEvent } from '../../activities/clocks';
import type { ProposalRecord } from '../../activities/proposals';
import type { TimelineInput } from '../../activities/timeline';

/** 2027 is not in chinese-days yet: New Year's Day (Fri) and its weekend, as the State Council lists it. */
export const calendar2027: CalendarYear = {
  year: 2027,
  holidays: ['2027-01-01', '2027-01-02', '2027-01-03'],
  workdays: [],
  source: 'test-fixture',
};

export function recordingActivities(years: CalendarYear[] = [...seedCalendarYears(), calendar2027]) {
  const calendar = new WorkingCalendar(years);
  const notices: StepNotice[] = [];
  const timeline: TimelineInput[] = [];
  /** The last proposal state each proposal recorded (what the read model would hold). */
  const proposals = new Map<string, ProposalState>();
  return {
    notices,
    timeline,
    proposals,
    /**
     * Fired steps as `step@planned local time`, after checking each fired on time (the
     * test server's timers wake the workflow a few milliseconds after the instant).
     */
    fired: () =>
      notices.map((n) => {
        if (n.at < n.step.at || n.at - n.step.at > 1_000) throw new Error(`${n.key} fired at ${toIso(n.at)}`);
        return `${n.step.step}@${n.step.atIso}`;
      }),
    activities: {
      planClock: async (request: ClockRequest) => planClock(calendar, request),
      notifyStep: async (notice: StepNotice) => void notices.push(notice),
      recordClock: async ({ entry }: ClockEvent) => void timeline.push(entry),
      recordTimeline: async (entry: TimelineInput) => void timeline.push(entry),
      computeDeadline: async ({ start, rule }: { start: number; rule: TimeLimit }) =>
        computeDeadline(calendar, start, rule),
      recordProposal: async ({ entry, state }: ProposalRecord) => {
        if (entry) timeline.push(entry);
        proposals.set(state.proposalId, structuredClone(state));
      },
    },
  };
}
