import type { FollowUpView } from '../domain/follow-up';
import { followUpViews, followUpYear, toFollowUpDoc } from '../store/follow-ups';
import { parseProposalNumber } from '../domain/proposal-number';
import { upsertNewer } from '../store/mongo';
import { openItemChange, openWork } from '../store/open-work';
import { proposalViews, yearRowIds } from '../store/proposals';
import type { ActivityDeps } from './deps';
import { eventNotifier } from './notify';
import { timelineActivities, type TimelineInput } from './timeline';

export interface FollowUpEvent {
  entry: TimelineInput;
  item: FollowUpView;
}

/** An item changed, in the read model: recordFollowUp's half that reconcile replays. */
export function followUpRecording(deps: ActivityDeps) {
  const { recordTimeline } = timelineActivities(deps);
  return async function recordFollowUpChange({ entry, item }: FollowUpEvent): Promise<void> {
    await recordTimeline(entry);
    const { _id, ...doc } = toFollowUpDoc(item);
    const open = item.status !== 'closed';
    await deps.store.views.put(openWork, [
      openItemChange(
        'followUp',
        _id,
        item.revision,
        open ? { title: item.title, unitIds: [item.responder.unitId], answered: item.answered } : null,
      ),
    ]);
    await followUpViews.put(deps.store.views, followUpYear(item), [
      { id: _id, revision: item.revision, value: item },
    ]);
    await upsertNewer(deps.store.followUps, _id, item.revision, doc);
    await markCommitmentDone(deps, item);
  };
}

export function followUpActivities(deps: ActivityDeps) {
  const record = followUpRecording(deps);
  const notifyEvent = eventNotifier(deps);
  return {
    /**
     * An item changed: its timeline entry, then its read model (newest revision wins); then the event
     * notices of the entry, if any (domain.md §10), once per entry key.
     */
    async recordFollowUp(event: FollowUpEvent): Promise<void> {
      await record(event);
      await notifyEvent({ kind: 'followUp', item: event.item }, event.entry);
    },
  };
}

/** A class-B commitment reported done counts in its proposal unit's 落实率 (domain.md §7). */
export async function markCommitmentDone({ store }: ActivityDeps, item: FollowUpView) {
  const proposalId = item.source.proposalId;
  if (item.kind !== 'commitment' || !proposalId || item.outcome?.code !== 'done') return;
  const { sessionYear } = parseProposalNumber(proposalId)!;
  await proposalViews.put(store.views, sessionYear, [
    { id: yearRowIds.done(proposalId, item.responder.unitId!), revision: 0, value: { done: true } },
  ]);
}
