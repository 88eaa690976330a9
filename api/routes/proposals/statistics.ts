/**
 * The §7 figures from the read model. FerretDB v1 computes only the first accumulator of a $group
 * correctly, so each aggregation has exactly one ($sum: 1): rows are grouped by their whole flag
 * vector and counted, and domain/statistics.ts folds the counts into figures.
 */
import { z } from 'zod';
import { currentSessionYear, sessionYearSchema } from '../../../domain/proposal-number';
import { seesEverything, type Caller } from '../../../domain/roles';
import {
  addClocks,
  addFlags,
  adoptedClass,
  emptyClockTally,
  emptyTally,
  figureLabels,
  figures,
  groupings,
  type Grouping,
  type ClockTally,
  type Tally,
  type UnitFlags,
} from '../../../domain/statistics';
import type { Store } from '../../../store';
import { directory } from '../../../store/directory';
import { currentPolicy } from '../../../store/policy';

export const statisticsQuery = z.strictObject({
  sessionYear: sessionYearSchema.optional().describe('Default: this year'),
  groupBy: z.enum(groupings).default('unit'),
});

const figuresSchema = z.object(
  Object.fromEntries(Object.keys(figureLabels).map((k) => [k, z.number().nullable()])) as Record<
    keyof typeof figureLabels,
    z.ZodNullable<z.ZodNumber>
  >,
);

export const statisticsResponse = z.object({
  sessionYear: z.number().int(),
  groupBy: z.enum(groupings),
  adoptedClass: z.object({ code: z.string(), label: z.string() }).describe('The class counted as 解决采纳'),
  labels: z.record(z.string(), z.string()).describe('Chinese name of every figure'),
  groups: z.array(z.object({ key: z.string().nullable(), label: z.string(), figures: figuresSchema })),
  total: figuresSchema,
});

const flagFields = [
  'assigned',
  'replied',
  'repliedOnTime',
  'contactedBeforeReply',
  'commitmentDone',
  'daysToReply',
  'feedbackReturned',
  'satisfied',
  'unsatisfied',
  'noFeedback',
  'resultClass',
] as const;
const groupFields: Record<Grouping, string> = {
  unit: 'unitId',
  proposerType: 'proposerType',
  topic: 'topic',
};

type FlagRow = { _id: UnitFlags & { g: string | null }; n: number };
type ClockRow = {
  _id: { g: string | null; status: string; overdue: boolean; escalation: string | null };
  n: number;
};

/** Only replying units (lead, parallel) owe a reply: co-handlers send opinions and would dilute 办复率. */
async function flagRows(store: Store, sessionYear: number, grouping: Grouping, unitId?: string) {
  const key = Object.fromEntries(flagFields.map((f) => [f, `$${f}`]));
  return store.proposalUnits.aggregate<FlagRow>([
    { $match: { sessionYear, role: { $in: ['lead', 'parallel'] }, ...(unitId ? { unitId } : {}) } },
    { $group: { _id: { g: `$${groupFields[grouping]}`, ...key }, n: { $sum: 1 } } },
  ]);
}

/** Proposal clocks of the year that are overdue now or whose ladder reached a chase notice or beyond. */
async function clockRows(store: Store, sessionYear: number, unitId?: string) {
  return store.clocks.aggregate<ClockRow>([
    {
      $match: {
        itemKind: 'proposal',
        itemId: { $regex: `^${sessionYear}-` },
        ...(unitId ? { 'responsible.unitId': unitId } : {}),
        $or: [
          { status: 'running', overdue: true },
          { escalation: { $in: ['chaseNotice', 'supervisionEscalation', 'publicNotice'] } },
        ],
      },
    },
    {
      $group: {
        _id: { g: '$responsible.unitId', status: '$status', overdue: '$overdue', escalation: '$escalation' },
        n: { $sum: 1 },
      },
    },
  ]);
}

function fold<T>(rows: { g: string | null; add: (t: T) => T }[], empty: () => T) {
  const groups = new Map<string | null, T>();
  let total = empty();
  for (const { g, add } of rows) {
    groups.set(g, add(groups.get(g) ?? empty()));
    total = add(total);
  }
  return { groups, total };
}

/** By key, the group without one (未分类, 未指定) last. */
const byKey = (a: string | null, b: string | null) =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : a.localeCompare(b);

async function labelsOf(store: Store, grouping: Grouping, keys: (string | null)[]) {
  if (grouping === 'unit') {
    const units = await directory(store, 'units').some(keys.filter((k): k is string => k !== null));
    return (key: string | null) => units.find((u) => u.id === key)?.name ?? key ?? '未指定';
  }
  if (grouping === 'proposerType')
    return (key: string | null) =>
      key === 'organization' ? '集体提案' : key === 'member' ? '委员提案' : '未知';
  return (key: string | null) => key ?? '未分类';
}

/** Scope: body-wide roles see every unit; a unit's people their own unit's figures. */
export async function proposalStatistics(
  store: Store,
  caller: Caller,
  query: z.infer<typeof statisticsQuery>,
) {
  const sessionYear = query.sessionYear ?? currentSessionYear();
  const grouping = query.groupBy;
  const unitId = seesEverything(caller) ? undefined : (caller.unitId ?? '-');
  const { policy } = await currentPolicy(store);
  const adopted = adoptedClass(policy);
  const [flags, clocks] = await Promise.all([
    flagRows(store, sessionYear, grouping, unitId),
    clockRows(store, sessionYear, unitId),
  ]);
  const tallies = fold<Tally>(
    flags.map(({ _id, n }) => ({ g: _id.g ?? null, add: (t) => addFlags(t, _id, n, adopted) })),
    emptyTally,
  );
  const clockTallies = fold<ClockTally>(
    clocks.map(({ _id, n }) => ({
      g: _id.g ?? null,
      add: (t) => addClocks(t, { running: _id.status === 'running', ..._id }, n),
    })),
    emptyClockTally,
  );
  // Clocks know their unit only: by proposer type or topic, their figures show in the total alone.
  const keys = [
    ...new Set([...tallies.groups.keys(), ...(grouping === 'unit' ? clockTallies.groups.keys() : [])]),
  ]
    .filter((k) => grouping !== 'unit' || k !== null)
    .sort(byKey);
  const label = await labelsOf(store, grouping, keys);
  const clockFigures = (key: string | null) =>
    grouping === 'unit' ? (clockTallies.groups.get(key) ?? emptyClockTally()) : null;
  return {
    sessionYear,
    groupBy: grouping,
    adoptedClass: { code: adopted, label: policy.resultClassScheme[0].label },
    labels: figureLabels,
    groups: keys.map((key) => ({
      key,
      label: label(key),
      figures: figures(tallies.groups.get(key) ?? emptyTally(), clockFigures(key)),
    })),
    total: figures(tallies.total, clockTallies.total),
  };
}
