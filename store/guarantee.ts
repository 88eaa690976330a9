/**
 * The guarantee over the read model: every open item of every registered source either has its
 * response or an active escalation (domain/guarantee.ts says precisely what that means). A lifecycle
 * whose items await answers registers its read model here; its clocks carry the same `itemKind`
 * and use the item document's `_id` as their `itemId`.
 */
import type { Model } from 'mongoose';
import {
  checkGuarantee,
  type GuaranteeClock,
  type GuaranteeItem,
  type GuaranteeReport,
} from '../domain/guarantee';
import { finalStatuses } from '../domain/proposal';
import type { Store } from './index';

export interface ItemSource {
  /** `itemKind` of the source's clocks in the clocks read model. */
  kind: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model: (store: Store) => Model<any>;
  /** Items still open. */
  openFilter: Record<string, unknown>;
  /** Among open items, those whose response is in. */
  answeredFilter: Record<string, unknown>;
  /** Path of the responding unit's id (or an array of ids) in the item document: the ledger's rows. */
  unitField: string;
}

export const itemSources: ItemSource[] = [
  {
    // A proposal awaits somebody at every open step (review, assignment, units, feedback, ruling …),
    // so an open proposal always needs a running clock: none counts as answered.
    kind: 'proposal',
    model: (store) => store.proposals,
    openFilter: { status: { $nin: [...finalStatuses] } },
    answeredFilter: { _id: { $in: [] } },
    unitField: 'unitIds',
  },
  {
    kind: 'followUp',
    model: (store) => store.followUps,
    openFilter: { status: { $ne: 'closed' } },
    answeredFilter: { answered: true },
    unitField: 'responder.unitId',
  },
];

const valueAt = (doc: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], doc);

async function openItems(store: Store, source: ItemSource, ids?: string[]): Promise<GuaranteeItem[]> {
  const model = source.model(store);
  const open = ids ? { $and: [source.openFilter, { _id: { $in: ids } }] } : source.openFilter;
  const projection = { _id: 1, title: 1, [source.unitField]: 1 };
  const [items, answered] = await Promise.all([
    model.find(open, projection).lean<Record<string, unknown>[]>(),
    model.find({ $and: [open, source.answeredFilter] }, { _id: 1 }).lean<{ _id: string }[]>(),
  ]);
  const answeredIds = new Set(answered.map((doc) => doc._id));
  return items.map((doc) => {
    const units = valueAt(doc, source.unitField);
    return {
      itemId: doc._id as string,
      itemKind: source.kind,
      title: typeof doc.title === 'string' ? doc.title : undefined,
      unitIds: (Array.isArray(units) ? units : [units]).filter((u): u is string => typeof u === 'string'),
      answered: answeredIds.has(doc._id as string),
    };
  });
}

/** Open items, then the running clocks of their kinds (`ids`: only these items). */
async function check(store: Store, sources: ItemSource[], ids?: string[]): Promise<GuaranteeReport> {
  const items = (await Promise.all(sources.map((source) => openItems(store, source, ids)))).flat();
  const clocks = await store.clocks
    .find(
      {
        status: 'running',
        itemKind: { $in: sources.map((s) => s.kind) },
        ...(ids ? { itemId: { $in: ids } } : {}),
      },
      { _id: 0, itemId: 1, clockId: 1, overdue: 1, escalation: 1, nextStepAt: 1 },
    )
    .lean<GuaranteeClock[]>();
  return checkGuarantee(items, clocks);
}

/** How long an item may sit between two of its workflow's writes (one clock met, the next started). */
export const SETTLE_MS = 1_000;

/**
 * The guarantee and the ledger. Items and clocks are two reads, and a workflow writes its item and its
 * clocks in separate activities, so an item caught between them (a clock met, the next one not yet
 * recorded) can look uncovered; such candidates are read again after SETTLE_MS, and only those still
 * uncovered are reported.
 */
export async function guarantee(store: Store, sources: ItemSource[] = itemSources): Promise<GuaranteeReport> {
  const report = await check(store, sources);
  if (report.uncovered.length === 0) return report;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const again = await check(
    store,
    sources,
    report.uncovered.map((item) => item.itemId),
  );
  return { ...report, uncovered: again.uncovered };
}
