import { summarize } from '../domain/proposal-summary';
import { finalStatuses, type ProposalState } from '../domain/proposal';
import { upsertNewer } from '../store/mongo';
import { openItemChange, openWork } from '../store/open-work';
import { proposalViews } from '../store/proposals';
import type { ActivityDeps } from './deps';
import { eventNotifier } from './notify';
import { timelineActivities, type TimelineInput } from './timeline';

export interface ProposalRecord {
  /** Absent for changes that need no timeline line (e.g. a status step already told by an action). */
  entry?: TimelineInput;
  state: ProposalState;
  /** Increases with every change of the workflow's state; orders read-model writes. */
  revision: number;
}

/** One change of a proposal in the read model: recordProposal's half that reconcile replays. */
export function proposalRecording(deps: ActivityDeps) {
  const { store } = deps;
  const { recordTimeline } = timelineActivities(deps);
  return async function recordProposalChange({ entry, state, revision }: ProposalRecord): Promise<void> {
    const id = state.proposalId;
    const { units, ...summary } = summarize(state);
    // A proposal awaits somebody at every open step, so it is never "answered" while open.
    const open = !finalStatuses.includes(state.status);
    // Independent writes, at once (each idempotent; a retry redoes any that failed).
    await Promise.all([
      entry && recordTimeline(entry),
      upsertNewer(store.proposalStates, id, revision, { state }),
      proposalViews.put(store.views, state.sessionYear, [{ id, revision, value: { ...summary, units } }]),
      store.views.put(openWork, [
        openItemChange(
          'proposal',
          id,
          revision,
          open ? { title: state.title, unitIds: summary.unitIds, answered: false } : null,
        ),
      ]),
    ]);
    // Last: who waits for this document finds the view already written.
    await upsertNewer(store.proposals, id, revision, {
      ...summary,
      submittedAt: new Date(summary.submittedAt),
    });
  };
}

export function proposalActivities(deps: ActivityDeps) {
  const record = proposalRecording(deps);
  const notifyEvent = eventNotifier(deps);
  return {
    /**
     * One change of a proposal: its timeline line, its state, and its summary in the year's view; then
     * the event notices of its entry, if any (domain.md §10), once per entry key.
     */
    async recordProposal(change: ProposalRecord): Promise<void> {
      await record(change);
      await notifyEvent({ kind: 'proposal', state: change.state }, change.entry);
    },
  };
}
