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

/** Chunked by item, so an item and its clocks share a chunk. */
export const openWork: Scope = {
  key: 'open',
  chunkOf: hashChunks(32, (rowId) => rowId.split('|').slice(0, 2).join('|')),
};

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
