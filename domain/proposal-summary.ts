/**
 * What lists, boards and statistics know of a proposal: a compact summary derived from its state,
 * the one visibility rule (for the detail and every list alike), and the §7 flags of each assignment.
 */
import type { ClockSnapshot } from './ladder';
import { dateOf } from './time';
import {
  activeAssignments,
  contactsOf,
  currentReply,
  firstReply,
  pendingCoSigners,
  proposers,
  replyingAssignments,
  type Assignment,
  type ProposalState,
  type ProposalStatus,
  type ProposalType,
  type UnitRole,
} from './proposal';
import { belongsToUnit, hasRole, seesEverything, type Caller } from './roles';
import { assignmentRow, highestEscalation, type RowContext, type Tally, type UnitFlags } from './statistics';

/** One assignment as the figures count it: the unit, its role, and its 0/1 flags and counts. */
export interface UnitSummary extends UnitFlags {
  unitId: string;
  role: UnitRole;
}

export interface ProposalSummary {
  number: string;
  sessionYear: number;
  title: string;
  type: ProposalType;
  topic?: string;
  status: ProposalStatus;
  leadProposerId: string;
  /**
   * Everyone the proposal answers to (lead, confirmed co-signers, merged proposers): the proposers as
   * listed. A co-signer who declined, or has not (yet) confirmed, is not one of them.
   */
  proposerIds: string[];
  /**
   * Who reads it as a proposer: `proposerIds`, plus, while the co-signing window is open, the invited
   * co-signers who have not answered yet (they must be able to read what they are asked to sign).
   * Absent in summaries written before it existed: `proposerIds` stands in.
   */
  readerIds?: string[];
  organization: boolean;
  key: boolean;
  keyLeaderId?: string;
  /** Units handling it now (not re-assigned away). */
  unitIds: string[];
  submittedAt: number;
  /** Every assignment, returned ones included (they count as not assigned). */
  units: UnitSummary[];
}

/** A clock of the proposal as lists and statistics need it. */
export interface ClockSummary {
  itemId: string;
  clockId: string;
  unitId?: string;
  running: boolean;
  overdue: boolean;
  due: string;
  dueAt: number;
  escalation: string | null;
  /** When its next ladder step is planned; null once it stopped or nothing is left to fire. */
  nextStepAt: number | null;
}

const DAY_MS = 86_400_000;

/**
 * Proposers who may read it (domain.md §2.0): the proposers, and while co-signing is open the invited
 * co-signers still to answer. A decliner never reads it again, even while the window is still open; one
 * who let the window close without answering no longer reads it.
 */
const readers = (s: ProposalState) => [...new Set([...proposers(s), ...pendingCoSigners(s)])];

export function summarize(s: ProposalState): ProposalSummary {
  return {
    number: s.number,
    sessionYear: s.sessionYear,
    title: s.title,
    type: s.type,
    ...(s.topic ? { topic: s.topic } : {}),
    status: s.status,
    leadProposerId: s.leadProposerId,
    proposerIds: proposers(s),
    readerIds: readers(s),
    organization: Boolean(s.organization),
    key: Boolean(s.key),
    ...(s.key ? { keyLeaderId: s.key.leaderId } : {}),
    unitIds: activeAssignments(s).map((a) => a.unitId),
    submittedAt: s.submittedAt,
    units: s.assignments.map((a) => ({ unitId: a.unitId, role: a.role, ...unitFlags(s, a) })),
  };
}

/**
 * The §7 flags of one unit on one proposal, from its whole record (domain/statistics.ts has the rules).
 * `commitmentDone` is 0 here: the commitment's follow-up reports it (a row of its own in the views),
 * and the proposal's own writes never touch it.
 */
