/**
 * Proposal handling (提案办理, domain.md §2): the state of one proposal as plain
 * data, and the rules of who may do what when. The workflow enforces these rules
 * in its Update validators; the API uses the same functions to list the actions a
 * caller may take now.
 */
import type { ClockState } from './ladder';
import type { Policy } from './policy';
import { dateOf } from './time';

export type ProposalType = 'plenary' | 'interSession';
export const proposalTypeLabels: Record<ProposalType, string> = {
  plenary: '大会提案',
  interSession: '平时提案',
};

export type ProposalStatus =
  | 'cosigning'
  | 'underReview'
  | 'awaitingConsent'
  | 'withdrawn'
  | 'notFiled'
  | 'converted'
  | 'merged'
  | 'awaitingAssignment'
  | 'handling'
  | 'awaitingFeedback'
  | 'awaitingRuling'
  | 'rehandling'
  | 'consultation'
  | 'closed';

export const proposalStatusLabels: Record<ProposalStatus, string> = {
  cosigning: '联名确认中',
  underReview: '审查中',
  awaitingConsent: '待提案者同意转办',
  withdrawn: '已撤回',
  notFiled: '不予立案',
  converted: '已转为意见建议',
  merged: '已并案',
  awaitingAssignment: '待交办',
  handling: '办理中',
  awaitingFeedback: '征询意见中',
  awaitingRuling: '待委员会决定',
  rehandling: '重新办理中',
  consultation: '当面协商中',
  closed: '已办结',
};

/** Statuses in which nothing more happens to the proposal itself (follow-ups may still run). */
export const finalStatuses: readonly ProposalStatus[] = [
  'withdrawn',
  'notFiled',
  'converted',
  'merged',
  'closed',
];

export type UnitRole = 'lead' | 'coHandler' | 'parallel';
export const unitRoleLabels: Record<UnitRole, string> = { lead: '主办', coHandler: '会办', parallel: '分办' };

export type ContactMethod = 'inPerson' | 'phone' | 'meeting' | 'written';
export const contactMethodLabels: Record<ContactMethod, string> = {
  inPerson: '面商',
  phone: '电话',
  meeting: '座谈',
  written: '书面',
};

/** When a contact took place in the handling (domain.md §2.4): before, during, or a consultation meeting. */
export type ContactStage = 'beforeHandling' | 'duringHandling' | 'consultationMeeting';
export const contactStageLabels: Record<ContactStage, string> = {
  beforeHandling: '办前面商',
  duringHandling: '办中沟通',
  consultationMeeting: '协商会',
};

/** One contact between a unit and the proposers, as the unit recorded it; a proposer confirms or disputes it. */
export interface Contact {
  /** 1, 2, … within the assignment: how a proposer names it when confirming. */
  no: number;
  stage: ContactStage;
  method: ContactMethod;
  /** The day it took place (YYYY-MM-DD), as reported by the unit. */
  date: string;
  participants?: string;
  note?: string;
  /** When it was recorded, and by whom. */
  at: number;
  by: string;
  /** A proposer's answer: 已见面 (confirmed) or disputed, which the committee sees on the timeline. */
  confirmation?: { confirmed: boolean; by: string; at: number; note?: string };
}

export type AssignmentStatus =
  'assigned' | 'signed' | 'returnRequested' | 'returned' | 'opinionSent' | 'replied';
export const assignmentStatusLabels: Record<AssignmentStatus, string> = {
  assigned: '待签收',
  signed: '办理中',
  returnRequested: '申请退回中',
  returned: '已改办',
  opinionSent: '已送会办意见',
  replied: '已答复',
};

