/**
 * Democratic supervision (民主监督, domain.md §3): a supervision group posted to a department for a
 * term, its quarterly letter cadence, its activity log, the term report, and the supervision figures
 * of §7 (letters per group, reply-on-time rate, adoption rate, open commitments).
 */
import type { Deadline } from './deadline';
import type { FollowUpStatus, FollowUpView, Refusal } from './follow-up';
import type { Policy } from './policy';
import { belongsToGroup, belongsToUnit, hasRole, seesEverything, type Caller } from './roles';
import { addDays, dateOf } from './time';

/** A business key of codes and a date: no personal data (architecture.md). */
export const postingWorkflowId = (postingId: string) => `posting-${postingId}`;

export interface PostingInput {
  /** e.g. group-ecology-2027-01-04: the group's code and the day it was posted. */
  postingId: string;
  groupId: string;
  /** The department the group is posted to. */
  departmentId: string;
  policy: Policy;
  policyVersion: number;
}

// ---- quarters --------------------------------------------------------------------------------

/** A calendar quarter: the cadence of recommendation letters. */
export interface Quarter {
  /** e.g. 2027Q1. */
  code: string;
  start: string;
  end: string;
}

const quarterEnds = ['03-31', '06-30', '09-30', '12-31'];

export function quarterOf(date: string): Quarter {
  const year = date.slice(0, 4);
  const index = Math.floor((Number(date.slice(5, 7)) - 1) / 3);
  const startMonth = String(index * 3 + 1).padStart(2, '0');
  return {
    code: `${year}Q${index + 1}`,
    start: `${year}-${startMonth}-01`,
    end: `${year}-${quarterEnds[index]}`,
  };
}

export const nextQuarter = (quarter: Quarter): Quarter => quarterOf(addDays(quarter.end, 1));

/** Every quarter from the one holding `from` to the one holding `to`. */
export function quartersBetween(from: string, to: string): Quarter[] {
  const quarters = [quarterOf(from)];
  while (quarters.at(-1)!.end < to) quarters.push(nextQuarter(quarters.at(-1)!));
  return quarters;
}

// ---- the posting lifecycle -------------------------------------------------------------------

export const postingActivityKinds = ['visit', 'inspection', 'meeting'] as const;
export type PostingActivityKind = (typeof postingActivityKinds)[number];
export const postingActivityLabels: Record<PostingActivityKind, string> = {
  visit: '走访调研',
  inspection: '暗访',
  meeting: '座谈会议',
};

export interface PostingLetter {
  followUpId: string;
  title: string;
  quarter: string;
  sentAt: number;
  sentBy: string;
}

export type PostingStatus = 'active' | 'ended';
export const postingStatusLabels: Record<PostingStatus, string> = { active: '派驻中', ended: '派驻期满' };

export type PostingEndReason = 'termEnded' | 'endedEarly';

export interface PostingState {
  status: PostingStatus;
  startedAt: number;
  /** Computed once when the posting starts (policy supervision.term). */
  termEnd?: Deadline;
  quarter: Quarter;
  letters: PostingLetter[];
  activityCount: number;
  ended?: { at: number; reason: PostingEndReason; by?: string; note?: string };
  /** Bumped on every change: orders read-model writes and keys timeline entries. */
  revision: number;
}

export const initialPostingState = (startedAt: number): PostingState => ({
  status: 'active',
  startedAt,
  quarter: quarterOf(dateOf(startedAt)),
  letters: [],
  activityCount: 0,
  revision: 0,
});

export type PostingCommand =
  | {
      action: 'logActivity';
      by: string;
      kind: PostingActivityKind;
      /** The day it took place, YYYY-MM-DD. */
      date: string;
      summary: string;
      participants: string[];
      /** Shown to the supervised department; absent: by kind (activityShared). */
      shared?: boolean;
    }
  /** The letter's follow-up runs on the policy in force when it is sent, not the posting's snapshot. */
  | {
      action: 'sendLetter';
      by: string;
      title: string;
      content: string;
      policy: Policy;
      policyVersion: number;
    }
  | { action: 'endTerm'; by: string; note: string };

export const postingActionLabels: Record<PostingCommand['action'], string> = {
  logActivity: '记录履职活动',
  sendLetter: '发送民主监督建议书',
  endTerm: '结束派驻',
};

/** Why `command` is refused, or undefined; `today` is the workflow's date. */
export function postingRefusal(
  state: PostingState,
  command: PostingCommand,
  today: string,
): Refusal | undefined {
  if (state.status === 'ended')
    return { code: 'posting_ended', message: `派驻期已结束，不能${postingActionLabels[command.action]}` };
  if (command.action !== 'logActivity') return undefined;
  if (command.date > today)
    return { code: 'activity_in_future', message: `活动日期 ${command.date} 晚于今天` };
  const start = dateOf(state.startedAt);
  if (command.date < start)
    return { code: 'activity_before_posting', message: `活动日期 ${command.date} 早于派驻开始日 ${start}` };
  return undefined;
}

