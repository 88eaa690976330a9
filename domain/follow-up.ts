/**
 * Follow-up items (件件有回音, domain.md §4): anything that awaits an answer from
 * somebody. This is the contract other lifecycles start them with, and the rules of
 * the one lifecycle every kind shares: kinds differ only by their policy entry and label.
 *
 * sign-for → response → (evaluation by the sender → at most `sendBacks` new responses)
 *          → (check-ins on the response's commitments until reported done) → closed
 */
import type { FollowUpKind, Policy } from './policy';
import { proposalNumberPattern } from './proposal-number';
import { belongsToGroup, belongsToUnit, hasRole, seesEverything, type Caller, type Role } from './roles';

export interface FollowUpParty {
  userIds?: string[];
  groupId?: string;
  unitId?: string;
}

export interface FollowUpInput {
  followUpId: string;
  kind: FollowUpKind;
  title: string;
  content: string;
  /** Who is owed the answer and evaluates it. */
  sender: FollowUpParty;
  responder: { unitId: string };
  source?: { proposalId?: string; postingId?: string; campaignId?: string };
  policy: Policy;
  policyVersion: number;
}

/** A business key, never personal data (architecture.md). */
export const followUpWorkflowId = (followUpId: string) => `followup-${followUpId}`;

/**
 * Item pages are keyed by id alone (store/items.ts), so the ids of the kinds must never meet: the
 * server numbers proposals `2026-0123` and postings `<group>-<YYYY-MM-DD>`, and a follow-up id a
 * client chooses may take neither shape. Why `id` is refused, or undefined.
 */
export function followUpIdProblem(id: string): string | undefined {
  if (proposalNumberPattern.test(id)) return `${id} 形如提案编号，跟踪事项不能使用`;
  if (/-\d{4}-\d{2}-\d{2}$/.test(id)) return `${id} 形如派驻编号（以日期结尾），跟踪事项不能使用`;
  return undefined;
}

/** Named after what the item waits for. */
export const followUpStatuses = [
  'awaitingAcknowledgement',
  'awaitingResponse',
  'awaitingEvaluation',
  'implementing',
  'closed',
] as const;
export type FollowUpStatus = (typeof followUpStatuses)[number];

export const followUpStatusLabels: Record<FollowUpStatus, string> = {
  awaitingAcknowledgement: '待签收',
  awaitingResponse: '待答复',
  awaitingEvaluation: '待评价',
  implementing: '落实中',
  closed: '已办结',
};

export const followUpOutcomes = ['answered', 'done', 'withdrawn'] as const;
export type FollowUpOutcomeCode = (typeof followUpOutcomes)[number];

export const followUpOutcomeLabels: Record<FollowUpOutcomeCode, string> = {
  answered: '已答复办结',
  done: '已落实办结',
  withdrawn: '已撤销',
};

export interface FollowUpAcknowledgement {
  at: number;
  by: string;
  onTime: boolean;
}

export interface FollowUpResponse {
  /** 1, then 2 … after each send-back. */
  round: number;
  content: string;
  /** Commitments (承诺事项) the responder makes; check-ins follow them until reported done. */
  commitments: string[];
  at: number;
  by: string;
  onTime: boolean;
}

/** `accepted`: the sender rated the response; `sentBack`: rated and asked for a new one; `lapsed`: no rating in time. */
export type EvaluationVerdict = 'accepted' | 'sentBack' | 'lapsed';

export interface FollowUpEvaluation {
  round: number;
  verdict: EvaluationVerdict;
  adoption?: string;
  satisfaction?: string;
  comment?: string;
  at: number;
  by?: string;
}

export interface FollowUpCheckIn {
  seq: number;
  progress: string;
  at: number;
  by: string;
  onTime: boolean;
}

export interface FollowUpOutcome {
  code: FollowUpOutcomeCode;
  at: number;
  by?: string;
  note?: string;
}

/** Everything the workflow knows about an item, as plain data carried through continue-as-new. */
export interface FollowUpState {
  status: FollowUpStatus;
  createdAt: number;
  acknowledgement?: FollowUpAcknowledgement;
  responses: FollowUpResponse[];
  evaluations: FollowUpEvaluation[];
  checkIns: FollowUpCheckIn[];
  outcome?: FollowUpOutcome;
  /** Bumped on every change: orders read-model writes and keys timeline entries. */
  revision: number;
}

