/**
 * Filing a proposal (POST /api/proposals) without waiting for its workflow: the 201 is built from what
 * was started and is the detail GET then gives; numbers stay unique and consecutive under concurrency,
 * across processes and after an import; a key retried at once draws no second number; the policy
 * snapshot is the version in force, however recently saved.
 */
import request from 'supertest';
import { detailSchema } from '../../api/routes/proposals/schemas';
import { defaultPolicy } from '../../domain/policy';
import { proposalWorkflowId } from '../../domain/proposal';
import { proposalCounter } from '../../domain/proposal-number';
import { connectStore } from '../../store';
import { nextSequence, readCounter, reserveSequence } from '../../store/counters';
import { savePolicy } from '../../store/policy';
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { startStack, type Stack } from '../helpers/stack';
import { until } from '../helpers/supervision-api';

let stack: Stack;
let api: ProposalApi;
beforeAll(async () => {
  stack = await startStack();
  api = await proposalApi(stack);
});
afterAll(() => stack?.stop());

const body = { title: '关于建设口袋公园的建议', content: '建议内容', type: 'interSession' };
/** POST /api/proposals as `who`, with a key when given: the raw response (no waiting on a 202). */
const file = (extra: object, who = 'member-zhang', key?: string) => {
  const req = request(stack.app).post('/api/proposals').set('Authorization', api.token(who));
  return (key ? req.set('Idempotency-Key', key) : req).send({ ...body, ...extra });
};
const idOf = (res: request.Response) => res.body.proposal.proposalId as string;
const numbers = (year: number, ...seqs: number[]) => seqs.map((n) => `${year}-${String(n).padStart(4, '0')}`);

describe('the answer to a filing', () => {
  test.each([
    ['a member, with a co-signer', 'member-zhang', { coSignerIds: ['member-li'] }],
    ['committee staff, for a member', 'committee', { leadProposerId: 'member-wang' }],
  ])('is the detail GET gives of the new proposal (%s)', async (_, who, extra) => {
    const before = Date.now();
    const res = await file(extra, who);
    expect(res.status).toBe(201);
    const id = idOf(res);
    expect(res.headers.location).toBe(`/api/proposals/${id}`);
    expect(() => detailSchema.parse(res.body)).not.toThrow();
    expect(res.body).toMatchObject({ live: true, deadlines: [], timeline: [] });
    expect(res.body.proposal.submittedAt).toBeGreaterThanOrEqual(before);
    expect(res.body.proposal.submittedAt).toBeLessThanOrEqual(Date.now());

    // Once the workflow has recorded its submission and planned its first clock, GET agrees.
    const detail = await until(async () => {
      const got = await api.get(`/api/proposals/${id}`, who);
      return got.status === 200 && got.body.deadlines.length > 0 && got.body;
    });
    expect(detail.proposal).toEqual(res.body.proposal);
    expect(detail.actions).toEqual(res.body.actions);
    expect(detail.live).toBe(true);
    expect(detail.timeline.map((e: { kind: string }) => e.kind)).toContain('submitted');
  });

  test('snapshots the policy version saved a moment before', async () => {
    const policy = structuredClone(defaultPolicy);
    policy.clocks.review.limit = { unit: 'workingDays', amount: 12 };
    const saved = await savePolicy(stack.store, policy, 'test');
    try {
      const res = await file({});
      expect(res.status).toBe(201);
      expect(res.body.proposal.policyVersion).toBe(saved.version);
      const deadline = await until(async () => {
        const got = await api.get(`/api/proposals/${idOf(res)}`, 'member-zhang');
        return got.body.deadlines?.find((d: { code: string }) => d.code === 'review');
      });
      expect(deadline.rule).toEqual({ unit: 'workingDays', amount: 12 });
    } finally {
      await savePolicy(stack.store, defaultPolicy, 'test');
    }
  });
});

describe('numbers', () => {
  /** Another session year is the committee's to choose (members file in the current one): filed for `who`. */
  const fileIn = (sessionYear: number, who = 'member-zhang', key?: string) =>
    file({ sessionYear, leadProposerId: who }, 'committee', key);

  test('filed at once are consecutive; a key sent again meanwhile draws no second number', async () => {
    const all = await Promise.all([1, 2, 3, 4, 5, 6].map(() => fileIn(2095)));
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(all.map(idOf).sort()).toEqual(numbers(2095, 1, 2, 3, 4, 5, 6));

    const retries = await Promise.all([1, 2, 3].map(() => fileIn(2095, 'member-li', 'twice')));
    expect(retries.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(retries.map(idOf))).toEqual(new Set(numbers(2095, 7)));
    expect(idOf(await fileIn(2095))).toBe(numbers(2095, 8)[0]);
  });

  test('another process (or a restart) goes on after them, and skips what it finds taken', async () => {
    const name = proposalCounter(2096);
    expect(idOf(await fileIn(2096))).toBe('2096-0001');
    expect(idOf(await fileIn(2096))).toBe('2096-0002');
    // The counter follows the claims in the background.
    await until(async () => (await readCounter(stack.store, name)) === 2);
    const other = await connectStore(`${process.env.HUIYIN_TEST_MONGODB}/${stack.store.conn.name}`);
    try {
      expect(await nextSequence(other, name)).toBe(3);
      // This process has not heard of 3: its claim finds it taken and walks on.
      expect(idOf(await fileIn(2096))).toBe('2096-0004');
      expect(await nextSequence(other, name)).toBe(5);
    } finally {
      await other.close();
    }
  });

  test('an import reserves its numbers: filings go on after the highest', async () => {
    expect(idOf(await fileIn(2097))).toBe('2097-0001');
    await reserveSequence(stack.store, proposalCounter(2097), 40);
    expect(idOf(await fileIn(2097))).toBe('2097-0041');
  });

  test('a number whose workflow exists without a claim is drawn again, and the key follows', async () => {
    const number = '2098-0001';
    await stack.temporal.workflow.start('proposal', {
      workflowId: proposalWorkflowId(number),
      taskQueue: stack.taskQueue,
      args: [
        {
          proposalId: number,
          sessionYear: 2098,
          number,
          draft: { ...body, type: 'interSession', coSignerIds: [], leadProposerId: 'member-wang' },
          policy: defaultPolicy,
          policyVersion: 1,
        },
      ],
    });
    const first = await fileIn(2098, 'member-li', 'taken-once');
    expect([first.status, idOf(first)]).toEqual([201, '2098-0002']);
    expect(first.body.proposal.leadProposerId).toBe('member-li');
    const again = await fileIn(2098, 'member-li', 'taken-once');
    expect([again.status, idOf(again)]).toEqual([200, '2098-0002']);
  });
});
