import { itemRowIds, itemScope } from '../store/items';
import { insertOnce } from '../store/mongo';
import type { ActivityDeps } from './deps';

export interface TimelineInput {
  /** Idempotency key (workflow id + step): a retried activity writes once. */
  key: string;
  itemId: string;
  at: number;
  kind: string;
  label: string;
  actor?: string;
  data?: Record<string, unknown>;
}

const timelineFields = ({ kind, label, actor, data }: Omit<TimelineInput, 'key' | 'at'>) => ({
  kind,
  label,
  ...(actor ? { actor } : {}),
  ...(data ? { data } : {}),
});

export function timelineActivities({ store }: ActivityDeps) {
  return {
    async recordTimeline(entry: TimelineInput): Promise<void> {
      const { key, at, ...rest } = entry;
      // An insert, not an upsert by key: FerretDB v1 would read the whole timeline to find the key.
      await insertOnce(store.timeline, { _id: key, key, at: new Date(at), ...rest });
      // What the item's page reads: its entries in one document (revision 0: written once per key).
      await store.views.put(itemScope(rest.itemId), [
        { id: itemRowIds.entry(key), revision: 0, value: { key, at, ...timelineFields(rest) } },
      ]);
    },
  };
}
