/**
 * Proposal handling on the time-skipping server with the default policy and the
 * real calendar (2026 data plus 2027's New Year as loaded by an admin). Each
 * scenario starts on Monday 2026-12-28 at 10:00 Beijing time.
 */
import { defaultPolicy } from '../../domain/policy';
import { people, ProposalHarness } from '../helpers/proposal-harness';

const h = new ProposalHarness();
beforeEach(async () => {
  await h.setUp();
  await h.travelTo('2026-12-28T10:00:00+08:00');
});
afterEach(() => h.tearDown());

const { lead, committee, housing, housingLeader, education, educationLeader } = people;

async function filedAndAssigned(assign: Parameters<typeof h.act<'assign'>>[2], draft = {}) {
  const handle = await h.start(draft);
  await h.act(handle, 'review', { decision: 'file' }, committee);
  await h.act(handle, 'assign', assign, committee);
  return handle;
}
const lead1 = { leadUnitId: 'unit-housing', coHandlerUnitIds: [], parallelUnitIds: [] };

test('main path: review, assignment, sign-for, contact, reply, feedback, closed — with every deadline', async () => {
  const handle = await h.start();
  let view = await h.view(handle);
  expect(view.state.status).toBe('underReview');
  expect(view.clocks.review.plan.deadline.due).toBe('2027-01-12'); // 10 wd, New Year off

  view = await h.act(handle, 'review', { decision: 'file' }, committee);
  expect(view.state.status).toBe('awaitingAssignment');
  expect(view.clocks.review.status).toBe('met');
  expect(view.clocks.assignment.plan.deadline.due).toBe('2027-01-05');

  view = await h.act(handle, 'assign', lead1, committee);
  expect(view.state.status).toBe('handling');
  const dues = Object.fromEntries(
    Object.values(view.clocks)
      .filter((c) => c.status === 'running')
      .map((c) => [c.id, c.plan.deadline.due]),
  );
  expect(dues).toEqual({
    'signFor:unit-housing': '2026-12-30',
    'returnWindow:unit-housing': '2027-01-05',
    'contact:unit-housing': '2027-01-19',
    'reply:unit-housing': '2027-03-29', // 3 months lands on Sunday 03-28: rolls to Monday
  });
  expect(view.state.assignments[0]).toMatchObject({ role: 'lead', status: 'assigned', capDue: '2027-06-28' });

  await h.act(handle, 'signFor', { unitId: 'unit-housing' }, housing);
  const reply = { unitId: 'unit-housing', resultClass: 'A', text: '已列入明年计划并落实' };
  expect(await h.refusal(handle, 'reply', reply, housingLeader)).toBe('contactRequired');
  await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'inPerson' }, housing);
  view = await h.act(handle, 'reply', reply, housingLeader);
  expect(view.state.status).toBe('awaitingFeedback');
  expect(view.state.assignments[0].replies).toEqual([
    expect.objectContaining({
      resultClass: 'A',
      signedOffBy: housingLeader,
      onTime: true,
      due: '2027-03-29',
    }),
  ]);
  expect(view.state.assignments[0].contacts).toEqual([
    expect.objectContaining({ no: 1, stage: 'beforeHandling', method: 'inPerson', date: '2026-12-28' }),
  ]);
  expect(view.clocks[`feedback:unit-housing:${lead}`].plan.deadline.due).toBe('2027-01-19');
  expect(view.clocks['returnWindow:unit-housing'].status).toBe('cancelled'); // replied: nothing to return

  view = await h.act(handle, 'feedback', { rating: 'satisfied' }, lead);
  expect(view.state.status).toBe('closed');
  const final = await handle.result();
  expect(final.status).toBe('closed');
  expect(Object.values((await h.view(handle)).clocks).every((c) => c.status !== 'running')).toBe(true);
  expect(h.recorder.proposals.get(final.proposalId)?.status).toBe('closed');
  expect(h.recorder.timeline.filter((e) => e.itemId === final.proposalId).map((e) => e.kind)).toEqual(
    expect.arrayContaining([
      'submitted',
      'filed',
      'assigned',
      'signedFor',
      'contacted',
      'replied',
      'feedback',
      'closed',
    ]),
  );
});

