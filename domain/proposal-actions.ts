/**
 * Every human action on a proposal: its arguments (zod, shared by the API's
 * validation and OpenAPI), who may take it, and when the workflow refuses it.
 * `refusal` is what the workflow's Update validator runs; `availableActions`
 * is what the API shows a caller.
 */
import { z } from 'zod';
import type { ClockState } from './ladder';
import type { Policy } from './policy';
import {
  activeAssignments,
  assignmentOf,
  contactsOf,
  currentReply,
  feedbackGroups,
  finalStatuses,
  groupFeedback,
  groupRound,
  groupStage,
  handlingStages,
  proposalStatusLabels,
  proposers,
  replyingAssignments,
  roundOf,
  stageOf,
  type FeedbackGroup,
  type HandlingStage,
  type ProposalState,
  type ProposalStatus,
} from './proposal';
import { hasRole, type Caller, type Role } from './roles';
import { dateOf, isoDateSchema } from './time';

const text = (max: number) => z.string().trim().min(1).max(max);
const id = z.string().trim().min(1).max(64);

/** Arguments of each action, without the acting person (the API adds `by` from the token). */
export const actionSchemas = {
  cosign: z.object({
    accept: z.boolean(),
    /** Committee staff recording a co-signer's answer given on paper (the CSV import): whose it is. */
    coSignerId: id.optional(),
  }),
  withdraw: z.object({ reason: text(500).optional() }),
  review: z.discriminatedUnion('decision', [
    z.object({ decision: z.literal('file'), note: text(500).optional() }),
    z.object({ decision: z.literal('notFile'), reason: id, note: text(500).optional() }),
    z.object({ decision: z.literal('convert'), unitId: id, note: text(500).optional() }),
    z.object({ decision: z.literal('merge'), intoProposalId: id, note: text(500).optional() }),
  ]),
  consent: z.object({ accept: z.boolean() }),
  assign: z
    .object({
      leadUnitId: id.optional(),
      coHandlerUnitIds: z.array(id).max(10).default([]),
      parallelUnitIds: z.array(id).max(20).default([]),
    })
    .refine((a) => Boolean(a.leadUnitId) !== a.parallelUnitIds.length > 0, {
      message: 'name either one lead unit (with optional co-handlers) or parallel units',
      path: ['leadUnitId'],
    })
    .refine((a) => a.parallelUnitIds.length === 0 || a.coHandlerUnitIds.length === 0, {
      message: 'parallel units have no co-handlers',
      path: ['coHandlerUnitIds'],
    }),
  signFor: z.object({ unitId: id }),
  requestReturn: z.object({ unitId: id, reason: text(1000) }),
  ruleReturn: z.object({
    unitId: id,
    approve: z.boolean(),
    toUnitId: id.optional(),
    reason: text(500).optional(),
  }),
  recordContact: z.object({
    unitId: id,
    /** Default 办前面商 (before handling). */
    stage: z.enum(['beforeHandling', 'duringHandling', 'consultationMeeting']).optional(),
    method: z.enum(['inPerson', 'phone', 'meeting', 'written']),
    /** The day it took place; default today. Never in the future. */
    date: isoDateSchema.optional(),
    participants: text(500).optional(),
    note: text(2000).optional(),
  }),
  confirmContact: z.object({
    unitId: id,
    /** The contact's number within the unit's log (a form may send it as text). */
    contactNo: z.coerce.number().int().min(1),
    /** true: 已见面 (it took place as recorded); false: disputed, with a note the committee reads. */
    confirmed: z.boolean(),
    note: text(500).optional(),
  }),
  sendOpinion: z.object({ unitId: id, text: text(10_000) }),
  waiveOpinion: z.object({ unitId: id }),
  requestExtension: z.object({ unitId: id, until: isoDateSchema, reason: text(1000) }),
  ruleExtension: z.object({ unitId: id, approve: z.boolean(), reason: text(500).optional() }),
  reply: z.object({
    unitId: id,
    resultClass: z.string().min(1),
    text: text(50_000),
    commitments: text(10_000).optional(),
    targetDate: isoDateSchema.optional(),
  }),
  /** A liaison's draft of the unit's reply (domain.md §2.5): it goes to the unit leader to sign off. */
  draftReply: z.object({
    unitId: id,
    resultClass: z.string().min(1),
    text: text(50_000),
    commitments: text(10_000).optional(),
    targetDate: isoDateSchema.optional(),
    /** Attachments already uploaded on the proposal (purpose `reply`) that go with the reply. */
    attachmentIds: z.array(id).max(20).optional(),
  }),
  /** The unit leader signs the draft off (on to the committee's check, or released) or returns it. */
  signOffReply: z.object({ unitId: id, approve: z.boolean(), reason: text(500).optional() }),
  /** The committee's check before release: approve releases it, else it returns to the unit with a reason. */
  checkReply: z.object({ unitId: id, approve: z.boolean(), reason: text(500).optional() }),
  reclassify: z.object({ unitId: id, resultClass: z.string().min(1), reason: text(500) }),
  feedback: z.object({
    /** The unit whose reply is rated; needed only while several units' replies await ratings. */
    unitId: id.optional(),
    rating: z.string().min(1),
    processRating: z.string().min(1).optional(),
    outcomeRating: z.string().min(1).optional(),
    comment: text(2000).optional(),
  }),
  ruleFeedback: z.object({
    /** The unit whose unsatisfied reply is ruled on; needed only while several await a ruling. */
    unitId: id.optional(),
    decision: z.enum(['rehandle', 'close']),
    reason: text(500).optional(),
  }),
  recordConsultation: z.object({ unitId: id.optional(), record: text(10_000) }),
  markKey: z.object({ leaderId: id }),
  logSupervision: z.object({
    activity: z.enum(['research', 'forum', 'meeting']),
    date: isoDateSchema,
    note: text(2000),
  }),
} as const;

