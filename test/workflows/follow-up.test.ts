/**
 * The follow-up item lifecycle on the time-skipping server, with the default policy's numbers
 * (sign-for 3 wd, response 20 wd, evaluation 10 wd, monthly check-ins) and the real calendar. Today
 * is past 2026's last holiday, so every scenario starts on Tuesday 2026-12-29 and crosses New Year 2027.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { FollowUpCommand, FollowUpInput, FollowUpView } from '../../domain/follow-up';
import { defaultPolicy, type FollowUpKind } from '../../domain/policy';
import { followUpWorkflowId, type followUpItem } from '../../workflows/follow-up';
import { supervisionRecorder } from '../helpers/supervision-activities';
import { serverPerTest, travelTo } from '../helpers/time-skipping';

const t = serverPerTest(supervisionRecorder);

const ID = 'L1';

/** Delivers an item of `kind` to the ecology department on Tuesday 2026-12-29 at 10:00. */
async function deliver(
  kind: FollowUpKind = 'recommendationLetter',
): Promise<WorkflowHandle<typeof followUpItem>> {
  await travelTo(t.env, '2026-12-29T10:00:00+08:00');
  const input: FollowUpInput = {
    followUpId: ID,
    kind,
    title: '关于加强入河排污口整治的建议',
    content: '……',
    sender: { groupId: 'group-ecology' },
    responder: { unitId: 'dept-ecology' },
    source: { postingId: 'group-ecology-2026-12-01' },
    policy: defaultPolicy,
    policyVersion: 1,
  };
  return t.env.client.workflow.start<typeof followUpItem>('followUpItem', {
    workflowId: followUpWorkflowId(ID),
    taskQueue: t.taskQueue,
    args: [input],
  });
}

const act = (handle: WorkflowHandle, command: FollowUpCommand): Promise<FollowUpView> =>
  handle.executeUpdate('act', { args: [command] });

/** The refusal's code, or a failure when the action went through. */
async function refusalOf(handle: WorkflowHandle, command: FollowUpCommand): Promise<string> {
  const err = await act(handle, command).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return (err.cause as { type?: string }).type!;
}

const dueOf = (id: string) =>
  t.recorder.timeline.find((e) => e.kind === 'clockStarted' && e.data?.clockId === id)!.data!.deadline as {
    due: string;
  };

const department = 'ecology';
const supervisor = 'supervisor-he';

test('a letter: signed for, answered with commitments, rated, checked in monthly until done', async () => {
  const handle = await deliver();
  await travelTo(t.env, '2026-12-30T11:00:00+08:00');
  await act(handle, { action: 'acknowledge', by: department });

  await travelTo(t.env, '2027-01-21T12:00:00+08:00');
  const commitments = ['三个月内完成排污口整治', '建立月度巡查制度'];
  let view = await act(handle, { action: 'respond', by: department, content: '已部署整改', commitments });
  expect(view).toMatchObject({ status: 'awaitingEvaluation', answered: true, respondedOnTime: true });

  await travelTo(t.env, '2027-01-29T10:00:00+08:00');
  view = await act(handle, {
    action: 'evaluate',
    by: supervisor,
    adoption: 'adopted',
    satisfaction: 'satisfied',
  });
  expect(view).toMatchObject({ status: 'implementing', adopted: true, openCommitments: commitments });

  await travelTo(t.env, '2027-02-23T10:00:00+08:00');
  await act(handle, { action: 'checkIn', by: department, progress: '已完成两处排污口封堵' });
  await travelTo(t.env, '2027-03-26T10:00:00+08:00');
  view = await act(handle, { action: 'reportDone', by: department, note: '整改全部完成，巡查制度已印发' });

  // Sign-for due Mon 01-04 (3 wd, New Year holiday skipped), response Wed 01-27 (20 wd), evaluation
  // Thu 02-04 (10 wd), first check-in a month after the rating (Sun 02-28 → Mon 03-01), the second
  // a month after the first report (Tue 03-23), which went overdue and was chased the next working day.
  expect(
    ['acknowledge', 'response-1', 'evaluation-1', 'checkIn-1', 'checkIn-2'].map((id) => dueOf(id).due),
  ).toEqual(['2027-01-04', '2027-01-27', '2027-02-04', '2027-03-01', '2027-03-23']);
  expect(t.recorder.firedOf(ID)).toEqual([
    'response-1:reminder-5wd@2027-01-20T09:00:00.000+08:00',
    'evaluation-1:reminder-5wd@2027-01-28T09:00:00.000+08:00',
    'checkIn-1:reminder-5wd@2027-02-22T09:00:00.000+08:00',
    'checkIn-2:reminder-5wd@2027-03-16T09:00:00.000+08:00',
    'checkIn-2:reminder-1wd@2027-03-22T09:00:00.000+08:00',
    'checkIn-2:chaseNotice@2027-03-24T09:00:00.000+08:00',
  ]);
  expect(view).toMatchObject({
    status: 'closed',
    outcome: { code: 'done', by: department, note: '整改全部完成，巡查制度已印发' },
    openCommitments: [],
    adopted: true,
    satisfaction: 'satisfied',
  });
  expect(view.checkIns).toMatchObject([{ seq: 1, onTime: true }]);
  expect(await handle.result()).toEqual(view);
  expect(t.recorder.items.get(ID)).toEqual(view);
  expect(t.recorder.kinds(ID).filter((k) => !k.startsWith('clock'))).toEqual([
    'followUpOpened',
    'acknowledged',
    'responded',
    'evaluated',
    'checkedIn',
    'reportedDone',
  ]);
});

