/**
 * The notification outbox: one row per (notice, recipient, channel), keyed by `_id`, so a retried or
 * replayed activity meets the primary key instead of writing a second row. A dispatcher claims a due
 * row with a claim key per `claims` count and a lease, so two of them never send the same row at once;
 * delivery reads and writes rows by `_id` only, and the recovery sweep finds them through the small
 * due index (`outbox_due`), never by a filter over the outbox. In-app messages are the outbox's `inbox`
 * rows once delivered, read from their recipient's view (store/inbox.ts). A webhook row keeps a
 * reference to the saved webhook (domain/secrets.ts), resolved when it is sent, never a copy of its
 * URL or secret. Sent and failed rows expire after the retention period (store/expiry.ts).
 */
import { mongo, Schema, type Connection, type Model } from 'mongoose';
import type { Address, Channel, Webhook } from '../domain/notifications';
import { maskUrl, type StoredWebhookAddress } from '../domain/secrets';
import { isSealed, type SecretBox } from '../infra/secret-key';
import type { Store } from './index';
import { putDelivered } from './inbox';
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
  /** A webhook row: `{ webhook: { ref } }`; rows written before that hold a copy of the webhook. */
  address: Address | StoredWebhookAddress;
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
  /** When it was sent or finally failed: it expires that long after (TTL on MongoDB, the sweep elsewhere). */
  doneAt?: Date;
  /** In-app messages: when the recipient read it (from the read marks, store/inbox.ts). */
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
    doneAt: Date,
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

/**
 * The due index: one small document per row waiting for delivery (`_id` = the row's key, `at` = when it
 * is next due): written with a pending row, kept while it is retried, deleted once it is sent or failed.
 * (A row its writer sends at once has none: see `writeOutbox`.) The recovery sweep reads this
 * collection instead of the outbox: on FerretDB v1 any filter but `_id` decodes every document of a
 * collection, and this one holds only what is still on its way, not the outbox's whole history.
 */
const dueSchema = new Schema(
  { _id: { type: String }, at: { type: Date, required: true } },
  { versionKey: false },
);
dueSchema.index({ at: 1 });

export const outboxModels = (conn: Connection) => ({
  outbox: conn.model('OutboxRow', outboxSchema, 'outbox'),
  outboxClaims: conn.model('OutboxClaim', claimSchema, 'outbox_claims'),
  outboxDue: conn.model('OutboxDue', dueSchema, 'outbox_due'),
});

/**
 * Inserts `docs` in one round trip; a document whose `_id` is taken is left as it is. Returns the `_id`s
 * inserted. An insert is the one write FerretDB v1 makes atomic.
 */
async function insertAllOnce(
  model: Model<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  docs: { _id: string }[],
): Promise<Set<string>> {
  if (docs.length === 0) return new Set();
  try {
    // Our keys are strings; the driver's types assume ObjectIds.
    await model.collection.insertMany(docs as unknown as mongo.OptionalId<mongo.Document>[], {
      ordered: false,
      ignoreUndefined: true, // as Mongoose writes: an absent field, not null
    });
    return new Set(docs.map((d) => d._id));
  } catch (err) {
    if (!(err instanceof mongo.MongoBulkWriteError)) throw err;
    const errors = [err.writeErrors].flat();
    if (!errors.every((e) => e.code === 11000)) throw err;
    const taken = new Set(errors.map((e) => e.index));
    return new Set(docs.filter((_, i) => !taken.has(i)).map((d) => d._id));
  }
}

/**
 * Inserts the rows that are not there yet; an existing row (same key) is left as it is. Returns how many
 * were inserted.
 */
export async function enqueueOutbox(store: Store, rows: NewOutboxRow[], now = new Date()): Promise<number> {
  return (await writeOutbox(store, rows, now)).length;
}

