/**
 * A supervision posting on the time-skipping server with the default policy: a 12-month term, one
 * letter a quarter, the secretary reminded 10 working days before a quarter ends without one. The
 * posting starts on Monday 2027-01-04, after the New Year holiday of the 2027 fixture year.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPolicy } from '../../domain/policy';
import { postingWorkflowId, type PostingCommand } from '../../domain/supervision';
import { followUpWorkflowId } from '../../workflows/follow-up';
import type { PostingActResult, supervisionPosting } from '../../workflows/supervision-posting';
import { supervisionRecorder } from '../helpers/supervision-activities';
import { serverPerTest, travelTo } from '../helpers/time-skipping';

const t = serverPerTest(supervisionRecorder);

const ID = 'group-ecology-2027-01-04';

async function post(): Promise<WorkflowHandle<typeof supervisionPosting>> {
  await travelTo(t.env, '2027-01-04T10:00:00+08:00');
  return t.env.client.workflow.start<typeof supervisionPosting>('supervisionPosting', {
    workflowId: postingWorkflowId(ID),
    taskQueue: t.taskQueue,
    args: [
      {
        postingId: ID,
        groupId: 'group-ecology',
        departmentId: 'dept-ecology',
        policy: defaultPolicy,
        policyVersion: 1,
      },
    ],
  });
}

const act = (handle: WorkflowHandle, command: PostingCommand): Promise<PostingActResult> =>
  handle.executeUpdate('act', { args: [command] });

const letter = {
  action: 'sendLetter',
  by: 'supervisor-he',
  title: '关于加强入河排污口整治的建议',
  content: '……',
  policy: defaultPolicy,
  policyVersion: 1,
} as const;

async function refusalOf(handle: WorkflowHandle, command: PostingCommand): Promise<string> {
  const err = await act(handle, command).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return (err.cause as { type?: string }).type!;
}

test('a term: quarterly reminders only for quarters without a letter, a term report, letters outliving it', async () => {
  const handle = await post();
  await travelTo(t.env, '2027-01-20T10:00:00+08:00');
  const visit = {
    action: 'logActivity',
    by: 'supervisor-guo',
    kind: 'visit',
    summary: '走访污水处理厂',
    participants: [] as string[],
  } as const;
  const logged = await act(handle, { ...visit, date: '2027-01-15' });
  expect(logged.created).toBe(`${ID}-A1`);
  expect(await refusalOf(handle, { ...visit, date: '2027-01-21' })).toBe('activity_in_future');
  expect(await refusalOf(handle, { ...visit, date: '2027-01-03' })).toBe('activity_before_posting');

  await travelTo(t.env, '2027-02-15T10:00:00+08:00');
  const sent = await act(handle, letter);
  expect(sent.created).toBe(`${ID}-L1`);
  expect(sent.posting.letters).toMatchObject([{ followUpId: `${ID}-L1`, quarter: '2027Q1' }]);

  await travelTo(t.env, '2028-01-05T12:00:00+08:00');
  const report = t.recorder.reports[0];

  // Q1 had its letter (its window was met); every later quarter reminded the secretary 10 wd before its end.
  expect(t.recorder.firedOf(ID)).toEqual([
    'letter-2027Q2:reminder-10wd@2027-06-16T09:00:00.000+08:00',
    'letter-2027Q3:reminder-10wd@2027-09-16T09:00:00.000+08:00',
    'letter-2027Q4:reminder-10wd@2027-12-17T09:00:00.000+08:00',
  ]);
  const reminder = t.recorder.notices.find((n) => n.clock.itemId === ID)!;
  expect(reminder.step.to).toEqual(['secretary']);
  expect(reminder.clock.responsible).toEqual({ groupId: 'group-ecology' });
  const closed = t.recorder.timeline
    .filter((e) => e.itemId === ID && ['clockMet', 'clockExpired', 'clockCancelled'].includes(e.kind))
    .map((e) => `${e.data!.clockId}:${e.kind}`);
  expect(closed).toEqual([
    'letter-2027Q1:clockMet',
    'letter-2027Q2:clockExpired',
    'letter-2027Q3:clockExpired',
    'letter-2027Q4:clockExpired',
    'letter-2028Q1:clockCancelled',
  ]);

  expect(report).toEqual({
    postingId: ID,
    groupId: 'group-ecology',
    departmentId: 'dept-ecology',
    term: { start: '2027-01-04', end: '2028-01-04' },
    endReason: 'termEnded',
    endedAt: expect.any(Number),
    figures: {
      letters: 1,
      replied: 0,
      repliedOnTime: 0,
      replyOnTimeRate: 0,
      evaluated: 0,
      adopted: 0,
      adoptionRate: null,
      implementing: 0,
      openCommitments: 0,
      open: 1,
    },
    quarters: [
      { quarter: '2027Q1', letters: 1 },
      { quarter: '2027Q2', letters: 0 },
      { quarter: '2027Q3', letters: 0 },
      { quarter: '2027Q4', letters: 0 },
      { quarter: '2028Q1', letters: 0 },
    ],
    quartersShort: ['2027Q2', '2027Q3', '2027Q4', '2028Q1'],
    activities: { visit: 1, inspection: 0, meeting: 0 },
    openLetters: [{ followUpId: `${ID}-L1`, title: letter.title, status: 'awaitingAcknowledgement' }],
  });
  const lateBy = report.endedAt - Date.parse('2028-01-04T23:59:59.999+08:00'); // the term's last day, whole
  expect(lateBy).toBeGreaterThanOrEqual(0);
  expect(lateBy).toBeLessThan(1_000);
  expect(t.recorder.postings.get(ID)).toMatchObject({ status: 'ended', termEnd: '2028-01-04' });

  // The unanswered letter outlives the posting, still escalating.
  const child = await t.env.client.workflow.getHandle(followUpWorkflowId(`${ID}-L1`)).describe();
  expect(child.status.name).toBe('RUNNING');
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  expect(t.recorder.items.get(`${ID}-L1`)).toMatchObject({
    sender: { groupId: 'group-ecology' },
    responder: { unitId: 'dept-ecology' },
    source: { postingId: ID },
  });
});

test('the committee may end a posting early; the report says so', async () => {
  const handle = await post();
  await travelTo(t.env, '2027-03-01T10:00:00+08:00');
  await act(handle, letter);
  await act(handle, {
    action: 'logActivity',
    by: 'supervisor-he',
    kind: 'inspection',
    date: '2027-02-26',
    summary: '暗访河道',
    participants: ['supervisor-ma'],
  });
  const ended = await act(handle, { action: 'endTerm', by: 'committee', note: '部门职能调整' });
  expect(ended.posting).toMatchObject({
    status: 'ended',
    ended: { reason: 'endedEarly', by: 'committee', note: '部门职能调整' },
  });
  expect(t.recorder.reports[0]).toMatchObject({
    term: { start: '2027-01-04', end: '2027-03-01' },
    endReason: 'endedEarly',
    quarters: [{ quarter: '2027Q1', letters: 1 }],
    quartersShort: [],
    activities: { visit: 0, inspection: 1, meeting: 0 },
  });
  expect(t.recorder.firedOf(ID)).toEqual([]);
});
