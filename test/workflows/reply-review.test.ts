/**
 * Reviewed replies (domain.md §2.5) on the time-skipping server: a liaison drafts, the unit leader signs
 * off or returns it, the committee checks key proposals' replies before release; only the release
 * reaches the proposers and starts their feedback clocks. Scenarios start Monday 2026-12-28, 10:00.
 */
import { defaultPolicy } from '../../domain/policy';
import { people, ProposalHarness } from '../helpers/proposal-harness';

const h = new ProposalHarness();
beforeEach(async () => {
  await h.setUp();
  await h.travelTo('2026-12-28T10:00:00+08:00');
});
afterEach(() => h.tearDown());

const { lead, committee, leader, housing, housingLeader } = people;
const unitId = 'unit-housing';

/** A proposal filed, (optionally) marked key, assigned to housing, signed for and contacted. */
async function readyToReply({ key = false, policy = defaultPolicy } = {}) {
  const handle = await h.start({}, policy);
  await h.act(handle, 'review', { decision: 'file' }, committee);
  if (key) await h.act(handle, 'markKey', { leaderId: leader }, committee);
  await h.act(handle, 'assign', { leadUnitId: unitId, coHandlerUnitIds: [], parallelUnitIds: [] }, committee);
  await h.act(handle, 'signFor', { unitId }, housing);
  await h.act(handle, 'recordContact', { unitId, method: 'inPerson' }, housing);
  return handle;
}

const draft = {
  unitId,
  resultClass: 'B',
  text: '列入明年计划',
  commitments: '2027 年底前完成',
  attachmentIds: ['att-1'],
};
const running = (clocks: Record<string, { status: string }>) =>
  Object.keys(clocks).filter((id) => clocks[id].status === 'running');

test('key proposal: draft → sign-off → committee returns → revised → signed off → checked → released', async () => {
  const handle = await readyToReply({ key: true });
  expect(await h.refusal(handle, 'signOffReply', { unitId, approve: true }, housingLeader)).toBe('noDraft');
  expect(await h.refusal(handle, 'checkReply', { unitId, approve: true }, committee)).toBe('noCheckDue');

  let view = await h.act(handle, 'draftReply', draft, housing);
  const a = () => view.state.assignments[0];
  expect(a().draft).toMatchObject({ status: 'drafted', by: housing, round: 0, attachmentIds: ['att-1'] });
  expect(view.clocks[`replySignOff:${unitId}`].plan.deadline.due).toBe('2026-12-31'); // 3 wd
  expect(view.clocks[`reply:${unitId}`].status).toBe('running');

  view = await h.act(handle, 'signOffReply', { unitId, approve: true }, housingLeader);
  expect(a().draft).toMatchObject({ status: 'signedOff', signedOffBy: housingLeader, onTime: true });
  expect(a().replies ?? []).toEqual([]);
  expect(view.state.status).toBe('handling'); // nothing reaches the proposers yet
  expect(view.clocks[`reply:${unitId}`].status).toBe('met'); // the unit's time ends at sign-off
  expect(view.clocks[`replySignOff:${unitId}`].status).toBe('met');
  expect(view.clocks[`replyCheck:${unitId}`]).toMatchObject({
    status: 'running',
    responsible: { role: 'committee' },
  });
  expect(running(view.clocks).some((id) => id.startsWith('feedback'))).toBe(false);
  expect(await h.refusal(handle, 'draftReply', draft, housing)).toBe('awaitingCheck');
  expect(await h.refusal(handle, 'reply', draft, housingLeader)).toBe('awaitingCheck');
  expect(await h.refusal(handle, 'checkReply', { unitId, approve: false }, committee)).toBe('reasonRequired');

  view = await h.act(handle, 'checkReply', { unitId, approve: false, reason: '承诺时限不明确' }, committee);
  expect(a().draft).toMatchObject({
    status: 'returned',
    returns: [{ step: 'check', by: committee, reason: '承诺时限不明确' }],
  });
  expect(view.clocks[`replyCheck:${unitId}`].status).toBe('met');
  expect(view.clocks[`replySignOff:${unitId}`].status).toBe('running'); // the unit's revision is timed
  expect(await h.refusal(handle, 'signOffReply', { unitId, approve: true }, housingLeader)).toBe('noDraft');

  await h.travelTo('2027-01-04T10:00:00+08:00');
  await h.act(handle, 'draftReply', { ...draft, commitments: '2027-06-30 前完成' }, housing);
  view = await h.act(handle, 'signOffReply', { unitId, approve: true }, housingLeader);
  expect(a().draft?.status).toBe('signedOff');
  view = await h.act(handle, 'checkReply', { unitId, approve: true }, committee);

  expect(a().draft).toBeUndefined();
  expect(a().replies).toEqual([
    expect.objectContaining({
      resultClass: 'B',
      commitments: '2027-06-30 前完成',
      attachmentIds: ['att-1'],
      draftedBy: housing,
      signedOffBy: housingLeader,
      checkedBy: committee,
      round: 0,
      onTime: true,
      due: '2027-03-29',
    }),
  ]);
  expect(a().status).toBe('replied');
  expect(view.state.status).toBe('awaitingFeedback');
  expect(view.clocks[`feedback:${unitId}:${lead}`].status).toBe('running'); // only now
  expect(a().followUpId).toBe(`${view.state.proposalId}-commitment-${unitId}`);
  expect(await h.refusal(handle, 'checkReply', { unitId, approve: true }, committee)).toBe('alreadyReplied');
  expect(await h.refusal(handle, 'signOffReply', { unitId, approve: true }, housingLeader)).toBe(
    'alreadyReplied',
  );
  expect(await h.refusal(handle, 'draftReply', draft, housing)).toBe('alreadyReplied');

  const kinds = h.recorder.timeline.filter((e) => e.itemId === view.state.proposalId).map((e) => e.kind);
  const review = kinds.filter((k) => k.startsWith('repl'));
  expect(review).toEqual([
    'replyDrafted',
    'replySignedOff',
    'replyReturned',
    'replyDrafted',
    'replySignedOff',
    'replyReleased',
  ]);
  expect(kinds).not.toContain('replied');
});

