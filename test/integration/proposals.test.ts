/**
 * Proposal handling through the API on the real dev server, worker and FerretDB: the main path with
 * its read model, timeline and clocks; each refusal of the workflow as a 409 with its code; merging;
 * Idempotency-Key on create.
 */
import { addDays } from '../../domain/time';
import { currentSessionYear } from '../../domain/proposal-number';
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { readItem } from '../../store/items';
import { startStack, type Stack } from '../helpers/stack';
import { guarantee } from '../../store/guarantee';
import { findSummary } from '../../store/proposals';

let stack: Stack;
let api: ProposalApi;
beforeAll(async () => {
  stack = await startStack();
  api = await proposalApi(stack);
});
afterAll(() => stack?.stop());

const year = currentSessionYear();
const housing = 'unit-housing';
const education = 'unit-education';

/** Files a proposal and steers it to handling by `leadUnitId` (and co-handlers); returns its id. */
async function assigned(leadUnitId: string, coHandlerUnitIds: string[] = [], title = '关于测试的建议') {
  const filed = await api.file({ title });
  expect(filed.status).toBe(201);
  const id = filed.body.proposal.proposalId as string;
  expect((await api.act(id, 'review', { decision: 'file' }, 'committee')).status).toBe(200);
  const res = await api.act(id, 'assign', { leadUnitId, coHandlerUnitIds }, 'committee');
  expect(res.status).toBe(200);
  return id;
}

/** The act succeeds; returns the detail it answers with. */
async function ok(res: Promise<import('supertest').Response> | import('supertest').Response) {
  const r = await res;
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The first result of `read` that passes `done`, polling for a few seconds. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (done(value) || attempt >= 40) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const refusedWith = async (res: Promise<import('supertest').Response>, code: string) => {
  const r = await res;
  expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 409, code });
  expect(r.body.error.message).toMatch(/[\u4e00-\u9fa5]/); // a Chinese reason
};