export function unitFlags(s: ProposalState, a: Assignment): UnitFlags {
  const replies = replyingAssignments(s).some((x) => x.unitId === a.unitId);
  const first = replies ? firstReply(a) : undefined;
  const current = replies ? currentReply(a) : undefined;
  // Ratings of this unit's reply in the latest round it replied in (ratings of the whole proposal,
  // given before per-unit feedback, rate each of its units).
  const round = current?.round ?? 0;
  const feedback = replies
    ? s.feedback.filter((f) => f.round === round && (f.unitId === undefined || f.unitId === a.unitId))
    : [];
  const rated = feedback.filter((f) => f.rating);
  const counts = (side: string) => rated.filter((f) => f.counts === side).length;
  const met = first && contactsOf(a).some((c) => c.confirmation?.confirmed && c.date <= dateOf(first.at));
  return {
    resultClass: current?.resultClass ?? null,
    assigned: a.status === 'returned' ? 0 : 1,
    replied: first ? 1 : 0,
    repliedOnTime: first?.onTime ? 1 : 0,
    contactedBeforeReply: met ? 1 : 0,
    commitmentDone: 0,
    daysToReply: first ? Math.round((first.at - a.assignedAt) / DAY_MS) : null,
    feedbackReturned: rated.length,
    satisfied: counts('satisfied'),
    unsatisfied: counts('unsatisfied'),
    noFeedback: feedback.filter((f) => f.noFeedback).length,
  };
}

/**
 * One proposal's counted rows (件次): one per unit that owes a reply, by domain/statistics.ts's rules
 * (`proposalRow` sums a proposal's into its 件 row). The statistics endpoint and the from-scratch
 * fold both count through here.
 */
export function unitRows(
  p: Pick<ProposalSummary, 'units'>,
  clocks: readonly Pick<ClockSummary, 'clockId' | 'running' | 'overdue'>[],
  counting: Pick<RowContext, 'adopted' | 'followUpClasses'> & {
    commitmentReported: (unitId: string) => boolean;
  },
): { unitId: string; row: Tally }[] {
  const overdue = (unitId: string) =>
    clocks.some((c) => c.clockId === `reply:${unitId}` && c.running && c.overdue);
  return p.units
    .filter((u) => u.role !== 'coHandler') // co-handlers send opinions, they owe no reply
    .map((u) => ({
      unitId: u.unitId,
      row: assignmentRow(u, {
        ...counting,
        commitmentReported: counting.commitmentReported(u.unitId),
        replyOverdue: overdue(u.unitId),
      }),
    }));
}

export function summarizeClock(clock: ClockSnapshot): ClockSummary {
  return {
    itemId: clock.itemId,
    clockId: clock.id,
    ...(clock.responsible?.unitId ? { unitId: clock.responsible.unitId } : {}),
    running: clock.status === 'running',
    overdue: clock.overdue,
    due: clock.plan.deadline.due,
    dueAt: clock.plan.deadline.dueAt,
    escalation: highestEscalation(
      clock.plan.steps.filter((s) => clock.fired.includes(s.step)).map((s) => s.kind),
    ),
    nextStepAt:
      clock.status === 'running'
        ? (clock.plan.steps.find((s) => !clock.fired.includes(s.step))?.at ?? null)
        : null,
  };
}

/** The roles that act for a handling unit (domain.md §1); only they are scoped by its unit. */
const handlingUnitRoles = ['unit', 'unitLeader', 'secretary'] as const;

/**
 * Who may read a proposal (domain.md §1): body-wide roles everything; its proposers (and co-signers
 * still asked to confirm, `readerIds`; never one who declined); the people of a
 * unit handling it now — `unitIds` leaves out returned assignments, so a unit whose return was granted
 * no longer reads it. The detail, every action, every list and the export ask this one rule.
 */
export function visibleTo(
  summary: Pick<ProposalSummary, 'proposerIds' | 'readerIds' | 'unitIds'>,
  caller: Caller,
): boolean {
  if (seesEverything(caller)) return true;
  if ((summary.readerIds ?? summary.proposerIds).includes(caller.id)) return true;
  // A supervised department's people are a unit's too, but proposals are handled by handling units.
  if (!hasRole(caller, ...handlingUnitRoles)) return false;
  return summary.unitIds.some((unitId) => belongsToUnit(caller, unitId));
}