/**
 * Inserts the rows that are not there yet and returns those it inserted, as stored. With `claim`, rows
 * due by `now` are written already claimed by its owner until its `leaseUntil` (inserting the row is as
 * exclusive as inserting a claim key), for the writer to send at once; or, when `claim.delivered` says
 * writing them delivers them (the in-app inbox), written sent. Rows written pending get their due-index
 * entries first: a crash in between leaves an entry without a row (dropped when next looked at), never
 * a row that nothing would deliver. Rows written claimed get none (two writes fewer per message, which
 * a burst of reminders queues for on SQLite's one write lock): the writing activity sends them, and
 * Temporal retries it, as the same owner, until it has; a failed send adds the entry with its retry.
 */
export async function writeOutbox(
  store: Store,
  rows: NewOutboxRow[],
  now = new Date(),
  claim?: { owner: string; leaseUntil: Date; delivered?: (row: NewOutboxRow) => boolean },
): Promise<OutboxRow[]> {
  const state = (row: NewOutboxRow) => {
    if (!claim || row.deliverAt.getTime() > now.getTime()) return { status: 'pending' as const, claims: 0 };
    if (claim.delivered?.(row)) return { status: 'sent' as const, claims: 0, sentAt: now, doneAt: now };
    const { owner: claimedBy, leaseUntil } = claim;
    return { status: 'sending' as const, claims: 1, claimedBy, leaseUntil };
  };
  const fresh = rows.map((row): OutboxRow => ({
    ...row,
    attempts: 0,
    nextAttemptAt: row.deliverAt,
    createdAt: now,
    ...state(row),
  }));
  await insertAllOnce(
    store.outboxDue,
    fresh.filter((row) => row.status === 'pending').map((row) => ({ _id: row._id, at: row.deliverAt })),
  );
  const inserted = await insertAllOnce(store.outbox, fresh);
  // Every row written sent, not only those inserted now: a retry puts what a failed attempt did not.
  await putDelivered(store, fresh);
  return fresh.filter((row) => inserted.has(row._id));
}

/** How soon a delivery looks again at a row another dispatcher holds (a send takes seconds, a lease minutes). */
export const heldRecheckMs = 30_000;

/** What a dispatcher may do with a row now. */
export type Claim =
  /** It holds the row: claimed now, or earlier by the same owner (a retried delivery activity). */
  | { state: 'held'; row: OutboxRow }
  /** Sent or finally failed already, or no such row: nothing to do. */
  | { state: 'done' }
  /** Not due before `until`, or another dispatcher holds it until then. */
  | { state: 'waiting'; until: Date };

/**
 * Claims row `id` for `owner` until `now + leaseMs` if it is due: pending with `nextAttemptAt` passed, or
 * held by a dispatcher whose lease has run out. Exclusive because the claim is the insert of the key
 * `${id}#${claims}` (see `claimSchema`); every read and write is by `_id`, the one filter FerretDB v1
 * does not answer by decoding the whole collection.
 */
export async function claimRow(
  store: Store,
  id: string,
  { owner, leaseMs, now = new Date() }: { owner: string; leaseMs: number; now?: Date },
): Promise<Claim> {
  const row = await store.outbox.findById(id).lean<OutboxRow>();
  if (!row || row.status === 'sent' || row.status === 'failed') {
    // Its due-index entry, if any, was left behind (a crash, or a retried write of the row): drop it.
    await store.outboxDue.deleteOne({ _id: id });
    return { state: 'done' };
  }
  if (row.status === 'sending' && row.claimedBy === owner) return { state: 'held', row };
  if (row.status === 'pending' && row.nextAttemptAt.getTime() > now.getTime())
    return { state: 'waiting', until: row.nextAttemptAt };
  // Held by another: look again when its lease ends, or sooner, as its send usually takes seconds.
  const recheck = new Date(now.getTime() + heldRecheckMs);
  if (row.status === 'sending' && row.leaseUntil && row.leaseUntil.getTime() >= now.getTime())
    return { state: 'waiting', until: row.leaseUntil < recheck ? row.leaseUntil : recheck };
  // Lost the race for this claim to another dispatcher.
  if (!(await takeClaim(store, `${id}#${row.claims}`, owner, now)))
    return { state: 'waiting', until: recheck };
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const claimed = { status: 'sending' as const, claimedBy: owner, leaseUntil, claims: row.claims + 1 };
  await store.outbox.updateOne({ _id: id }, { $set: claimed });
  return { state: 'held', row: { ...row, ...claimed } };
}

