/**
 * Reference data kept per process (store/reference.ts) on FerretDB: a process that has read the
 * directory, the policy or the calendar sees another process's write at its very next read.
 */
import { randomUUID } from 'node:crypto';
import { defaultPolicy } from '../../domain/policy';
import { connectStore, type Store } from '../../store';
import { loadCalendar, loadCalendarYear } from '../../store/calendar';
import { directory, directorySnapshot, peopleWith } from '../../store/directory';
import { currentPolicy, savePolicy } from '../../store/policy';

/** Two connections to one database: the worker and the API, say. */
let reader: Store;
let writer: Store;
beforeAll(async () => {
  const uri = `${process.env.HUIYIN_TEST_MONGODB!}/huiyin_reference_${randomUUID().slice(0, 8)}`;
  [reader, writer] = await Promise.all([connectStore(uri), connectStore(uri)]);
});
afterAll(() => Promise.all([reader.close(), writer.close()]));

test('writes at once before any stamp exists all succeed and are all seen', async () => {
  const ids = ['ref-a', 'ref-b', 'ref-c', 'ref-d'];
  await Promise.all(
    ids.map((id) =>
      directory(writer, 'units').create({ id, name: id, kind: 'handlingUnit', secretaryIds: [] }),
    ),
  );
  expect([...(await directorySnapshot(reader)).units.keys()].sort()).toEqual(ids);
});

test("the directory: another process's create and change are seen at the next read", async () => {
  const users = directory(writer, 'users');
  const liaison = { id: 'ref-liaison', name: '联络员甲', roles: ['unit' as const], active: true };
  await directory(writer, 'units').create({
    id: 'ref-unit',
    name: '市测试局',
    kind: 'handlingUnit',
    secretaryIds: [],
  });
  expect(peopleWith(await directorySnapshot(reader), 'unit')).toEqual([]);

  await users.create({ ...liaison, unitId: 'ref-unit' });
  const snapshot = await directorySnapshot(reader);
  expect(peopleWith(snapshot, 'unit').map((u) => u.id)).toEqual(['ref-liaison']);
  expect(snapshot.units.get('ref-unit')?.name).toBe('市测试局');
  // Unchanged: the same copy, not a new load.
  expect(await directorySnapshot(reader)).toBe(snapshot);

  await users.put({ ...liaison, unitId: 'ref-unit', active: false });
  expect(peopleWith(await directorySnapshot(reader), 'unit')).toEqual([]);
});

test('the policy: a new version saved by another process is in force at the next read', async () => {
  const first = await currentPolicy(reader);
  const larger = { ...defaultPolicy, attachments: { ...defaultPolicy.attachments, maxPerItem: 7 } };
  const saved = await savePolicy(writer, larger, 'admin');
  expect(saved.version).toBe(first.version + 1);
  const now = await currentPolicy(reader);
  expect(now.version).toBe(saved.version);
  expect(now.policy.attachments.maxPerItem).toBe(7);
});

test('the calendar: a year loaded by another process counts at the next read', async () => {
  const before = await loadCalendar(reader);
  expect(before.isWorkingDay('2031-10-01')).toBe(true); // a Wednesday, no list for 2031 yet
  await loadCalendarYear(writer, {
    year: 2031,
    holidays: ['2031-10-01'],
    workdays: [],
    source: 'test',
  });
  expect((await loadCalendar(reader)).isWorkingDay('2031-10-01')).toBe(false);
});
