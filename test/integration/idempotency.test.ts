/**
 * Every write is idempotent: each keyed endpoint, sent twice with one Idempotency-Key, makes one
 * record and answers the retry as it answered the first time; the same key with another body is a 422.
 * Also across continue-as-new (the workflow's own memory of applied Update ids), after the action
 * that closed the workflow, and for campaign letters numbered under concurrency.
 */
import request from 'supertest';
import { postingWorkflowId } from '../../domain/supervision';
import { dateOf } from '../../domain/time';
import { currentPolicy } from '../../store/policy';
import { followUpWorkflowId } from '../../workflows/follow-up';
import type { supervisionPosting } from '../../workflows/supervision-posting';
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { peopleTokens, until, type Person } from '../helpers/supervision-api';
import { readItem } from '../../store/items';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let tokens: Record<Person, string>;
let proposals: ProposalApi;
beforeAll(async () => {
  stack = await startStack();
  proposals = await proposalApi(stack); // seeds the demo directory
  tokens = await peopleTokens(stack);
});
afterAll(() => stack?.stop());

const today = () => dateOf(Date.now());
const get = (path: string, who: Person) => request(stack.app).get(path).set('Authorization', tokens[who]);
/** POST as `who`, with an Idempotency-Key when `key` is given. */
const post = (path: string, who: Person, body: object = {}, key?: string) => {
  const req = request(stack.app).post(path).set('Authorization', tokens[who]);
  return (key ? req.set('Idempotency-Key', key) : req).send(body);
};
const reused = (res: request.Response) => [res.status, res.body.error?.code];

let postingId: string;

describe('a posting', () => {
  beforeAll(async () => {
    const res = await post('/api/postings', 'committee', { groupId: 'group-ecology' });
    expect(res.status).toBe(201);
    postingId = res.body.postingId;
    await until(async () => (await get(`/api/postings/${postingId}`, 'committee')).body.termEnd);
  });

  test('logs an activity sent twice with one key once: 201, then 200 with the same id', async () => {
    const visit = { kind: 'visit', date: today(), summary: '走访污水处理厂' };
    const path = `/api/postings/${postingId}/activities`;
    const first = await post(path, 'supervisor-he', visit, 'act-1');
    const again = await post(path, 'supervisor-he', visit, 'act-1');
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.posting.activityCount).toBe(1);
    const log = await get(path, 'committee');
    expect(log.body.items.map((a: { id: string }) => a.id)).toEqual([first.body.id]);

    expect(reused(await post(path, 'supervisor-he', { ...visit, summary: '另一次走访' }, 'act-1'))).toEqual([
      422,
      'idempotencyKeyReused',
    ]);
    // A key is the caller's own: another person's request under it is theirs.
    const theirs = await post(path, 'supervisor-guo', visit, 'act-1');
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
  });

  test('sends a letter sent twice with one key once', async () => {
    const letter = { title: '关于入河排污口整治的建议', content: '……' };
    const path = `/api/postings/${postingId}/letters`;
    const first = await post(path, 'supervisor-he', letter, 'letter-1');
    const again = await post(path, 'supervisor-he', letter, 'letter-1');
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    expect((await get(`/api/postings/${postingId}`, 'committee')).body.letters).toHaveLength(1);
    const items = await until(async () => {
      const res = await get(`/api/follow-ups?postingId=${postingId}`, 'committee');
      return res.body.items.length > 0 && res.body.items;
    });
    expect(items.map((i: { followUpId: string }) => i.followUpId)).toEqual([first.body.followUpId]);
    expect(reused(await post(path, 'supervisor-he', { ...letter, title: '改' }, 'letter-1'))).toEqual([
      422,
      'idempotencyKeyReused',
    ]);
  });

  test('is ended once; the retry of the ending gets the first answer, not posting_ended', async () => {
    const path = `/api/postings/${postingId}/end`;
    const first = await post(path, 'committee', { reason: '部门职能调整' }, 'end-1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'ended', ended: { reason: 'endedEarly' } });
    // The posting workflow completes after the ending; the server still has the Update's outcome.
    await until(
      async () =>
        (await stack.temporal.workflow.getHandle(postingWorkflowId(postingId)).describe()).status.name !==
        'RUNNING',
    );
    const again = await post(path, 'committee', { reason: '部门职能调整' }, 'end-1');
    expect(again.status).toBe(200);
    expect(again.body.ended).toEqual(first.body.ended);
    const other = await post(path, 'committee', { reason: '部门职能调整' }, 'end-2');
    expect([other.status, other.body.error.code]).toEqual([409, 'posting_ended']);
  });
});