export interface Reply {
  resultClass: string;
  text: string;
  /** Class-B commitments and their target date (列入计划拟解决). */
  commitments?: string;
  targetDate?: string;
  signedOffBy: string;
  /** When it was released to the proposers (the leader's reply, or the committee's check). */
  at: number;
  round: number;
  /**
   * Replied by the (approved) deadline: 按期办复. Measured when the unit leader signed it off — the
   * committee's check before release never makes a unit late (domain.md §2.5).
   */
  onTime: boolean;
  /** Reviewed replies: who drafted it, when the leader signed it off, who checked it for the committee. */
  draftedBy?: string;
  signedOffAt?: number;
  checkedBy?: string;
  /** Ids of the proposal's attachments (purpose `reply`) that go with it. */
  attachmentIds?: string[];
  /** The reply clock's deadline when it was given (absent in replies recorded before it was kept). */
  due?: string;
  /** Committee changes of its result class, oldest first; `resultClass` is the current one. */
  reclassifications?: { from: string; to: string; reason: string; by: string; at: number }[];
}

/** Where a reply under review stands (domain.md §2.5). */
export type ReplyDraftStatus = 'drafted' | 'signedOff' | 'returned';
export const replyDraftStatusLabels: Record<ReplyDraftStatus, string> = {
  drafted: '待负责人签发',
  signedOff: '待委员会审核',
  returned: '已退回修改',
};
/** The review steps that may return a draft: the unit leader's sign-off, the committee's check. */
export type ReplyReviewStep = 'signOff' | 'check';
export const replyReviewStepLabels: Record<ReplyReviewStep, string> = {
  signOff: '负责人审签',
  check: '委员会审核',
};

/**
 * A reply on its way to the proposers: drafted by a liaison (or written and signed off by the unit
 * leader at once), signed off, checked by the committee where the policy says so. Only its release
 * appends it to the assignment's `replies`; proposers never see it before.
 */
export interface ReplyDraft {
  resultClass: string;
  text: string;
  commitments?: string;
  targetDate?: string;
  attachmentIds?: string[];
  /** The handling round it answers. */
  round: number;
  by: string;
  at: number;
  status: ReplyDraftStatus;
  signedOffBy?: string;
  signedOffAt?: number;
  /** 按期 as measured at the round's first sign-off, and the reply clock's deadline then. */
  onTime?: boolean;
  due?: string;
  /** Every return, oldest first: by the leader (to the liaison) or by the committee (to the unit). */
  returns: { step: ReplyReviewStep; by: string; at: number; reason?: string }[];
}

export interface ExtensionRequest {
  until: string; // YYYY-MM-DD
  reason: string;
  at: number;
  ruling?: { approved: boolean; by: string; at: number; reason?: string };
}

/** One unit's part in handling the proposal. */
export interface Assignment {
  unitId: string;
  role: UnitRole;
  status: AssignmentStatus;
  assignedAt: number;
  signedAt?: number;
  returnRequest?: {
    reason: string;
    at: number;
    ruling?: { approved: boolean; by: string; at: number; toUnitId?: string };
  };
  /** Every contact, oldest first. */
  contacts?: Contact[];
  /** The single contact of states recorded before the log existed (read through `contactsOf`). */
  contact?: { method: ContactMethod; note?: string; at: number; by: string };
  /** A co-handler's opinion to the lead (会办意见). */
  opinion?: { text: string; at: number };
  opinionWaived?: boolean;
  /** The consultation (当面协商) on this unit's reply after a second unsatisfied round. */
  consultation?: { record: string; leaderId: string; at: number };
  extension?: ExtensionRequest;
  /** Every reply the unit gave, first reply first (read through `repliesOf`). */
  replies?: Reply[];
  /** The single latest reply of states recorded before every round was kept. */
  reply?: Reply;
  /** The reply under review, until it is released (domain.md §2.5). */
  draft?: ReplyDraft;
  /**
   * Where the unit's reply stands with the proposers, for units that owe one (lead, parallel): each
   * unit's reply is rated, ruled on and re-handled on its own (domain.md §2.5). Absent in states
   * recorded before it existed: the proposal's status stands in.
   */
  stage?: HandlingStage;
  /** 0 = first handling; 1 = re-handling (重新办理) of this unit's reply. Absent: the proposal's round. */
  round?: number;
  /** Last day the reply may be due with every extension (replyCap from assignment). */
  capDue?: string;
  followUpId?: string;
}

export type Rating = string; // a code of policy.satisfactionScale