test('a late sign-for is chased; an unsatisfactory reply is sent back once; an unrated reply lapses', async () => {
  const handle = await deliver();
  await travelTo(t.env, '2027-01-08T12:00:00+08:00');
  expect(t.recorder.firedOf(ID)).toEqual([
    'acknowledge:reminder-1wd@2026-12-31T09:00:00.000+08:00',
    'acknowledge:chaseNotice@2027-01-05T09:00:00.000+08:00',
  ]);
  expect(t.recorder.notices[1].step.to).toEqual(['unitLeader', 'committee']);
  expect(t.recorder.notices[1].clock.responsible).toEqual({ unitId: 'dept-ecology' });
  let view = await act(handle, { action: 'acknowledge', by: department });
  expect(view.acknowledgement).toMatchObject({ onTime: false });
  await act(handle, { action: 'respond', by: department, content: '研究后答复', commitments: [] });

  await travelTo(t.env, '2027-01-11T10:00:00+08:00');
  view = await act(handle, {
    action: 'sendBack',
    by: supervisor,
    adoption: 'notAdopted',
    satisfaction: 'unsatisfied',
    comment: '未回应具体建议',
  });
  expect(view).toMatchObject({ status: 'awaitingResponse', round: 2, sendBacksLeft: 0, answered: false });
  expect(dueOf('response-2').due).toBe('2027-02-08');

  await travelTo(t.env, '2027-01-25T10:00:00+08:00');
  await act(handle, { action: 'respond', by: department, content: '逐条答复如下', commitments: [] });
  expect(
    await refusalOf(handle, {
      action: 'sendBack',
      by: supervisor,
      adoption: 'notAdopted',
      satisfaction: 'unsatisfied',
    }),
  ).toBe('send_backs_used_up');

  // Nobody rates the second reply: the 10-wd window closes on Mon 02-08 and the item closes as answered.
  view = await handle.result();
  expect(view).toMatchObject({
    status: 'closed',
    outcome: { code: 'answered' },
    respondedOnTime: true,
    adoption: 'notAdopted',
    adopted: false,
  });
  expect(view.evaluations.map((e) => [e.round, e.verdict])).toEqual([
    [1, 'sentBack'],
    [2, 'lapsed'],
  ]);
  expect(view.responses.map((r) => [r.round, r.onTime])).toEqual([
    [1, true],
    [2, true],
  ]);
  // At the end of the window's last day (the test server's timers wake a few milliseconds late).
  const lapsedAt = t.recorder.timeline.find((e) => e.kind === 'evaluationLapsed')!.at;
  expect(lapsedAt - Date.parse('2027-02-08T23:59:59.999+08:00')).toBeGreaterThanOrEqual(0);
  expect(lapsedAt - Date.parse('2027-02-08T23:59:59.999+08:00')).toBeLessThan(1_000);
  expect(t.recorder.kinds(ID)).toContain('clockExpired');
});