/**
 * Claims up to `limit` rows due by `now - graceMs` for `owner`; returns the keys it won. Reads the due
 * index, not the outbox. The grace leaves rows just coming due to the workflows that wait for them.
 */
export async function claimDue(
  store: Store,
  {
    owner,
    limit,
    leaseMs,
    graceMs = 0,
    now = new Date(),
  }: { owner: string; limit: number; leaseMs: number; graceMs?: number; now?: Date },
): Promise<string[]> {
  const entries = await store.outboxDue
    .find({ at: { $lte: new Date(now.getTime() - graceMs) } })
    .sort({ at: 1 })
    .lean<{ _id: string; at: Date }[]>();
  const won: string[] = [];
  for (const { _id } of entries) {
    if (won.length >= limit) break;
    const claim = await claimRow(store, _id, { owner, leaseMs, now });
    if (claim.state === 'held') won.push(_id);
  }
  return won;
}

/** Inserts the claim's key; false when another dispatcher already holds this claim of the row. */
const takeClaim = (store: Store, key: string, owner: string, now: Date): Promise<boolean> =>
  insertOnce(store.outboxClaims, { _id: key, owner, at: now });

/** Marks the due index complete once per database: rows written before it existed get their entries. */
const dueIndexMarker = '@due-index';

/**
 * Gives every pending or claimed row an entry in the due index, once per database (rows written before
 * the index existed). The one full read of the outbox; later calls read one document by `_id`.
 */
export async function backfillDueIndex(store: Store): Promise<number> {
  if (await store.outboxClaims.exists({ _id: dueIndexMarker })) return 0;
  const open = await store.outbox
    .find({ status: { $in: ['pending', 'sending'] } }, { _id: 1, nextAttemptAt: 1 })
    .lean<{ _id: string; nextAttemptAt: Date }[]>();
  const added = await insertAllOnce(
    store.outboxDue,
    open.map((row) => ({ _id: row._id, at: row.nextAttemptAt })),
  );
  await insertOnce(store.outboxClaims, { _id: dueIndexMarker, owner: 'backfill', at: new Date() });
  return added.size;
}

/**
 * The row if `owner` still holds it (not sent meanwhile, lease not passed on). Read by `_id` alone, the
 * one filter FerretDB v1 answers from an index rather than by reading the whole collection.
 */
export async function claimedRow(store: Store, id: string, owner: string): Promise<OutboxRow | undefined> {
  const row = await store.outbox.findById(id).lean<OutboxRow>();
  return row?.status === 'sending' && row.claimedBy === owner ? row : undefined;
}

const released = { claimedBy: '', leaseUntil: '' };

/** More than the clocks of two workers may differ. */
const clockSkewMs = 60_000;

/**
 * Whether `row`'s owner still holds it: surely while the lease it claimed has more than a minute to run
 * (nobody may take a row before its lease ends), else as stored.
 */
async function stillHeld(store: Store, row: OutboxRow, now: Date): Promise<boolean> {
  if (row.leaseUntil && row.leaseUntil.getTime() - now.getTime() > clockSkewMs) return true;
  return (await claimedRow(store, row._id, row.claimedBy!)) !== undefined;
}

/**
 * Records `row` sent, if its owner still holds it; then drops its due-index entry (`indexed: false`: it
 * was written claimed, without one). Written by `_id` (a
 * filter on status and owner would make FerretDB decode the whole outbox); the claim key, not this
 * check, keeps two dispatchers from sending at once.
 */
