/**
 * The figures offices report on proposal handling (domain.md §7), as pure functions of summed
 * per-unit flags and clock counts (rows of the session year's view). Every ratio and every
 * definition lives here.
 */
import type { StepKind } from './ladder';
import type { Policy } from './policy';

/** One (proposal, unit) row of the read model: 0/1 flags and counts. */
export interface UnitFlags {
  assigned: number;
  replied: number;
  repliedOnTime: number;
  contactedBeforeReply: number;
  commitmentDone: number;
  daysToReply?: number | null;
  feedbackReturned: number;
  satisfied: number;
  unsatisfied: number;
  noFeedback: number;
  resultClass?: string | null;
}

/** Sums over many rows; `adopted` counts replies of the adopted class, `daysToReply` is a total. */
export interface Tally {
  assigned: number;
  replied: number;
  repliedOnTime: number;
  contactedBeforeReply: number;
  adopted: number;
  commitmentDone: number;
  daysToReply: number;
  feedbackReturned: number;
  satisfied: number;
  unsatisfied: number;
  noFeedback: number;
}

/** What the clocks say about a unit: overdue now, and how far ladders went (per clock generation). */
export interface ClockTally {
  overdueNow: number;
  chaseNotices: number;
  escalations: number;
}

/** Clock figures are null where the grouping is not by unit: clocks know their unit, not the proposer type. */
export interface Figures extends Tally, NullableClockTally {
  /** 办复率 = replied ÷ assigned */
  replyRate: number | null;
  /** 按期办复率 = replied by the (approved) deadline ÷ assigned */
  onTimeReplyRate: number | null;
  /** 见面率 = replied with a contact recorded before the reply ÷ replied */
  meetingRate: number | null;
  /** 满意率 = (满意 + 基本满意) ÷ feedback returned; 未反馈 is never in the denominator */
  satisfactionRate: number | null;
  /** 解决采纳率 = adopted class ÷ replied */
  adoptionRate: number | null;
  /** 落实率 = (adopted class + class-B commitments reported done) ÷ replied */
  implementationRate: number | null;
  /** Average calendar days from assignment to reply, over replies. */
  averageDaysToReply: number | null;
}

type NullableClockTally = { [K in keyof ClockTally]: number | null };

/** What the figures can be counted by, and how tables head that column. */
export const groupings = ['unit', 'proposerType', 'topic'] as const;
export type Grouping = (typeof groupings)[number];
export const groupingLabels: Record<Grouping, string> = {
  unit: '承办单位',
  proposerType: '提案者类别',
  topic: '分类',
};

export const figureLabels: Record<keyof Figures, string> = {
  assigned: '交办件数',
  replied: '已答复件数',
  repliedOnTime: '按期答复件数',
  contactedBeforeReply: '答复前已沟通件数',
  adopted: '解决采纳件数',
  commitmentDone: '承诺已落实件数',
  daysToReply: '答复用时合计（天）',
  feedbackReturned: '已反馈人次',
  satisfied: '满意及基本满意人次',
  unsatisfied: '不满意人次',
  noFeedback: '未反馈人次',
  overdueNow: '当前逾期期限数',
  chaseNotices: '已发催办通知数',
  escalations: '已督办数',
  replyRate: '办复率',
  onTimeReplyRate: '按期办复率',
  meetingRate: '见面率',
  satisfactionRate: '满意率',
  adoptionRate: '解决采纳率',
  implementationRate: '落实率',
  averageDaysToReply: '平均答复用时（天）',
};

/**
 * The class that counts as 解决或采纳: the first class of the policy's result-class scheme (A in the
 * default scheme). Schemes are data, so the convention "best class first" is what makes this a rule.
 */
export const adoptedClass = (policy: Pick<Policy, 'resultClassScheme'>) => policy.resultClassScheme[0].code;

/** The result classes whose reply opens a follow-up (class B in the default scheme). */
export const followUpClasses = (policy: Pick<Policy, 'resultClassScheme'>) =>
  policy.resultClassScheme.filter((c) => c.opensFollowUp).map((c) => c.code);

/**
 * §7 落实率: a commitment reported done counts only while the unit's reply is in and its current class
 * still opens a follow-up — so the rate never exceeds 100 %.
 */
export const countsCommitmentDone = (
  unit: { replied?: number | null; resultClass?: string | null },
  classes: readonly string[],
) => unit.replied === 1 && classes.includes(unit.resultClass ?? '');