test('co-signing: the window closes after 5 working days with those who confirmed', async () => {
  const handle = await h.start({ coSignerIds: [people.coSignerA, people.coSignerB] });
  expect(await h.due(handle, 'cosigning')).toBe('2027-01-05');
  await h.act(handle, 'cosign', { accept: true }, people.coSignerA);
  expect(await h.refusal(handle, 'cosign', { accept: false }, people.coSignerA)).toBe('alreadyAnswered');
  expect(await h.refusal(handle, 'cosign', { accept: true }, 'member-other')).toBe('notCoSigner');
  await h.travelTo('2027-01-06T09:30:00+08:00');
  const { state, clocks } = await h.view(handle);
  expect(state.status).toBe('underReview');
  expect(state.confirmedCoSignerIds).toEqual([people.coSignerA]);
  expect(clocks.cosigning.status).toBe('expired');
});

test('withdrawal is possible until filing, refused after', async () => {
  const open = await h.start();
  expect((await h.act(open, 'withdraw', {}, lead)).state.status).toBe('withdrawn');
  expect((await open.result()).status).toBe('withdrawn');

  const filed = await h.start();
  await h.act(filed, 'review', { decision: 'file' }, committee);
  expect(await h.refusal(filed, 'withdraw', {}, lead)).toBe('wrongState');
  expect(await h.refusal(filed, 'review', { decision: 'file' }, committee)).toBe('wrongState');
});

test('not filed needs a reason from the policy list', async () => {
  const handle = await h.start();
  expect(await h.refusal(handle, 'review', { decision: 'notFile', reason: 'boring' }, committee)).toBe(
    'unknownReason',
  );
  const view = await h.act(handle, 'review', { decision: 'notFile', reason: 'personalMatter' }, committee);
  expect(view.state).toMatchObject({ status: 'notFiled', notFiledReason: 'personalMatter' });
});

test('conversion needs the proposer’s consent; a decline sends it back to review', async () => {
  const handle = await h.start();
  await h.act(handle, 'review', { decision: 'convert', unitId: 'unit-housing' }, committee);
  expect(await h.refusal(handle, 'consent', { accept: true }, 'member-li')).toBe('notLeadProposer');
  let view = await h.act(handle, 'consent', { accept: false }, lead);
  expect(view.state.status).toBe('underReview');
  await h.act(handle, 'review', { decision: 'convert', unitId: 'unit-housing' }, committee);
  view = await h.act(handle, 'consent', { accept: true }, lead);
  expect(view.state.status).toBe('converted');
  expect(view.state.conversion).toMatchObject({
    unitId: 'unit-housing',
    consent: true,
    followUpId: '2026-0001-converted',
  });
});

test('merged proposals: every proposer of the merged one is asked for feedback with the main one', async () => {
  const main = await h.start();
  const other = await h.start({ leadProposerId: 'member-wang' });
  await h.act(other, 'review', { decision: 'merge', intoProposalId: '2026-0001' }, committee);
  expect((await other.result()).status).toBe('merged');
  await h.act(main, 'review', { decision: 'file' }, committee);
  await h.act(main, 'assign', lead1, committee);
  await h.act(main, 'signFor', { unitId: 'unit-housing' }, housing);
  await h.act(main, 'recordContact', { unitId: 'unit-housing', method: 'phone' }, housing);
  const view = await h.act(
    main,
    'reply',
    { unitId: 'unit-housing', resultClass: 'C', text: '留作参考' },
    housingLeader,
  );
  expect(
    Object.keys(view.clocks)
      .filter((id) => id.startsWith('feedback:'))
      .sort(),
  ).toEqual(['feedback:unit-housing:member-wang', `feedback:unit-housing:${lead}`]);
});