export type ActionName = keyof typeof actionSchemas;
export const actionNames = Object.keys(actionSchemas) as ActionName[];

export type ActionArgs<A extends ActionName> = z.infer<(typeof actionSchemas)[A]>;
/** An action as the workflow receives it: name, arguments, and who takes it. */
export type ProposalAction = { [A in ActionName]: { name: A; args: ActionArgs<A>; by: string } }[ActionName];

export const actionLabels: Record<ActionName, string> = {
  cosign: '联名确认',
  withdraw: '撤回',
  review: '立案审查',
  consent: '同意转办',
  assign: '交办',
  signFor: '签收',
  requestReturn: '申请退回',
  ruleReturn: '审核退回申请',
  recordContact: '记录沟通',
  confirmContact: '确认沟通（已见面）',
  sendOpinion: '提交会办意见',
  waiveOpinion: '免于会办意见',
  requestExtension: '申请延期',
  ruleExtension: '审核延期申请',
  reply: '书面答复',
  draftReply: '起草答复',
  signOffReply: '审签答复',
  checkReply: '审核答复',
  reclassify: '调整答复类别',
  feedback: '征询意见反馈',
  ruleFeedback: '不满意件处理',
  recordConsultation: '记录当面协商',
  markKey: '列为重点提案',
  logSupervision: '记录督办活动',
};

/** Who may take each action (domain.md §1); unit-scoped actions also need the caller's own unit. */
export const actionRoles: Record<ActionName, readonly Role[]> = {
  cosign: ['member', 'organization', 'committee'],
  withdraw: ['member', 'organization'],
  review: ['committee'],
  consent: ['member', 'organization'],
  assign: ['committee'],
  signFor: ['unit', 'unitLeader'],
  requestReturn: ['unit', 'unitLeader'],
  ruleReturn: ['committee'],
  recordContact: ['unit', 'unitLeader'],
  confirmContact: ['member', 'organization'],
  sendOpinion: ['unit', 'unitLeader'],
  waiveOpinion: ['committee'],
  requestExtension: ['unit', 'unitLeader'],
  ruleExtension: ['committee'],
  reply: ['unitLeader'],
  draftReply: ['unit', 'unitLeader'],
  signOffReply: ['unitLeader'],
  checkReply: ['committee'],
  reclassify: ['committee'],
  feedback: ['member', 'organization'],
  ruleFeedback: ['committee'],
  recordConsultation: ['leader', 'committee'],
  markKey: ['leader', 'committee'],
  logSupervision: ['leader', 'committee'],
};

