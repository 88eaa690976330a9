/**
 * Co-signers (联名人, domain.md §2.0) through the API: one who declined does not see the proposal
 * (the detail answers 404, the list leaves it out) from that moment on; one who let the co-signing
 * window close without confirming neither; and neither is listed as a proposer — in the detail, the
 * list or the CSV. The co-signing window is a few seconds long here (the policy is data).
 */
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { defaultPolicy, type Policy } from '../../domain/policy';
import { currentSessionYear } from '../../domain/proposal-number';
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { startStack, type Stack } from '../helpers/stack';
import { until } from '../helpers/supervision-api';

let stack: Stack;
let api: ProposalApi;
const year = currentSessionYear();

const WINDOW_SECONDS = 12;
const shortWindow: Policy = {
  ...defaultPolicy,
  ladders: {
    ...defaultPolicy.ladders,
    reminderOnly: [
      { step: 'reminder', kind: 'reminder', offset: { amount: -3, unit: 'seconds' }, to: ['responsible'] },
    ],
  },
  clocks: {
    ...defaultPolicy.clocks,
    cosigning: { ...defaultPolicy.clocks.cosigning, limit: { unit: 'seconds', amount: WINDOW_SECONDS } },
  },
};

beforeAll(async () => {
  stack = await startStack();
  api = await proposalApi(stack);
  const admin = await stack.bearer('admin', { id: 'admin-cosigners' });
  const saved = await request(stack.app).put('/api/policy').set('Authorization', admin).send(shortWindow);
  expect([saved.status, saved.body.error]).toEqual([200, undefined]);
});
afterAll(() => stack?.stop());

const file = async () => {
  const res = await api.file({ coSignerIds: ['member-li', 'member-wang'] }, 'member-zhang');
  expect([res.status, res.body.error]).toEqual([201, undefined]);
  return res.body.proposal.proposalId as string;
};
const detail = (id: string, who: string) => api.get(`/api/proposals/${id}`, who);
const listIds = async (who: string) => {
  const res = await api.get(`/api/proposals?sessionYear=${year}`, who).expect(200);
  return (res.body.items as { id: string }[]).map((item) => item.id);
};
const listed = async (id: string) => {
  const res = await api.get(`/api/proposals?sessionYear=${year}`, 'committee').expect(200);
  return (res.body.items as { id: string; proposerIds: string[] }[]).find((item) => item.id === id);
};
const csvRow = async (id: string) => {
  const res = await api.get(`/api/proposals/export.csv?sessionYear=${year}`, 'committee').buffer(true);
  expect(res.status).toBe(200);
  const [head, ...rows] = parse(res.text, { bom: true }) as string[][];
  const row = rows.find((r) => r[head.indexOf('编号')] === id)!;
  return Object.fromEntries(head.map((h, i) => [h, row[i]]));
};

test('a co-signer who declined gets 404 on the detail and no longer finds it in their list, at once', async () => {
  const id = await file();
  // Both invited co-signers read what they are asked to sign.
  expect((await detail(id, 'member-wang')).status).toBe(200);
  // The list follows the workflow's first recording (a filing is answered before it).
  await until(async () => (await listIds('member-wang')).includes(id));

  await api.act(id, 'cosign', { accept: false }, 'member-wang').expect(200);
  // The window is still open (li has not answered), and already the decliner does not see it.
  const gone = await detail(id, 'member-wang');
  expect([gone.status, gone.body.error?.code]).toEqual([404, 'not_found']);
  expect(await listIds('member-wang')).not.toContain(id);
  expect((await detail(id, 'member-li')).status).toBe(200);
  expect((await api.act(id, 'cosign', { accept: true }, 'member-wang')).status).toBe(404);

  const after = await api.act(id, 'cosign', { accept: true }, 'member-li').expect(200);
  expect(after.body.proposal).toMatchObject({
    status: 'underReview',
    proposerIds: ['member-zhang', 'member-li'],
    listedCoSignerIds: ['member-li'],
    pendingCoSignerIds: [],
  });
  expect((await detail(id, 'member-wang')).status).toBe(404);
  expect(await listIds('member-wang')).not.toContain(id);
  expect((await listed(id))?.proposerIds).toEqual(['member-zhang', 'member-li']);
  expect((await csvRow(id)).联名人).toBe('member-li');
});

test('a co-signer who never confirmed loses sight of it when the window closes, and is not listed', async () => {
  const id = await file();
  await api.act(id, 'cosign', { accept: true }, 'member-li').expect(200);
  const open = await detail(id, 'member-wang');
  expect(open.status).toBe(200);
  expect(open.body.proposal).toMatchObject({
    status: 'cosigning',
    proposerIds: ['member-zhang', 'member-li'],
    pendingCoSignerIds: ['member-wang'],
  });
  expect((await listed(id))?.proposerIds).toEqual(['member-zhang', 'member-li']);

  await until(
    async () => (await detail(id, 'committee')).body.proposal?.status === 'underReview',
    (WINDOW_SECONDS + 30) * 1000,
  );
  expect((await detail(id, 'member-wang')).status).toBe(404);
  expect(await listIds('member-wang')).not.toContain(id);
  const committeeView = (await detail(id, 'committee')).body.proposal;
  expect(committeeView).toMatchObject({
    proposerIds: ['member-zhang', 'member-li'],
    listedCoSignerIds: ['member-li'],
    pendingCoSignerIds: [],
  });
  expect((await listed(id))?.proposerIds).toEqual(['member-zhang', 'member-li']);
  expect((await csvRow(id)).联名人).toBe('member-li');
  // The lead and the co-signer who confirmed still see it.
  expect(await listIds('member-li')).toContain(id);
  expect((await detail(id, 'member-zhang')).status).toBe(200);
}, 90_000);
