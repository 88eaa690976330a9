/**
 * The §7 figures from the session year's view: each chunk's tallies per group are computed once per
 * chunk version (memo) and added up, so a request recounts only what changed since the last one;
 * domain/statistics.ts turns the sums into figures, per assignment (件次) and per proposal (件).
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { currentSessionYear, sessionYearSchema } from '../../../domain/proposal-number';
import { seesEverything, type Caller } from '../../../domain/roles';
import {
  addClocks,
  adoptedClass,
  followUpClasses,
  emptyClockTally,
  emptyTally,
  figureLabels,
  figures,
  groupings,
  plus,
  proposalRow,
  type Grouping,
  type ClockTally,
  type Tally,
} from '../../../domain/statistics';
import { unitRows, type ProposalSummary } from '../../../domain/proposal-summary';
import type { Store } from '../../../store';
import { readProposalYears, type YearChunk } from '../../../store/proposals';
import { memo } from '../../../store/views';
import { escapeCell } from '../../csv-cells';
import { directorySnapshot } from '../../../store/directory';
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
  groups: z.array(
    z.object({
      key: z.string().nullable(),
      label: z.string(),
      figures: figuresSchema.describe('Per assignment (件次): each unit that owes a reply counts once'),
      byProposal: figuresSchema
        .nullable()
        .describe('Per proposal (件); null when grouped by unit (a proposal may have several)'),
    }),
  ),
  total: figuresSchema.describe('Per assignment (按件次)'),
  totalByProposal: figuresSchema.describe('Per proposal (按件)'),
  countedAs: z
    .object({ figures: z.string(), byProposal: z.string() })
    .describe('Chinese labels of the two counts'),
});

/** What one chunk of a year's view adds to each group: the rows' tallies (件次, 件) and the clocks' (by unit). */
interface ChunkTallies {
  flags: Map<string | null, Tally>;
  byProposal: Map<string | null, Tally>;
  clocks: Map<string | null, ClockTally>;
}

const groupOf: Record<Grouping, (p: ProposalSummary, unitId: string) => string | null> = {
  unit: (_, unitId) => unitId,
  proposerType: (p) => (p.organization ? 'organization' : 'member'),
  topic: (p) => p.topic ?? null,
};

const addTo = <T>(map: Map<string | null, T>, key: string | null, empty: () => T, add: (t: T) => T) =>
  map.set(key, add(map.get(key) ?? empty()));

/** What the figures depend on besides the rows: the policy's classes, and the caller's unit scope. */
interface Counting {
  adopted: string;
  /** Result classes whose reply opens a follow-up (class B in the default scheme). */
  followUpCodes: string[];
  unitId?: string;
}

/**
 * Each proposal's counted rows (domain/proposal-summary.ts, unitRows): one per unit owing a reply
 * (件次), summed into one for the proposal (件). A unit's people count their own unit's rows only,
 * so their 件 figures never tell what another unit did. Clocks count when overdue now or when their
 * ladder reached a chase notice or beyond.
 */
function tallyChunk(chunk: YearChunk, grouping: Grouping, { adopted, followUpCodes, unitId }: Counting) {
  const out: ChunkTallies = { flags: new Map(), byProposal: new Map(), clocks: new Map() };
  for (const { summary: p, clocks } of chunk.proposals) {
    const rows = unitRows(p, clocks, {
      adopted,
      followUpClasses: followUpCodes,
      commitmentReported: (unit) => chunk.done.has(`${p.number}|${unit}`),
    }).filter((u) => !unitId || u.unitId === unitId);
    for (const { unitId: unit, row } of rows) {
      addTo(out.flags, groupOf[grouping](p, unit), emptyTally, (t) => plus(t, row));
    }
    const whole = proposalRow(rows.map((u) => u.row));
    const key = grouping === 'unit' ? null : groupOf[grouping](p, '');
    if (whole) addTo(out.byProposal, key, emptyTally, (t) => plus(t, whole));
  }
  for (const c of [...chunk.clocks.values()].flat()) {
    if (unitId && c.unitId !== unitId) continue;
    addTo(out.clocks, c.unitId ?? null, emptyClockTally, (t) => addClocks(t, c, 1));
  }
  return out;
}