describe('the main path: create → co-sign → file → assign → sign → contact → reply → feedback → closed', () => {
  let id: string;

  test('filing numbers the proposal per session year and starts its workflow in co-signing', async () => {
    const res = await api.file({
      title: '关于完善城市绿道网络的建议',
      topic: '城乡建设',
      coSignerIds: ['member-li'],
    });
    expect(res.status).toBe(201);
    id = res.body.proposal.proposalId;
    expect(id).toMatch(new RegExp(`^${year}-\\d{4}$`));
    expect(res.headers.location).toBe(`/api/proposals/${id}`);
    expect(res.body.proposal).toMatchObject({
      number: id,
      workflowId: `proposal-${id}`,
      status: 'cosigning',
      statusLabel: '联名确认中',
      leadProposerId: 'member-zhang',
      coSignerIds: ['member-li'],
    });
    const desc = await stack.temporal.workflow.getHandle(`proposal-${id}`).describe();
    expect(desc.typedSearchAttributes.get({ name: 'SessionYear', type: 'INT' } as never)).toBe(year);
  });

  test('the co-signer sees the open window and the cosign action; confirming moves it to review', async () => {
    // The workflow plans its first clock (an activity) just after the start returns.
    const detail = await eventually(
      () => ok(api.get(`/api/proposals/${id}`, 'member-li')),
      (d) => d.deadlines.length > 0,
    );
    expect(detail.actions.map((a: { name: string }) => a.name)).toEqual(['cosign']);
    expect(detail.deadlines).toEqual([
      expect.objectContaining({ code: 'cosigning', overdue: false, explanation: expect.any(Array) }),
    ]);
    const after = await ok(api.act(id, 'cosign', { accept: true }, 'member-li'));
    expect(after.proposal).toMatchObject({ status: 'underReview', confirmedCoSignerIds: ['member-li'] });
    expect(after.deadlines.map((d: { code: string }) => d.code)).toEqual(['review']);
  });

  test('committee files and assigns a lead unit with a co-handler; every unit clock opens', async () => {
    await ok(api.act(id, 'review', { decision: 'file' }, 'committee'));
    const detail = await ok(
      api.act(id, 'assign', { leadUnitId: housing, coHandlerUnitIds: [education] }, 'committee'),
    );
    expect(detail.proposal.status).toBe('handling');
    expect(detail.proposal.assignments).toEqual([
      expect.objectContaining({
        unitId: housing,
        role: 'lead',
        roleLabel: '主办',
        unitName: '市住房和城乡建设局',
      }),
      expect.objectContaining({ unitId: education, role: 'coHandler', roleLabel: '会办' }),
    ]);
    const clocks = detail.deadlines.map((d: { clockId: string }) => d.clockId).sort();
    expect(clocks).toEqual(
      [
        `signFor:${housing}`,
        `returnWindow:${housing}`,
        `contact:${housing}`,
        `reply:${housing}`,
        `signFor:${education}`,
        `returnWindow:${education}`,
        `contact:${education}`,
        `coHandlerOpinion:${education}`,
      ].sort(),
    );
    const reply = detail.deadlines.find((d: { clockId: string }) => d.clockId === `reply:${housing}`);
    expect(reply).toMatchObject({
      code: 'reply',
      rule: { unit: 'months', amount: 3 },
      calendarVersion: expect.any(String),
      escalation: null,
    });
    expect(reply.explanation.length).toBeGreaterThan(0);
    expect(reply.dueAt).toMatch(/\+08:00$/);
  });

  test('the lead unit sees its own actions only', async () => {
    const detail = await ok(api.get(`/api/proposals/${id}`, 'housing'));
    const names = detail.actions.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(['signFor', 'requestReturn', 'recordContact']));
    expect(names).not.toContain('assign');
    expect(names).not.toContain('reply'); // the liaison does not sign the reply off
  });

  test('consult-before-reply: no reply before a contact is recorded', async () => {
    await ok(api.act(id, 'signFor', { unitId: housing }, 'housing'));
    await refusedWith(
      api.act(id, 'reply', { unitId: housing, resultClass: 'A', text: '答复' }, 'housing-leader'),
      'contactRequired',
    );
  });

  test('no lead reply while the co-handler opinion is missing', async () => {
    await ok(api.act(id, 'recordContact', { unitId: housing, method: 'inPerson', note: '面商' }, 'housing'));
    // The proposer confirms the meeting (已见面): it counts for 见面率.
    const confirmed = await ok(
      api.act(id, 'confirmContact', { unitId: housing, contactNo: 1, confirmed: true }, 'member-zhang'),
    );
    expect(confirmed.proposal.assignments[0].contacts).toEqual([
      expect.objectContaining({
        no: 1,
        stageLabel: '办前面商',
        methodLabel: '面商',
        confirmation: expect.any(Object),
      }),
    ]);
    await refusedWith(
      api.act(id, 'reply', { unitId: housing, resultClass: 'A', text: '答复' }, 'housing-leader'),
      'opinionMissing',
    );
  });

  test('with the opinion in, the unit leader replies and every proposer is asked for feedback', async () => {
    await ok(api.act(id, 'signFor', { unitId: education }, 'education'));
    await ok(api.act(id, 'sendOpinion', { unitId: education, text: '会办意见' }, 'education'));
    const detail = await ok(
      api.act(id, 'reply', { unitId: housing, resultClass: 'A', text: '已采纳并实施' }, 'housing-leader'),
    );
    expect(detail.proposal.status).toBe('awaitingFeedback');
    expect(detail.proposal.assignments[0].reply).toMatchObject({
      resultClass: 'A',
      resultClassLabel: '解决或采纳',
      onTime: true,
    });
    const open = detail.deadlines.map((d: { clockId: string }) => d.clockId);
    expect(open).toEqual(
      expect.arrayContaining([`feedback:${housing}:member-li`, `feedback:${housing}:member-zhang`]),
    );
    expect(open).not.toContain(`reply:${housing}`);
  });

  test('feedback twice is refused; when every proposer answered the proposal closes', async () => {
    await ok(api.act(id, 'feedback', { rating: 'satisfied' }, 'member-zhang'));
    await refusedWith(api.act(id, 'feedback', { rating: 'satisfied' }, 'member-zhang'), 'feedbackGiven');
    const closed = await ok(api.act(id, 'feedback', { rating: 'basicallySatisfied' }, 'member-li'));
    expect(closed).toMatchObject({ live: false, actions: [], deadlines: [] });
    expect(closed.proposal).toMatchObject({ status: 'closed', statusLabel: '已办结' });
  });

  test('the read model, timeline and clocks hold the whole story', async () => {
    const doc = await stack.store.proposals.findById(id).lean();
    expect(doc).toMatchObject({
      status: 'closed',
      proposerIds: ['member-zhang', 'member-li'],
      unitIds: [housing, education],
    });
    const lead = (await findSummary(stack.store, id))!.summary.units.find((u) => u.unitId === housing);
    expect(lead).toMatchObject({
      role: 'lead',
      assigned: 1,
      replied: 1,
      repliedOnTime: 1,
      contactedBeforeReply: 1,
      resultClass: 'A',
      feedbackReturned: 2,
      satisfied: 2,
      unsatisfied: 0,
      noFeedback: 0,
    });
    const detail = await ok(api.get(`/api/proposals/${id}`, 'committee'));
    const kinds = detail.timeline.map((e: { kind: string }) => e.kind);
    const story = [
      'submitted',
      'cosigned',
      'filed',
      'assigned',
      'signedFor',
      'contacted',
      'opinionSent',
      'replied',
      'feedback',
      'closed',
    ];
    expect(kinds.filter((k: string) => story.includes(k))).toEqual([
      'submitted',
      'cosigned',
      'filed',
      'assigned',
      'assigned',
      'signedFor',
      'contacted',
      'signedFor',
      'opinionSent',
      'replied',
      'feedback',
      'feedback',
      'closed',
    ]);
    const ats = detail.timeline.map((e: { at: string }) => e.at);
    expect([...ats].sort()).toEqual(ats);
    const { clocks } = await readItem(stack.store, id);
    expect(clocks.filter((c) => c.status === 'running')).toEqual([]);
    expect(clocks.find((c) => c.clockId === `reply:${housing}`)).toMatchObject({
      status: 'met',
      overdue: false,
    });
    const actions = await api.act(
      id,
      'reclassify',
      { unitId: housing, resultClass: 'B', reason: '调整' },
      'committee',
    );
    expect(actions.status).toBe(409);
    expect(actions.body.error.code).toBe('notRunning');
  });
});

