/**
 * Lists read the session years' views (store/proposals.ts) and filter, sort and count in memory: what
 * the caller may see by the one visibility rule (domain/proposal-summary.ts), then the filters. Clock
 * filters (overdue, due before) look at the proposal's running clocks, of `unitId` when given.
 */
import type { ClockSummary } from '../../../domain/proposal-summary';
import { visibleTo } from '../../../domain/proposal-summary';
import { proposalStatusLabels, proposalTypeLabels } from '../../../domain/proposal';
import { seesEverything, type Caller } from '../../../domain/roles';
import { endOfDay, toIso } from '../../../domain/time';
import type { Store } from '../../../store';
import { readProposalYears, type ProposalEntry } from '../../../store/proposals';
import { memo } from '../../../store/views';
import type { ProposalFilter } from './schemas';

function matcher(caller: Caller, f: ProposalFilter): (m: ProposalEntry) => boolean {
  const q = f.q?.toLowerCase();
  const dueBy = f.dueBefore ? endOfDay(f.dueBefore) : undefined;
  const running = (clocks: ClockSummary[]) =>
    clocks.filter((c) => c.running && (!f.unitId || c.unitId === f.unitId));
  const everything = seesEverything(caller);
  return ({ summary: p, clocks, title }) =>
    (everything || visibleTo(p, caller)) &&
    (!f.status || f.status.includes(p.status)) &&
    (!f.unitId || p.unitIds.includes(f.unitId)) &&
    (f.key === undefined || p.key === f.key) &&
    (!f.proposerId || p.proposerIds.includes(f.proposerId)) &&
    (!q || title.includes(q)) &&
    (f.overdue === undefined || running(clocks).some((c) => c.overdue) === f.overdue) &&
    (dueBy === undefined || running(clocks).some((c) => c.dueAt <= dueBy));
}

/**
 * The proposals `caller` may see that match `f`, chunk by chunk in number order. Each chunk's matches
 * are kept per chunk version, so a list asked again filters only the chunks that changed meanwhile.
 */
async function matchingChunks(store: Store, caller: Caller, f: ProposalFilter): Promise<ProposalEntry[][]> {
  const match = matcher(caller, f);
  const asked = `match:${JSON.stringify([seesEverything(caller) ? 'all' : caller, f])}`;
  return (await readProposalYears(store, f.sessionYear)).map((chunk) =>
    memo(chunk, asked, () => chunk.proposals.filter(match)),
  );
}

/** The proposals `caller` may see that match `f`, by session year and number. */
export async function matchingProposals(store: Store, caller: Caller, f: ProposalFilter) {
  return (await matchingChunks(store, caller, f)).flat();
}

/** Entries `offset` to `offset + limit` of the chunks read in `order`, without joining them all. */
export function page<T>(chunks: T[][], order: 'asc' | 'desc', offset: number, limit: number): T[] {
  const out: T[] = [];
  let skip = offset;
  for (const chunk of order === 'asc' ? chunks : [...chunks].reverse()) {
    if (out.length === limit) break;
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    const inOrder = order === 'asc' ? chunk : [...chunk].reverse();
    out.push(...inOrder.slice(skip, skip + limit - out.length));
    skip = 0;
  }
  return out;
}

/** Whether a proposal has an overdue running clock, and its earliest running due day. */
function clockSummary(clocks: ClockSummary[]) {
  const running = clocks.filter((c) => c.running);
  return {
    overdue: running.some((c) => c.overdue),
    nextDue: running.map((c) => c.due).sort()[0] ?? null,
  };
}

export async function listProposals(
  store: Store,
  caller: Caller,
  query: ProposalFilter & { limit: number; offset: number; order: 'asc' | 'desc' },
) {
  const { limit, offset, order, ...filters } = query;
  const chunks = await matchingChunks(store, caller, filters);
  const items = page(chunks, order, offset, limit).map(({ summary: p, clocks }) => ({
    id: p.number,
    number: p.number,
    sessionYear: p.sessionYear,
    title: p.title,
    type: p.type,
    typeLabel: proposalTypeLabels[p.type],
    ...(p.topic ? { topic: p.topic } : {}),
    status: p.status,
    statusLabel: proposalStatusLabels[p.status],
    leadProposerId: p.leadProposerId,
    proposerIds: p.proposerIds,
    organization: p.organization,
    key: p.key,
    unitIds: p.unitIds,
    submittedAt: toIso(p.submittedAt),
    ...clockSummary(clocks),
  }));
  const total = chunks.reduce((n, chunk) => n + chunk.length, 0);
  return { items, total, limit, offset };
}
