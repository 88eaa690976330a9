import type {
  LetterFacts,
  PostingActivityKind,
  PostingView,
  TermReport,
  TermReportInput,
} from '../domain/supervision';
import { termReport } from '../domain/supervision';
import { upsertNewer } from '../store/mongo';
import type { ActivityDeps } from './deps';
import { timelineActivities, type TimelineInput } from './timeline';

export interface PostingEvent {
  entry: TimelineInput;
  posting: PostingView;
}

/** One visit, unannounced inspection or meeting on a posting's log; `id` is numbered by the posting. */
export interface PostingActivityRecord {
  id: string;
  postingId: string;
  kind: PostingActivityKind;
  date: string;
  summary: string;
  participants: string[];
  recordedBy: string;
  recordedAt: number;
}

export function supervisionActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { recordTimeline } = timelineActivities(deps);
  return {
    /** A posting changed: its timeline entry, then its read model (newest revision wins). */
    async recordPosting({ entry, posting }: PostingEvent): Promise<void> {
      await recordTimeline(entry);
      const { postingId, startedAt, ...rest } = posting;
      await upsertNewer(store.postings, postingId, posting.revision, {
        ...rest,
        startedAt: new Date(startedAt),
      });
    },

    async recordPostingActivity({ id, recordedAt, ...rest }: PostingActivityRecord): Promise<void> {
      await store.postingActivities.updateOne(
        { _id: id },
        { $setOnInsert: { ...rest, recordedAt: new Date(recordedAt) } },
        { upsert: true },
      );
    },

    /** The term report from the letters' read model and the activity log, stored under the posting's id. */
    async produceTermReport(input: TermReportInput): Promise<TermReport> {
      const { postingId } = input.input;
      const facts = await store.followUps
        .find(
          { 'source.postingId': postingId },
          { _id: 1, title: 1, status: 1, respondedOnTime: 1, adopted: 1, openCommitments: 1 },
        )
        .lean();
      const activities = await store.postingActivities.find({ postingId }, { kind: 1 }).lean();
      const report = termReport(
        input,
        facts.map(({ _id, ...f }) => ({ followUpId: _id, ...f }) as LetterFacts),
        activities.map((a) => a.kind),
      );
      const { endedAt, ...rest } = report;
      await store.termReports.updateOne(
        { _id: postingId },
        { $set: { ...rest, endedAt: new Date(endedAt) } },
        { upsert: true },
      );
      return report;
    },
  };
}
