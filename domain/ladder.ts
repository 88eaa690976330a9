import { z } from 'zod';
import type { ClockCode } from './policy';
import type { Role } from './roles';
import type { WorkingCalendar } from './calendar';
import { computeDeadline, type Deadline } from './deadline';
import { addDays, atTimeOfDay, isSubDayUnit, subDayMillis, subDayUnits, toIso, type TimeLimit } from './time';

/** The rungs of the deadline ladder (domain.md §5); reminders come before the due date, the rest after. */
export type StepKind = 'reminder' | 'chaseNotice' | 'supervisionEscalation' | 'publicNotice';

export const stepKindLabels: Record<StepKind, string> = {
  reminder: '提醒',
  chaseNotice: '催办通知',
  supervisionEscalation: '督办',
  publicNotice: '通报',
};

export type Audience =
  'responsible' | 'secretary' | 'unitLeader' | 'committee' | 'leader' | 'inspectionOffice' | 'reportList';

export type LadderOffsetUnit = 'workingDays' | 'calendarDays' | 'hours' | 'minutes' | 'seconds';

export interface LadderStep {
  /** Stable code, unique within its ladder; the workflow keys "fired once" on it. */
  step: string;
  kind: StepKind;
  /** Relative to the due date; negative = before it. */
  offset: { amount: number; unit: LadderOffsetUnit };
  to: Audience[];
  urgent?: boolean;
}

export interface PlannedStep extends LadderStep {
  at: number;
  atIso: string;
}

/** A clock's deadline and the times its ladder steps fire, computed once when the clock starts. */
export interface ClockPlan {
  deadline: Deadline;
  steps: PlannedStep[];
}

/** Who must answer on a clock, so a step's audiences can be resolved to people. */
export interface Responsible {
  unitId?: string;
  groupId?: string;
  userIds?: string[];
  /** A body-wide duty, e.g. the committee office's filing review: everyone with this role. */
  role?: Role;
}

const stepKinds = Object.keys(stepKindLabels) as [StepKind, ...StepKind[]];
const audiences = [
  'responsible',
  'secretary',
  'unitLeader',
  'committee',
  'leader',
  'inspectionOffice',
  'reportList',
] as const satisfies readonly Audience[];

export const ladderStepSchema: z.ZodType<LadderStep> = z.strictObject({
  step: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'expected a code of letters, digits and -'),
  kind: z.enum(stepKinds),
  offset: z.strictObject({
    amount: z.number().int(),
    unit: z.enum(['workingDays', 'calendarDays', ...subDayUnits]),
  }),
  to: z.array(z.enum(audiences)).min(1),
  urgent: z.boolean().optional(),
});

export const defaultLadder: LadderStep[] = [
  {
    step: 'reminder-5wd',
    kind: 'reminder',
    offset: { amount: -5, unit: 'workingDays' },
    to: ['responsible', 'secretary'],
  },
  {
    step: 'reminder-1wd',
    kind: 'reminder',
    offset: { amount: -1, unit: 'workingDays' },
    to: ['responsible', 'secretary'],
  },
  {
    step: 'chaseNotice',
    kind: 'chaseNotice',
    offset: { amount: 1, unit: 'workingDays' },
    to: ['unitLeader', 'committee'],
  },
  {
    step: 'supervisionEscalation',
    kind: 'supervisionEscalation',
    offset: { amount: 5, unit: 'workingDays' },
    to: ['leader', 'inspectionOffice'],
  },
  {
    step: 'publicNotice',
    kind: 'publicNotice',
    offset: { amount: 10, unit: 'workingDays' },
    to: ['reportList'],
  },
];

/**
 * When each step of `ladder` fires for `deadline`, earliest first. Day offsets fire in office hours of a
 * working day; sub-day offsets (drills) are exact. A reminder that would fire by the time the clock
 * started is moot and dropped; a late escalation is kept so the workflow fires it at once.
 */
export function planLadder(
  cal: WorkingCalendar,
  deadline: Deadline,
  ladder: LadderStep[],
  officeHours: { time: string },
): PlannedStep[] {
  return ladder
    .map((step) => {
      const at = stepTime(cal, deadline, step.offset, officeHours.time);
      return { ...step, at, atIso: toIso(at) };
    })
    .filter((planned) => planned.kind !== 'reminder' || planned.at > deadline.start)
    .sort((a, b) => a.at - b.at);
}

function stepTime(
  cal: WorkingCalendar,
  deadline: Deadline,
  offset: LadderStep['offset'],
  time: string,
): number {
  const { amount, unit } = offset;
  if (isSubDayUnit(unit)) return deadline.dueAt + amount * subDayMillis[unit];
  const day =
    unit === 'workingDays'
      ? cal.addWorkingDays(deadline.due, amount)
      : cal.nextWorkingDay(addDays(deadline.due, amount));
  return atTimeOfDay(day, time);
}

/** `expired`: a window (co-signing, return request, feedback …) that simply closed at its due time. */
export type ClockStatus = 'running' | 'met' | 'cancelled' | 'expired';

/** One clock of one item, as plain data: carried through continue-as-new, queried, projected. */
export interface ClockState {
  id: string;
  code: ClockCode;
  label: string;
  responsible: Responsible;
  plan: ClockPlan;
  /** Bumped when the clock is restarted or extended; steps fire once per generation. */
  generation: number;
  /** Bumped on every change, so a stale snapshot never overwrites a newer one in the read model. */
  revision: number;
  /** Step codes of this generation that have fired. */
  fired: string[];
  /** The due time has passed while the clock was running. */
  overdue: boolean;
  /** A window closes at its due time instead of going overdue. */
  window: boolean;
  status: ClockStatus;
  startedAt: number;
  closedAt?: number;
}

/** A clock as the read model stores it, with the item it belongs to. */
export interface ClockSnapshot extends ClockState {
  itemId: string;
  itemKind: string;
}

/** What starting a clock needs: when, how long, which ladder, and office hours. */
export interface ClockRequest {
  start: number;
  rule: TimeLimit;
  ladder: LadderStep[];
  officeHours: { time: string };
}

/** A clock's deadline and ladder, computed together on one calendar. */
export function planClock(cal: WorkingCalendar, request: ClockRequest): ClockPlan {
  const deadline = computeDeadline(cal, request.start, request.rule);
  return { deadline, steps: planLadder(cal, deadline, request.ladder, request.officeHours) };
}