describe('the guarantee covers proposals', () => {
  test('every open proposal has a running clock at each step: nothing waits silently', async () => {
    const id = await assigned(housing, [], '关于保证回音的建议');
    const uncoveredProposals = async () =>
      (await guarantee(stack.store)).uncovered.filter((item) => item.itemKind === 'proposal');
    expect(await uncoveredProposals()).toEqual([]);
    await api.act(id, 'signFor', { unitId: housing }, 'housing');
    await api.act(id, 'recordContact', { unitId: housing, method: 'phone' }, 'housing');
    await api.act(id, 'reply', { unitId: housing, resultClass: 'A', text: '已解决' }, 'housing-leader');
    expect(await uncoveredProposals()).toEqual([]);
  });
});

describe('refusals surface as 409 with the workflow’s code', () => {
  test('no extension past the 6-month cap', async () => {
    const id = await assigned(housing);
    const detail = await ok(api.act(id, 'signFor', { unitId: housing }, 'housing'));
    const capDue = detail.proposal.assignments[0].capDue as string;
    await refusedWith(
      api.act(
        id,
        'requestExtension',
        { unitId: housing, until: addDays(capDue, 1), reason: '需协调多部门' },
        'housing',
      ),
      'pastCap',
    );
    const ok2 = await ok(
      api.act(id, 'requestExtension', { unitId: housing, until: capDue, reason: '需协调多部门' }, 'housing'),
    );
    expect(ok2.proposal.assignments[0].extension).toMatchObject({ until: capDue });
    await refusedWith(
      api.act(id, 'requestExtension', { unitId: housing, until: capDue, reason: '再次申请' }, 'housing'),
      'extensionPending',
    );
  });

  test('a unit that was re-assigned away is not assigned any more', async () => {
    const id = await assigned(housing);
    await ok(api.act(id, 'requestReturn', { unitId: housing, reason: '不属本单位职责' }, 'housing'));
    const ruled = await ok(
      api.act(id, 'ruleReturn', { unitId: housing, approve: true, toUnitId: education }, 'committee'),
    );
    expect(
      ruled.proposal.assignments.map((a: { unitId: string; status: string }) => [a.unitId, a.status]),
    ).toEqual([
      [housing, 'returned'],
      [education, 'assigned'],
    ]);
    expect(
      ruled.deadlines.filter((d: { responsible: { unitId?: string } }) => d.responsible.unitId === housing),
    ).toEqual([]);
    // Re-assigned away, the unit no longer sees the proposal at all (one visibility rule for its
    // list and the detail), so acting on it is refused before the workflow is asked: not visible
    // answers as not existing.
    const after = await api.act(id, 'recordContact', { unitId: housing, method: 'phone' }, 'housing');
    expect({ status: after.status, code: after.body.error?.code }).toEqual({
      status: 404,
      code: 'not_found',
    });
    await api.get(`/api/proposals/${id}`, 'housing').expect(404);
  });

  test('an action out of its state is refused as wrongState', async () => {
    const filed = await api.file({});
    await refusedWith(
      api.act(filed.body.proposal.proposalId, 'assign', { leadUnitId: housing }, 'committee'),
      'wrongState',
    );
  });

  test('a reply with a class outside the policy scheme is refused', async () => {
    const id = await assigned(housing);
    await ok(api.act(id, 'signFor', { unitId: housing }, 'housing'));
    await ok(api.act(id, 'recordContact', { unitId: housing, method: 'written' }, 'housing'));
    await refusedWith(
      api.act(id, 'reply', { unitId: housing, resultClass: 'Z', text: '答复' }, 'housing-leader'),
      'unknownResultClass',
    );
  });
});

