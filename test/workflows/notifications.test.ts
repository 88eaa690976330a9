/**
 * The dispatcher and the daily digest on the time-skipping server with mocked activities: what the
 * workflows decide (claim, deliver each row on its own, loop while batches are full; no digest on a
 * non-working day), independent of the database and the channels.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DeliveryOutcome } from '../../activities/outbox';
import { WorkingCalendar, seedCalendarYears } from '../../domain/calendar';
import { digestDay, type DigestDay } from '../../domain/digest';
import { toIso } from '../../domain/time';
import type { dailyDigest } from '../../workflows/digest';
import type { dispatchOutbox } from '../../workflows/dispatch';
import { calendar2027 } from '../helpers/clock-activities';
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
