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
      await store.timeline.updateOne(
        { key },
        { $setOnInsert: { key, at: new Date(at), ...rest } },
        { upsert: true },
      );
    },
  };
}
