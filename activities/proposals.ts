import { summarize } from '../domain/proposal-summary';
import type { ProposalState } from '../domain/proposal';
import { upsertNewer } from '../store/mongo';
import { proposalYear, proposalYears } from '../store/proposals';
import type { ActivityDeps } from './deps';
import { timelineActivities, type TimelineInput } from './timeline';

export interface ProposalRecord {
  /** Absent for changes that need no timeline line (e.g. a status step already told by an action). */
  entry?: TimelineInput;
  state: ProposalState;
  /** Increases with every change of the workflow's state; orders read-model writes. */
  revision: number;
}

export function proposalActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { recordTimeline } = timelineActivities(deps);
  return {
    /** One change of a proposal: its timeline line, its state, and its summary in the year's view. */
    async recordProposal({ entry, state, revision }: ProposalRecord): Promise<void> {
      if (entry) await recordTimeline(entry);
      const id = state.proposalId;
      const { units, ...summary } = summarize(state);
      await upsertNewer(store.proposalStates, id, revision, { state });
      await store.views.put(proposalYear(state.sessionYear), [
        { id, revision, value: { ...summary, units } },
      ]);
      // Last: who waits for this document finds the view already written.
      await upsertNewer(store.proposals, id, revision, {
        ...summary,
        submittedAt: new Date(summary.submittedAt),
      });
      // Revision 0: written once per year, then every later write is dropped as not newer.
      await store.views.put(proposalYears, [
        { id: String(state.sessionYear), revision: 0, value: { sessionYear: state.sessionYear } },
      ]);
    },
  };
}
