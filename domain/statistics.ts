/**
 * The figures offices report on proposal handling (domain.md §7), as pure functions of the handling
 * record's flags and clock counts (rows of the session year's view). Every ratio and every definition
 * lives here, and each is counted two ways: per assignment (件次: one row per unit that owes a reply)
 * and per proposal (件: one row per proposal with such a unit).
 *
 * - 按期 and days-to-reply count from an assignment's *first* reply (a re-handled reply never makes a
 *   late one on time);
 * - 见面: a contact the proposer confirmed (已见面) that took place on or before the first reply's day;
 * - 落实: the adopted class, or a class-B commitment reported done while the reply's current class
 *   still opens a follow-up — never both, so never above 100 %;
 * - 按期办复率's denominator: assignments already replied, or whose reply is overdue now (their
 *   lateness is decided) — not those still in time;
 * - 满意率 counts ratings (人次) of each unit's reply in its latest round, 未反馈 apart.
 *
 * A proposal (件) is replied when all its units replied; on time, met, adopted or implemented when
 * each of them is; its lateness is decided when all replied or any unit is late; its days to reply
 * are its slowest unit's; its ratings are its units' ratings. With one unit the two counts agree.
 */
import type { StepKind } from './ladder';
import type { Policy } from './policy';

/** What the read model keeps of one (proposal, unit): 0/1 flags and counts. */
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

/** One counted row (an assignment or a proposal) as 0/1 flags, or the sums over many rows. */
export interface Tally {
  assigned: number;
  replied: number;
  /** Replied, or the reply overdue now: the denominator of 按期办复率. */
  replyDue: number;
  repliedOnTime: number;
  contactedBeforeReply: number;
  adopted: number;
  commitmentDone: number;
  /** Adopted, or its commitment done (落实). */
  implemented: number;
  /** Calendar days to the first reply (a total over rows). */
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
  /** 按期办复率 = first reply by the (approved) deadline ÷ (replied + overdue now) */
  onTimeReplyRate: number | null;
  /** 见面率 = replied with a confirmed contact on or before the first reply ÷ replied */
  meetingRate: number | null;
  /** 满意率 = (满意 + 基本满意) ÷ feedback returned; 未反馈 is never in the denominator */
  satisfactionRate: number | null;
  /** 解决采纳率 = adopted class ÷ replied */
  adoptionRate: number | null;
  /** 落实率 = implemented (adopted class, or class-B commitment reported done) ÷ replied */
  implementationRate: number | null;
  /** Average calendar days from assignment to the first reply, over replies. */
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
  replyDue: '已到答复期限件数',
  repliedOnTime: '按期答复件数',
  contactedBeforeReply: '答复前已见面件数',
  adopted: '解决采纳件数',
  commitmentDone: '承诺已落实件数',
  implemented: '已落实件数',
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
  replyDue: 0,
  repliedOnTime: 0,
  contactedBeforeReply: 0,
  adopted: 0,
  commitmentDone: 0,
  implemented: 0,
  daysToReply: 0,
  feedbackReturned: 0,
  satisfied: 0,
  unsatisfied: 0,
  noFeedback: 0,
});

export const emptyClockTally = (): ClockTally => ({ overdueNow: 0, chaseNotices: 0, escalations: 0 });

/** What counting a unit's row depends on besides its flags. */
export interface RowContext {
  adopted: string;
  /** Result classes whose reply opens a follow-up (class B in the default scheme). */
  followUpClasses: readonly string[];
  /** Its commitment follow-up reported done. */
  commitmentReported: boolean;
  /** Its reply clock is overdue now (a reply not given yet is late). */
  replyOverdue: boolean;
}

/** One assignment counted (件次), by the rules above. */
export function assignmentRow(u: UnitFlags, ctx: RowContext): Tally {
  const replied = u.replied === 1;
  const adopted = replied && u.resultClass === ctx.adopted;
  const done = countsCommitmentDone(u, ctx.followUpClasses) && ctx.commitmentReported;
  const flag = (value: boolean) => (value ? 1 : 0);
  return {
    assigned: u.assigned,
    replied: flag(replied),
    replyDue: flag(u.assigned === 1 && (replied || ctx.replyOverdue)),
    repliedOnTime: u.repliedOnTime,
    contactedBeforeReply: u.contactedBeforeReply,
    adopted: flag(adopted),
    commitmentDone: flag(done),
    implemented: flag(adopted || done),
    daysToReply: replied ? (u.daysToReply ?? 0) : 0,
    feedbackReturned: u.feedbackReturned,
    satisfied: u.satisfied,
    unsatisfied: u.unsatisfied,
    noFeedback: u.noFeedback,
  };
}

/** One proposal counted (件) from its assignments' rows (those still assigned), or null when it has none. */
export function proposalRow(units: readonly Tally[]): Tally | null {
  const rows = units.filter((r) => r.assigned === 1);
  if (rows.length === 0) return null;
  const replied = rows.every((r) => r.replied === 1);
  const each = (field: keyof Tally) => (replied && rows.every((r) => r[field] === 1) ? 1 : 0);
  const late = rows.some((r) => r.replyDue === 1 && r.repliedOnTime === 0);
  const sum = (field: keyof Tally) => rows.reduce((n, r) => n + r[field], 0);
  return {
    assigned: 1,
    replied: replied ? 1 : 0,
    replyDue: replied || late ? 1 : 0,
    repliedOnTime: each('repliedOnTime'),
    contactedBeforeReply: each('contactedBeforeReply'),
    adopted: each('adopted'),
    commitmentDone: each('implemented') === 1 && rows.some((r) => r.commitmentDone === 1) ? 1 : 0,
    implemented: each('implemented'),
    daysToReply: replied ? Math.max(...rows.map((r) => r.daysToReply)) : 0,
    feedbackReturned: sum('feedbackReturned'),
    satisfied: sum('satisfied'),
    unsatisfied: sum('unsatisfied'),
    noFeedback: sum('noFeedback'),
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
    onTimeReplyRate: rate(tally.repliedOnTime, tally.replyDue),
    meetingRate: rate(tally.contactedBeforeReply, tally.replied),
    satisfactionRate: rate(tally.satisfied, tally.feedbackReturned),
    adoptionRate: rate(tally.adopted, tally.replied),
    implementationRate: rate(tally.implemented, tally.replied),
    averageDaysToReply:
      tally.replied === 0 ? null : Math.round((tally.daysToReply / tally.replied) * 10) / 10,
  };
}
