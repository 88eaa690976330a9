/**
 * How long finished records are kept: outbox rows once sent or finally failed, and Idempotency-Key
 * claims. Days, from the environment (validated with zod, naming the variable); the worker's daily
 * sweep and, on MongoDB, TTL indexes apply them (store/expiry.ts).
 */
import { z } from 'zod';
import { loadEnv } from '../config';

const days = (fallback: number) => z.coerce.number().int().min(1).max(3650).default(fallback);

const retentionSchema = z.object({
  /** Outbox rows (and their claim keys), counted from when they were sent or finally failed. */
  HUIYIN_OUTBOX_RETENTION_DAYS: days(180),
  /** Idempotency-Key claims: a request retried later than this is a new request. */
  HUIYIN_IDEMPOTENCY_RETENTION_DAYS: days(7),
});

export interface Retention {
  outboxDays: number;
  idempotencyDays: number;
}

export function loadRetention(env: NodeJS.ProcessEnv = process.env): Retention {
  const raw = loadEnv(retentionSchema, env);
  return {
    outboxDays: raw.HUIYIN_OUTBOX_RETENTION_DAYS,
    idempotencyDays: raw.HUIYIN_IDEMPOTENCY_RETENTION_DAYS,
  };
}
