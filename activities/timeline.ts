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

export function timelineActivities({ store }: ActivityDeps) {
  return {
    async recordTimeline(entry: TimelineInput): Promise<void> {
      const { key, at, ...rest } = entry;
      // An insert, not an upsert by key: FerretDB v1 would read the whole timeline to find the key.
      await insertOnce(store.timeline, { _id: key, key, at: new Date(at), ...rest });
    },
  };
}