export const initialFollowUpState = (createdAt: number): FollowUpState => ({
  status: 'awaitingAcknowledgement',
  createdAt,
  responses: [],
  evaluations: [],
  checkIns: [],
  revision: 0,
});

export const sendBacksUsed = (state: FollowUpState) =>
  state.evaluations.filter((e) => e.verdict === 'sentBack').length;

/** The response round awaited or last received. */
export const currentRound = (state: FollowUpState) => 1 + sendBacksUsed(state);

export const latestResponse = (state: FollowUpState): FollowUpResponse | undefined => state.responses.at(-1);

/** Clock ids: one per round or period, so each keeps its own record of being met on time. */
export const followUpClockIds = {
  acknowledge: 'acknowledge',
  response: (round: number) => `response-${round}`,
  evaluation: (round: number) => `evaluation-${round}`,
  checkIn: (seq: number) => `checkIn-${seq}`,
};

export type FollowUpKindPolicy = Policy['followUpKinds'][FollowUpKind];

/** After a response is accepted (rated or not): implementation check-ins if it made commitments, else done. */
export function afterEvaluation(
  kind: FollowUpKindPolicy,
  response: FollowUpResponse,
): 'implementing' | 'closed' {
  return kind.checkIn && response.commitments.length > 0 ? 'implementing' : 'closed';
}

/** After a response: the sender rates it when the kind asks for that. */
export function afterResponse(
  kind: FollowUpKindPolicy,
  response: FollowUpResponse,
): 'awaitingEvaluation' | 'implementing' | 'closed' {
  return kind.evaluation ? 'awaitingEvaluation' : afterEvaluation(kind, response);
}

// ---- human actions ---------------------------------------------------------------------------

/** A human action on an item; `by` is the acting user's id. */
export type FollowUpCommand =
  | { action: 'acknowledge'; by: string }
  | { action: 'respond'; by: string; content: string; commitments: string[] }
  | { action: 'evaluate' | 'sendBack'; by: string; adoption: string; satisfaction: string; comment?: string }
  | { action: 'checkIn'; by: string; progress: string }
  /** `note`: what was done (reportDone) or why (withdraw). */
  | { action: 'reportDone' | 'withdraw'; by: string; note: string };
export type FollowUpAction = FollowUpCommand['action'];

export const followUpActionLabels: Record<FollowUpAction, string> = {
  acknowledge: '签收',
  respond: '答复',
  evaluate: '评价',
  sendBack: '退回重新答复',
  checkIn: '报告落实进展',
  reportDone: '报告落实完成',
  withdraw: '撤销',
};

/** Who may take each action (the API checks the caller against the item). */
export const followUpActionParty: Record<FollowUpAction, 'responder' | 'sender' | 'committee'> = {
  acknowledge: 'responder',
  respond: 'responder',
  evaluate: 'sender',
  sendBack: 'sender',
  checkIn: 'responder',
  reportDone: 'responder',
  withdraw: 'committee',
};

/** A refused action: a stable code and a message for people. */
export interface Refusal {
  code: string;
  message: string;
}

function closedRefusal(state: FollowUpState, action: FollowUpAction): Refusal | undefined {
  if (state.status !== 'closed') return undefined;
  const outcome = state.outcome ? followUpOutcomeLabels[state.outcome.code] : followUpStatusLabels.closed;
  return {
    code: 'follow_up_closed',
    message: `该事项已办结（${outcome}），不能${followUpActionLabels[action]}`,
  };
}

function stageRefusal(
  state: FollowUpState,
  action: FollowUpAction,
  wanted: FollowUpStatus,
  code: string,
): Refusal | undefined {
  if (state.status === wanted) return undefined;
  const [now, needed] = [followUpStatusLabels[state.status], followUpStatusLabels[wanted]];
  return { code, message: `该事项当前${now}，${needed}时才能${followUpActionLabels[action]}` };
}

/** Codes the sender rates with must come from the item's own policy scales. */
function ratingRefusal(policy: Policy, adoption: string, satisfaction: string): Refusal | undefined {
  const known = (scale: { code: string }[]) => scale.map((e) => e.code).join('、');
  if (!policy.adoptionScale.some((e) => e.code === adoption))
    return {
      code: 'unknown_adoption',
      message: `采纳情况 ${adoption} 不在采纳等级中（${known(policy.adoptionScale)}）`,
    };
  if (!policy.satisfactionScale.some((e) => e.code === satisfaction))
    return {
      code: 'unknown_satisfaction',
      message: `满意度 ${satisfaction} 不在满意度等级中（${known(policy.satisfactionScale)}）`,
    };
  return undefined;
}

