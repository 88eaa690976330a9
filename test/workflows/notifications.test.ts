/**
 * Delivery, the recovery sweep and the daily digest on the time-skipping server with mocked activities:
 * what the workflows decide (sleep until a notice is due, deliver each row on its own, wait for each
 * retry on a timer; claim, loop while batches are full; no digest on a non-working day), independent
 * of the database and the channels.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { StepNotice } from '../../activities/notify';
import type { DeliveryOutcome, DeliveryPlan, RowDelivery } from '../../activities/outbox';
import { WorkingCalendar, seedCalendarYears } from '../../domain/calendar';
import { digestDay, type DigestDay } from '../../domain/digest';
import { toIso } from '../../domain/time';
import type { dailyDigest } from '../../workflows/digest';
import { defaultPolicy, type Policy } from '../../domain/policy';
import type { clockDrill } from '../../workflows/clock-drill';
import type { deliverNotice, dispatchOutbox } from '../../workflows/dispatch';
import { calendar2027, recordingActivities } from '../helpers/clock-activities';
import { createTestWorker, createTimeSkippingEnv, travelTo } from '../helpers/time-skipping';

// A server per test: time only moves forward, and the digest scenario needs New Year 2027 ahead of it.
let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => env?.teardown());

const workflowId = () => `${expect.getState().currentTestName}-${Date.now()}`;

describe('dispatchOutbox', () => {
  it('delivers each claimed row on its own: one that keeps failing holds up nobody', async () => {
    const batches = [['a', 'b', 'c'], ['d'], ['never']];
    const attempts: Record<string, number> = {};
    const owners = new Set<string>();
    const { worker, taskQueue } = await createTestWorker(env, {
      claimOutbox: async ({ owner }: { owner: string }) => (owners.add(owner), batches.shift() ?? []),
      deliverOutbox: async ({ id, owner }: { id: string; owner: string }): Promise<DeliveryOutcome> => {
        owners.add(owner);
        attempts[id] = (attempts[id] ?? 0) + 1;
        if (id === 'b') throw new Error('database unreachable after sending');
        return id === 'c' ? 'retrying' : 'sent';
      },
    });
    const id = workflowId();
    const result = await worker.runUntil(
      env.client.workflow.execute<typeof dispatchOutbox>('dispatchOutbox', {
        workflowId: id,
        taskQueue,
        args: [{ batch: 3 }],
      }),
    );
    // A full batch makes it claim again; a short one ends the run.
    expect(result).toEqual({ sent: 2, retrying: 1, failed: 0, skipped: 0, unfinished: 1 });
    expect(batches).toEqual([['never']]);
    // Temporal retried the failing delivery three times; the others ran once each.
    expect(attempts).toEqual({ a: 1, b: 3, c: 1, d: 1 });
    // The run is the owner of its claims: one owner across claims and deliveries.
    expect([...owners]).toEqual([expect.stringMatching(new RegExp(`^${id}/`))]);
  });
});

describe('deliverNotice', () => {
  it('sleeps until deliverAt, delivers each row on its own and waits for each retry on a timer', async () => {
    await travelTo(env, '2026-12-30T18:30:00+08:00');
    const deliverAt = Date.parse('2026-12-31T09:00:00+08:00'); // held until the next office-hours start
    const calls: { id: string; at: string }[] = [];
    const owners = new Set<string>();
    const { worker, taskQueue } = await createTestWorker(env, {
      deliverRow: async ({ id, owner }: { id: string; owner: string }): Promise<RowDelivery> => {
        owners.add(owner);
        const now = await env.currentTimeMs();
        calls.push({ id, at: toIso(now).slice(0, 16) });
        const tries = calls.filter((c) => c.id === id).length;
        if (id === 'flaky' && tries < 3) return { outcome: 'retrying', at: now + 60_000 * tries };
        if (id === 'held' && tries === 1) return { outcome: 'waiting', at: now + 30_000 };
        if (id === 'broken') throw new Error('database unreachable');
        return { outcome: id === 'held' ? 'skipped' : 'sent' };
      },
    });
    const id = workflowId();
    const result = await worker.runUntil(
      env.client.workflow.execute<typeof deliverNotice>('deliverNotice', {
        workflowId: id,
        taskQueue,
        args: [{ notice: 'n', rows: ['fine', 'flaky', 'held', 'broken'], deliverAt }],
      }),
    );
    // `retrying` counts attempts to be made again: two of `flaky`, one of `held` (another held it).
    expect(result).toEqual({ sent: 2, retrying: 3, failed: 0, skipped: 1, unfinished: 1 });
    // Nothing before 09:00, then every row; each further attempt at the time the last one named.
    const times = (row: string) => calls.filter((c) => c.id === row).map((c) => c.at.slice(11));
    expect(times('fine')).toEqual(['09:00']);
    expect(times('flaky')).toEqual(['09:00', '09:01', '09:03']);
    expect(times('held')).toEqual(['09:00', '09:00']); // 30 s later
    expect(times('broken')).toEqual(['09:00', '09:00', '09:00']); // Temporal's retries, then left to the sweep
    expect(calls.every((c) => c.at.startsWith('2026-12-31'))).toBe(true);
    expect([...owners]).toEqual([expect.stringMatching(new RegExp(`^${id}/`))]);
  });
});

describe('a ladder step', () => {
  it('hands its rows to a delivery workflow of their own, which outlives the item', async () => {
    await travelTo(env, '2026-12-29T10:00:00+08:00');
    const recorder = recordingActivities([...seedCalendarYears(), calendar2027]);
    const delivered: { id: string; at: string }[] = [];
    const { worker, taskQueue } = await createTestWorker(env, {
      ...recorder.activities,
      // As the real activity: rows written, held until office hours (here: 2 hours after the step).
      notifyStep: async (notice: StepNotice): Promise<DeliveryPlan> => {
        recorder.notices.push(notice);
        return { notice: notice.key, rows: [`${notice.key}:a:sms`], deliverAt: notice.at + 2 * 3_600_000 };
      },
      deliverRow: async ({ id }: { id: string }): Promise<RowDelivery> => {
        delivered.push({ id, at: toIso(await env.currentTimeMs()).slice(0, 16) });
        return { outcome: 'sent' };
      },
    });
    const seconds = (amount: number) => ({ amount, unit: 'seconds' as const });
    const policy: Policy = {
      ...defaultPolicy,
      ladders: {
        ...defaultPolicy.ladders,
        standard: [{ step: 'reminder', kind: 'reminder', offset: seconds(-60), to: ['responsible'] }],
      },
    };
    const drillId = workflowId();
    const running = worker.run();
    const drill = await env.client.workflow.start<typeof clockDrill>('clockDrill', {
      workflowId: drillId,
      taskQueue,
      args: [{ policy, clock: 'signFor', limit: seconds(120) }],
    });
    await env.sleep(90_000); // the reminder fires at one minute
    expect(recorder.notices.map((n) => n.step.step)).toEqual(['reminder']);
    await drill.executeUpdate('answer');
    expect(await drill.result()).toMatchObject({ status: 'met' });
    expect(delivered).toEqual([]);

    const delivery = env.client.workflow.getHandle(`deliver:${drillId}:drill#1:reminder`);
    expect(await delivery.result()).toMatchObject({ sent: 1 });
    expect(delivered).toEqual([{ id: `${drillId}:drill#1:reminder:a:sms`, at: '2026-12-29T12:01' }]);
    worker.shutdown();
    await running;
  });
});

describe('dailyDigest', () => {
  const calendar = new WorkingCalendar([...seedCalendarYears(), calendar2027]);

  it('sends nothing on New Year holiday and the digest of the next working morning', async () => {
    const enqueued: { day: DigestDay; at: number }[] = [];
    const { worker, taskQueue } = await createTestWorker(env, {
      planDigest: async ({ at }: { at: number }) => digestDay(calendar, at, '09:00') ?? null,
      enqueueDigests: async (input: { day: DigestDay; at: number }) => {
        enqueued.push(input);
        return { recipients: 3, rows: 7 };
      },
    });
    // As the schedule starts it: no arguments, the workflow's own time.
    const run = () =>
      env.client.workflow.execute<typeof dailyDigest>('dailyDigest', {
        workflowId: workflowId(),
        taskQueue,
        // The test server skips to a finished run's timeout timer while the result is awaited: keep it short.
        workflowExecutionTimeout: '1 hour',
      });
    const running = worker.run();

    await travelTo(env, '2027-01-01T09:00:00+08:00');
    expect(await run()).toEqual({ skipped: true });
    await travelTo(env, '2027-01-03T09:00:00+08:00'); // Sunday, still the holiday
    expect(await run()).toEqual({ skipped: true });
    expect(enqueued).toEqual([]);

    await travelTo(env, '2027-01-04T09:00:00+08:00');
    expect(await run()).toEqual({ skipped: false, date: '2027-01-04', recipients: 3, rows: 7 });
    expect(enqueued).toHaveLength(1);
    const [{ day, at }] = enqueued;
    // "Newly assigned" reaches back over the holiday to the last working day's digest.
    expect({ ...day, since: toIso(day.since) }).toEqual({
      date: '2027-01-04',
      since: '2026-12-31T09:00:00.000+08:00',
      dueBy: '2027-01-11',
    });
    expect(toIso(at).slice(0, 16)).toBe('2027-01-04T09:00');
    worker.shutdown();
    await running;
  });
});