export const emptyTally = (): Tally => ({
  assigned: 0,
  replied: 0,
  repliedOnTime: 0,
  contactedBeforeReply: 0,
  adopted: 0,
  commitmentDone: 0,
  daysToReply: 0,
  feedbackReturned: 0,
  satisfied: 0,
  unsatisfied: 0,
  noFeedback: 0,
});

export const emptyClockTally = (): ClockTally => ({ overdueNow: 0, chaseNotices: 0, escalations: 0 });

/** Adds `count` rows equal to `row` into `tally` (the database groups identical rows and counts them). */
export function addFlags(tally: Tally, row: UnitFlags, count: number, adopted: string): Tally {
  const add = (value: number | null | undefined) => (value ?? 0) * count;
  return {
    assigned: tally.assigned + add(row.assigned),
    replied: tally.replied + add(row.replied),
    repliedOnTime: tally.repliedOnTime + add(row.repliedOnTime),
    contactedBeforeReply: tally.contactedBeforeReply + add(row.contactedBeforeReply),
    adopted: tally.adopted + (row.replied && row.resultClass === adopted ? count : 0),
    commitmentDone: tally.commitmentDone + add(row.commitmentDone),
    daysToReply: tally.daysToReply + (row.replied ? add(row.daysToReply) : 0),
    feedbackReturned: tally.feedbackReturned + add(row.feedbackReturned),
    satisfied: tally.satisfied + add(row.satisfied),
    unsatisfied: tally.unsatisfied + add(row.unsatisfied),
    noFeedback: tally.noFeedback + add(row.noFeedback),
  };
}

/** Two tallies (or clock tallies) added field by field: the sum over two sets of rows. */
export const plus = <T extends Tally | ClockTally>(a: T, b: T): T =>
  Object.fromEntries(
    Object.keys(a).map((k) => [k, (a[k as keyof T] as number) + (b[k as keyof T] as number)]),
  ) as unknown as T;

const ladderRank: StepKind[] = ['reminder', 'chaseNotice', 'supervisionEscalation', 'publicNotice'];
/** The highest ladder step kind among `kinds` past the due date (reminders do not count), or null. */
export function highestEscalation(kinds: readonly string[]): StepKind | null {
  const ranks = kinds.map((k) => ladderRank.indexOf(k as StepKind)).filter((r) => r > 0);
  return ranks.length === 0 ? null : ladderRank[Math.max(...ranks)];
}

const reached = (kind: string | null | undefined, atLeast: StepKind) =>
  kind !== null && kind !== undefined && ladderRank.indexOf(kind as StepKind) >= ladderRank.indexOf(atLeast);

/** One group of clocks: running and overdue or not, and the highest ladder step kind fired. */
export interface ClockRow {
  running: boolean;
  overdue: boolean;
  escalation?: string | null;
}

/**
 * Adds `count` clocks equal to `row`: an overdue running clock counts as overdue now; a clock whose
 * ladder reached a chase notice (催办通知) counts as chased, one that reached 督办 or 通报 as escalated.
 */
export function addClocks(tally: ClockTally, row: ClockRow, count: number): ClockTally {
  return {
    overdueNow: tally.overdueNow + (row.running && row.overdue ? count : 0),
    chaseNotices: tally.chaseNotices + (reached(row.escalation, 'chaseNotice') ? count : 0),
    escalations: tally.escalations + (reached(row.escalation, 'supervisionEscalation') ? count : 0),
  };
}

/** A share rounded to four decimals; null when there is nothing to divide by (not 0: "no data"). */
export const rate = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

export function figures(tally: Tally, clocks: ClockTally | null): Figures {
  return {
    ...tally,
    ...(clocks ?? { overdueNow: null, chaseNotices: null, escalations: null }),
    replyRate: rate(tally.replied, tally.assigned),
    onTimeReplyRate: rate(tally.repliedOnTime, tally.assigned),
    meetingRate: rate(tally.contactedBeforeReply, tally.replied),
    satisfactionRate: rate(tally.satisfied, tally.feedbackReturned),
    adoptionRate: rate(tally.adopted, tally.replied),
    implementationRate: rate(tally.adopted + tally.commitmentDone, tally.replied),
    averageDaysToReply:
      tally.replied === 0 ? null : Math.round((tally.daysToReply / tally.replied) * 10) / 10,
  };
}