/** One send-back (policy `sendBacks`) for a new response, and only when the rating is unsatisfied. */
function sendBackRefusal(
  state: FollowUpState,
  input: FollowUpInput,
  satisfaction: string,
): Refusal | undefined {
  const rating = input.policy.satisfactionScale.find((e) => e.code === satisfaction);
  if (rating?.counts !== 'unsatisfied')
    return { code: 'send_back_needs_unsatisfied', message: '只有评价为不满意的答复才能退回重新答复' };
  const allowed = input.policy.followUpKinds[input.kind].sendBacks;
  if (sendBacksUsed(state) < allowed) return undefined;
  const message = allowed === 0 ? '此类事项不能退回重新答复' : `退回重新答复至多 ${allowed} 次，已用完`;
  return { code: 'send_backs_used_up', message };
}

/** Why `command` is refused in `state`, or undefined when it may go ahead. */
export function followUpRefusal(
  state: FollowUpState,
  input: FollowUpInput,
  command: FollowUpCommand,
): Refusal | undefined {
  const closed = closedRefusal(state, command.action);
  if (closed) return closed;
  switch (command.action) {
    case 'acknowledge':
      return state.acknowledgement
        ? { code: 'already_acknowledged', message: '该事项已签收，无需重复签收' }
        : undefined;
    case 'respond':
      return state.status === 'awaitingAcknowledgement'
        ? { code: 'not_acknowledged', message: '请先签收，再答复' }
        : stageRefusal(state, 'respond', 'awaitingResponse', 'not_awaiting_response');
    case 'evaluate':
    case 'sendBack':
      return (
        stageRefusal(state, command.action, 'awaitingEvaluation', 'not_awaiting_evaluation') ??
        ratingRefusal(input.policy, command.adoption, command.satisfaction) ??
        (command.action === 'sendBack' ? sendBackRefusal(state, input, command.satisfaction) : undefined)
      );
    case 'checkIn':
    case 'reportDone':
      return stageRefusal(state, command.action, 'implementing', 'not_implementing');
    case 'withdraw':
      return undefined;
  }
}

// ---- the read model --------------------------------------------------------------------------

/** What the read model stores of an item and the API shows; times are epoch ms. */
export interface FollowUpView {
  followUpId: string;
  kind: FollowUpKind;
  kindLabel: string;
  title: string;
  content: string;
  sender: FollowUpParty;
  responder: { unitId: string };
  source: { proposalId?: string; postingId?: string; campaignId?: string };
  policyVersion: number;
  status: FollowUpStatus;
  statusLabel: string;
  round: number;
  sendBacksLeft: number;
  acknowledgement: FollowUpAcknowledgement | null;
  responses: FollowUpResponse[];
  evaluations: FollowUpEvaluation[];
  checkIns: FollowUpCheckIn[];
  outcome: FollowUpOutcome | null;
  /** The response is in (the sender or the commitments are what is left). */
  answered: boolean;
  /** Whether the first response came by its deadline; null until it comes. */
  respondedOnTime: boolean | null;
  /** The sender's latest rating, and whether its adoption counts as adopted (§7 adoption rate). */
  adoption: string | null;
  adopted: boolean | null;
  satisfaction: string | null;
  /** The commitments still being implemented (empty unless implementing). */
  openCommitments: string[];
  /** The scales the sender rates on, from the item's policy (null when the kind has no evaluation). */
  scales: {
    adoption: { code: string; label: string }[];
    satisfaction: { code: string; label: string }[];
  } | null;
  createdAt: number;
  closedAt: number | null;
  revision: number;
}

const codeAndLabel = ({ code, label }: { code: string; label: string }) => ({ code, label });