/** A reason an action is refused: a stable code and a Chinese message. */
export interface Refusal {
  code: string;
  message: string;
}

export interface RuleContext {
  policy: Policy;
  clocks: Record<string, ClockState>;
}

/** Clock ids of a proposal: one per clock code, per unit or per proposer where several run at once. */
export const clockIds = {
  cosigning: 'cosigning',
  review: 'review',
  consent: 'consent',
  assignment: 'assignment',
  signFor: (unitId: string) => `signFor:${unitId}`,
  returnWindow: (unitId: string) => `returnWindow:${unitId}`,
  returnRuling: (unitId: string) => `returnRuling:${unitId}`,
  contact: (unitId: string) => `contact:${unitId}`,
  coHandlerOpinion: (unitId: string) => `coHandlerOpinion:${unitId}`,
  reply: (unitId: string) => `reply:${unitId}`,
  /** The unit leader's sign-off of a draft (or the unit's revision after the committee returned it). */
  replySignOff: (unitId: string) => `replySignOff:${unitId}`,
  /** The committee's check of a signed-off reply before release. */
  replyCheck: (unitId: string) => `replyCheck:${unitId}`,
  /** Per unit where each unit's reply is rated on its own; the whole proposal's otherwise. */
  feedback: (proposerId: string, unitId?: string) =>
    unitId ? `feedback:${unitId}:${proposerId}` : `feedback:${proposerId}`,
  feedbackRuling: (unitId?: string) => (unitId ? `feedbackRuling:${unitId}` : 'feedbackRuling'),
  consultation: (unitId?: string) => (unitId ? `consultation:${unitId}` : 'consultation'),
};

const refuse = (code: string, message: string): Refusal => ({ code, message });
const running = (ctx: RuleContext, id: string) => ctx.clocks[id]?.status === 'running';

/**
 * While units handle it: each unit moves on its own (domain.md §2.5), so a unit's action is checked
 * against that unit's stage below, not against the proposal's status.
 */
const handlingPhase: readonly ProposalStatus[] = handlingStages.filter((s) => s !== 'closed');

/** Statuses in which each proposal-level action makes sense. */
const statusRules: Partial<Record<ActionName, readonly ProposalStatus[]>> = {
  cosign: ['cosigning'],
  withdraw: ['cosigning', 'underReview'],
  review: ['underReview'],
  consent: ['awaitingConsent'],
  assign: ['awaitingAssignment'],
  signFor: handlingPhase,
  requestReturn: handlingPhase,
  ruleReturn: handlingPhase,
  recordContact: handlingPhase,
  confirmContact: handlingPhase,
  sendOpinion: handlingPhase,
  waiveOpinion: handlingPhase,
  requestExtension: handlingPhase,
  ruleExtension: handlingPhase,
  reply: handlingPhase,
  draftReply: handlingPhase,
  signOffReply: handlingPhase,
  checkReply: handlingPhase,
  reclassify: [...handlingPhase, 'closed'],
  feedback: handlingPhase,
  ruleFeedback: handlingPhase,
  recordConsultation: handlingPhase,
  markKey: ['underReview', 'awaitingAssignment', 'handling', 'awaitingFeedback', 'rehandling'],
  logSupervision: ['awaitingAssignment', 'handling', 'awaitingFeedback', 'rehandling', 'consultation'],
};

/**
 * Why the workflow refuses `action` now, or null when it may proceed. Role and unit membership are
 * the API's to check (it knows the caller); this checks the proposal's state and the policy's rules.
 */