describe('follow-up items', () => {
  const body = {
    kind: 'instruction',
    title: '关于老旧小区电梯加装的社情民意信息',
    content: '请住建局研究办理',
    responderUnitId: 'unit-housing',
    sender: { userIds: ['leader'] },
  };

  test('an item started twice with one key is one item: 201, then 200 with the same id', async () => {
    const first = await post('/api/follow-ups', 'committee', body, 'item-1');
    const again = await post('/api/follow-ups', 'committee', body, 'item-1');
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    expect(reused(await post('/api/follow-ups', 'committee', { ...body, title: '改' }, 'item-1'))).toEqual([
      422,
      'idempotencyKeyReused',
    ]);
    // Concurrent retries too.
    const all = await Promise.all([1, 2, 3].map(() => post('/api/follow-ups', 'leader', body, 'item-2')));
    expect(new Set(all.map((r) => r.body.followUpId)).size).toBe(1);
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const ids = [first.body.followUpId, all[0].body.followUpId];
    await until(async () => (await stack.store.followUps.countDocuments({ _id: { $in: ids } })) === 2);
    expect(await stack.store.followUps.countDocuments({ title: body.title })).toBe(2);
    // A client's own id under a key: the same; without a key a second start is still a conflict.
    const own = { ...body, followUpId: 'instruction-own-1' };
    expect((await post('/api/follow-ups', 'committee', own, 'item-3')).status).toBe(201);
    expect((await post('/api/follow-ups', 'committee', own, 'item-3')).status).toBe(200);
    expect((await post('/api/follow-ups', 'committee', own)).status).toBe(409);
  });

  test('an action sent twice with one key is applied once and answered twice', async () => {
    const id = (await post('/api/follow-ups', 'committee', body)).body.followUpId;
    const path = (action: string) => `/api/follow-ups/${id}/${action}`;
    const acks = [await post(path('acknowledge'), 'housing', {}, 'ack-1')];
    acks.push(await post(path('acknowledge'), 'housing', {}, 'ack-1'));
    expect(acks.map((r) => [r.status, r.body.status])).toEqual([
      [200, 'awaitingResponse'],
      [200, 'awaitingResponse'],
    ]);
    expect(acks[1].body.acknowledgement).toEqual(acks[0].body.acknowledgement);
    // Without the key the same request is out of turn, as before.
    expect((await post(path('acknowledge'), 'housing')).body.error.code).toBe('already_acknowledged');

    // Answering closes an instruction: the workflow completes, and the retry still gets the first answer.
    const answer = { content: '已研究落实' };
    const first = await post(path('respond'), 'housing', answer, 'respond-1');
    expect(first.body).toMatchObject({ status: 'closed', outcome: { code: 'answered' } });
    await stack.temporal.workflow.getHandle(followUpWorkflowId(id)).result();
    const again = await post(path('respond'), 'housing', answer, 'respond-1');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(reused(await post(path('respond'), 'housing', { content: '改' }, 'respond-1'))).toEqual([
      422,
      'idempotencyKeyReused',
    ]);
    const late = await post(path('respond'), 'housing', answer, 'respond-2');
    expect([late.status, late.body.error.code]).toEqual([409, 'follow_up_closed']);
    const { timeline } = await readItem(stack.store, id);
    expect(timeline.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
    expect(timeline.filter((e) => e.kind === 'responded')).toHaveLength(1);
  });
});

test('a retry after the posting continued as new gets the first answer: the workflow remembers the id', async () => {
  const { policy, version } = await currentPolicy(stack.store);
  const id = 'group-ecology-idem-can';
  const handle = await stack.temporal.workflow.start<typeof supervisionPosting>('supervisionPosting', {
    workflowId: postingWorkflowId(id),
    taskQueue: stack.taskQueue,
    args: [
      {
        postingId: id,
        groupId: 'group-ecology',
        departmentId: 'dept-ecology',
        policy,
        policyVersion: version,
      },
      { historyLimit: 30 },
    ],
  });
  const firstRun = (await handle.describe()).runId;
  await until(async () => (await get(`/api/postings/${id}`, 'committee')).status === 200);
  const path = `/api/postings/${id}/activities`;
  const meeting = (n: number) => ({ kind: 'meeting', date: today(), summary: `座谈 ${n}` });
  const first = await post(path, 'supervisor-he', meeting(1), 'meeting-1');
  expect([first.status, first.body.id]).toEqual([201, `${id}-A1`]);
  // Other activities (no key) until the history rolls over into a new run, and one in that run.
  let n = 2;
  for (; (await handle.describe()).runId === firstRun; n++) {
    if (n > 20) throw new Error('the posting did not continue as new');
    expect((await post(path, 'supervisor-he', meeting(n))).status).toBe(201);
  }
  expect((await post(path, 'supervisor-he', meeting(n))).status).toBe(201);
  const count = (await get(`/api/postings/${id}`, 'committee')).body.activityCount;

  const again = await post(path, 'supervisor-he', meeting(1), 'meeting-1');
  expect([again.status, again.body.id, again.body.posting.activityCount]).toEqual([200, `${id}-A1`, count]);
  const log = (await get(path, 'committee')).body.items;
  expect(log.filter((a: { summary: string }) => a.summary === '座谈 1')).toHaveLength(1);
  // The next new activity still gets the next number.
  expect((await post(path, 'supervisor-he', meeting(99))).body.id).toBe(`${id}-A${count + 1}`);
  await post(`/api/postings/${id}/end`, 'committee', { reason: '测试结束' });
});

describe('campaign letters', () => {
  const campaign = (id: string) => ({
    id,
    theme: '河流水环境治理专项民主监督',
    sites: [
      { code: 'R01', name: '清水河', departmentId: 'dept-ecology' },
      { code: 'R02', name: '白沙河', departmentId: 'dept-ecology' },
    ],
    teams: [{ code: 'T1', name: '第一监督组', leaderId: 'supervisor-guo', memberIds: ['supervisor-guo'] }],
  });
  const finding = { siteCode: 'R01', teamCode: 'T1', title: '清水河排污口整治建议', content: '……' };

  test('a letter sent twice with one key is one letter; letters sent at once get distinct numbers', async () => {
    expect((await post('/api/campaigns', 'committee', campaign('rivers'))).status).toBe(201);
    const path = '/api/campaigns/rivers/letters';
    const first = await post(path, 'supervisor-guo', finding, 'finding-1');
    const again = await post(path, 'supervisor-guo', finding, 'finding-1');
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    expect(first.body.followUpId).toBe('rivers-R01-1');
    expect(reused(await post(path, 'supervisor-guo', { ...finding, siteCode: 'R02' }, 'finding-1'))).toEqual([
      422,
      'idempotencyKeyReused',
    ]);

    // FerretDB v1 applies $inc read-then-write: numbers are claimed instead, so none is handed out twice.
    const all = await Promise.all(
      [1, 2, 3, 4].map((n) => post(path, 'supervisor-guo', { ...finding, title: `发现 ${n}` })),
    );
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const numbers = all.map((r) => Number(r.body.followUpId.split('-').pop())).sort();
    expect(numbers).toEqual([2, 3, 4, 5]);
    expect((await get('/api/campaigns/rivers', 'committee')).body.letters).toBe(5);
  });

  test('a campaign numbered by its old letterSeq goes on from it', async () => {
    expect((await post('/api/campaigns', 'committee', campaign('lakes'))).status).toBe(201);
    await stack.store.campaigns.updateOne({ _id: 'lakes' }, { $set: { letterSeq: 3 } });
    expect((await get('/api/campaigns/lakes', 'committee')).body.letters).toBe(3);
    const res = await post('/api/campaigns/lakes/letters', 'supervisor-guo', finding);
    expect(res.body.followUpId).toBe('lakes-R01-4');
    expect((await get('/api/campaigns', 'committee')).body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'lakes', letters: 4 })]),
    );
    const doc = await stack.store.campaigns.findById('lakes').lean();
    expect(doc).not.toHaveProperty('letterSeq');
  });
});

