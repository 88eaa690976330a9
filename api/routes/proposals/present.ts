/** What a caller reads about one proposal: its state with labels, open deadlines, timeline, actions. */
import { stepKindLabels, type ClockState, type StepKind } from '../../../domain/ladder';
import type { Policy } from '../../../domain/policy';
import { actionLabels, availableActions, type ActionName } from '../../../domain/proposal-actions';
import {
  assignmentStatusLabels,
  contactMethodLabels,
  contactsOf,
  contactStageLabels,
  listedCoSigners,
  pendingCoSigners,
  proposalStatusLabels,
  proposers,
  proposalTypeLabels,
  proposalWorkflowId,
  repliesOf,
  replyDraftStatusLabels,
  replyReviewStepLabels,
  roundOf,
  stageOf,
  unitRoleLabels,
  type Assignment,
  type ProposalState,
} from '../../../domain/proposal';
import { belongsToUnit, seesEverything, type Caller } from '../../../domain/roles';
import { highestEscalation } from '../../../domain/statistics';
import { toIso } from '../../../domain/time';
import { directory } from '../../../store/directory';
import { readItem, type ClockRow, type TimelineRow } from '../../../store/items';
import { actionLink } from '../../schemas';
import type { AppDeps } from '../../deps';
import { policyOf, type LoadedProposal } from './load';

export const actionPath = (id: string, name: ActionName) => `/api/proposals/${id}/actions/${name}`;

const labelOf = (list: { code: string; label: string }[], code?: string) =>
  code === undefined ? undefined : (list.find((entry) => entry.code === code)?.label ?? code);

/**
 * Who may read a unit's reply before it is released (domain.md §2.5): the unit's own people and
 * body-wide staff — never the proposers. No caller (a filing's answer): nobody.
 */
export const seesDraftOf = (caller: Caller | undefined, unitId: string) =>
  caller !== undefined && (seesEverything(caller) || belongsToUnit(caller, unitId));

/** Timeline entries of a reply's review, shown only to those who may read its draft. */
const reviewEntryKinds = ['replyDrafted', 'replySignedOff', 'replyReturned'];

function presentDraft(a: Assignment, policy: Policy) {
  const draft = a.draft!;
  return {
    ...draft,
    statusLabel: replyDraftStatusLabels[draft.status],
    resultClassLabel: labelOf(policy.resultClassScheme, draft.resultClass),
    returns: draft.returns.map((r) => ({ ...r, stepLabel: replyReviewStepLabels[r.step] })),
  };
}

function presentAssignment(
  state: ProposalState,
  a: Assignment,
  policy: Policy,
  unitNames: Map<string, string>,
  caller: Caller | undefined,
) {
  const classLabel = (code: string) => labelOf(policy.resultClassScheme, code);
  const replies = repliesOf(a).map((r) => ({ ...r, resultClassLabel: classLabel(r.resultClass) }));
  // The older single-contact and single-reply shapes are shown as the logs below.
  const rest: Partial<Assignment> = { ...a };
  delete rest.contact;
  delete rest.reply;
  delete rest.draft;
  const draft = a.draft && seesDraftOf(caller, a.unitId) ? { draft: presentDraft(a, policy) } : {};
  const stage = a.role === 'coHandler' ? undefined : stageOf(state, a);
  return {
    ...(rest as Omit<Assignment, 'contact' | 'reply' | 'draft'>),
    ...draft,
    unitName: unitNames.get(a.unitId) ?? a.unitId,
    roleLabel: unitRoleLabels[a.role],
    statusLabel: assignmentStatusLabels[a.status],
    ...(stage ? { stage, stageLabel: proposalStatusLabels[stage], round: roundOf(state, a) } : {}),
    contacts: contactsOf(a).map((c) => ({
      ...c,
      stageLabel: contactStageLabels[c.stage],
      methodLabel: contactMethodLabels[c.method],
    })),
    /** Every reply, first first; `reply` is the one in force (the latest, with its current class). */
    replies,
    reply: replies.at(-1),
  };
}