export function refusal(state: ProposalState, action: ProposalAction, ctx: RuleContext): Refusal | null {
  const allowed = statusRules[action.name];
  if (allowed && !allowed.includes(state.status)) {
    return refuse('wrongState', `提案当前状态不能${actionLabels[action.name]}`);
  }
  return actionRefusal(state, action, ctx);
}

function actionRefusal(state: ProposalState, action: ProposalAction, ctx: RuleContext): Refusal | null {
  const { policy } = ctx;
  switch (action.name) {
    case 'cosign': {
      const coSigner = coSignerOf(action);
      if (!state.coSignerIds.includes(coSigner)) return refuse('notCoSigner', '您不是本提案的联名人');
      const answered = [...state.confirmedCoSignerIds, ...state.declinedCoSignerIds].includes(coSigner);
      return answered ? refuse('alreadyAnswered', '您已确认过联名') : null;
    }
    case 'withdraw':
    case 'consent':
      return action.by === state.leadProposerId
        ? null
        : refuse('notLeadProposer', '只有第一提案人可以进行此操作');
    case 'review': {
      const decision = action.args;
      if (
        decision.decision === 'notFile' &&
        !policy.notFiledReasons.some((r) => r.code === decision.reason)
      ) {
        return refuse('unknownReason', `不予立案理由 ${decision.reason} 不在规则列表中`);
      }
      if (decision.decision === 'merge' && decision.intoProposalId === state.proposalId) {
        return refuse('selfMerge', '不能并入本提案自身');
      }
      return null;
    }
    case 'assign': {
      const units = [action.args.leadUnitId, ...action.args.coHandlerUnitIds, ...action.args.parallelUnitIds];
      return new Set(units).size === units.length ? null : refuse('duplicateUnit', '同一单位不能重复交办');
    }
    case 'signFor': {
      const a = assignmentOf(state, action.args.unitId);
      if (!a) return notAssigned();
      return a.status === 'assigned' ? null : refuse('alreadySigned', '本单位已签收');
    }
    case 'requestReturn': {
      const a = assignmentOf(state, action.args.unitId);
      if (!a) return notAssigned();
      if (a.returnRequest && !a.returnRequest.ruling) return refuse('returnPending', '退回申请正在审核');
      if (a.returnRequest) return refuse('returnAlreadyRuled', '退回申请已审核，不能再次申请');
      if (!running(ctx, clockIds.returnWindow(a.unitId)))
        return refuse('returnWindowClosed', '已超过申请退回期限，交办不再变更');
      return a.status === 'replied' ? refuse('alreadyReplied', '已答复的提案不能申请退回') : null;
    }
    case 'ruleReturn': {
      const a = assignmentOf(state, action.args.unitId);
      if (!a?.returnRequest || a.returnRequest.ruling)
        return refuse('noReturnRequest', '该单位没有待审核的退回申请');
      if (!action.args.approve) return null;
      if (!action.args.toUnitId) return refuse('missingUnit', '同意退回时须指定改办单位');
      return assignmentOf(state, action.args.toUnitId)
        ? refuse('duplicateUnit', '改办单位已在办理本提案')
        : null;
    }
    case 'recordContact':
      if (!assignmentOf(state, action.args.unitId)) return notAssigned();
      return action.args.date && action.args.date > dateOf(Date.now())
        ? refuse('futureDate', '沟通日期不能晚于今天')
        : null;
    case 'confirmContact': {
      if (!proposers(state).includes(action.by)) return refuse('notProposer', '您不是本提案的提案人');
      const a = state.assignments.find((x) => x.unitId === action.args.unitId);
      const contact = a && contactsOf(a).find((c) => c.no === action.args.contactNo);
      if (!contact) return refuse('noContact', '该单位没有这条沟通记录');
      return contact.confirmation ? refuse('contactAnswered', '这条沟通记录已确认或已提出异议') : null;
    }
    case 'sendOpinion': {
      const a = assignmentOf(state, action.args.unitId);
      if (!a) return notAssigned();
      if (a.role !== 'coHandler') return refuse('notCoHandler', '只有会办单位提交会办意见');
      return a.opinion ? refuse('opinionSent', '会办意见已提交') : null;
    }
    case 'waiveOpinion': {
      const a = assignmentOf(state, action.args.unitId);
      return a?.role === 'coHandler' && !a.opinion
        ? null
        : refuse('noOpinionDue', '该单位没有待提交的会办意见');
    }
    case 'requestExtension':
      return extensionRefusal(state, action.args.unitId, action.args.until, ctx);
    case 'ruleExtension': {
      const a = assignmentOf(state, action.args.unitId);
      return a?.extension && !a.extension.ruling
        ? null
        : refuse('noExtensionRequest', '该单位没有待审核的延期申请');
    }
    case 'reply':
    case 'draftReply': {
      const a = assignmentOf(state, action.args.unitId);
      if (a?.draft?.status === 'signedOff' && a.draft.round === roundOf(state, a))
        return refuse('awaitingCheck', '答复已签发，正在委员会审核');
      return replyRefusal(state, action.args.unitId, action.args.resultClass, ctx);
    }
    case 'signOffReply': {
      const a = assignmentOf(state, action.args.unitId);
      if (!a) return notAssigned();
      if (currentReply(a)?.round === roundOf(state, a)) return refuse('alreadyReplied', '本轮已答复');
      if (a.draft?.status === 'signedOff') return refuse('awaitingCheck', '答复已签发，正在委员会审核');
      if (a.draft?.status !== 'drafted') return refuse('noDraft', '没有待审签的答复稿');
      if (!action.args.approve) return action.args.reason ? null : reasonRequired();
      return replyRefusal(state, a.unitId, a.draft.resultClass, ctx);
    }
    case 'checkReply': {
      const a = assignmentOf(state, action.args.unitId);
      if (!a) return notAssigned();
      if (currentReply(a)?.round === roundOf(state, a)) return refuse('alreadyReplied', '本轮已答复');
      if (a.draft?.status !== 'signedOff') return refuse('noCheckDue', '该单位没有待审核的答复');
      return action.args.approve || action.args.reason ? null : reasonRequired();
    }
    case 'reclassify': {
      const a = assignmentOf(state, action.args.unitId);
      if (!a || !currentReply(a)) return refuse('noReply', '该单位尚未答复');
      return knownClass(policy, action.args.resultClass);
    }
    case 'feedback': {
      if (!proposers(state).includes(action.by)) return refuse('notProposer', '您不是本提案的提案人');
      const group = groupAt(state, action.args.unitId, 'awaitingFeedback');
      if ('code' in group) return group;
      const mine = groupFeedback(state, group).find((f) => f.proposerId === action.by);
      if (mine?.rating || mine?.noFeedback) return refuse('feedbackGiven', '本轮已反馈，不能重复反馈');
      const codes = policy.satisfactionScale.map((s) => s.code);
      const ratings = [action.args.rating, action.args.processRating, action.args.outcomeRating];
      const bad = ratings.find((r) => r !== undefined && !codes.includes(r));
      return bad ? refuse('unknownRating', `评价 ${bad} 不在满意度等级中`) : null;
    }
    case 'ruleFeedback': {
      const group = groupAt(state, action.args.unitId, 'awaitingRuling');
      if ('code' in group) return group;
      return action.args.decision === 'rehandle' && groupRound(state, group) > 0
        ? refuse('alreadyRehandled', '已重新办理过一次，仍不满意的应当面协商')
        : null;
    }
    case 'recordConsultation': {
      const group = groupAt(state, action.args.unitId, 'consultation');
      return 'code' in group ? group : null;
    }
    case 'markKey':
      return state.key ? refuse('alreadyKey', '已是重点提案') : null;
    case 'logSupervision':
      return null;
  }
}

