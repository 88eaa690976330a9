/**
 * Proposal handling (提案办理, domain.md §2): the state of one proposal as plain
 * data, and the rules of who may do what when. The workflow enforces these rules
 * in its Update validators; the API uses the same functions to list the actions a
 * caller may take now.
 */
import type { ClockState } from './ladder';
import type { Policy } from './policy';

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
  at: number;
  round: number;
  /** Replied by the (approved) deadline: 按期办复. */
  onTime: boolean;
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
  contact?: { method: ContactMethod; note?: string; at: number; by: string };
  /** A co-handler's opinion to the lead (会办意见). */
  opinion?: { text: string; at: number };
  opinionWaived?: boolean;
  extension?: ExtensionRequest;
  /** The latest reply; earlier rounds stay in the timeline. */
  reply?: Reply;
  /** Last day the reply may be due with every extension (replyCap from assignment). */
  capDue?: string;
  followUpId?: string;
}

export type Rating = string; // a code of policy.satisfactionScale

export interface Feedback {
  proposerId: string;
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
  /** 0 = first handling; 1 = re-handling (重新办理). */
  round: number;
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

/** Units currently responsible (not re-assigned away). */
export const activeAssignments = (state: ProposalState) =>
  state.assignments.filter((a) => a.status !== 'returned');

export const assignmentOf = (state: ProposalState, unitId: string) =>
  activeAssignments(state).find((a) => a.unitId === unitId);

/** Units that owe the proposer a written reply: the lead, or every parallel unit. */
export const replyingAssignments = (state: ProposalState) =>
  activeAssignments(state).filter((a) => a.role !== 'coHandler');
