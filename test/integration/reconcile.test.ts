/**
 * The read model is derived data (infra/reconcile.ts): replaying the workflows' histories reproduces
 * it, finds what was lost or damaged, repairs it, and rebuilds it into an empty database.
 */
import { randomUUID } from 'node:crypto';
import { currentSessionYear } from '../../domain/proposal-number';
import { reconcile, type Difference } from '../../infra/reconcile';
import { connectStore } from '../../store';
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let api: ProposalApi;
let ids: string[];

/** Reconciles until nothing is missing or different (projections may still be running), at most 60 s. */
async function settled(store = stack.store) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const report = await reconcile({ temporal: stack.temporal, store });
    const wrong = report.differences.filter((d) => d.kind !== 'extra');
    if (wrong.length === 0 || Date.now() > deadline) return { ...report, wrong };
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  stack = await startStack();
  api = await proposalApi(stack);
  ids = [];
  for (const title of ['关于便民停车的建议', '关于社区食堂的建议']) {
    const filed = await api.file({ title });
    expect(filed.status).toBe(201);
    ids.push(filed.body.proposal.proposalId);
  }
  expect((await api.act(ids[0], 'review', { decision: 'file' }, 'committee')).status).toBe(200);
  const assigned = await api.act(
    ids[0],
    'assign',
    { leadUnitId: 'unit-housing', coHandlerUnitIds: [] },
    'committee',
  );
  expect(assigned.status).toBe(200);
});
afterAll(() => stack?.stop());

test('the live read model equals the replay of every workflow', async () => {
  const report = await settled();
  expect(report.wrong).toEqual([]);
  expect(report.workflows).toBeGreaterThanOrEqual(2);
  expect(report.projected).toBeGreaterThan(4);
});

test('lost and damaged rows are found and repaired; the API sees the repair', async () => {
  const views = stack.store.conn.db!.collection<{ _id: string; rows?: Record<string, string> }>('views');
  const year = `proposals/${currentSessionYear()}`;
  const head = await views.findOne({ _id: year });
  const chunk = Object.keys((head as { chunks?: Record<string, string> } | null)?.chunks ?? {})[0];
  const [first] = ids;
  // A lost summary row, a damaged timeline entry, a lost per-item record.
  await views.updateOne({ _id: `${year}/${chunk}` }, { $unset: { [`rows.${first}`]: '' } });
  const item = await views.findOne({ _id: `item/${first}` });
  const entry = Object.keys(item!.rows!).find((field) => JSON.parse(item!.rows![field]).kind !== undefined)!;
  await views.updateOne(
    { _id: `item/${first}` },
    { $set: { [`rows.${entry}`]: JSON.stringify({ _r: 0, kind: 'x' }) } },
  );
  await stack.store.conn.db!.collection('proposals').deleteOne({ _id: ids[1] as never });

  const found = await reconcile({ temporal: stack.temporal, store: stack.store });
  const wrong = found.differences.filter((d) => d.kind !== 'extra');
  expect(wrong).toEqual(
    expect.arrayContaining<Difference>([
      { collection: 'views', doc: `${year}/${chunk}`, row: first, kind: 'missing' },
      { collection: 'views', doc: `item/${first}`, row: entry, kind: 'different' },
      { collection: 'proposals', doc: ids[1], kind: 'missing' },
    ]),
  );
  expect(wrong).toHaveLength(3);

  const repaired = await reconcile({ temporal: stack.temporal, store: stack.store, repair: true });
  expect(repaired.repaired).toBe(3);
  expect((await settled()).wrong).toEqual([]);
  const list = await api.get(`/api/proposals?sessionYear=${currentSessionYear()}`, 'committee');
  expect(list.body.items.map((p: { number: string }) => p.number)).toEqual(expect.arrayContaining(ids));
});

test('a full rebuild from Temporal into an empty database', async () => {
  const empty = await connectStore(
    `${process.env.HUIYIN_TEST_MONGODB!}/huiyin_rebuild_${randomUUID().slice(0, 8)}`,
  );
  try {
    const rebuilt = await reconcile({ temporal: stack.temporal, store: empty, repair: true });
    expect(rebuilt.repaired).toBeGreaterThan(0);
    const again = await reconcile({ temporal: stack.temporal, store: empty });
    expect(again.differences).toEqual([]);
  } finally {
    await empty.conn.dropDatabase();
    await empty.close();
  }
});
