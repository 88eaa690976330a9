/**
 * Open work across every lifecycle, in one view: the items still awaiting somebody and the clocks
 * still running. The guarantee, its ledger and the secretaries' digests read it; a row leaves when its
 * item closes or its clock stops, so the view's size follows the open work, not the archive.
 */
import type { GuaranteeClock, GuaranteeItem } from '../domain/guarantee';
import type { ClockSnapshot } from '../domain/ladder';
import { summarizeClock } from '../domain/proposal-summary';
import type { Store } from './index';
import { hashChunks, type RowChange, type Scope } from './views';

const itemOf = (rowId: string) => rowId.split('|').slice(0, 2).join('|');

/**
 * Chunked by item, so an item and its clocks share a chunk. Every clock change puts a row here and a
 * put rewrites its chunk, so the chunks are many and small: ~40 rows each with 10,000 items open.
 */
export const openWork: Scope = { key: 'open-work', chunkOf: hashChunks(256, itemOf) };

/** The open work as kept before 2026-12: 32 chunks of up to 600 rows at that size, each put ~120 ms. */
const openWork32: Scope = { key: 'open', chunkOf: hashChunks(32, itemOf) };

/**
 * Moves the rows of the 32-chunk open work into `openWork` and drops the old scope: once, as the worker
 * starts. Each row keeps its revision, so a row a projection wrote since wins. Returns how many it moved.
 */
export async function moveOpenWork32(store: Store): Promise<number> {
  const rows = [...(await store.views.rows(openWork32))];
  if (rows.length === 0) return 0;
  await store.views.put(
    openWork,
    rows.map(([id, { _r, ...value }]) => ({ id, revision: _r, value })),
  );
  await store.views.drop(openWork32);
  return rows.length;
}

/** A running clock with who must act and by when. */
export interface OpenClock extends GuaranteeClock {
  itemKind: string;
  code: string;
  label: string;
  responsible: ClockSnapshot['responsible'];
  due: string;
  dueAt: number;
  startedAt: number;
}

const itemRowId = (kind: string, itemId: string) => `${kind}|${itemId}`;

/** An item's row: present while it is open (`item`), removed once it is not (`null`). */
export const openItemChange = (
  kind: string,
  itemId: string,
  revision: number,
  item: Omit<GuaranteeItem, 'itemId' | 'itemKind'> | null,
): RowChange => ({
  id: itemRowId(kind, itemId),
  revision,
  value: item && { ...item, itemId, itemKind: kind },
});

/** A clock's row: present while it runs. */
export function openClockChange(clock: ClockSnapshot): RowChange {
  const { escalation, nextStepAt } = summarizeClock(clock);
  const value: OpenClock = {
    itemId: clock.itemId,
    itemKind: clock.itemKind,
    clockId: clock.id,
    code: clock.code,
    label: clock.label,
    responsible: clock.responsible,
    overdue: clock.overdue,
    escalation,
    nextStepAt,
    due: clock.plan.deadline.due,
    dueAt: clock.plan.deadline.dueAt,
    startedAt: clock.startedAt,
  };
  return {
    id: `${itemRowId(clock.itemKind, clock.itemId)}|clock|${clock.id}`,
    revision: clock.revision,
    value: clock.status === 'running' ? value : null,
  };
}

export async function readOpenWork(store: Store): Promise<{ items: GuaranteeItem[]; clocks: OpenClock[] }> {
  const items: GuaranteeItem[] = [];
  const clocks: OpenClock[] = [];
  for (const chunk of await store.views.read<GuaranteeItem & OpenClock>(openWork))
    for (const [id, row] of chunk.rows) (id.includes('|clock|') ? clocks : items).push(row);
  return { items, clocks };
}
