/**
 * The views kit (store/views.ts) on FerretDB: concurrent puts to one scope are written together, and
 * whatever order they arrive in, each row ends at its newest revision; removals stay removed; a chunk
 * written by another process meanwhile is read back, not overwritten from what this one wrote last.
 */
import { randomUUID } from 'node:crypto';
import { connectStore, type Store } from '../../store';
import { moveOpenWork32, openItemChange, openWork, readOpenWork } from '../../store/open-work';
import { hashChunks, type RowChange, type Scope } from '../../store/views';

const uri = `${process.env.HUIYIN_TEST_MONGODB!}/huiyin_views_${randomUUID().slice(0, 8)}`;
let store: Store;
beforeAll(async () => {
  store = await connectStore(uri);
});
afterAll(() => store.close());

const change = (id: string, revision: number, value: object | null = { id, revision }): RowChange => ({
  id,
  revision,
  value,
});

/** A deterministic shuffle (no flaky orders): a fixed stride through the list. */
const shuffled = <T>(list: T[]) => list.map((_, i) => list[(i * 37) % list.length]);

test.each<[string, Scope]>([
  ['one document', { key: `single-${randomUUID()}` }],
  ['chunked', { key: `chunked-${randomUUID()}`, chunkOf: hashChunks(4) }],
])('concurrent puts keep each row at its newest revision (%s)', async (_, scope) => {
  const ids = Array.from({ length: 20 }, (_, i) => `row-${i}.${i}`); // a '.' is escaped in field names
  const changes = shuffled(ids.flatMap((id) => [1, 2, 3, 4, 5].map((r) => change(id, r))));
  await Promise.all(changes.map((c) => store.views.put(scope, [c])));
  // Late retries of older revisions change nothing.
  await Promise.all(ids.map((id) => store.views.put(scope, [change(id, 2, { stale: true })])));

  const rows = await store.views.rows<{ id: string; revision: number }>(scope);
  expect([...rows.keys()].sort()).toEqual([...ids].sort());
  for (const [id, row] of rows) expect(row).toEqual({ id, revision: 5, _r: 5 });
});

test('a removed row stays removed when an older put arrives later', async () => {
  const scope: Scope = { key: `removal-${randomUUID()}`, chunkOf: hashChunks(2) };
  await Promise.all([
    store.views.put(scope, [change('a', 1), change('b', 1)]),
    store.views.put(scope, [change('a', 3, null)]),
  ]);
  await store.views.put(scope, [change('a', 2)]);
  expect([...(await store.views.rows(scope)).keys()]).toEqual(['b']);
});

test('a chunk another process wrote since is read back: its newer row is kept', async () => {
  const other = await connectStore(uri); // a repair, say: it bumps the chunk's token in the head
  try {
    const scope: Scope = { key: `shared-${randomUUID()}`, chunkOf: hashChunks(1) };
    await store.views.put(scope, [change('a', 1)]);
    await other.views.put(scope, [change('a', 5)]);
    await store.views.put(scope, [change('a', 3, { stale: true }), change('b', 1)]);
    const rows = await other.views.rows(scope);
    expect(rows.get('a')).toEqual({ id: 'a', revision: 5, _r: 5 });
    expect(rows.get('b')).toEqual({ id: 'b', revision: 1, _r: 1 });
  } finally {
    await other.close();
  }
});

test('the open work of 32 chunks moves into 256 once, newer rows kept, the old scope dropped', async () => {
  const old: Scope = { key: 'open', chunkOf: hashChunks(32) };
  const item = (id: string, revision: number, title: string) =>
    openItemChange('proposal', id, revision, { title, unitIds: [], answered: false });
  await store.views.put(old, [item('2026-0001', 3, 'moved'), item('2026-0002', 4, 'older')]);
  await store.views.put(openWork, [item('2026-0002', 6, 'newer')]); // projected since the upgrade
  expect(await moveOpenWork32(store)).toBe(2);
  const titles = (await readOpenWork(store)).items.map((i) => [i.itemId, i.title]).sort();
  expect(titles).toEqual([
    ['2026-0001', 'moved'],
    ['2026-0002', 'newer'],
  ]);
  expect(await store.views.read(old)).toEqual([]);
  expect(await moveOpenWork32(store)).toBe(0);
});