export async function markSent(
  store: Store,
  row: OutboxRow,
  { now = new Date(), indexed = true }: { now?: Date; indexed?: boolean } = {},
): Promise<void> {
  if (!(await stillHeld(store, row, now))) return;
  await store.outbox.updateOne(
    { _id: row._id },
    { $set: { status: 'sent', sentAt: now, doneAt: now }, $unset: released },
  );
  await putDelivered(store, [{ ...row, status: 'sent', sentAt: now }]);
  if (indexed) await store.outboxDue.deleteOne({ _id: row._id });
}

/** Records a failed attempt: back to pending at `retryAt`, or finally failed when there is none. */
export async function markAttemptFailed(
  store: Store,
  row: OutboxRow,
  error: string,
  retryAt: Date | undefined,
  now = new Date(),
): Promise<OutboxStatus> {
  const status: OutboxStatus = retryAt ? 'pending' : 'failed';
  if (!(await stillHeld(store, row, now))) return status;
  await store.outbox.updateOne(
    { _id: row._id },
    {
      $set: {
        status,
        attempts: row.attempts + 1,
        lastError: error.slice(0, 500),
        ...(retryAt ? { nextAttemptAt: retryAt } : { doneAt: now }),
      },
      $unset: released,
    },
  );
  if (retryAt) await store.outboxDue.updateOne({ _id: row._id }, { $set: { at: retryAt } }, { upsert: true });
  else await store.outboxDue.deleteOne({ _id: row._id });
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

/**
 * Deletes rows sent or finally failed before `cutoff`, and claim keys taken before it (the claim
 * history; the due index's marker stays). Rows from before `doneAt` count from when they were written.
 * A filter over the whole outbox: for the daily sweep only, never a request. Returns the rows deleted.
 */
export async function deleteExpiredOutbox(store: Store, cutoff: Date): Promise<number> {
  const [done, legacy] = await Promise.all([
    store.outbox.deleteMany({ doneAt: { $lt: cutoff } }),
    store.outbox.deleteMany({
      doneAt: { $exists: false },
      status: { $in: ['sent', 'failed'] },
      createdAt: { $lt: cutoff },
    }),
  ]);
  await store.outboxClaims.deleteMany({ _id: { $ne: dueIndexMarker }, at: { $lt: cutoff } });
  return done.deletedCount + legacy.deletedCount;
}

/**
 * Rows written before references hold a copy of a webhook: its URL (with the robot's token) and secret
 * are sealed into `sealed`, the URL kept masked. Returns how many rows it changed. A filter over the
 * whole outbox: for the daily sweep only.
 */
export async function sealOutboxCopies(store: Store, box: SecretBox): Promise<number> {
  const rows = await store.outbox
    .find({ channel: 'webhook', 'address.webhook.url': { $exists: true } }, { address: 1 })
    .lean<{ _id: string; address: { webhook: Webhook & { sealed?: string } } }[]>();
  let changed = 0;
  for (const { _id, address } of rows) {
    const hook = address.webhook;
    if (hook.sealed || isSealed(hook.url)) continue;
    const sealed = box.seal(JSON.stringify({ url: hook.url, secret: hook.secret }));
    const copy = {
      url: maskUrl(hook.url),
      format: hook.format,
      ...(hook.secret && { secret: '******' }),
      sealed,
    };
    await store.outbox.updateOne({ _id }, { $set: { address: { webhook: copy } } });
    changed++;
  }
  return changed;
}

/** The webhook of a copy `sealOutboxCopies` sealed, opened; a plain copy as it is. */
export function openWebhookCopy(box: SecretBox, hook: Webhook & { sealed?: string }): Webhook {
  if (!hook.sealed) return hook;
  const { url, secret } = JSON.parse(box.open(hook.sealed)) as { url: string; secret?: string };
  return { url, format: hook.format, ...(secret && { secret }) };
}
