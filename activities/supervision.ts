import type { PostingView, TermReport, TermReportInput } from '../domain/supervision';
import { termReport } from '../domain/supervision';
import { readFollowUps } from '../store/follow-ups';
import { itemScope } from '../store/items';
import { upsertNewer } from '../store/mongo';
import {
  postingActivityRowId,
  postingViews,
  readPostingActivities,
  termReportViews,
  type PostingActivityRow,
} from '../store/supervision';
import type { ActivityDeps } from './deps';
import { timelineActivities, type TimelineInput } from './timeline';

export interface PostingEvent {
  entry: TimelineInput;
  posting: PostingView;
}

/** One visit, unannounced inspection or meeting on a posting's log; `id` is numbered by the posting. */
export type PostingActivityRecord = PostingActivityRow;

export function supervisionActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { recordTimeline } = timelineActivities(deps);
  return {
    /** A posting changed: its timeline entry, then its read model (newest revision wins). */
    async recordPosting({ entry, posting }: PostingEvent): Promise<void> {
      await recordTimeline(entry);
      const { postingId, startedAt, ...rest } = posting;
      await store.views.put(postingViews, [{ id: postingId, revision: posting.revision, value: posting }]);
      await upsertNewer(store.postings, postingId, posting.revision, {
        ...rest,
        startedAt: new Date(startedAt),
      });
    },

    /** Once per activity id (revision 0): a retry changes nothing. */
    async recordPostingActivity(activity: PostingActivityRecord): Promise<void> {
      await store.views.put(itemScope(activity.postingId), [
        { id: postingActivityRowId(activity.id), revision: 0, value: activity },
      ]);
    },

    /** The term report from the letters' read model and the activity log, stored under the posting's id. */
    async produceTermReport(input: TermReportInput): Promise<TermReport> {
      const { postingId } = input.input;
      const letters = (await readFollowUps(store)).filter((item) => item.source.postingId === postingId);
      const activities = await readPostingActivities(store, postingId);
      const report = termReport(
        input,
        letters,
        activities.map((a) => a.kind),
      );
      // Revision 0: produced once; a retry finds it there.
      await store.views.put(termReportViews, [{ id: postingId, revision: 0, value: report }]);
      return report;
    },
  };
}
