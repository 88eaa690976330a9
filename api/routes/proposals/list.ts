/**
 * Lists read the `proposals` read model, scoped to what the caller may see (domain.md §1):
 * committee, leaders and admins everything; a unit's people the proposals their unit handles;
 * everyone their own proposals. Clock filters (overdue, due before) go through the `clocks` collection.
 */
import {
  proposalStatusLabels,
  proposalTypeLabels,
  type ProposalStatus,
  type ProposalType,
} from '../../../domain/proposal';
import { seesEverything, type Caller } from '../../../domain/roles';
import { endOfDay, toIso } from '../../../domain/time';
import type { Store } from '../../../store';
import type { ProposalFilter } from './schemas';

type Filter = Record<string, unknown>;

/** What `caller` may see: nothing beyond their own proposals and their unit's. */
export function scopeOf(caller: Caller): Filter {
  if (seesEverything(caller)) return {};
  const mine: Filter[] = [{ proposerIds: caller.id }];
  if (caller.unitId) mine.push({ unitIds: caller.unitId });
  return { $or: mine };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Ids of proposals with a running clock matching `extra` (of `unitId`'s clocks, when given). */
async function clockItemIds(store: Store, extra: Filter, unitId?: string): Promise<string[]> {
  const clocks = await store.clocks
    .find(
      {
        itemKind: 'proposal',
        status: 'running',
        ...extra,
        ...(unitId ? { 'responsible.unitId': unitId } : {}),
      },
      { itemId: 1 },
    )
    .lean<{ itemId: string }[]>();
  return [...new Set(clocks.map((c) => c.itemId))];
}

export async function filterOf(store: Store, caller: Caller, f: ProposalFilter): Promise<Filter> {
  const and: Filter[] = [scopeOf(caller)];
  if (f.status) and.push({ status: { $in: f.status } });
  if (f.unitId) and.push({ unitIds: f.unitId });
  if (f.sessionYear) and.push({ sessionYear: f.sessionYear });
  if (f.key !== undefined) and.push({ key: f.key });
  if (f.proposerId) and.push({ proposerIds: f.proposerId });
  if (f.q) and.push({ title: { $regex: escapeRegex(f.q), $options: 'i' } });
  if (f.overdue !== undefined) {
    const ids = await clockItemIds(store, { overdue: true }, f.unitId);
    and.push({ _id: f.overdue ? { $in: ids } : { $nin: ids } });
  }
  if (f.dueBefore) {
    const ids = await clockItemIds(store, { dueAt: { $lte: new Date(endOfDay(f.dueBefore)) } }, f.unitId);
    and.push({ _id: { $in: ids } });
  }
  return { $and: and };
}

export interface ProposalDoc {
  _id: string;
  number: string;
  sessionYear: number;
  title: string;
  type: ProposalType;
  topic?: string;
  status: ProposalStatus;
  leadProposerId: string;
  proposerIds: string[];
  organization?: boolean;
  key: boolean;
  unitIds: string[];
  submittedAt: Date;
}

/** Whether each proposal has an overdue running clock, and its earliest due day. */
async function clockSummaries(store: Store, ids: string[]) {
  const clocks = await store.clocks
    .find(
      { itemKind: 'proposal', status: 'running', itemId: { $in: ids } },
      { itemId: 1, overdue: 1, due: 1 },
    )
    .lean<{ itemId: string; overdue: boolean; due: string }[]>();
  const summary = new Map<string, { overdue: boolean; nextDue: string | null }>();
  for (const c of clocks) {
    const s = summary.get(c.itemId) ?? { overdue: false, nextDue: null };
    summary.set(c.itemId, {
      overdue: s.overdue || c.overdue,
      nextDue: s.nextDue === null || c.due < s.nextDue ? c.due : s.nextDue,
    });
  }
  return summary;
}

export async function listProposals(
  store: Store,
  caller: Caller,
  query: ProposalFilter & { limit: number; offset: number; order: 'asc' | 'desc' },
) {
  const { limit, offset, order, ...filters } = query;
  const filter = await filterOf(store, caller, filters);
  const direction = order === 'asc' ? 1 : -1;
  const [docs, total] = await Promise.all([
    store.proposals
      .find(filter)
      .sort({ sessionYear: direction, number: direction })
      .skip(offset)
      .limit(limit)
      .lean<ProposalDoc[]>(),
    store.proposals.countDocuments(filter),
  ]);
  const clocks = await clockSummaries(
    store,
    docs.map((d) => d._id),
  );
  const items = docs.map((d) => ({
    id: d._id,
    number: d.number,
    sessionYear: d.sessionYear,
    title: d.title,
    type: d.type,
    typeLabel: proposalTypeLabels[d.type],
    ...(d.topic ? { topic: d.topic } : {}),
    status: d.status,
    statusLabel: proposalStatusLabels[d.status],
    leadProposerId: d.leadProposerId,
    proposerIds: d.proposerIds,
    organization: Boolean(d.organization),
    key: d.key,
    unitIds: d.unitIds,
    submittedAt: toIso(d.submittedAt.getTime()),
    ...(clocks.get(d._id) ?? { overdue: false, nextDue: null }),
  }));
  return { items, total, limit, offset };
}