const notAssigned = () => refuse('notAssigned', '本单位未承办该提案');
const reasonRequired = () => refuse('reasonRequired', '退回答复须说明理由');

/**
 * The feedback group an action on a rated reply means: the named unit's, or the only one at `stage`
 * (a unit must be named while several are). Refused when that group is not at `stage`.
 */
export function groupAt(
  state: ProposalState,
  unitId: string | undefined,
  stage: HandlingStage,
): FeedbackGroup | Refusal {
  const candidates = unitId
    ? feedbackGroups(state).filter((g) => g.units.some((a) => a.unitId === unitId))
    : feedbackGroups(state).filter((g) => groupStage(state, g) === stage);
  if (unitId && candidates.length === 0) return notAssigned();
  if (candidates.length > 1) return refuse('unitRequired', '有多个承办单位的答复，请指明单位（unitId）');
  const group = candidates[0];
  return group && groupStage(state, group) === stage
    ? group
    : refuse('wrongState', `该答复当前不处于「${proposalStatusLabels[stage]}」阶段`);
}

function knownClass(policy: Policy, code: string): Refusal | null {
  return policy.resultClassScheme.some((c) => c.code === code)
    ? null
    : refuse('unknownResultClass', `答复类别 ${code} 不在规则的分类方案中`);
}