export function followUpView(input: FollowUpInput, state: FollowUpState): FollowUpView {
  const { policy } = input;
  const kind = policy.followUpKinds[input.kind];
  const rated = state.evaluations.filter((e) => e.verdict !== 'lapsed').at(-1);
  const response = latestResponse(state);
  return {
    followUpId: input.followUpId,
    kind: input.kind,
    kindLabel: kind.label,
    title: input.title,
    content: input.content,
    sender: input.sender,
    responder: input.responder,
    source: input.source ?? {},
    policyVersion: input.policyVersion,
    status: state.status,
    statusLabel: followUpStatusLabels[state.status],
    round: currentRound(state),
    sendBacksLeft: Math.max(0, kind.sendBacks - sendBacksUsed(state)),
    acknowledgement: state.acknowledgement ?? null,
    responses: state.responses,
    evaluations: state.evaluations,
    checkIns: state.checkIns,
    outcome: state.outcome ?? null,
    answered:
      state.status === 'awaitingEvaluation' ||
      state.status === 'implementing' ||
      (state.status === 'closed' && !!response),
    respondedOnTime: state.responses[0]?.onTime ?? null,
    adoption: rated?.adoption ?? null,
    adopted: rated ? policy.adoptionScale.find((e) => e.code === rated.adoption)?.counts === 'adopted' : null,
    satisfaction: rated?.satisfaction ?? null,
    openCommitments: state.status === 'implementing' ? (response?.commitments ?? []) : [],
    scales: kind.evaluation
      ? {
          adoption: policy.adoptionScale.map(codeAndLabel),
          satisfaction: policy.satisfactionScale.map(codeAndLabel),
        }
      : null,
    createdAt: state.createdAt,
    closedAt: state.outcome?.at ?? null,
    revision: state.revision,
  };
}

// ---- who sees and acts -----------------------------------------------------------------------

/** Roles that act for the responding unit (its liaison, leader, or a supervised department). */
export const responderRoles: readonly Role[] = ['unit', 'unitLeader', 'department'];

type Parties = Pick<FollowUpInput, 'sender' | 'responder'>;

export const isResponder = (caller: Caller, { responder }: Parties) =>
  hasRole(caller, ...responderRoles) && belongsToUnit(caller, responder.unitId);

/** A group's supervisors rate for their group; a named person for themselves; a unit's people for their unit. */
export const isSender = (caller: Caller, { sender }: Parties) =>
  (sender.groupId !== undefined && belongsToGroup(caller, sender.groupId) && hasRole(caller, 'supervisor')) ||
  (sender.userIds?.includes(caller.id) ?? false) ||
  (sender.unitId !== undefined && belongsToUnit(caller, sender.unitId) && hasRole(caller, ...responderRoles));

/**
 * Who may read an item, for the detail, every action and every list: body-wide roles every item;
 * anyone else the items their unit answers or their unit, group or self sent (unit and group scope
 * for unit and group roles only, domain/roles.ts).
 */
export const maySee = (caller: Caller, { sender, responder }: Parties) =>
  seesEverything(caller) ||
  belongsToUnit(caller, responder.unitId) ||
  (sender.unitId !== undefined && belongsToUnit(caller, sender.unitId)) ||
  (sender.groupId !== undefined && belongsToGroup(caller, sender.groupId)) ||
  (sender.userIds?.includes(caller.id) ?? false);

/** The actions that fit each open status; committee staff may withdraw an item in any. */
const stageActions: Partial<Record<FollowUpStatus, FollowUpAction[]>> = {
  awaitingAcknowledgement: ['acknowledge'],
  awaitingResponse: ['respond'],
  awaitingEvaluation: ['evaluate', 'sendBack'],
  implementing: ['checkIn', 'reportDone'],
};

/** What `caller` may do on `item` now (the detail's `actions`; each is checked again when sent). */
export function followUpActionsFor(
  caller: Caller,
  item: Parties & Pick<FollowUpView, 'status' | 'sendBacksLeft'>,
): FollowUpAction[] {
  if (item.status === 'closed') return [];
  return [...(stageActions[item.status] ?? []), 'withdraw' as const].filter(
    (action) => (action !== 'sendBack' || item.sendBacksLeft > 0) && mayAct(caller, item, action),
  );
}

export function mayAct(caller: Caller, item: Parties, action: FollowUpAction): boolean {
  switch (followUpActionParty[action]) {
    case 'responder':
      return isResponder(caller, item);
    case 'sender':
      return isSender(caller, item);
    case 'committee':
      return hasRole(caller, 'committee', 'admin');
  }
}
