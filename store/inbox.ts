/**
 * A person's in-app messages, answered by `_id` (a filter over the outbox would make FerretDB decode
 * all of it, for the unread count every page shows). Two writers, two documents, so neither overwrites
 * the other: the worker puts each delivered inbox row into the person's view (`inbox/<userId>`, a chunk
 * per month of sending, written once), and the API keeps the person's read marks in a document of its
 * own (`inbox_reads`, by user id).
 */
import type { Store } from './index';
import type { OutboxRow } from './outbox';
import { encodeId, withLock, type Scope } from './views';
import { groupBy } from '../domain/group-by';

/** A delivered message as its recipient's view holds it (the outbox row without its claim). */
export type InboxMessage = Omit<OutboxRow, 'claimedBy' | 'leaseUntil' | 'readAt'> & { sentAt: Date };

interface StoredMessage extends Omit<InboxMessage, 'deliverAt' | 'nextAttemptAt' | 'createdAt' | 'sentAt'> {
  deliverAt: number;
  nextAttemptAt: number;
  createdAt: number;
  sentAt: number;
}

/**
 * When the person marked messages read: `at` per message id, and `all` the times of "mark all read",
 * each covering what had been sent before it. A message keeps the first time that applies.
 */
interface ReadMarks {
  _id: string;
  at?: Record<string, number>;
  all?: number[];
}

const monthOf = (at: Date) => at.toISOString().slice(0, 7);
const inboxScope = (userId: string): Scope => ({
  key: `inbox/${userId}`,
  chunkOf: (rowId) => rowId.slice(0, 7),
});

/** Puts the rows that are delivered in-app messages into their recipients' views (written once). */
export async function putDelivered(store: Store, rows: OutboxRow[]): Promise<void> {
  const delivered = rows.filter((row) => row.channel === 'inbox' && row.status === 'sent' && row.sentAt);
  const byRecipient = groupBy(delivered, (row) => row.recipient);
  await Promise.all(
    [...byRecipient].map(([userId, list]) =>
      store.views.put(
        inboxScope(userId),
        list.map(({ claimedBy: _b, leaseUntil: _l, readAt: _r, ...row }) => ({
          id: `${monthOf(row.sentAt!)}|${row._id}`,
          revision: 0,
          value: {
            ...row,
            deliverAt: row.deliverAt.getTime(),
            nextAttemptAt: row.nextAttemptAt.getTime(),
            createdAt: row.createdAt.getTime(),
            sentAt: row.sentAt!.getTime(),
          },
        })),
      ),
    ),
  );
}

const reads = (store: Store) => store.conn.db!.collection<ReadMarks>('inbox_reads');

/** A person's messages, newest first, each with when it was read (if it was). */
async function messagesOf(store: Store, userId: string): Promise<(InboxMessage & { readAt?: Date })[]> {
  const [chunks, marks] = await Promise.all([
    store.views.read<StoredMessage>(inboxScope(userId)),
    reads(store).findOne({ _id: userId }),
  ]);
  const allTimes = marks?.all ?? [];
  return chunks
    .flatMap((chunk) => [...chunk.rows.values()])
    .map(({ _r, ...row }) => {
      const readTimes = [marks?.at?.[encodeId(row._id)], allTimes.find((t) => t >= row.sentAt)];
      const readAt = Math.min(...readTimes.filter((t): t is number => t !== undefined));
      return {
        ...row,
        deliverAt: new Date(row.deliverAt),
        nextAttemptAt: new Date(row.nextAttemptAt),
        createdAt: new Date(row.createdAt),
        sentAt: new Date(row.sentAt),
        ...(Number.isFinite(readAt) && { readAt: new Date(readAt) }),
      };
    })
    .sort((a, b) => b.sentAt.getTime() - a.sentAt.getTime() || a._id.localeCompare(b._id));
}

export async function inbox(
  store: Store,
  userId: string,
  opts: { unread: boolean; limit: number; skip: number },
) {
  const messages = await messagesOf(store, userId);
  return messages.filter((m) => !opts.unread || !m.readAt).slice(opts.skip, opts.skip + opts.limit);
}

export async function unreadCount(store: Store, userId: string): Promise<number> {
  return (await messagesOf(store, userId)).filter((m) => !m.readAt).length;
}

/** Marks the person's messages `ids` (or all of them) read; already read ones keep their first time. */
export async function markRead(store: Store, userId: string, ids: string[] | 'all', now = new Date()) {
  return withLock(`inbox_reads/${userId}`, async () => {
    const unread = (await messagesOf(store, userId)).filter((m) => !m.readAt);
    if (ids === 'all') {
      if (unread.length)
        await reads(store).updateOne({ _id: userId }, { $push: { all: now.getTime() } }, { upsert: true });
      return unread.length;
    }
    const wanted = new Set(ids);
    const marked = unread.filter((m) => wanted.has(m._id));
    if (marked.length)
      await reads(store).updateOne(
        { _id: userId },
        { $set: Object.fromEntries(marked.map((m) => [`at.${encodeId(m._id)}`, now.getTime()])) },
        { upsert: true },
      );
    return marked.length;
  });
}
