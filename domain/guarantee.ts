/**
 * The guarantee (件件有回音, domain.md §4): every open item either has its response or has an
 * active escalation — nothing goes unanswered silently. Checked over the item read models and the
 * clocks read model, so it proves what the office can see, not what a workflow believes.
 */

/** An open item as its read model shows it. */
export interface GuaranteeItem {
  itemId: string;
  /** `itemKind` of its clocks: followUp, proposal … */
  itemKind: string;
  title?: string;
  /** The responding unit(s): the ledger's rows. */
  unitIds: string[];
  /** Its response is in: what is left is up to the sender, or the implementation of commitments. */
  answered: boolean;
}

/** A running clock as the clocks read model shows it. */
export interface GuaranteeClock {
  itemId: string;
  clockId: string;
  overdue: boolean;
  /** Highest non-reminder step fired so far (chaseNotice …), or null. */
  escalation: string | null;
  /** When its next unfired ladder step is planned, or null when the ladder is exhausted. */
  nextStepAt: Date | number | null;
}

export const guaranteeDefinition = [
  '开放事项 = 未办结的跟踪事项或提案（各事项来源的 openFilter）。',
  '已答复 = 答复已收到，剩下的是来件方评价或承诺落实。',
  '督办有效 = 事项至少有一个计时中的期限，且其中每个已逾期的期限要么已发出催办及以上的督办步骤，要么还有尚未发出的步骤排定。',
  '保证：每个开放事项要么已答复，要么督办有效；列表 uncovered 必须为空。',
];

/** Overdue with nothing fired beyond reminders and nothing left to fire: waiting silently. */
export const isSilent = (clock: GuaranteeClock) => clock.overdue && !clock.escalation && !clock.nextStepAt;

export type UncoveredReason = 'noRunningClock' | 'silentClock';

/** Uncovered items are never answered, so the flag is left out. */
export interface UncoveredItem extends Omit<GuaranteeItem, 'answered'> {
  reason: UncoveredReason;
  /** The silent clocks, for `silentClock`. */
  clockIds: string[];
}

/** Why an open item is neither answered nor actively escalated, or undefined when it is covered. */
export function uncoveredReason(
  item: GuaranteeItem,
  running: GuaranteeClock[],
): { reason: UncoveredReason; clockIds: string[] } | undefined {
  if (item.answered) return undefined;
  if (running.length === 0) return { reason: 'noRunningClock', clockIds: [] };
  const silent = running.filter(isSilent);
  return silent.length > 0 ? { reason: 'silentClock', clockIds: silent.map((c) => c.clockId) } : undefined;
}

/** One responding unit's open items. */
export interface LedgerRow {
  unitId: string;
  open: number;
  answered: number;
  /** With a running clock past its due time. */
  overdue: number;
  /** With a running clock whose ladder has fired a chase notice or beyond. */
  escalated: number;
}

export interface GuaranteeReport {
  uncovered: UncoveredItem[];
  ledger: LedgerRow[];
}

/** `items` are open items; `running` the running clocks (of any item: others are ignored). */
export function checkGuarantee(items: GuaranteeItem[], running: GuaranteeClock[]): GuaranteeReport {
  const clocksOf = new Map<string, GuaranteeClock[]>();
  for (const clock of running) clocksOf.set(clock.itemId, [...(clocksOf.get(clock.itemId) ?? []), clock]);

  const uncovered: UncoveredItem[] = [];
  const rows = new Map<string, LedgerRow>();
  for (const item of items) {
    const clocks = clocksOf.get(item.itemId) ?? [];
    const problem = uncoveredReason(item, clocks);
    if (problem) {
      const { itemId, itemKind, title, unitIds } = item;
      uncovered.push({ itemId, itemKind, title, unitIds, ...problem });
    }
    for (const unitId of item.unitIds) {
      const row = rows.get(unitId) ?? { unitId, open: 0, answered: 0, overdue: 0, escalated: 0 };
      row.open++;
      if (item.answered) row.answered++;
      if (clocks.some((c) => c.overdue)) row.overdue++;
      if (clocks.some((c) => c.escalation)) row.escalated++;
      rows.set(unitId, row);
    }
  }
  const ledger = [...rows.values()].sort((a, b) => a.unitId.localeCompare(b.unitId));
  return { uncovered: uncovered.sort((a, b) => a.itemId.localeCompare(b.itemId)), ledger };
}
