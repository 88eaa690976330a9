/**
 * The in-app inbox on FerretDB (store/inbox.ts): delivered rows reach the recipient's view once, whether
 * written sent or sent later; read marks keep each message's first read time.
 */
import { randomUUID } from 'node:crypto';
import { connectStore, type Store } from '../../store';
import { inbox, markRead, unreadCount } from '../../store/inbox';
import { claimRow, markSent, writeOutbox, type NewOutboxRow } from '../../store/outbox';

let store: Store;
beforeAll(async () => {
  store = await connectStore(`${process.env.HUIYIN_TEST_MONGODB!}/huiyin_inbox_${randomUUID().slice(0, 8)}`);
});
afterAll(() => store.close());

const user = 'reader';
const message = (n: number, deliverAt = new Date(Date.now() - 1_000)): NewOutboxRow => ({
  _id: `inbox-test:${n}:${user}:inbox`,
  notice: `inbox-test:${n}`,
  kind: 'test',
  recipient: user,
  recipientName: '读者',
  channel: 'inbox',
  address: { userId: user },
  subject: `消息 ${n}`,
  text: 't',
  link: 'l',
  urgent: false,
  deliverAt,
});
const delivered = { owner: 'test', leaseUntil: new Date(Date.now() + 60_000), delivered: () => true };
const keys = async (unread = false) =>
  (await inbox(store, user, { unread, limit: 50, skip: 0 })).map((m) => m.notice);

test('delivered rows appear once, newest first; a retried write adds nothing', async () => {
  const now = new Date();
  const later = new Date(now.getTime() + 2_000);
  await writeOutbox(store, [message(1)], now, delivered);
  await writeOutbox(store, [message(2)], later, delivered);
  await writeOutbox(store, [message(2)], later, delivered); // the retry
  expect(await keys()).toEqual(['inbox-test:2', 'inbox-test:1']);
  expect(await unreadCount(store, user)).toBe(2);
});

test('a row held for later reaches the inbox when it is sent', async () => {
  const later = new Date(Date.now() + 3_600_000);
  await writeOutbox(store, [message(3, later)], new Date(), delivered);
  expect(await keys()).not.toContain('inbox-test:3');
  const claim = await claimRow(store, message(3)._id, { owner: 'test', leaseMs: 60_000, now: later });
  if (claim.state !== 'held') throw new Error(`not claimed: ${claim.state}`);
  await markSent(store, claim.row, { now: later });
  expect((await keys())[0]).toBe('inbox-test:3');
});

test('read marks: by id, then all; each message keeps its first read time', async () => {
  const first = new Date('2026-12-01T08:00:00Z');
  expect(await markRead(store, user, [message(1)._id], first)).toBe(1);
  expect(await markRead(store, user, [message(1)._id], new Date())).toBe(0); // idempotent
  expect(await unreadCount(store, user)).toBe(2);
  // Messages 2 and 3 were sent at later times (written with a later clock): "all" after them.
  expect(await markRead(store, user, 'all', new Date(Date.now() + 2 * 3_600_000))).toBe(2);
  expect(await unreadCount(store, user)).toBe(0);
  const read = await inbox(store, user, { unread: false, limit: 50, skip: 0 });
  expect(read.find((m) => m.notice === 'inbox-test:1')?.readAt).toEqual(first);

  await writeOutbox(store, [message(4)], new Date(Date.now() + 3 * 3_600_000), delivered);
  expect(await keys(true)).toEqual(['inbox-test:4']); // what came after "all" is unread
});