test('actions out of turn are refused with stable codes and nothing changes', async () => {
  const handle = await deliver();
  const respond: FollowUpCommand = { action: 'respond', by: department, content: '答复', commitments: [] };
  expect(await refusalOf(handle, respond)).toBe('not_acknowledged');
  expect(await refusalOf(handle, { action: 'checkIn', by: department, progress: '…' })).toBe(
    'not_implementing',
  );
  await act(handle, { action: 'acknowledge', by: department });
  expect(await refusalOf(handle, { action: 'acknowledge', by: department })).toBe('already_acknowledged');
  const rate = { by: supervisor, adoption: 'adopted', satisfaction: 'satisfied' } as const;
  expect(await refusalOf(handle, { action: 'evaluate', ...rate })).toBe('not_awaiting_evaluation');
  await act(handle, respond);
  expect(await refusalOf(handle, { action: 'evaluate', ...rate, adoption: 'maybe' })).toBe(
    'unknown_adoption',
  );
  expect(await refusalOf(handle, { action: 'evaluate', ...rate, satisfaction: 'meh' })).toBe(
    'unknown_satisfaction',
  );
  expect(await refusalOf(handle, { action: 'sendBack', ...rate })).toBe('send_back_needs_unsatisfied');
  expect(await refusalOf(handle, { action: 'reportDone', by: department, note: '完成' })).toBe(
    'not_implementing',
  );

  const view = await act(handle, { action: 'evaluate', ...rate });
  // A reply without commitments needs no check-ins: rating it closes the item.
  expect(view).toMatchObject({ status: 'closed', outcome: { code: 'answered' } });
  expect(view.evaluations).toHaveLength(1);
});

test('kinds differ by policy only: an instruction closes on its answer, a commitment checks in quarterly', async () => {
  const instruction = await deliver('instruction');
  await act(instruction, { action: 'acknowledge', by: department });
  const answered = await act(instruction, {
    action: 'respond',
    by: department,
    content: '已落实批示',
    commitments: [],
  });
  expect(answered).toMatchObject({ status: 'closed', kindLabel: '社情民意信息批示', scales: null });

  const commitment = await t.env.client.workflow.start<typeof followUpItem>('followUpItem', {
    workflowId: followUpWorkflowId('2026-0123-commitment'),
    taskQueue: t.taskQueue,
    args: [
      {
        followUpId: '2026-0123-commitment',
        kind: 'commitment',
        title: '老旧小区加装电梯',
        content: '列入 2027 年计划',
        sender: { userIds: ['member-zhang'] },
        responder: { unitId: 'unit-housing' },
        source: { proposalId: '2026-0123' },
        policy: defaultPolicy,
        policyVersion: 1,
      },
    ],
  });
  await act(commitment, { action: 'acknowledge', by: 'housing' });
  const view = await act(commitment, {
    action: 'respond',
    by: 'housing',
    content: '首批 20 台已开工',
    commitments: ['2027 年底前完成 60 台'],
  });
  // No evaluation for commitments; progress is due every 3 months (policy clock checkIn).
  expect(view.status).toBe('implementing');
  const checkIn = t.recorder.timeline.find(
    (e) => e.itemId === '2026-0123-commitment' && e.data?.clockId === 'checkIn-1',
  );
  expect(checkIn!.data!.deadline).toMatchObject({ due: '2027-03-29', rule: { unit: 'months', amount: 3 } });
  // Awaited last: waiting for a result lets the test server skip time.
  expect(await instruction.result()).toEqual(answered);
});

test('withdrawing an item stops every clock and closes it', async () => {
  const handle = await deliver();
  await travelTo(t.env, '2026-12-30T15:00:00+08:00');
  const view = await act(handle, { action: 'withdraw', by: 'committee', note: '误送单位' });
  expect(view).toMatchObject({
    status: 'closed',
    outcome: { code: 'withdrawn', note: '误送单位' },
    answered: false,
  });
  await travelTo(t.env, '2027-02-15T12:00:00+08:00');
  expect(t.recorder.firedOf(ID)).toEqual([]);
  const cancelled = t.recorder.timeline
    .filter((e) => e.kind === 'clockCancelled')
    .map((e) => e.data!.clockId);
  expect(cancelled.sort()).toEqual(['acknowledge', 'response-1']);
});
