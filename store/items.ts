/**
 * One item's page (a proposal, follow-up item, posting or drill): its timeline entries and its clocks
 * in a single view document, so the page reads one document by `_id` however large the archive.
 */
import type { Deadline } from '../domain/deadline';
import { attachmentTimeline } from './attachments';
import type { Store } from './index';
import type { Row, Scope } from './views';

/**
 * Keyed by id alone, not kind + id: the kinds' ids cannot meet — proposals and postings are numbered
 * by the server in shapes of their own, and a follow-up id a client chooses may take neither
 * (domain/follow-up.ts `followUpIdProblem`, checked when the item is created). Prefixing the key with
 * the kind would move every stored page (and the workflows that write them) for no further safety.
 */
export const itemScope = (itemId: string): Scope => ({ key: `item/${itemId}` });

export const itemRowIds = {
  entry: (key: string) => `entry|${key}`,
  clock: (clockId: string) => `clock|${clockId}`,
};

export interface TimelineRow {
  /** The entry's idempotency key (workflow id + step). */
  key: string;
  at: number;
  kind: string;
  label: string;
  actor?: string;
  data?: Record<string, unknown>;
}

export interface ClockRow {
  clockId: string;
  code: string;
  label: string;
  responsible: { unitId?: string; groupId?: string; userIds?: string[] };
  status: string;
  startedAt: number;
  overdue: boolean;
  escalation: string | null;
  /** Ladder steps fired so far, and when the next is planned (null when none is left or it stopped). */
  fired: string[];
  nextStepAt: number | null;
  deadline: Deadline;
}

/** The item's timeline, oldest first, and its clocks. */
export async function readItem(store: Store, itemId: string) {
  const [view, attachments] = await Promise.all([
    store.views.rows<TimelineRow & ClockRow>(itemScope(itemId)),
    attachmentTimeline(store, itemId), // added through the API, kept apart from the derived view
  ]);
  const rows = [...view, ...(attachments as [string, Row<TimelineRow & ClockRow>][])];
  const clocks: Row<ClockRow>[] = rows.filter(([id]) => id.startsWith('clock|')).map(([, row]) => row);
  // Entries at the same instant in the order of their keys.
  const timeline: Row<TimelineRow>[] = rows
    .filter(([id]) => id.startsWith('entry|'))
    .sort(([ka, a], [kb, b]) => a.at - b.at || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .map(([, row]) => row);
  return { timeline, clocks };
}