export interface Feedback {
  proposerId: string;
  /** The unit whose reply it rates; absent in ratings of the whole proposal (before per-unit feedback). */
  unitId?: string;
  rating?: Rating;
  /** Which side of 满意率 the rating falls on, from the policy's scale when it was given. */
  counts?: 'satisfied' | 'unsatisfied';
  processRating?: Rating;
  outcomeRating?: Rating;
  comment?: string;
  at?: number;
  /** The window closed without an answer (未反馈): counted apart, never as satisfied. */
  noFeedback?: boolean;
  round: number;
}

export interface ProposalDraft {
  title: string;
  content: string;
  type: ProposalType;
  topic?: string;
  /** The first proposer leads (domain.md §2.0); an organization files in its own name. */
  leadProposerId: string;
  coSignerIds: string[];
  organization?: boolean;
}

export interface ProposalState extends ProposalDraft {
  proposalId: string; // `2026-0123`
  sessionYear: number;
  number: string;
  status: ProposalStatus;
  /** Co-signers who confirmed; decliners and silent ones drop out when the window closes. */
  confirmedCoSignerIds: string[];
  declinedCoSignerIds: string[];
  /** Proposers of proposals merged into this one: they are answered with it. */
  mergedProposers: { proposalId: string; proposerIds: string[] }[];
  mergedInto?: string;
  notFiledReason?: string;
  conversion?: { unitId: string; note?: string; followUpId?: string; consent?: boolean };
  key?: { leaderId: string; at: number };
  assignments: Assignment[];
  feedback: Feedback[];
  /** The highest handling round of any unit: 0 = first handling; 1 = re-handling (重新办理). */
  round: number;
  /**
   * Each replying unit's reply is rated on its own (分办: one unit's round never waits for another's).
   * False in runs started before per-unit feedback: their units' replies are rated together.
   */
  perUnitFeedback?: boolean;
  consultation?: { scheduledFor?: string; leaderId?: string; record?: string; at?: number };
  submittedAt: number;
  filedAt?: number;
  assignedAt?: number;
  closedAt?: number;
  policyVersion: number;
}

export interface ProposalInput {
  proposalId: string;
  sessionYear: number;
  number: string;
  draft: ProposalDraft;
  policy: Policy;
  policyVersion: number;
  /** When the API accepted the filing (epoch ms); absent in runs started before it was recorded. */
  submittedAt?: number;
  /** Carried through continue-as-new. */
  state?: ProposalState;
  clocks?: Record<string, ClockState>;
  revision?: number;
  /** Ids of the actions (Updates) applied lately: a retried one is answered, not applied again. */
  appliedUpdates?: { id: string }[];
  historyLimit?: number;
}

export const proposalWorkflowId = (proposalId: string) => `proposal-${proposalId}`;

/** Everyone the proposal answers to: the lead, confirmed co-signers, and proposers of merged proposals. */
export function proposers(state: ProposalState): string[] {
  const ids = [
    state.leadProposerId,
    ...state.confirmedCoSignerIds,
    ...state.mergedProposers.flatMap((m) => m.proposerIds),
  ];
  return [...new Set(ids)];
}

/**
 * Invited co-signers who have not answered yet, while the co-signing window is open (domain.md §2.0).
 * Once it closes they are nobody's: not proposers, not readers.
 */
export function pendingCoSigners(state: ProposalState): string[] {
  if (state.status !== 'cosigning') return [];
  const answered = [...state.confirmedCoSignerIds, ...state.declinedCoSignerIds];
  return state.coSignerIds.filter((id) => !answered.includes(id));
}

/**
 * The co-signers listed with the proposal (detail, CSV): those who confirmed, in the order they were
 * invited. A decliner is never listed; one who never answered is not listed once the window closed.
 */
export const listedCoSigners = (state: ProposalState): string[] =>
  state.coSignerIds.filter((id) => state.confirmedCoSignerIds.includes(id));