export type PostingAction = PostingCommand['action'];

/**
 * Committee staff log activities on any posting and end its term early; a group's supervisors send
 * its letters and, with its secretary, log its activities.
 */
export function mayActOnPosting(
  caller: Caller,
  posting: Pick<PostingInput, 'groupId'>,
  action: PostingAction,
): boolean {
  const staff = hasRole(caller, 'committee', 'admin');
  const ownGroup = belongsToGroup(caller, posting.groupId);
  switch (action) {
    case 'logActivity':
      return staff || (ownGroup && hasRole(caller, 'supervisor', 'secretary'));
    case 'sendLetter':
      return ownGroup && hasRole(caller, 'supervisor');
    case 'endTerm':
      return staff;
  }
}

/** What `caller` may do on `posting` now (the detail's `actions`; each is checked again when sent). */
export const postingActionsFor = (caller: Caller, posting: Pick<PostingView, 'groupId' | 'status'>) =>
  posting.status === 'active'
    ? (Object.keys(postingActionLabels) as PostingAction[]).filter((a) => mayActOnPosting(caller, posting, a))
    : [];

/** A group sees its own postings, a department those to it; body-wide roles see all. */
export const maySeePosting = (caller: Caller, posting: Pick<PostingInput, 'groupId' | 'departmentId'>) =>
  seesEverything(caller) ||
  belongsToGroup(caller, posting.groupId) ||
  belongsToUnit(caller, posting.departmentId);

/**
 * An unannounced inspection (暗访) is the group's working note: kept from the supervised department
 * unless the group shares it. Visits and meetings are shared unless the group says otherwise.
 */
export const sharedByDefault = (kind: PostingActivityKind) => kind !== 'inspection';

/** Whether the department sees an activity; rows recorded before the flag existed go by their kind. */
export const activityShared = (activity: { kind: PostingActivityKind; shared?: boolean }) =>
  activity.shared ?? sharedByDefault(activity.kind);

/**
 * Who reads one logged activity: whoever sees the posting — the group, its secretary and body-wide
 * staff every activity, the department only those shared with it. Lists ask this one rule.
 */
export const maySeeActivity = (
  caller: Caller,
  posting: Pick<PostingInput, 'groupId' | 'departmentId'>,
  activity: { kind: PostingActivityKind; shared?: boolean },
) =>
  maySeePosting(caller, posting) &&
  (activityShared(activity) || seesEverything(caller) || belongsToGroup(caller, posting.groupId));

export const lettersInQuarter = (state: PostingState, quarter: string) =>
  state.letters.filter((letter) => letter.quarter === quarter).length;

/** What the read model stores of a posting; times are epoch ms. */
export interface PostingView {
  postingId: string;
  groupId: string;
  departmentId: string;
  policyVersion: number;
  status: PostingStatus;
  statusLabel: string;
  startedAt: number;
  termEnd: string | null;
  quarter: string;
  letters: PostingLetter[];
  activityCount: number;
  ended: PostingState['ended'] | null;
  revision: number;
}

export function postingView(input: PostingInput, state: PostingState): PostingView {
  return {
    postingId: input.postingId,
    groupId: input.groupId,
    departmentId: input.departmentId,
    policyVersion: input.policyVersion,
    status: state.status,
    statusLabel: postingStatusLabels[state.status],
    startedAt: state.startedAt,
    termEnd: state.termEnd?.due ?? null,
    quarter: state.quarter.code,
    letters: state.letters,
    activityCount: state.activityCount,
    ended: state.ended ?? null,
    revision: state.revision,
  };
}

// ---- figures (domain.md §7) ------------------------------------------------------------------

/** What the figures need of one letter, as its read model holds it. */
export type LetterFacts = Pick<
  FollowUpView,
  'followUpId' | 'title' | 'status' | 'respondedOnTime' | 'adopted' | 'openCommitments'
>;

export interface SupervisionFigures {
  letters: number;
  /** Letters whose first response has come. */
  replied: number;
  repliedOnTime: number;
  /** repliedOnTime ÷ letters, like 按期办复率 (replied by the deadline ÷ assigned); null without letters. */
  replyOnTimeRate: number | null;
  /** Letters the sender rated (a lapsed evaluation is not a rating). */
  evaluated: number;
  /** Rated with an adoption that counts as adopted in the policy's scale (采纳, 部分采纳 by default). */
  adopted: number;
  /** adopted ÷ evaluated; null when nothing was rated. */
  adoptionRate: number | null;
  /** Letters whose commitments are still being implemented, and how many commitments that is. */
  implementing: number;
  openCommitments: number;
  /** Letters not closed. */
  open: number;
}