test('not a key proposal: the leader returns a draft, then its sign-off releases it; the direct reply of a key proposal is checked', async () => {
  const handle = await readyToReply();
  let view = await h.act(handle, 'draftReply', { unitId, resultClass: 'A', text: '初稿' }, housing);
  expect(await h.refusal(handle, 'signOffReply', { unitId, approve: false }, housingLeader)).toBe(
    'reasonRequired',
  );
  view = await h.act(
    handle,
    'signOffReply',
    { unitId, approve: false, reason: '请补充办理措施' },
    housingLeader,
  );
  const a = () => view.state.assignments[0];
  expect(a().draft).toMatchObject({
    status: 'returned',
    returns: [{ step: 'signOff', reason: '请补充办理措施' }],
  });
  // Before the first sign-off the liaison works on the reply clock alone.
  expect(view.clocks[`replySignOff:${unitId}`].status).toBe('cancelled');
  expect(view.clocks[`reply:${unitId}`].status).toBe('running');

  await h.act(handle, 'draftReply', { unitId, resultClass: 'A', text: '已解决，措施如下' }, housing);
  view = await h.act(handle, 'signOffReply', { unitId, approve: true }, housingLeader);
  expect(a().draft).toBeUndefined();
  expect(a().replies).toEqual([expect.objectContaining({ text: '已解决，措施如下', draftedBy: housing })]);
  expect(view.state.status).toBe('awaitingFeedback');
  expect(view.clocks[`replyCheck:${unitId}`]).toBeUndefined();
  expect(await h.refusal(handle, 'checkReply', { unitId, approve: true }, committee)).toBe('alreadyReplied');

  // A key proposal under the default policy: the leader's one-step reply goes to the committee check.
  const key = await readyToReply({ key: true });
  view = await h.act(key, 'reply', { unitId, resultClass: 'A', text: '已解决' }, housingLeader);
  expect(view.state.assignments[0].draft).toMatchObject({ status: 'signedOff', by: housingLeader });
  expect(view.state.status).toBe('handling');
  expect(view.clocks[`replyCheck:${unitId}`].status).toBe('running');
  view = await h.act(key, 'checkReply', { unitId, approve: true }, committee);
  expect(view.state.status).toBe('awaitingFeedback');

  // An office that checks no replies: a key proposal's reply is released at once.
  const none = {
    ...defaultPolicy,
    flags: { ...defaultPolicy.flags, committeeChecksReplies: 'none' as const },
  };
  const unchecked = await readyToReply({ key: true, policy: none });
  view = await h.act(unchecked, 'reply', { unitId, resultClass: 'A', text: '已解决' }, housingLeader);
  expect(view.state.status).toBe('awaitingFeedback');
  expect(await h.refusal(unchecked, 'checkReply', { unitId, approve: true }, committee)).toBe(
    'alreadyReplied',
  );
});
