import { replyingAssignments, type Assignment, type ProposalState } from '../domain/proposal';
import { upsertNewer } from '../store/mongo';
import type { ActivityDeps } from './deps';
import { timelineActivities, type TimelineInput } from './timeline';

export interface ProposalRecord {
  /** Absent for changes that need no timeline line (e.g. a status step already told by an action). */
  entry?: TimelineInput;
  state: ProposalState;
  /** Increases with every change of the workflow's state; orders read-model writes. */
  revision: number;
}

const DAY_MS = 86_400_000;

export function proposalActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { recordTimeline } = timelineActivities(deps);
  return {
    /** One change of a proposal: its timeline line, the proposal document and its units' flags. */
    async recordProposal({ entry, state, revision }: ProposalRecord): Promise<void> {
      if (entry) await recordTimeline(entry);
      await upsertNewer(store.proposals, state.proposalId, revision, proposalDoc(state));
      await upsertNewer(store.proposalStates, state.proposalId, revision, { state });
      for (const a of state.assignments) {
        await upsertNewer(
          store.proposalUnits,
          `${state.proposalId}:${a.unitId}`,
          revision,
          unitDoc(state, a),
        );
      }
    },
  };
}

function proposalDoc(s: ProposalState) {
  const active = s.assignments.filter((a) => a.status !== 'returned');
  return {
    number: s.number,
    sessionYear: s.sessionYear,
    title: s.title,
    type: s.type,
    topic: s.topic,
    status: s.status,
    leadProposerId: s.leadProposerId,
    proposerIds: [
      ...new Set([s.leadProposerId, ...s.coSignerIds, ...s.mergedProposers.flatMap((m) => m.proposerIds)]),
    ],
    organization: Boolean(s.organization),
    key: Boolean(s.key),
    keyLeaderId: s.key?.leaderId,
    unitIds: active.map((a) => a.unitId),
    submittedAt: new Date(s.submittedAt),
    filedAt: date(s.filedAt),
    assignedAt: date(s.assignedAt),
    closedAt: date(s.closedAt),
  };
}

/** The §7 figures of one unit on one proposal, as numbers a $group can sum. */
function unitDoc(s: ProposalState, a: Assignment) {
  const replies = replyingAssignments(s).some((x) => x.unitId === a.unitId);
  const reply = replies ? a.reply : undefined;
  // Ratings of the latest round the unit replied in; a rating only counts for units that reply.
  const round = reply?.round ?? 0;
  const feedback = replies ? s.feedback.filter((f) => f.round === round) : [];
  const rated = feedback.filter((f) => f.rating);
  const counts = (side: string) => rated.filter((f) => f.counts === side).length;
  return {
    proposalId: s.proposalId,
    sessionYear: s.sessionYear,
    unitId: a.unitId,
    role: a.role,
    status: a.status,
    proposerType: s.organization ? 'organization' : 'member',
    topic: s.topic,
    resultClass: reply?.resultClass,
    assigned: a.status === 'returned' ? 0 : 1,
    replied: reply ? 1 : 0,
    repliedOnTime: reply?.onTime ? 1 : 0,
    contactedBeforeReply: reply && a.contact && a.contact.at <= reply.at ? 1 : 0,
    daysToReply: reply ? Math.round((reply.at - a.assignedAt) / DAY_MS) : undefined,
    feedbackReturned: rated.length,
    satisfied: counts('satisfied'),
    unsatisfied: counts('unsatisfied'),
    noFeedback: feedback.filter((f) => f.noFeedback).length,
  };
}

const date = (ms?: number) => (ms === undefined ? undefined : new Date(ms));