test('a failed merge leaves the proposal under review, its review clock running to its reminders and past due', async () => {
  const handle = await h.start();
  const gone = await h.start({ leadProposerId: 'member-wang' });
  await h.act(gone, 'withdraw', {}, 'member-wang');
  await gone.result(); // a closed proposal takes no other one
  for (const intoProposalId of ['2026-0099', '2026-0002']) {
    expect(await h.refusal(handle, 'review', { decision: 'merge', intoProposalId }, committee)).toBe(
      'mergeTargetMissing',
    );
  }
  let view = await h.view(handle);
  expect(view.state.status).toBe('underReview');
  expect(view.state.mergedInto).toBeUndefined();
  expect(view.clocks.review).toMatchObject({ status: 'running', generation: 1 });
  expect(view.clocks.review.plan.deadline.due).toBe('2027-01-12');

  await h.travelTo('2027-01-14T10:00:00+08:00');
  view = await h.view(handle);
  expect(view.clocks.review).toMatchObject({ status: 'running', overdue: true });
  const steps = h.recorder.notices.filter((n) => n.clock.itemId === '2026-0001' && n.clock.id === 'review');
  expect(steps.map((n) => n.step.kind)).toEqual(['reminder', 'reminder', 'chaseNotice']);

  // A merge into a live proposal still goes through, and only then meets the review clock.
  const target = await h.start({ leadProposerId: 'member-sun' });
  view = await h.act(handle, 'review', { decision: 'merge', intoProposalId: '2026-0003' }, committee);
  expect(view.state).toMatchObject({ status: 'merged', mergedInto: '2026-0003' });
  expect(view.clocks.review.status).toBe('met');
  expect((await h.view(target)).state.mergedProposers).toEqual([
    { proposalId: '2026-0001', proposerIds: [lead] },
  ]);
});

test('a plenary proposal’s fixed reply date set after its month is capped at 6 months from assignment', async () => {
  // Assigned on 2026-12-28, after December: 12-20 next comes on 2027-12-20, beyond the cap 2027-06-28.
  const policy = { ...defaultPolicy, plenaryReplyDate: '12-20' };
  const handle = await h.start({ type: 'plenary' }, policy);
  await h.act(handle, 'review', { decision: 'file' }, committee);
  const view = await h.act(handle, 'assign', lead1, committee);
  expect(view.state.assignments[0].capDue).toBe('2027-06-28');
  expect(view.clocks['reply:unit-housing'].plan.deadline).toMatchObject({
    rule: { unit: 'fixedDate', date: '2027-06-28' },
    due: '2027-06-28',
  });
});

test('a co-handler’s opinion is due before the lead may reply, capped 20 days before the lead’s deadline', async () => {
  const policy = { ...defaultPolicy, plenaryReplyDate: '02-10' };
  const handle = await h.start({ type: 'plenary' }, policy);
  await h.act(handle, 'review', { decision: 'file' }, committee);
  const view = await h.act(
    handle,
    'assign',
    { leadUnitId: 'unit-housing', coHandlerUnitIds: ['unit-education'], parallelUnitIds: [] },
    committee,
  );
  expect(view.clocks['reply:unit-housing'].plan.deadline.due).toBe('2027-02-10');
  // One month would be 2027-01-28; 20 days before the lead's 02-10 is 01-21.
  expect(view.clocks['coHandlerOpinion:unit-education'].plan.deadline.due).toBe('2027-01-21');
  expect(view.clocks['reply:unit-education']).toBeUndefined();

  await h.act(handle, 'signFor', { unitId: 'unit-housing' }, housing);
  await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'meeting' }, housing);
  const reply = { unitId: 'unit-housing', resultClass: 'A', text: '已采纳' };
  expect(await h.refusal(handle, 'reply', reply, housingLeader)).toBe('opinionMissing');
  expect(
    await h.refusal(
      handle,
      'reply',
      { unitId: 'unit-education', resultClass: 'A', text: 'x' },
      educationLeader,
    ),
  ).toBe('coHandlerReplies');
  await h.act(handle, 'sendOpinion', { unitId: 'unit-education', text: '同意主办意见' }, education);
  expect((await h.act(handle, 'reply', reply, housingLeader)).state.status).toBe('awaitingFeedback');
});

