/**
 * Expiry of finished records: outbox rows sent or finally failed (and their claim keys) and
 * Idempotency-Key claims, after the retention periods of infra/retention.ts. On MongoDB, TTL indexes
 * (`expireAfterSeconds`) delete them; FerretDB v1 applies no TTL, so the worker's daily sweep
 * (`sweepExpired`, a Temporal Schedule, worker/schedules.ts) deletes them with a filter over each
 * collection — once a day, never on a request's path. The sweep runs on MongoDB too (finding little).
 */
import type { Retention } from '../infra/retention';
import type { Store } from './index';
import { deleteExpiredOutbox } from './outbox';

const day = 86_400_000;

/** Whether the database is FerretDB (its buildInfo names its own version), which applies no TTL. */
export async function isFerretDb(store: Store): Promise<boolean> {
  const info = await store.conn.db!.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info;
}

/**
 * On MongoDB: TTL indexes on the outbox's `doneAt` and the claims' `createdAt`, brought to the current
 * retention (collMod) when it changed. Returns false on FerretDB, where the sweep alone expires them.
 */
export async function ensureExpiryIndexes(store: Store, retention: Retention): Promise<boolean> {
  if (await isFerretDb(store)) return false;
  const ttl = [
    { model: store.outbox, field: 'doneAt', seconds: retention.outboxDays * 86_400 },
    { model: store.idempotencyKeys, field: 'createdAt', seconds: retention.idempotencyDays * 86_400 },
  ];
  for (const { model, field, seconds } of ttl) {
    const name = `${field}_ttl`;
    const existing = (await model.collection.indexes()).find((index) => index.name === name);
    if (!existing) await model.collection.createIndex({ [field]: 1 }, { name, expireAfterSeconds: seconds });
    else if (existing.expireAfterSeconds !== seconds)
      await store.conn.db!.command({
        collMod: model.collection.collectionName,
        index: { name, expireAfterSeconds: seconds },
      });
  }
  return true;
}

export interface SweepResult {
  outbox: number;
  idempotencyClaims: number;
}

/** Deletes what has outlived its retention at `now`. */
export async function sweepExpired(
  store: Store,
  retention: Retention,
  now = new Date(),
): Promise<SweepResult> {
  const outbox = await deleteExpiredOutbox(store, new Date(now.getTime() - retention.outboxDays * day));
  const claims = await store.idempotencyKeys.deleteMany({
    createdAt: { $lt: new Date(now.getTime() - retention.idempotencyDays * day) },
  });
  return { outbox, idempotencyClaims: claims.deletedCount };
}