describe('proposal actions', () => {
  test('an action sent twice with one key is applied once; so is one that closes the proposal', async () => {
    const filed = await proposals.file({ title: '关于幂等操作的建议' }, 'member-zhang');
    expect(filed.status).toBe(201);
    const id = filed.body.proposal.proposalId as string;
    const act = (name: string, args: object, who: string, key?: string) => {
      const req = request(stack.app)
        .post(`/api/proposals/${id}/actions/${name}`)
        .set('Authorization', proposals.token(who));
      return (key ? req.set('Idempotency-Key', key) : req).send(args);
    };

    const first = await act('review', { decision: 'file', note: '立案' }, 'committee', 'review-1');
    const again = await act('review', { decision: 'file', note: '立案' }, 'committee', 'review-1');
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body.proposal).toMatchObject({
      status: 'awaitingAssignment',
      filedAt: first.body.proposal.filedAt,
    });
    const unkeyed = await act('review', { decision: 'file', note: '立案' }, 'committee');
    expect([unkeyed.status, unkeyed.body.error.code]).toEqual([409, 'wrongState']);
    expect(reused(await act('review', { decision: 'file' }, 'committee', 'review-1'))).toEqual([
      422,
      'idempotencyKeyReused',
    ]);
    const { timeline } = await readItem(stack.store, id);
    expect(timeline.filter((e) => e.kind === 'filed')).toHaveLength(1);

    // Withdrawing ends the workflow; its retry is answered as the first request was.
    const other = (await proposals.file({ title: '关于撤回的建议' }, 'member-zhang')).body.proposal
      .proposalId;
    const withdraw = (key: string) =>
      request(stack.app)
        .post(`/api/proposals/${other}/actions/withdraw`)
        .set('Authorization', proposals.token('member-zhang'))
        .set('Idempotency-Key', key)
        .send({ reason: '另行反映' });
    const withdrawn = await withdraw('withdraw-1');
    expect([withdrawn.status, withdrawn.body.proposal?.status]).toEqual([200, 'withdrawn']);
    await stack.temporal.workflow.getHandle(`proposal-${other}`).result();
    const retried = await withdraw('withdraw-1');
    expect([retried.status, retried.body.proposal?.status]).toEqual([200, 'withdrawn']);
    const withdrawals = (await readItem(stack.store, other)).timeline.filter((e) => e.kind === 'withdrawn');
    expect(withdrawals).toHaveLength(1);
    const late = await withdraw('withdraw-2');
    expect([late.status, late.body.error?.code]).toEqual([409, 'notRunning']);
  });
});

test('the OpenAPI document names Idempotency-Key on every keyed write', async () => {
  const { paths } = (await request(stack.app).get('/openapi.json').expect(200)).body;
  for (const path of [
    '/api/proposals',
    '/api/proposals/{id}/actions/review',
    '/api/follow-ups',
    '/api/follow-ups/{id}/respond',
    '/api/postings/{id}/activities',
    '/api/postings/{id}/letters',
    '/api/postings/{id}/end',
    '/api/campaigns/{id}/letters',
  ]) {
    expect(paths[path].post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key' })]),
    );
    expect(paths[path].post.responses).toHaveProperty('422');
  }
});