function extensionRefusal(
  state: ProposalState,
  unitId: string,
  until: string,
  ctx: RuleContext,
): Refusal | null {
  const a = assignmentOf(state, unitId);
  if (!a || a.role === 'coHandler') return notAssigned();
  if (a.status === 'replied') return refuse('alreadyReplied', '已答复，无需延期');
  if (a.extension && !a.extension.ruling) return refuse('extensionPending', '延期申请正在审核');
  const reply = ctx.clocks[clockIds.reply(unitId)];
  if (!reply || reply.status !== 'running' || reply.overdue)
    return refuse('pastDeadline', '须在答复期限届满前申请延期');
  if (until <= reply.plan.deadline.due)
    return refuse('notLater', `延期日期须晚于现期限 ${reply.plan.deadline.due}`);
  if (a.capDue && until > a.capDue) return refuse('pastCap', `办理总期限不得超过 ${a.capDue}`);
  return null;
}

function replyRefusal(
  state: ProposalState,
  unitId: string,
  resultClass: string,
  ctx: RuleContext,
): Refusal | null {
  const a = assignmentOf(state, unitId);
  if (!a) return notAssigned();
  if (a.role === 'coHandler') return refuse('coHandlerReplies', '会办单位向主办单位提交会办意见，不直接答复');
  if (a.status === 'assigned') return refuse('notSigned', '请先签收');
  if (a.status === 'returnRequested') return refuse('returnPending', '退回申请正在审核');
  const stage = stageOf(state, a);
  if (stage !== 'handling' && stage !== 'rehandling') return refuse('alreadyReplied', '本轮已答复');
  if (currentReply(a)?.round === roundOf(state, a)) return refuse('alreadyReplied', '本轮已答复');
  if (ctx.policy.flags.consultBeforeReply && contactsOf(a).length === 0) {
    return refuse('contactRequired', '先协商后答复：请先记录与提案者的沟通');
  }
  if (a.role === 'lead') {
    const missing = activeAssignments(state).filter(
      (c) => c.role === 'coHandler' && !c.opinion && !c.opinionWaived,
    );
    if (missing.length > 0) {
      return refuse(
        'opinionMissing',
        `会办单位 ${missing.map((c) => c.unitId).join('、')} 的会办意见尚未提交`,
      );
    }
  }
  return knownClass(ctx.policy, resultClass);
}

/** True once every unit of the group has replied in its current round. */
export const groupReplied = (state: ProposalState, g: FeedbackGroup) =>
  g.units.every((a) => currentReply(a)?.round === roundOf(state, a));

/**
 * The actions `caller` may take on the proposal now, with the unit they act for where it matters —
 * what the detail page offers. Each is checked against the same rules the workflow enforces.
 */
