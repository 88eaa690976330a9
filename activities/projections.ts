/**
 * The read-model half of every activity that writes one, by activity type. A workflow's history holds
 * the input of each activity it scheduled (and the result of each it completed), so replaying these in
 * history order rebuilds everything the read model derives from that workflow (`npm run reconcile`).
 * Each is idempotent and revision-guarded, like the activity itself; none sends a message.
 */
import type { TermReport } from '../domain/supervision';
import { termReportViews } from '../store/supervision';
import type { ActivityDeps } from './deps';
import { createActivities } from './index';
import { followUpRecording } from './follow-ups';
import { stepRecording } from './notify';
import { proposalRecording } from './proposals';

export type Projection = (input: unknown, result: unknown) => Promise<void>;

export function projections(deps: ActivityDeps): Record<string, Projection> {
  const a = createActivities(deps);
  const recordStep = stepRecording(deps);
  const only =
    <T>(activity: (input: T) => Promise<unknown>): Projection =>
    async (input) => {
      await activity(input as T);
    };
  return {
    // The read-model halves only: a replay never writes or sends event notices.
    recordProposal: only(proposalRecording(deps)),
    recordClock: only(a.recordClock),
    recordTimeline: only(a.recordTimeline),
    recordFollowUp: only(followUpRecording(deps)),
    recordPosting: only(a.recordPosting),
    recordPostingActivity: only(a.recordPostingActivity),
    notifyStep: only(recordStep),
    // The report as the workflow received it (producing it again would read today's letters).
    produceTermReport: async (input, result) => {
      const { postingId } = (input as { input: { postingId: string } }).input;
      await deps.store.views.put(termReportViews, [
        { id: postingId, revision: 0, value: result as TermReport },
      ]);
    },
  };
}
