/**
 * The deadline ladder on the time-skipping server, with the default policy's
 * standard ladder and the real calendar. Today is past 2026's last holiday, so the
 * scenarios run across New Year 2027 (a holiday loaded as an admin would load it).
 *
 * Continue-as-new mid-ladder is tested on the dev server (test/integration/clocks.test.ts): the Java
 * test server stops skipping time after a continue-as-new (temporalio/sdk-java#1537, #1540).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPolicy } from '../../domain/policy';
import type { ClockState, ClockTable } from '../../workflows/clocks';
import type { clockDrill, ClockDrillInput } from '../../workflows/clock-drill';
import { recordingActivities } from '../helpers/clock-activities';
import { serverPerTest, travelTo } from '../helpers/time-skipping';

// Each scenario gets its own server: time only moves forward, and every scenario starts on 2026-12-29.
const t = serverPerTest(recordingActivities);

/** Starts a drill of the sign-for clock (2 working days) on Tuesday 2026-12-29 at 10:00. */
async function startDrill(extra: Partial<ClockDrillInput> = {}): Promise<WorkflowHandle<typeof clockDrill>> {
  await travelTo(t.env, '2026-12-29T10:00:00+08:00');
  return t.env.client.workflow.start<typeof clockDrill>('clockDrill', {
    workflowId: `drill-${expect.getState().currentTestName}`,
    taskQueue: t.taskQueue,
    args: [{ policy: defaultPolicy, clock: 'signFor', ...extra }],
  });
}

const clocksOf = (handle: WorkflowHandle) => handle.query<ClockTable>('clocks');

test('reminders before the due date, escalations after it, each at 09:00 of a working day', async () => {
  const handle = await startDrill();
  await travelTo(t.env, '2027-01-16T12:00:00+08:00');

  // Due Thursday 12-31 (2 working days, start day not counted). The −5 wd reminder would fall before the
  // start and is dropped; +1 wd skips the New Year holiday and its weekend.
  expect(t.recorder.fired()).toEqual([
    'reminder-1wd@2026-12-30T09:00:00.000+08:00',
    'chaseNotice@2027-01-04T09:00:00.000+08:00',
    'supervisionEscalation@2027-01-08T09:00:00.000+08:00',
    'publicNotice@2027-01-15T09:00:00.000+08:00',
  ]);
  expect(t.recorder.notices.map((n) => n.step.to)).toEqual([
    ['responsible', 'secretary'],
    ['unitLeader', 'committee'],
    ['leader', 'inspectionOffice'],
    ['reportList'],
  ]);
  const { drill } = await clocksOf(handle);
  expect(drill.plan.deadline.dueAtIso).toBe('2026-12-31T23:59:59.999+08:00');
  expect(drill).toMatchObject({ status: 'running', overdue: true });
  const lateBy = t.recorder.timeline.find((e) => e.kind === 'clockOverdue')!.at - drill.plan.deadline.dueAt;
  expect(lateBy).toBeGreaterThanOrEqual(0);
  expect(lateBy).toBeLessThan(1_000);

  const result = await handle.executeUpdate('answer');
  expect(result).toMatchObject({ status: 'met', overdue: true });
  expect(await handle.result()).toMatchObject({ status: 'met' });
});

test('nothing fires after the awaited action arrives', async () => {
  const handle = await startDrill();
  await travelTo(t.env, '2026-12-30T15:00:00+08:00');
  await handle.executeUpdate('answer');
  await travelTo(t.env, '2027-02-01T12:00:00+08:00');

  expect(t.recorder.fired()).toEqual(['reminder-1wd@2026-12-30T09:00:00.000+08:00']);
  expect(await handle.result()).toMatchObject({ status: 'met', overdue: false });
  expect(t.recorder.timeline.map((e) => e.kind)).toEqual(['clockStarted', 'clockMet']);
});

test('a deadline already past fires each overdue escalation at once, exactly once', async () => {
  const handle = await startDrill({ limit: { unit: 'fixedDate', date: '2026-12-01' } });
  await travelTo(t.env, '2026-12-29T10:05:00+08:00');

  const started = t.recorder.timeline[0].at;
  expect(t.recorder.notices.map((n) => [n.step.step, n.step.atIso])).toEqual([
    ['chaseNotice', '2026-12-02T09:00:00.000+08:00'],
    ['supervisionEscalation', '2026-12-08T09:00:00.000+08:00'],
    ['publicNotice', '2026-12-15T09:00:00.000+08:00'],
  ]);
  // Fired on arrival, not at their (past) planned times; no reminder for a date already gone.
  for (const notice of t.recorder.notices) expect(notice.at - started).toBeLessThan(1_000);

  await travelTo(t.env, '2027-03-01T10:00:00+08:00');
  expect(t.recorder.notices).toHaveLength(3);
  await handle.executeUpdate('answer');
});

test('an extension moves the deadline and restarts the ladder for the new date', async () => {
  const handle = await startDrill();
  await travelTo(t.env, '2026-12-31T12:00:00+08:00');
  const extended: ClockState = await handle.executeUpdate('extend', {
    args: [{ unit: 'workingDays', amount: 10 }],
  });
  expect(extended.plan.deadline.due).toBe('2027-01-13');
  await travelTo(t.env, '2027-01-14T15:00:00+08:00');
  await handle.executeUpdate('answer');
  await travelTo(t.env, '2027-02-01T12:00:00+08:00');

  expect(t.recorder.fired()).toEqual([
    'reminder-1wd@2026-12-30T09:00:00.000+08:00',
    'reminder-5wd@2027-01-06T09:00:00.000+08:00',
    'reminder-1wd@2027-01-12T09:00:00.000+08:00',
    'chaseNotice@2027-01-14T09:00:00.000+08:00',
  ]);
  // Steps of the two generations have distinct idempotency keys; none repeats.
  const keys = t.recorder.notices.map((n) => n.key);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys[0]).toContain('#1:');
  expect(keys[1]).toContain('#2:');
});
