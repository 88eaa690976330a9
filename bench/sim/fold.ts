/**
 * The §7 figures of a session year computed from scratch: from each proposal's own state and clocks
 * (as its workflow holds them) and the commitment follow-ups reported done — not from the read
 * model's views. `summarize` gives each assignment's flags and domain/statistics.ts the formulas, so
 * this fold shares those definitions with the product but none of its storage, chunking or memo path.
 * Where the flags leave a figure to the reader — a commitment reported done — it applies domain.md §7
 * as written. The simulation (bench/simulate.ts) and the statistics test
 * (test/integration/statistics-rebuild.test.ts) compare `proposalStatistics` with it.
 */
import type { ClockState } from '../../domain/ladder';
import type { Policy } from '../../domain/policy';
import type { ProposalState } from '../../domain/proposal';
import { summarize, summarizeClock, unitRows, type ProposalSummary } from '../../domain/proposal-summary';
import {
  addClocks,
  adoptedClass,
  followUpClasses,
  emptyClockTally,
  emptyTally,
  figures,
  plus,
  proposalRow,
  type ClockTally,
  type Figures,
  type Grouping,
  type Tally,
} from '../../domain/statistics';

export interface FoldInput {
  sessionYear: number;
  /** Every proposal's final state and clock table (the workflow's `view` query). */
  proposals: { state: ProposalState; clocks: Record<string, ClockState> }[];
  /** `<proposalId>|<unitId>` of every commitment follow-up whose outcome is `done`. */
  commitmentsDone: ReadonlySet<string>;
  policy: Pick<Policy, 'resultClassScheme'>;
}

export interface FoldedFigures {
  groups: { key: string | null; figures: Figures; byProposal: Figures | null }[];
  total: Figures;
  totalByProposal: Figures;
}

const keyOf: Record<Grouping, (p: ProposalSummary, unitId: string) => string | null> = {
  unit: (_, unitId) => unitId,
  proposerType: (p) => (p.organization ? 'organization' : 'member'),
  topic: (p) => p.topic ?? null,
};

export function foldFigures(input: FoldInput, grouping: Grouping): FoldedFigures {
  const counting = { adopted: adoptedClass(input.policy), followUpClasses: followUpClasses(input.policy) };
  const flags = new Map<string | null, Tally>();
  const byProposal = new Map<string | null, Tally>();
  const clocks = new Map<string | null, ClockTally>();
  let flagTotal = emptyTally();
  let proposalTotal = emptyTally();
  let clockTotal = emptyClockTally();
  const add = (map: Map<string | null, Tally>, key: string | null, row: Tally) =>
    map.set(key, plus(map.get(key) ?? emptyTally(), row));
  for (const { state, clocks: table } of input.proposals) {
    if (state.sessionYear !== input.sessionYear) continue;
    const summary = summarize(state);
    const clockRows = Object.values(table).map((clock) =>
      summarizeClock({ ...clock, itemId: state.proposalId, itemKind: 'proposal' }),
    );
    const rows = unitRows(summary, clockRows, {
      ...counting,
      commitmentReported: (unitId) => input.commitmentsDone.has(`${state.proposalId}|${unitId}`),
    });
    for (const { unitId, row } of rows) {
      add(flags, keyOf[grouping](summary, unitId), row);
      flagTotal = plus(flagTotal, row);
    }
    const whole = proposalRow(rows.map((r) => r.row));
    if (whole) {
      if (grouping !== 'unit') add(byProposal, keyOf[grouping](summary, ''), whole);
      proposalTotal = plus(proposalTotal, whole);
    }
    for (const row of clockRows) {
      clockTotal = addClocks(clockTotal, row, 1);
      if (grouping !== 'unit' || row.unitId === undefined) continue;
      clocks.set(row.unitId, addClocks(clocks.get(row.unitId) ?? emptyClockTally(), row, 1));
    }
  }
  // By unit, a group is every unit owing a reply or having a clock; by proposer type or topic, clocks
  // (which know their unit only) show in the total alone.
  const keys = new Set(grouping === 'unit' ? [...flags.keys(), ...clocks.keys()] : flags.keys());
  return {
    groups: [...keys].sort(nullLast).map((key) => ({
      key,
      figures: figures(
        flags.get(key) ?? emptyTally(),
        grouping === 'unit' ? (clocks.get(key) ?? emptyClockTally()) : null,
      ),
      byProposal: grouping === 'unit' ? null : figures(byProposal.get(key) ?? emptyTally(), null),
    })),
    total: figures(flagTotal, clockTotal),
    totalByProposal: figures(proposalTotal, null),
  };
}

const nullLast = (a: string | null, b: string | null) =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : a.localeCompare(b);

export interface FigureDifference {
  /** The group's key, `total` for the total, or `(groups)` when the sets of groups differ. */
  group: string;
  field: string;
  product: unknown;
  scratch: unknown;
}

/** Every figure where the product's answer and the fold differ (empty: they agree). */
export function compareFigures(product: FoldedFigures, scratch: FoldedFigures): FigureDifference[] {
  const differences: FigureDifference[] = [];
  const name = (key: string | null) => key ?? '(none)';
  const productKeys = product.groups.map((g) => name(g.key));
  const scratchKeys = scratch.groups.map((g) => name(g.key));
  if (productKeys.join() !== scratchKeys.join())
    differences.push({ group: '(groups)', field: 'keys', product: productKeys, scratch: scratchKeys });
  const compare = (group: string, a: Figures | undefined, b: Figures | undefined) => {
    for (const field of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
      const x = a?.[field as keyof Figures];
      const y = b?.[field as keyof Figures];
      if (x !== y) differences.push({ group, field, product: x, scratch: y });
    }
  };
  for (const key of new Set([...productKeys, ...scratchKeys])) {
    const [a, b] = [product, scratch].map((f) => f.groups.find((g) => name(g.key) === key));
    compare(key, a?.figures, b?.figures);
    compare(`${key} (件)`, a?.byProposal ?? undefined, b?.byProposal ?? undefined);
  }
  compare('total', product.total, scratch.total);
  compare('total (件)', product.totalByProposal, scratch.totalByProposal);
  return differences;
}
