/**
 * The notification outbox: one row per (notice, recipient, channel), keyed by `_id`, so a retried or
 * replayed activity meets the primary key instead of writing a second row. Dispatchers claim due rows
 * with a claim key per `claims` count and a lease, so two of them never send the same row at once.
 * In-app messages are the outbox's `inbox` rows once delivered.
 */
import { Schema, type Connection } from 'mongoose';
import type { Address, Channel } from '../domain/notifications';
import type { Store } from './index';
import { insertOnce } from './mongo';

export const outboxStatuses = ['pending', 'sending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];

/** What a notice becomes for one recipient on one channel, before delivery. */
export interface NewOutboxRow {
  /** `${notice}:${recipient}:${channel}`. */
  _id: string;
  /** The notice it belongs to: a ladder step's key, `digest:…` or `test:…`. */
  notice: string;
  /** Step kind (reminder, chaseNotice …), `digest` or `test`. */
  kind: string;
  itemId?: string;
  recipient: string;
  recipientName: string;
  audience?: string;
  channel: Channel;
  address: Address;
  subject: string;
  text: string;
  link: string;
  urgent: boolean;
  /** When it may go out (office hours). */
  deliverAt: Date;
}

export interface OutboxRow extends NewOutboxRow {
  status: OutboxStatus;
  attempts: number;
  lastError?: string;
  nextAttemptAt: Date;
  claims: number;
  claimedBy?: string;
  leaseUntil?: Date;
  sentAt?: Date;
  readAt?: Date;
  createdAt: Date;
}

const outboxSchema = new Schema(
  {
    _id: { type: String },
    notice: { type: String, required: true, index: true },
    kind: { type: String, required: true },
    itemId: { type: String, index: true },
    recipient: { type: String, required: true },
    recipientName: { type: String, required: true },
    audience: String,
    channel: { type: String, required: true },
    address: { type: Schema.Types.Mixed, required: true },
    subject: { type: String, required: true },
    text: { type: String, required: true },
    link: { type: String, required: true },
    urgent: { type: Boolean, required: true },
    deliverAt: { type: Date, required: true },
    status: { type: String, required: true },
    attempts: { type: Number, required: true },
    lastError: String,
    nextAttemptAt: { type: Date, required: true },
    /** Bumped by every claim: the compare-and-set that makes a claim exclusive. */
    claims: { type: Number, required: true },
    claimedBy: String,
    leaseUntil: Date,
    sentAt: Date,
    readAt: Date,
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
outboxSchema.index({ status: 1, nextAttemptAt: 1 });
outboxSchema.index({ recipient: 1, channel: 1, status: 1 });

/**
 * One document per claim of a row, `_id` = `${row}#${claims}`. FerretDB v1 runs an update as read
 * then write, so two dispatchers' compare-and-set on `claims` can both succeed; inserting a primary
 * key cannot, so whoever inserts the claim's key owns it. Kept as the row's claim history.
 */
const claimSchema = new Schema(
  { _id: { type: String }, owner: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);

export const outboxModels = (conn: Connection) => ({
  outbox: conn.model('OutboxRow', outboxSchema, 'outbox'),
  outboxClaims: conn.model('OutboxClaim', claimSchema, 'outbox_claims'),
});

/** Inserts the rows that are not there yet; an existing row (same key) is left as it is. */
export async function enqueueOutbox(store: Store, rows: NewOutboxRow[], now = new Date()): Promise<number> {
  let inserted = 0;
  for (const row of rows) {
    const fresh = {
      ...row,
      status: 'pending',
      attempts: 0,
      claims: 0,
      nextAttemptAt: row.deliverAt,
      createdAt: now,
    };
    if (await insertOnce(store.outbox, fresh)) inserted++;
  }
  return inserted;
}

/** Due rows: pending and due, or claimed by a dispatcher whose lease has run out. */
const dueFilter = (now: Date) => ({
  $or: [
    { status: 'pending', nextAttemptAt: { $lte: now } },
    { status: 'sending', leaseUntil: { $lt: now } },
  ],
});

/** Claims up to `limit` due rows for `owner` until `now + leaseMs`; returns the keys it won. */
export async function claimDue(
  store: Store,
  { owner, limit, leaseMs, now = new Date() }: { owner: string; limit: number; leaseMs: number; now?: Date },
): Promise<string[]> {
  const candidates = await store.outbox
    .find(dueFilter(now), { _id: 1, claims: 1 })
    .sort({ nextAttemptAt: 1 })
    .limit(limit)
    .lean<{ _id: string; claims: number }[]>();
  const won: string[] = [];
  for (const { _id, claims } of candidates) {
    if (!(await takeClaim(store, `${_id}#${claims}`, owner, now))) continue;
    const res = await store.outbox.updateOne(
      { $and: [{ _id, claims }, dueFilter(now)] },
      {
        $set: { status: 'sending', claimedBy: owner, leaseUntil: new Date(now.getTime() + leaseMs) },
        $inc: { claims: 1 },
      },
    );
    if (res.modifiedCount === 1) won.push(_id);
  }
  return won;
}

/** Inserts the claim's key; false when another dispatcher already holds this claim of the row. */
const takeClaim = (store: Store, key: string, owner: string, now: Date): Promise<boolean> =>
  insertOnce(store.outboxClaims, { _id: key, owner, at: now });

/**
 * The row if `owner` still holds it (not sent meanwhile, lease not passed on). Read by `_id` alone, the
 * one filter FerretDB v1 answers from an index rather than by reading the whole collection.
 */
export async function claimedRow(store: Store, id: string, owner: string): Promise<OutboxRow | undefined> {
  const row = await store.outbox.findById(id).lean<OutboxRow>();
  return row?.status === 'sending' && row.claimedBy === owner ? row : undefined;
}

const released = { claimedBy: '', leaseUntil: '' };

export async function markSent(store: Store, id: string, owner: string, now = new Date()): Promise<void> {
  await store.outbox.updateOne(
    { _id: id, status: 'sending', claimedBy: owner },
    { $set: { status: 'sent', sentAt: now }, $unset: released },
  );
}

/** Records a failed attempt: back to pending at `retryAt`, or finally failed when there is none. */
export async function markAttemptFailed(
  store: Store,
  row: OutboxRow,
  error: string,
  retryAt: Date | undefined,
): Promise<OutboxStatus> {
  const status: OutboxStatus = retryAt ? 'pending' : 'failed';
  await store.outbox.updateOne(
    { _id: row._id, status: 'sending', claimedBy: row.claimedBy },
    {
      $set: {
        status,
        attempts: row.attempts + 1,
        lastError: error.slice(0, 500),
        ...(retryAt && { nextAttemptAt: retryAt }),
      },
      $unset: released,
    },
  );
  return status;
}

export interface OutboxQuery {
  status?: OutboxStatus;
  recipient?: string;
  channel?: Channel;
  itemId?: string;
  limit: number;
  skip: number;
}

/** Rows newest first, without the claim bookkeeping. */
export async function listOutbox(store: Store, q: OutboxQuery): Promise<OutboxRow[]> {
  const filter = Object.fromEntries(
    Object.entries({ status: q.status, recipient: q.recipient, channel: q.channel, itemId: q.itemId }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return store.outbox
    .find(filter, { claims: 0, claimedBy: 0, leaseUntil: 0 })
    .sort({ createdAt: -1, _id: 1 })
    .skip(q.skip)
    .limit(q.limit)
    .lean<OutboxRow[]>();
}

/** A person's delivered in-app messages. */
const inboxOf = (userId: string) => ({ recipient: userId, channel: 'inbox', status: 'sent' });

export async function inbox(
  store: Store,
  userId: string,
  opts: { unread: boolean; limit: number; skip: number },
) {
  return store.outbox
    .find(
      { ...inboxOf(userId), ...(opts.unread && { readAt: null }) },
      { claims: 0, claimedBy: 0, leaseUntil: 0 },
    )
    .sort({ sentAt: -1, _id: 1 })
    .skip(opts.skip)
    .limit(opts.limit)
    .lean<OutboxRow[]>();
}

export async function unreadCount(store: Store, userId: string): Promise<number> {
  return store.outbox.countDocuments({ ...inboxOf(userId), readAt: null });
}

/** Marks the person's messages `ids` (or all of them) read; already read ones keep their first time. */
export async function markRead(store: Store, userId: string, ids: string[] | 'all', now = new Date()) {
  const which = ids === 'all' ? {} : { _id: { $in: ids } };
  const res = await store.outbox.updateMany(
    { ...inboxOf(userId), ...which, readAt: null },
    { $set: { readAt: now } },
  );
  return res.modifiedCount;
}