/** A share to four decimals; null when there is nothing to share. */
export const rate = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 1e4) / 1e4;

export function supervisionFigures(letters: LetterFacts[]): SupervisionFigures {
  const count = (test: (l: LetterFacts) => boolean) => letters.filter(test).length;
  const repliedOnTime = count((l) => l.respondedOnTime === true);
  const evaluated = count((l) => l.adopted !== null);
  const adopted = count((l) => l.adopted === true);
  return {
    letters: letters.length,
    replied: count((l) => l.respondedOnTime !== null),
    repliedOnTime,
    replyOnTimeRate: rate(repliedOnTime, letters.length),
    evaluated,
    adopted,
    adoptionRate: rate(adopted, evaluated),
    implementing: count((l) => l.status === 'implementing'),
    openCommitments: letters.reduce(
      (sum, l) => sum + (l.status === 'implementing' ? l.openCommitments.length : 0),
      0,
    ),
    open: count((l) => l.status !== 'closed'),
  };
}

/** Figures per value of `key` (e.g. the sending group), keys sorted. */
export function figuresBy<T extends LetterFacts>(
  letters: T[],
  key: (letter: T) => string | undefined,
): { key: string; figures: SupervisionFigures }[] {
  const groups = new Map<string, T[]>();
  for (const letter of letters) {
    const k = key(letter);
    if (k !== undefined) groups.set(k, [...(groups.get(k) ?? []), letter]);
  }
  return [...groups.keys()].sort().map((k) => ({ key: k, figures: supervisionFigures(groups.get(k)!) }));
}

// ---- the term report (履职报告) --------------------------------------------------------------

export interface TermReport {
  postingId: string;
  groupId: string;
  departmentId: string;
  term: { start: string; end: string };
  endReason: PostingEndReason;
  endedAt: number;
  figures: SupervisionFigures;
  quarters: { quarter: string; letters: number }[];
  /** Quarters of the term with fewer letters than the policy's lettersPerQuarter. */
  quartersShort: string[];
  activities: Record<PostingActivityKind, number>;
  /** Letters still open at term end: they outlive the posting until closed. */
  openLetters: { followUpId: string; title: string; status: FollowUpStatus }[];
}

export interface TermReportInput {
  input: Pick<PostingInput, 'postingId' | 'groupId' | 'departmentId'>;
  state: Pick<PostingState, 'startedAt' | 'letters'> & {
    ended: NonNullable<PostingState['ended']>;
    /** The term's last day as computed at the start. */
    termEnd: string;
  };
  lettersPerQuarter: number;
}

/** A letter just sent may not be in the read model yet: it counts as awaiting sign-for. */
const unseenLetter = ({ followUpId, title }: PostingLetter): LetterFacts => ({
  followUpId,
  title,
  status: 'awaitingAcknowledgement',
  respondedOnTime: null,
  adopted: null,
  openCommitments: [],
});

/** The posting's letters as `facts` (read model) show them; `activityKinds` one entry per logged activity. */
export function termReport(
  { input, state, lettersPerQuarter }: TermReportInput,
  facts: LetterFacts[],
  activityKinds: string[],
): TermReport {
  const byId = new Map(facts.map((f) => [f.followUpId, f]));
  const letters = state.letters.map((letter) => byId.get(letter.followUpId) ?? unseenLetter(letter));
  // A term that ran out ends on its last day (its timer fires a moment after midnight).
  const ended = dateOf(state.ended.at);
  const term = { start: dateOf(state.startedAt), end: ended < state.termEnd ? ended : state.termEnd };
  const quarters = quartersBetween(term.start, term.end).map(({ code }) => ({
    quarter: code,
    letters: state.letters.filter((l) => l.quarter === code).length,
  }));
  const activities = Object.fromEntries(
    postingActivityKinds.map((kind) => [kind, activityKinds.filter((k) => k === kind).length]),
  ) as Record<PostingActivityKind, number>;
  return {
    ...input,
    term,
    endReason: state.ended.reason,
    endedAt: state.ended.at,
    figures: supervisionFigures(letters),
    quarters,
    quartersShort: quarters.filter((q) => q.letters < lettersPerQuarter).map((q) => q.quarter),
    activities,
    openLetters: letters
      .filter((l) => l.status !== 'closed')
      .map(({ followUpId, title, status }) => ({ followUpId, title, status })),
  };
}