test('return request: within its window the committee re-assigns, and the new unit’s clocks start over', async () => {
  const handle = await filedAndAssigned(lead1);
  await h.travelTo('2026-12-30T10:00:00+08:00');
  await h.act(handle, 'requestReturn', { unitId: 'unit-housing', reason: '不属于本单位职责' }, housing);
  expect(await h.refusal(handle, 'ruleReturn', { unitId: 'unit-housing', approve: true }, committee)).toBe(
    'missingUnit',
  );
  const view = await h.act(
    handle,
    'ruleReturn',
    { unitId: 'unit-housing', approve: true, toUnitId: 'unit-education' },
    committee,
  );
  expect(view.state.assignments.map((a) => [a.unitId, a.status])).toEqual([
    ['unit-housing', 'returned'],
    ['unit-education', 'assigned'],
  ]);
  expect(view.clocks['reply:unit-housing'].status).toBe('cancelled');
  expect(view.clocks['signFor:unit-education'].plan.deadline.due).toBe('2027-01-04'); // from 12-30, New Year off
  expect(view.clocks['reply:unit-education'].plan.deadline.due).toBe('2027-03-30');
  expect(await h.refusal(handle, 'signFor', { unitId: 'unit-housing' }, housing)).toBe('notAssigned');
  await h.act(handle, 'signFor', { unitId: 'unit-education' }, education);
});

test('a return request after its 5-working-day window is refused: the assignment stands', async () => {
  const handle = await filedAndAssigned(lead1);
  await h.travelTo('2027-01-06T10:00:00+08:00');
  expect(await h.refusal(handle, 'requestReturn', { unitId: 'unit-housing', reason: '太难' }, housing)).toBe(
    'returnWindowClosed',
  );
});

test('extensions: before the deadline, later than it, never past the 6-month cap', async () => {
  const handle = await filedAndAssigned(lead1);
  const ask = (until: string) => ({ unitId: 'unit-housing', until, reason: '需要专项调研' });
  expect(await h.refusal(handle, 'requestExtension', ask('2027-03-01'), housing)).toBe('notLater');
  expect(await h.refusal(handle, 'requestExtension', ask('2027-07-01'), housing)).toBe('pastCap');
  await h.act(handle, 'requestExtension', ask('2027-05-31'), housing);
  expect(await h.refusal(handle, 'requestExtension', ask('2027-05-30'), housing)).toBe('extensionPending');
  const view = await h.act(handle, 'ruleExtension', { unitId: 'unit-housing', approve: true }, committee);
  expect(view.clocks['reply:unit-housing']).toMatchObject({ generation: 2 });
  expect(view.clocks['reply:unit-housing'].plan.deadline.due).toBe('2027-05-31');
});