const entriesOf = <T>(map: Map<string | null, T>, plus: (a: T, b: T) => T) =>
  [...map].map(([g, part]) => ({ g, add: (t: T) => plus(t, part) }));

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

async function labelsOf(store: Store, grouping: Grouping) {
  if (grouping === 'unit') {
    const { units } = await directorySnapshot(store);
    return (key: string | null) => (key === null ? undefined : units.get(key)?.name) ?? key ?? '未指定';
  }
  if (grouping === 'proposerType')
    return (key: string | null) =>
      key === 'organization' ? '集体提案' : key === 'member' ? '委员提案' : '未知';
  return (key: string | null) => key ?? '未分类';
}

export const countedAs = { figures: '按承办单位统计（件次）', byProposal: '按提案统计（件）' };

/** Scope: body-wide roles see every unit; a unit's people their own unit's figures. */
export async function proposalStatistics(
  store: Store,
  caller: Caller,
  query: z.infer<typeof statisticsQuery>,
) {
  const sessionYear = query.sessionYear ?? currentSessionYear();
  const grouping = query.groupBy;
  const unitId = seesEverything(caller) ? undefined : (caller.unitId ?? '-');
  const [{ policy }, chunks] = await Promise.all([
    currentPolicy(store),
    readProposalYears(store, sessionYear),
  ]);
  const adopted = adoptedClass(policy);
  const counting: Counting = { adopted, followUpCodes: followUpClasses(policy), unitId };
  const parts = chunks.map((chunk) =>
    memo(chunk, `tally:${grouping}:${JSON.stringify(counting)}`, () => tallyChunk(chunk, grouping, counting)),
  );
  const tallies = fold<Tally>(
    parts.flatMap((p) => entriesOf(p.flags, plus)),
    emptyTally,
  );
  const byProposal = fold<Tally>(
    parts.flatMap((p) => entriesOf(p.byProposal, plus)),
    emptyTally,
  );
  const clockTallies = fold<ClockTally>(
    parts.flatMap((p) => entriesOf(p.clocks, plus)),
    emptyClockTally,
  );
  // Clocks know their unit only: by proposer type or topic, their figures show in the total alone.
  const keys = [
    ...new Set([...tallies.groups.keys(), ...(grouping === 'unit' ? clockTallies.groups.keys() : [])]),
  ]
    .filter((k) => grouping !== 'unit' || k !== null)
    .sort(byKey);
  const label = await labelsOf(store, grouping);
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
      byProposal: grouping === 'unit' ? null : figures(byProposal.groups.get(key) ?? emptyTally(), null),
    })),
    total: figures(tallies.total, clockTallies.total),
    totalByProposal: figures(byProposal.total, null),
    countedAs,
  };
}

type Statistics = Awaited<ReturnType<typeof proposalStatistics>>;
type Figures = Statistics['total'];

/** A share as offices print it (85.71%); counts as they are; nothing to divide by stays empty. */
const cell = (key: keyof Figures, value: number | null) =>
  value === null ? '' : key.endsWith('Rate') ? `${(value * 100).toFixed(2)}%` : String(value);

/**
 * The same figures as a spreadsheet (UTF-8 with a BOM for Excel, Chinese headers): a row per group
 * per assignment (件次), a row per group per proposal (件) where grouped otherwise than by unit, and
 * the two totals.
 */
export function statisticsCsv(stats: Statistics): string {
  const keys = Object.keys(figureLabels) as (keyof Figures)[];
  const row = (group: string, counted: string, f: Figures) => [
    group,
    counted,
    ...keys.map((k) => cell(k, f[k])),
  ];
  const rows = [
    ['分组', '统计口径', ...keys.map((k) => figureLabels[k])],
    ...stats.groups.flatMap((g) => [
      row(g.label, countedAs.figures, g.figures),
      ...(g.byProposal ? [row(g.label, countedAs.byProposal, g.byProposal)] : []),
    ]),
    row('合计', countedAs.figures, stats.total),
    row('合计', countedAs.byProposal, stats.totalByProposal),
  ];
  return `\ufeff${stringify(rows.map((r) => r.map(escapeCell)))}`;
}
