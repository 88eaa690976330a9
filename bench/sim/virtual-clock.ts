/**
 * The worker process's clock during a simulation. Workflows on the time-skipping test server read the
 * server's clock, which runs months ahead of the wall clock; activities read `Date`. Some compare the
 * two — the outbox delivers a row once `Date.now()` reaches the `deliverAt` its workflow computed — so
 * with the wall clock a reminder held for office hours would never come due. In production both are
 * the same clock; this makes them the same clock here: `Date` in this process reads the server's time,
 * learnt from each activity's scheduled time (the server holds its clock still while activities run)
 * and running on at wall-clock speed in between. Install it before anything reads the time, and only
 * in a process of its own: gRPC deadlines and the like in the same process would jump with it.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

const RealDate = Date;
let offset = 0;

const now = () => RealDate.now() + offset;

/** Moves the clock forward to `ms` (epoch); never back. */
export function advanceTo(ms: number) {
  if (ms > now()) offset = ms - RealDate.now();
}

/** Replaces the global `Date` so that `Date.now()` and `new Date()` read the simulated clock. */
export function installVirtualClock() {
  function VirtualDate(this: unknown, ...args: unknown[]) {
    if (!new.target) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target) as Date;
  }
  Object.setPrototypeOf(VirtualDate, RealDate);
  VirtualDate.prototype = RealDate.prototype;
  VirtualDate.now = now;
  // Libraries recognise the constructor by its name (mongoose's `type: Date`).
  Object.defineProperty(VirtualDate, 'name', { value: 'Date' });
  globalThis.Date = VirtualDate as unknown as DateConstructor;
}

/** Activities run so far in this process, by type: how many, and their wall time in ms. */
export const activityStats = new Map<string, { count: number; ms: number }>();

/** Sets the clock from each activity's scheduled time before the activity runs, and times it. */
export const syncClockInterceptor: ActivityInterceptorsFactory = ({ info }) => ({
  inbound: {
    async execute(input, next) {
      advanceTo(info.currentAttemptScheduledTimestampMs);
      const started = performance.now();
      try {
        return await next(input);
      } finally {
        const stats = activityStats.get(info.activityType) ?? { count: 0, ms: 0 };
        stats.count++;
        stats.ms += performance.now() - started;
        activityStats.set(info.activityType, stats);
      }
    },
  },
});