describe('merging (并案)', () => {
  test('a proposal merged into another is answered with it; the target must exist and be open', async () => {
    const target = (await api.file({ title: '主提案' }, 'member-li')).body.proposal.proposalId;
    const merged = (await api.file({ title: '被并提案' }, 'member-wang')).body.proposal.proposalId;
    const missing = await api.act(
      merged,
      'review',
      { decision: 'merge', intoProposalId: `${year}-9999` },
      'committee',
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('body.intoProposalId');
    const done = await ok(
      api.act(merged, 'review', { decision: 'merge', intoProposalId: target }, 'committee'),
    );
    expect(done.proposal).toMatchObject({ status: 'merged', mergedInto: target });
    const absorbed = await ok(api.get(`/api/proposals/${target}`, 'member-wang')); // answered with it: may read it
    expect(absorbed.proposal.mergedProposers).toEqual([{ proposalId: merged, proposerIds: ['member-wang'] }]);

    const other = (await api.file({ title: '另一件' }, 'member-wang')).body.proposal.proposalId;
    await refusedWith(
      api.act(other, 'review', { decision: 'merge', intoProposalId: merged }, 'committee'),
      'mergeTargetFinal',
    );
  });
});

describe('Idempotency-Key on create', () => {
  test('the same key from the same caller gives the same proposal: 201, then 200', async () => {
    const first = await api.file({ title: '幂等测试' }, 'member-li', 'key-1');
    const again = await api.file({ title: '幂等测试' }, 'member-li', 'key-1');
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.proposal.proposalId).toBe(first.body.proposal.proposalId);
  });

  test('concurrent retries start one workflow', async () => {
    const all = await Promise.all(
      [1, 2, 3].map(() => api.file({ title: '并发幂等' }, 'member-wang', 'key-2')),
    );
    const ids = new Set(all.map((r) => r.body.proposal.proposalId));
    expect(ids.size).toBe(1);
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 201]);
  });

  test('another caller with the same key files their own; another body with the same key is refused', async () => {
    const mine = await api.file({ title: '幂等测试' }, 'member-li', 'key-3');
    const theirs = await api.file({ title: '幂等测试' }, 'member-zhang', 'key-3');
    expect(theirs.status).toBe(201);
    expect(theirs.body.proposal.proposalId).not.toBe(mine.body.proposal.proposalId);
    const changed = await api.file({ title: '另一标题' }, 'member-li', 'key-3');
    expect(changed.status).toBe(422);
    expect(changed.body.error.code).toBe('idempotencyKeyReused');
  });

  test('numbers without a key are distinct even when filed at once', async () => {
    const all = await Promise.all([1, 2, 3, 4].map(() => api.file({ title: '同时提交' })));
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(all.map((r) => r.body.proposal.proposalId)).size).toBe(4);
  });
});
