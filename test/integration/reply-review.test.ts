/**
 * Reviewed replies through the API (domain.md §2.5) on the real dev server, worker and FerretDB: a key
 * proposal's reply drafted by the liaison, signed off by the unit leader, returned and then passed by
 * the committee's check; each refusal a 403 (wrong role, wrong unit) or a 409 naming its reason; the
 * draft hidden from the proposers until it is released.
 */
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let api: ProposalApi;
beforeAll(async () => {
  stack = await startStack();
  api = await proposalApi(stack);
});
afterAll(() => stack?.stop());

const unitId = 'unit-housing';
type Res = import('supertest').Response;

async function ok(res: Promise<Res> | Res) {
  const r = await res;
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function refused(res: Promise<Res>, status: 403 | 404 | 409, code?: string) {
  const r = await res;
  expect(r.status).toBe(status);
  if (code) expect(r.body.error?.code).toBe(code);
  expect(r.body.error.message).toMatch(/[\u4e00-\u9fa5]/); // a Chinese reason
}

/** A key proposal handled by housing (lead) with education as co-handler, ready for its reply. */
async function readyToReply() {
  const filed = await api.file({ title: '关于答复审核的建议' });
  const id = filed.body.proposal.proposalId as string;
  await ok(api.act(id, 'review', { decision: 'file' }, 'committee'));
  await ok(api.act(id, 'markKey', { leaderId: 'leader' }, 'committee'));
  await ok(api.act(id, 'assign', { leadUnitId: unitId, coHandlerUnitIds: ['unit-education'] }, 'committee'));
  await ok(api.act(id, 'signFor', { unitId }, 'housing'));
  await ok(api.act(id, 'recordContact', { unitId, method: 'phone' }, 'housing'));
  await ok(api.act(id, 'waiveOpinion', { unitId: 'unit-education' }, 'committee'));
  return id;
}

const draft = { unitId, resultClass: 'A', text: '已解决：草稿内容' };

test('draft → sign-off → committee returns → revised → checked and released; refusals name their reason', async () => {
  const id = await readyToReply();

  // Wrong role, wrong unit: the API refuses before the workflow sees it.
  await refused(api.act(id, 'draftReply', draft, 'member-zhang'), 403);
  await refused(api.act(id, 'draftReply', draft, 'education'), 403); // another unit's reply
  await refused(
    api.act(id, 'draftReply', { ...draft, unitId: 'unit-education' }, 'education'),
    409,
    'coHandlerReplies',
  );
  await refused(api.act(id, 'signOffReply', { unitId, approve: true }, 'housing'), 403); // liaisons draft only
  await refused(api.act(id, 'checkReply', { unitId, approve: true }, 'housing-leader'), 403); // committee's
  await refused(api.act(id, 'signOffReply', { unitId, approve: true }, 'housing-leader'), 409, 'noDraft');
  await refused(api.act(id, 'checkReply', { unitId, approve: true }, 'committee'), 409, 'noCheckDue');

  let detail = await ok(api.act(id, 'draftReply', draft, 'housing'));
  expect(detail.proposal.assignments[0].draft).toMatchObject({
    status: 'drafted',
    statusLabel: '待负责人签发',
  });
  expect(detail.actions.map((a: { name: string }) => a.name)).toContain('draftReply');

  detail = await ok(api.act(id, 'signOffReply', { unitId, approve: true }, 'housing-leader'));
  expect(detail.proposal.status).toBe('handling');
  expect(detail.deadlines.map((d: { clockId: string }) => d.clockId)).toContain(`replyCheck:${unitId}`);
  await refused(api.act(id, 'draftReply', draft, 'housing'), 409, 'awaitingCheck');

  // The proposer sees neither the draft nor its review on the timeline; the unit and committee do.
  const asProposer = (await api.get(`/api/proposals/${id}`, 'member-zhang')).body;
  expect(asProposer.proposal.assignments[0].draft).toBeUndefined();
  expect(asProposer.proposal.assignments[0].replies).toEqual([]);
  expect(JSON.stringify(asProposer)).not.toContain('草稿内容');
  expect(asProposer.timeline.map((e: { kind: string }) => e.kind)).not.toContain('replyDrafted');
  const asCommittee = (await api.get(`/api/proposals/${id}`, 'committee')).body;
  expect(asCommittee.proposal.assignments[0].draft).toMatchObject({
    status: 'signedOff',
    signedOffBy: 'housing-leader',
  });
  expect(asCommittee.actions.map((a: { name: string }) => a.name)).toContain('checkReply');

  await refused(api.act(id, 'checkReply', { unitId, approve: false }, 'committee'), 409, 'reasonRequired');
  detail = await ok(api.act(id, 'checkReply', { unitId, approve: false, reason: '措施不具体' }, 'committee'));
  expect(detail.proposal.assignments[0].draft.returns).toEqual([
    expect.objectContaining({ step: 'check', stepLabel: '委员会审核', reason: '措施不具体' }),
  ]);

  await ok(api.act(id, 'draftReply', { ...draft, text: '已解决：具体措施' }, 'housing'));
  await ok(api.act(id, 'signOffReply', { unitId, approve: true }, 'housing-leader'));
  detail = await ok(api.act(id, 'checkReply', { unitId, approve: true }, 'committee'));
  expect(detail.proposal.status).toBe('awaitingFeedback');
  expect(detail.proposal.assignments[0].draft).toBeUndefined();
  expect(detail.proposal.assignments[0].replies).toEqual([
    expect.objectContaining({
      text: '已解决：具体措施',
      draftedBy: 'housing',
      checkedBy: 'committee',
      onTime: true,
    }),
  ]);
  await refused(api.act(id, 'checkReply', { unitId, approve: true }, 'committee'), 409, 'alreadyReplied');
  await refused(
    api.act(id, 'signOffReply', { unitId, approve: true }, 'housing-leader'),
    409,
    'alreadyReplied',
  );

  const released = (await api.get(`/api/proposals/${id}`, 'member-zhang')).body;
  expect(released.proposal.assignments[0].replies).toHaveLength(1);
  expect(released.timeline.map((e: { kind: string }) => e.kind)).toContain('replyReleased');
});