test('parallel units: each reply is rated on its own; unsatisfied sends back only that unit, nobody waits for the slowest', async () => {
  const handle = await filedAndAssigned({
    coHandlerUnitIds: [],
    parallelUnitIds: ['unit-housing', 'unit-education'],
  });
  const units = { 'unit-housing': [housing, housingLeader], 'unit-education': [education, educationLeader] };
  for (const [unitId, [person]] of Object.entries(units)) {
    await h.act(handle, 'signFor', { unitId }, person);
    await h.act(handle, 'recordContact', { unitId, method: 'phone' }, person);
  }
  // Housing replies first: its proposers rate it at once while education is still handling.
  let view = await h.act(
    handle,
    'reply',
    { unitId: 'unit-housing', resultClass: 'C', text: '留作参考' },
    housingLeader,
  );
  expect(view.state.status).toBe('handling');
  expect(view.state.assignments.map((a) => a.stage)).toEqual(['awaitingFeedback', 'handling']);
  expect(await h.refusal(handle, 'feedback', { unitId: 'unit-education', rating: 'satisfied' }, lead)).toBe(
    'wrongState',
  );
  view = await h.act(handle, 'feedback', { rating: 'unsatisfied' }, lead); // the only unit awaiting a rating
  expect(view.state.feedback).toEqual([
    expect.objectContaining({ unitId: 'unit-housing', rating: 'unsatisfied' }),
  ]);
  expect(view.state.status).toBe('awaitingRuling');
  expect(view.clocks['feedbackRuling:unit-housing'].status).toBe('running');

  // Education replies; with two replies in play a rating must name its unit.
  view = await h.act(handle, 'ruleFeedback', { decision: 'rehandle' }, committee);
  expect(view.state.assignments.map((a) => [a.stage, a.round])).toEqual([
    ['rehandling', 1],
    ['handling', 0],
  ]);
  view = await h.act(
    handle,
    'reply',
    { unitId: 'unit-education', resultClass: 'A', text: '已解决' },
    educationLeader,
  );
  view = await h.act(
    handle,
    'reply',
    { unitId: 'unit-housing', resultClass: 'A', text: '重新办理后已解决' },
    housingLeader,
  );
  expect(view.state.assignments.map((a) => a.stage)).toEqual(['awaitingFeedback', 'awaitingFeedback']);
  expect(await h.refusal(handle, 'feedback', { rating: 'satisfied' }, lead)).toBe('unitRequired');
  view = await h.act(handle, 'feedback', { unitId: 'unit-education', rating: 'satisfied' }, lead);
  expect(view.state.assignments.map((a) => a.stage)).toEqual(['awaitingFeedback', 'closed']);
  expect(view.state.status).toBe('awaitingFeedback');
  view = await h.act(handle, 'feedback', { unitId: 'unit-housing', rating: 'basicallySatisfied' }, lead);
  expect(view.state.status).toBe('closed');
  // The record keeps both of housing's replies, each with its round.
  expect(view.state.assignments[0].replies?.map((r) => [r.round, r.resultClass])).toEqual([
    [0, 'C'],
    [1, 'A'],
  ]);
});

test('unsatisfied: re-handling within a month, still unsatisfied: consultation, then closed', async () => {
  const handle = await filedAndAssigned(lead1);
  await h.act(handle, 'signFor', { unitId: 'unit-housing' }, housing);
  await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'phone' }, housing);
  await h.act(handle, 'reply', { unitId: 'unit-housing', resultClass: 'C', text: '留作参考' }, housingLeader);
  let view = await h.act(handle, 'feedback', { rating: 'unsatisfied', comment: '答复敷衍' }, lead);
  expect(await h.refusal(handle, 'feedback', { rating: 'satisfied' }, lead)).toBe('wrongState');
  expect(view.state.status).toBe('awaitingRuling');
  expect(view.clocks['feedbackRuling:unit-housing'].plan.deadline.due).toBe('2027-01-05');

  await h.travelTo('2027-01-04T10:00:00+08:00');
  view = await h.act(handle, 'ruleFeedback', { decision: 'rehandle' }, committee);
  expect(view.state).toMatchObject({ status: 'rehandling', round: 1 });
  expect(view.clocks['reply:unit-housing']).toMatchObject({ code: 'rehandling', status: 'running' });
  expect(view.clocks['reply:unit-housing'].plan.deadline.due).toBe('2027-02-04');

  await h.act(
    handle,
    'reply',
    { unitId: 'unit-housing', resultClass: 'B', text: '列入计划', commitments: '年内完成' },
    housingLeader,
  );
  view = await h.act(handle, 'feedback', { rating: 'unsatisfied' }, lead);
  expect(view.state.status).toBe('consultation');
  expect(await h.refusal(handle, 'ruleFeedback', { decision: 'rehandle' }, committee)).toBe('wrongState');
  view = await h.act(
    handle,
    'recordConsultation',
    { record: '主席会议成员主持当面协商，达成共识' },
    people.leader,
  );
  expect(view.state.status).toBe('closed');
  // The class-B reply handed its commitments to a follow-up item.
  expect(view.state.assignments[0].followUpId).toBe('2026-0001-commitment-unit-housing');
});