/** The state as `caller` reads it: a unit's draft reply only for its people and body-wide staff. */
export function presentState(
  state: ProposalState,
  policy: Policy,
  unitNames: Map<string, string>,
  caller?: Caller,
) {
  return {
    ...state,
    workflowId: proposalWorkflowId(state.proposalId),
    statusLabel: proposalStatusLabels[state.status],
    typeLabel: proposalTypeLabels[state.type],
    notFiledReasonLabel: labelOf(policy.notFiledReasons, state.notFiledReason),
    // The proposers as listed (lead, confirmed co-signers, merged proposers): an invited co-signer who
    // declined or did not confirm is never one; `coSignerIds` above stays the invitation as filed.
    proposerIds: proposers(state),
    listedCoSignerIds: listedCoSigners(state),
    /** Invited co-signers still to answer, while the co-signing window is open. */
    pendingCoSignerIds: pendingCoSigners(state),
    assignments: state.assignments.map((a) => presentAssignment(state, a, policy, unitNames, caller)),
    feedback: state.feedback.map((f) => ({ ...f, ratingLabel: labelOf(policy.satisfactionScale, f.rating) })),
  };
}

/** A clock as both sources describe it: the workflow's table (live) and the item's view (final). */
type ClockFacts = Omit<ClockRow, 'status' | 'fired' | 'nextStepAt'>;

const fromState = (c: ClockState): ClockFacts => ({
  ...c,
  clockId: c.id,
  responsible: c.responsible ?? {},
  deadline: c.plan.deadline,
  escalation: highestEscalation(c.plan.steps.filter((s) => c.fired.includes(s.step)).map((s) => s.kind)),
});

/** Open deadlines, earliest first: the workflow's own table while it runs (the view may lag). */
function openClocks(loaded: LoadedProposal, recorded: ClockRow[]): ClockFacts[] {
  const clocks = loaded.clocks
    ? Object.values(loaded.clocks)
        .filter((c) => c.status === 'running')
        .map(fromState)
    : recorded.filter((c) => c.status === 'running');
  return clocks.sort((a, b) => a.deadline.dueAt - b.deadline.dueAt);
}

const presentClock = (c: ClockFacts) => ({
  clockId: c.clockId,
  code: c.code,
  label: c.label,
  responsible: c.responsible ?? {},
  startedAt: toIso(c.startedAt),
  due: c.deadline.due,
  dueAt: c.deadline.dueAtIso,
  overdue: c.overdue,
  escalation: c.escalation ?? null,
  escalationLabel: c.escalation ? (stepKindLabels[c.escalation as StepKind] ?? c.escalation) : null,
  rule: c.deadline.rule,
  explanation: c.deadline.explanation,
  calendarVersion: c.deadline.calendarVersion,
  uncertain: c.deadline.uncertain,
});

const presentEntry = ({ at, kind, label, actor, data }: TimelineRow) => ({
  at: toIso(at),
  kind,
  label,
  ...(actor ? { actor } : {}),
  ...(data ? { data } : {}),
});

export type ProposalDetail = Awaited<ReturnType<typeof presentDetail>>;

export async function presentDetail(deps: AppDeps, loaded: LoadedProposal, caller: Caller) {
  const { store } = deps;
  const { state } = loaded;
  const id = state.proposalId;
  const [policy, item, units] = await Promise.all([
    policyOf(store, state.policyVersion),
    readItem(store, id),
    directory(store, 'units').some([...new Set(state.assignments.map((a) => a.unitId))]),
  ]);
  const actions =
    loaded.live && loaded.clocks ? availableActions(state, caller, { policy, clocks: loaded.clocks }) : [];
  return {
    proposal: presentState(state, policy, new Map(units.map((u) => [u.id, u.name])), caller),
    live: loaded.live,
    deadlines: openClocks(loaded, item.clocks).map(presentClock),
    timeline: item.timeline
      .filter((e) => !reviewEntryKinds.includes(e.kind) || seesDraftOf(caller, String(e.data?.unitId)))
      .map(presentEntry),
    actions: actions.map((name) => actionLink(name, actionLabels[name], actionPath(id, name))),
  };
}
