/** The memory of applied actions a lifecycle carries through continue-as-new (workflows/applied-updates.ts). */
import { AppliedUpdates } from '../../workflows/applied-updates';

/** Replies like a posting's: what the action created, and the state of the moment. */
let activityCount = 0;
const memo = {
  keep: (reply: { created: string; count: number }) => reply.created,
  reply: (created: string) => ({ created, count: activityCount }),
};
const log = async () => {
  activityCount++;
  return { created: `A${activityCount}`, count: activityCount };
};

beforeEach(() => {
  activityCount = 0;
});

test('an id applied before gets its first result, from the state of now, without acting again', async () => {
  const applied = new AppliedUpdates(memo);
  expect(await applied.once('u1', log)).toEqual({ created: 'A1', count: 1 });
  expect(await applied.once('u2', log)).toEqual({ created: 'A2', count: 2 });
  expect(await applied.once('u1', log)).toEqual({ created: 'A1', count: 2 });
  expect(activityCount).toBe(2);
  expect(applied.has('u1')).toBe(true);
  expect(applied.has(undefined)).toBe(false);
});

test('the carried ids make the next run answer them the same way', async () => {
  const first = new AppliedUpdates(memo);
  await first.once('u1', log);
  const next = new AppliedUpdates(memo, first.carry());
  expect(next.carry()).toEqual([{ id: 'u1', kept: 'A1' }]);
  expect(await next.once('u1', log)).toEqual({ created: 'A1', count: 1 });
  expect(activityCount).toBe(1);
});

test('a refused action is not remembered, so its retry is checked again', async () => {
  const applied = new AppliedUpdates(memo);
  await expect(applied.once('u1', () => Promise.reject(new Error('out of turn')))).rejects.toThrow();
  await Promise.resolve();
  expect(applied.has('u1')).toBe(false);
  expect(await applied.once('u1', log)).toEqual({ created: 'A1', count: 1 });
});

test('only the most recent ids are kept, oldest first out', async () => {
  const applied = new AppliedUpdates(memo, [], 3);
  for (const id of ['u1', 'u2', 'u3', 'u4', 'u5']) await applied.once(id, log);
  expect(applied.carry().map((entry) => entry.id)).toEqual(['u3', 'u4', 'u5']);
  expect(await applied.once('u1', log)).toEqual({ created: 'A6', count: 6 });
});

test('actions that keep nothing carry their ids alone', async () => {
  const applied = new AppliedUpdates({ keep: () => undefined, reply: () => 'view' });
  expect(await applied.once('u1', async () => 'view')).toBe('view');
  expect(applied.carry()).toEqual([{ id: 'u1' }]);
});