test('contacts are a log: each recorded with its stage and day, each confirmed (已见面) or disputed by a proposer', async () => {
  const handle = await filedAndAssigned(lead1);
  const unitId = 'unit-housing';
  await h.act(
    handle,
    'recordContact',
    { unitId, method: 'inPerson', participants: '王委员、住建局李处长' },
    housing,
  );
  expect(
    await h.refusal(handle, 'recordContact', { unitId, method: 'phone', date: '2027-02-01' }, housing),
  ).toBe('futureDate');
  await h.act(
    handle,
    'recordContact',
    { unitId, stage: 'duringHandling', method: 'phone', date: '2026-12-27' },
    housing,
  );
  expect(await h.refusal(handle, 'confirmContact', { unitId, contactNo: 1, confirmed: true }, housing)).toBe(
    'notProposer',
  );
  expect(await h.refusal(handle, 'confirmContact', { unitId, contactNo: 3, confirmed: true }, lead)).toBe(
    'noContact',
  );
  await h.act(handle, 'confirmContact', { unitId, contactNo: 1, confirmed: true }, lead);
  const view = await h.act(
    handle,
    'confirmContact',
    { unitId, contactNo: 2, confirmed: false, note: '未接到电话' },
    lead,
  );
  expect(await h.refusal(handle, 'confirmContact', { unitId, contactNo: 2, confirmed: true }, lead)).toBe(
    'contactAnswered',
  );
  expect(view.state.assignments[0].contacts).toEqual([
    expect.objectContaining({
      no: 1,
      stage: 'beforeHandling',
      date: '2026-12-28',
      participants: '王委员、住建局李处长',
      confirmation: expect.objectContaining({ confirmed: true, by: lead }),
    }),
    expect.objectContaining({
      no: 2,
      stage: 'duringHandling',
      date: '2026-12-27',
      confirmation: expect.objectContaining({ confirmed: false, note: '未接到电话' }),
    }),
  ]);
  expect(view.clocks['contact:unit-housing'].status).toBe('met');
});

test('no answer in the feedback window is recorded as no feedback, never as satisfied', async () => {
  const handle = await filedAndAssigned(lead1);
  await h.act(handle, 'signFor', { unitId: 'unit-housing' }, housing);
  await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'written' }, housing);
  await h.act(handle, 'reply', { unitId: 'unit-housing', resultClass: 'A', text: '已解决' }, housingLeader);
  await h.travelTo('2027-01-20T10:00:00+08:00');
  const final = await handle.result();
  expect(final.status).toBe('closed');
  expect(final.feedback).toEqual([{ proposerId: lead, unitId: 'unit-housing', noFeedback: true, round: 0 }]);
});

test('a key proposal’s escalations go to its leading leader', async () => {
  const handle = await filedAndAssigned(lead1);
  await h.act(handle, 'markKey', { leaderId: 'leader-wu' }, people.leader);
  expect(await h.refusal(handle, 'markKey', { leaderId: 'leader-wu' }, people.leader)).toBe('alreadyKey');
  await h.travelTo('2026-12-31T10:00:00+08:00');
  const chase = h.recorder.notices.find(
    (n) => n.clock.id === 'signFor:unit-housing' && n.step.kind === 'chaseNotice',
  );
  expect(chase).toMatchObject({ leaderId: 'leader-wu' });
  expect(chase!.step.atIso).toBe('2026-12-31T09:00:00.000+08:00');
});

test('the committee may change a reply’s class', async () => {
  const handle = await filedAndAssigned(lead1);
  await h.act(handle, 'signFor', { unitId: 'unit-housing' }, housing);
  await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'phone' }, housing);
  await h.act(handle, 'reply', { unitId: 'unit-housing', resultClass: 'A', text: '已解决' }, housingLeader);
  expect(
    await h.refusal(
      handle,
      'reclassify',
      { unitId: 'unit-housing', resultClass: 'Z', reason: '?' },
      committee,
    ),
  ).toBe('unknownResultClass');
  const view = await h.act(
    handle,
    'reclassify',
    { unitId: 'unit-housing', resultClass: 'B', reason: '实为计划解决' },
    committee,
  );
  expect(view.state.assignments[0].replies?.[0]).toMatchObject({
    resultClass: 'B',
    reclassifications: [expect.objectContaining({ from: 'A', to: 'B' })],
  });
  expect(view.state.assignments[0].followUpId).toBe('2026-0001-commitment-unit-housing');
});