/** The stages of a replying unit after assignment; the proposal's status follows from its units'. */
export type HandlingStage = Extract<
  ProposalStatus,
  'handling' | 'awaitingFeedback' | 'awaitingRuling' | 'rehandling' | 'consultation' | 'closed'
>;
export const handlingStages: readonly HandlingStage[] = [
  'handling',
  'awaitingFeedback',
  'awaitingRuling',
  'rehandling',
  'consultation',
  'closed',
];

/** Every reply of an assignment, first reply first (states of either shape). */
export const repliesOf = (a: Assignment): Reply[] => a.replies ?? (a.reply ? [a.reply] : []);
/** The reply in force: the latest, with its current class. */
export const currentReply = (a: Assignment): Reply | undefined => repliesOf(a).at(-1);
/** The first reply: 按期 and days-to-reply count from it (domain.md §7). */
export const firstReply = (a: Assignment): Reply | undefined => repliesOf(a)[0];
/** Every contact of an assignment, oldest first (states of either shape). */
export const contactsOf = (a: Assignment): Contact[] =>
  a.contacts ??
  (a.contact ? [{ no: 1, stage: 'beforeHandling', date: dateOf(a.contact.at), ...a.contact }] : []);

/** Units currently responsible (not re-assigned away). */
export const activeAssignments = (state: ProposalState) =>
  state.assignments.filter((a) => a.status !== 'returned');

export const assignmentOf = (state: ProposalState, unitId: string) =>
  activeAssignments(state).find((a) => a.unitId === unitId);

/** Units that owe the proposer a written reply: the lead, or every parallel unit. */
export const replyingAssignments = (state: ProposalState) =>
  activeAssignments(state).filter((a) => a.role !== 'coHandler');

/** Where a replying unit stands (states recorded before stages existed: the proposal's status). */
export const stageOf = (state: ProposalState, a: Assignment): HandlingStage =>
  a.stage ??
  (handlingStages.includes(state.status as HandlingStage) ? (state.status as HandlingStage) : 'handling');

/** The unit's handling round (states recorded before per-unit rounds: the proposal's). */
export const roundOf = (state: ProposalState, a: Assignment) => a.round ?? state.round;

/**
 * Replies rated, ruled on and re-handled together: each replying unit's own, or — in runs started
 * before per-unit feedback — all of them at once. `unitId` names a unit's group; the whole
 * proposal's group has none (its clocks and ratings carry no unit).
 */
export interface FeedbackGroup {
  unitId?: string;
  units: Assignment[];
}

export function feedbackGroups(state: ProposalState): FeedbackGroup[] {
  const units = replyingAssignments(state);
  return state.perUnitFeedback ? units.map((a) => ({ unitId: a.unitId, units: [a] })) : [{ units }];
}

/** The group a unit's reply is rated in. */
export const groupOf = (state: ProposalState, unitId: string | undefined) =>
  feedbackGroups(state).find((g) => unitId === undefined || g.units.some((a) => a.unitId === unitId));

/** A group's stage and round: its units move together. */
export const groupStage = (state: ProposalState, g: FeedbackGroup) =>
  g.units.length === 0 ? 'handling' : stageOf(state, g.units[0]);
export const groupRound = (state: ProposalState, g: FeedbackGroup) =>
  g.units.length === 0 ? state.round : roundOf(state, g.units[0]);

/** The ratings given in a group's current round. */
export const groupFeedback = (state: ProposalState, g: FeedbackGroup) =>
  state.feedback.filter((f) => f.unitId === g.unitId && f.round === groupRound(state, g));

/**
 * The proposal's status while its units handle it: the stage that most needs someone — a ruling or a
 * consultation first, then units still handling, then ratings awaited; closed when every unit is.
 */
const stagePrecedence: readonly HandlingStage[] = [
  'awaitingRuling',
  'consultation',
  'rehandling',
  'handling',
  'awaitingFeedback',
  'closed',
];
export const handlingStatus = (state: ProposalState): HandlingStage => {
  const stages = replyingAssignments(state).map((a) => stageOf(state, a));
  return stagePrecedence.find((s) => stages.includes(s)) ?? 'handling';
};
