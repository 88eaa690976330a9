/**
 * The Temporal Schedules of notifications: the outbox's recovery sweep every 15 minutes (messages go
 * out on their own workflows' timers; the sweep is for rows none waits for), the secretaries' digest
 * every morning, and the nightly expiry sweep (old outbox rows and Idempotency-Key claims; webhooks
 * still stored plain are sealed), which also runs once when its schedule is first created, so an
 * upgraded deployment seals its old plain webhooks at its first start. Created at worker start; an
 * existing schedule is updated to the current settings, so starting any number of workers any number
 * of times leaves one of each.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { ZONE } from '../domain/time';

export const scheduleIds = (taskQueue: string) => ({
  dispatch: `${taskQueue}-dispatch-outbox`,
  digest: `${taskQueue}-daily-digest`,
  expiry: `${taskQueue}-expiry-sweep`,
});

/** When the expiry sweep runs, Asia/Shanghai: a quiet hour. */
export const expirySweepAt = { hour: 3, minute: 30 };

/** How often the recovery sweep runs, and how long past due a row must be for it to take it. */
export const sweepEvery = '15 minutes';
export const sweepGraceMs = 60_000;

export function notificationSchedules(taskQueue: string, digestTime: string): ScheduleOptions[] {
  const ids = scheduleIds(taskQueue);
  const [hour, minute] = digestTime.split(':').map(Number);
  return [
    {
      scheduleId: ids.dispatch,
      spec: { intervals: [{ every: sweepEvery }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'dispatchOutbox',
        taskQueue,
        workflowId: ids.dispatch,
        args: [{ graceMs: sweepGraceMs }],
      },
      // A run still busy when the next one comes makes that one skip; a missed one is not caught up.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    },
    {
      scheduleId: ids.digest,
      spec: { calendars: [{ hour, minute }], timezone: ZONE },
      action: { type: 'startWorkflow', workflowType: 'dailyDigest', taskQueue, workflowId: ids.digest },
      // A server down at digest time still sends the morning's digest when it is back the same morning.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '4 hours' },
    },
    {
      scheduleId: ids.expiry,
      spec: { calendars: [expirySweepAt], timezone: ZONE },
      action: { type: 'startWorkflow', workflowType: 'expirySweep', taskQueue, workflowId: ids.expiry },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      state: { triggerImmediately: true },
    },
  ];
}

/** Creates the schedules, or brings existing ones to these settings. */
export async function ensureSchedules(client: Client, taskQueue: string, digestTime: string): Promise<void> {
  for (const options of notificationSchedules(taskQueue, digestTime)) {
    try {
      await client.schedule.create(options);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      // `state` (triggerImmediately) applies to a new schedule only.
      await client.schedule.getHandle(options.scheduleId).update((current) => ({
        ...current,
        spec: options.spec,
        action: options.action,
        policies: options.policies,
      }));
    }
  }
}
