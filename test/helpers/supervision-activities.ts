/**
 * Activities for follow-up and posting workflow tests: the recording clock activities (real
 * calendar and ladder arithmetic, 2027 fixture year) plus in-memory read models of items, postings,
 * the activity log and term reports, computed with the same domain functions as the real ones.
 */
import { seedCalendarYears, WorkingCalendar } from '../../domain/calendar';
import { computeDeadline } from '../../domain/deadline';
import type { FollowUpView } from '../../domain/follow-up';
import {
  termReport,
  type PostingView,
  type TermReport,
  type TermReportInput,
} from '../../domain/supervision';
import type { TimeLimit } from '../../domain/time';
import type { FollowUpEvent } from '../../activities/follow-ups';
import type { PostingActivityRecord, PostingEvent } from '../../activities/supervision';
import { calendar2027, recordingActivities } from './clock-activities';

export function supervisionRecorder() {
  const base = recordingActivities();
  const calendar = new WorkingCalendar([...seedCalendarYears(), calendar2027]);
  const items = new Map<string, FollowUpView>();
  const postings = new Map<string, PostingView>();
  const activityLog: PostingActivityRecord[] = [];
  const reports: TermReport[] = [];
  return {
    ...base,
    items,
    postings,
    activityLog,
    reports,
    /** Timeline kinds of one item, in order. */
    kinds: (itemId: string) => base.timeline.filter((e) => e.itemId === itemId).map((e) => e.kind),
    /** Fired steps of one item's clocks as `clock:step@planned local time`. */
    firedOf: (itemId: string) =>
      base
        .fired()
        .map((fired, i) => [base.notices[i], fired] as const)
        .filter(([notice]) => notice.clock.itemId === itemId)
        .map(([notice, fired]) => `${notice.clock.id}:${fired}`),
    activities: {
      ...base.activities,
      computeDeadline: async ({ start, rule }: { start: number; rule: TimeLimit }) =>
        computeDeadline(calendar, start, rule),
      recordFollowUp: async ({ entry, item }: FollowUpEvent) => {
        base.timeline.push(entry);
        items.set(item.followUpId, structuredClone(item));
      },
      recordPosting: async ({ entry, posting }: PostingEvent) => {
        base.timeline.push(entry);
        postings.set(posting.postingId, structuredClone(posting));
      },
      recordPostingActivity: async (record: PostingActivityRecord) => void activityLog.push(record),
      produceTermReport: async (input: TermReportInput) => {
        const report = termReport(
          input,
          [...items.values()],
          activityLog.map((a) => a.kind),
        );
        reports.push(report);
        return report;
      },
    },
  };
}