export function availableActions(state: ProposalState, caller: Caller, ctx: RuleContext): ActionName[] {
  return actionNames.filter((name) => {
    if (!hasRole(caller, ...actionRoles[name])) return false;
    const probe = probeAction(name, state, caller, ctx.policy);
    return probe !== null && refusal(state, probe, ctx) === null;
  });
}

/** A representative action for the availability check: the caller's own unit, a known class and rating. */
function probeAction(
  name: ActionName,
  state: ProposalState,
  caller: Caller,
  policy: Policy,
): ProposalAction | null {
  const unitId = caller.unitId ?? '';
  const by = caller.id;
  const pending = (pick: (a: ProposalState['assignments'][number]) => boolean) =>
    activeAssignments(state).find(pick)?.unitId;
  const args: Partial<Record<ActionName, unknown>> = {
    cosign: { accept: true },
    withdraw: {},
    review: { decision: 'file' },
    consent: { accept: true },
    assign: { leadUnitId: '?', coHandlerUnitIds: [], parallelUnitIds: [] },
    signFor: { unitId },
    requestReturn: { unitId, reason: '?' },
    ruleReturn: {
      unitId: pending((a) => Boolean(a.returnRequest && !a.returnRequest.ruling)),
      approve: false,
    },
    recordContact: { unitId, method: 'phone' },
    confirmContact: unconfirmedContact(state),
    sendOpinion: { unitId, text: '?' },
    waiveOpinion: { unitId: pending((a) => a.role === 'coHandler' && !a.opinion && !a.opinionWaived) },
    // The latest date allowed: offered while any extension is still possible.
    requestExtension: { unitId, until: assignmentOf(state, unitId)?.capDue ?? '', reason: '?' },
    ruleExtension: { unitId: pending((a) => Boolean(a.extension && !a.extension.ruling)), approve: false },
    reply: { unitId, resultClass: policy.resultClassScheme[0].code },
    draftReply: { unitId, resultClass: policy.resultClassScheme[0].code },
    // Returning needs no more than a draft awaiting the step (a reason is asked for by the form).
    signOffReply: { unitId, approve: false, reason: '?' },
    checkReply: { unitId: pending((a) => a.draft?.status === 'signedOff'), approve: true },
    reclassify: {
      unitId: replyingAssignments(state).find((a) => currentReply(a))?.unitId,
      resultClass: policy.resultClassScheme[0].code,
      reason: '?',
    },
    feedback: { unitId: unitAt(state, 'awaitingFeedback', by), rating: policy.satisfactionScale[0].code },
    ruleFeedback: { unitId: unitAt(state, 'awaitingRuling'), decision: 'close' },
    recordConsultation: { unitId: unitAt(state, 'consultation'), record: '?' },
    markKey: { leaderId: '?' },
    logSupervision: { activity: 'research', date: '2026-01-01', note: '?' },
  };
  const value = args[name] as Record<string, unknown>;
  if (value && 'unitId' in value && !value.unitId) return null;
  return { name, args: value, by } as ProposalAction;
}

/** A unit whose reply is at `stage` (and not yet rated by `proposerId`, if given), for the probes. */
function unitAt(state: ProposalState, stage: HandlingStage, proposerId?: string) {
  const group = feedbackGroups(state).find(
    (g) =>
      groupStage(state, g) === stage && !groupFeedback(state, g).some((f) => f.proposerId === proposerId),
  );
  return group?.units[0]?.unitId;
}

/** The first contact no proposer has answered yet, as confirmContact's probe. */
function unconfirmedContact(state: ProposalState) {
  for (const a of state.assignments) {
    const contact = contactsOf(a).find((c) => !c.confirmation);
    if (contact) return { unitId: a.unitId, contactNo: contact.no, confirmed: true };
  }
  return { unitId: '' };
}

export const isFinal = (state: ProposalState) => finalStatuses.includes(state.status);

/** Whose answer a cosign action is: the caller's own, or the one committee staff record for. */
export const coSignerOf = (action: Extract<ProposalAction, { name: 'cosign' }>) =>
  action.args.coSignerId ?? action.by;
