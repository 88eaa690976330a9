import { itemRowIds, itemScope } from '../store/items';
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
      // In the item's view, where its page reads it; revision 0: written once per key.
      await store.views.put(itemScope(rest.itemId), [
        { id: itemRowIds.entry(key), revision: 0, value: { key, at, ...timelineFields(rest) } },
      ]);
    },
  };
}
