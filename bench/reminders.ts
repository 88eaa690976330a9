/**
 * Reminder lateness: BENCH_REMINDERS clock drills (default 200) on the real ladder, each with one urgent
 * reminder (office hours would hold a non-urgent one) to the committee's staff and the committee
 * office's secretary, by SMS to a gateway stub that records when each message arrives. The drills are
 * started first (not measured); then each one's deadline is moved (the drill's `extend`) so that all
 * reminders fall due in the same second, some seconds (BENCH_LEAD_SECONDS, default 5, plus a margin)
 * after the last move — the worst case, as when the reminders held overnight all come due at the
 * office-hours start — or evenly over BENCH_SPREAD_SECONDS from then. Prints p50 / p90 / p99 / max of
 * arrival − planned time and where the time went (from the drills' histories). Asserts nothing.
 * Run: `npx tsx bench/reminders.ts` (e.g. `BENCH_SPREAD_SECONDS=60 npx tsx bench/reminders.ts`).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NativeConnection } from '@temporalio/worker';
import { inboxSender, smsSender } from '../activities/channels';
import { defaultPolicy, type Policy } from '../domain/policy';
import { directory } from '../store/directory';
import type { clockDrill } from '../workflows/clock-drill';
import type { ClockTable } from '../workflows/clocks';
import { createWorker } from '../worker/worker';
import { bench, rate, say, type BenchStack } from './stack';

const COUNT = Number(process.env.BENCH_REMINDERS ?? 200);
const LEAD_SECONDS = Number(process.env.BENCH_LEAD_SECONDS ?? 5);
const SPREAD_SECONDS = Number(process.env.BENCH_SPREAD_SECONDS ?? 0);
const TASK_QUEUE = 'bench-reminders';

const seconds = (amount: number) => ({ amount, unit: 'seconds' as const });

/** The drill's ladder: one reminder 2 s before its due time, urgent (office hours would hold it otherwise). */
const policy: Policy = {
  ...defaultPolicy,
  ladders: {
    ...defaultPolicy.ladders,
    standard: [
      {
        step: 'reminder',
        kind: 'reminder',
        offset: seconds(-2),
        to: ['responsible', 'secretary'],
        urgent: true,
      },
    ],
  },
};

/**
 * An SMS gateway stub in a process of its own (as a real gateway is: the worker's load does not delay
 * its clock readings), answering at once; reports each request's key and arrival time on stdout.
 */
const gatewayScript = `
const server = require('node:http').createServer((req, res) => {
  const at = Date.now();
  req.resume();
  req.on('end', () => {
    process.stdout.write(req.headers['idempotency-key'] + '\\t' + at + '\\n');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('port\\t' + server.address().port + '\\n'));
`;

async function startGateway() {
  const arrivals = new Map<string, number>();
  let repeats = 0;
  const child = spawn(process.execPath, ['-e', gatewayScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<string>((resolve) => {
    lines.on('line', (line) => {
      const [key, value] = line.split('\t');
      if (key === 'port') resolve(value);
      else if (arrivals.has(key)) repeats++;
      else arrivals.set(key, Number(value));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/sms`,
    arrivals,
    repeats: () => repeats,
    close: () => void child.kill(),
  };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

export async function reminderLateness({ deps }: BenchStack) {
  const { store, temporal, temporalConfig } = deps;
  const gateway = await startGateway();
  // The committee's staff and the committee office's secretary hear of a drill's reminder: give them phones.
  const users = directory(store, 'users');
  for (const id of ['committee', 'committee-secretary'])
    await users.put({ ...(await users.get(id))!, phone: '13800000000' });

  // A worker of its own that sends SMS to the gateway (the stack's worker has the inbox only).
  const connection = await NativeConnection.connect({ address: temporalConfig.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    store,
    connection,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    notifications: { senders: { inbox: inboxSender, sms: smsSender(gateway.url) } },
  });
  const running = worker.run();
  try {
    const ids = Array.from({ length: COUNT }, (_, i) => `bench-reminder-${i}`);
    // First the drills, their deadlines an hour away: starting them is not what is measured.
    say(`starting ${COUNT} drills…`);
    const startRate = await rate(COUNT, 20, async (i) => {
      await temporal.workflow.start<typeof clockDrill>('clockDrill', {
        workflowId: ids[i],
        taskQueue: TASK_QUEUE,
        args: [{ policy, clock: 'signFor', limit: seconds(3_600) }],
      });
    });
    const starts = new Map<string, number>();
    await rate(COUNT, 20, async (i) => {
      for (;;) {
        const table = await temporal.workflow
          .getHandle(ids[i])
          .query<ClockTable>('clocks')
          .catch(() => undefined); // a busy worker may let a query time out: ask again
        if (table?.drill) return void starts.set(ids[i], table.drill.plan.deadline.start);
        await new Promise((r) => setTimeout(r, 500));
      }
    });
    say(`started at ${startRate.toFixed(0)} drills/s; all running`);

    // Then each deadline moved so that its reminder falls due at its target: all in one second, or
    // evenly over BENCH_SPREAD_SECONDS, after the time it takes to move them all (a move plans and
    // records the clock again): measured on a first batch moved out of the way, with a margin.
    const move = (i: number, at: number) =>
      temporal.workflow.getHandle(ids[i]).executeUpdate('extend', {
        args: [seconds(Math.round((at + 2_000 - starts.get(ids[i])!) / 1_000))],
      });
    const batch = Math.min(20, COUNT);
    const calibration = performance.now();
    await Promise.all(Array.from({ length: batch }, (_, i) => move(i, Date.now() + 3_600_000)));
    const moveAll = ((performance.now() - calibration) * COUNT) / batch;
    const first = Date.now() + 1.5 * moveAll + LEAD_SECONDS * 1_000;
    const target = (i: number) => first + Math.round((SPREAD_SECONDS * 1_000 * i) / COUNT);
    const movedAt = new Map<string, number>();
    await rate(COUNT, 20, async (i) => {
      await move(i, target(i));
      movedAt.set(ids[i], Date.now());
    });
    say(
      `reminders due ${SPREAD_SECONDS ? `over ${SPREAD_SECONDS} s` : 'in one second'}, ` +
        `${((first - Date.now()) / 1_000).toFixed(1)} s after the last deadline was moved`,
    );

    const expected = COUNT * 2;
    const deadline = target(COUNT - 1) + 120_000;
    while (gateway.arrivals.size < expected && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));

    // Planned time of each drill's reminder, and where the time went, from the drill's history.
    const planned = new Map<string, number>();
    const phases = {
      timer: [] as number[],
      taskQueued: [] as number[],
      taskRun: [] as number[],
      pickup: [] as number[],
    };
    const activityStarted = new Map<string, number>();
    const activityRuns: Record<string, number[]> = {};
    await rate(COUNT, 10, async (i) => {
      const handle = temporal.workflow.getHandle(ids[i]);
      const { drill } = await handle.query<ClockTable>('clocks');
      if (!drill) return;
      const plannedAt = drill.plan.steps[0].at;
      planned.set(ids[i], plannedAt);
      const events = (await handle.fetchHistory()).events ?? [];
      const time = (e: (typeof events)[number]) =>
        Number(e.eventTime!.seconds) * 1_000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
      const scheduled = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyStep',
      );
      if (!scheduled) return;
      const fired = events
        .filter((e) => e.timerFiredEventAttributes && e.eventId! < scheduled.eventId!)
        .pop();
      const started = events.find(
        (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId),
      );
      // The workflow task that scheduled notifyStep: from the timer's firing to its start, then its run.
      const taskStarted = events
        .filter((e) => e.workflowTaskStartedEventAttributes && e.eventId! < scheduled.eventId!)
        .pop();
      if (fired) phases.timer.push(time(fired) - plannedAt);
      if (fired && taskStarted) phases.taskQueued.push(time(taskStarted) - time(fired));
      if (taskStarted) phases.taskRun.push(time(scheduled) - time(taskStarted));
      if (started) phases.pickup.push(time(started) - time(scheduled));
      if (started) activityStarted.set(ids[i], time(started));
      for (const e of events) {
        const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
        const run = events.find(
          (x) => String(x.activityTaskStartedEventAttributes?.scheduledEventId) === String(e.eventId),
        );
        const done = events.find(
          (x) => String(x.activityTaskCompletedEventAttributes?.scheduledEventId) === String(e.eventId),
        );
        if (!type || !run || !done) continue;
        (activityRuns[type] ??= []).push(time(done) - time(run));
      }
    });
    // A drill whose deadline was moved after its reminder's time fires at once: not a fair sample.
    const tooLate = new Set(ids.filter((id) => movedAt.get(id)! > planned.get(id)! - 500));
    if (tooLate.size > 0) say(`${tooLate.size} drills moved too late for their reminder: left out`);
    const lateness: number[] = [];
    const inActivity: number[] = [];
    for (const [key, at] of gateway.arrivals) {
      const id = key.split(':')[0];
      if (tooLate.has(id)) continue;
      const plannedAt = planned.get(id);
      if (plannedAt !== undefined) lateness.push(at - plannedAt);
      if (activityStarted.has(id)) inActivity.push(at - activityStarted.get(id)!);
    }
    const times = [...planned.values()].sort((a, b) => a - b);
    say(
      `${lateness.length} of ${expected} SMS arrived (${gateway.repeats()} repeats); planned times spread over ` +
        `${((times[times.length - 1] - times[0]) / 1_000).toFixed(1)} s`,
    );
    const figures = (samples: number[]) => {
      const sorted = [...samples].sort((a, b) => a - b);
      if (sorted.length === 0) return 'no samples';
      return (
        `p50 ${pct(sorted, 0.5)} ms   p90 ${pct(sorted, 0.9)} ms   p99 ${pct(sorted, 0.99)} ms   ` +
        `max ${sorted[sorted.length - 1]} ms`
      );
    };
    say(`lateness (arrival − planned)     ${figures(lateness)}`);
    say('of which:');
    say(`  timer fires after planned       ${figures(phases.timer)}`);
    say(`  workflow task waits to start    ${figures(phases.taskQueued)}`);
    say(`  workflow task runs              ${figures(phases.taskRun)}`);
    say(`  notifyStep waits for a worker   ${figures(phases.pickup)}`);
    say(`  notifyStep start → SMS arrival  ${figures(inActivity)}`);
    say("the drills' activities, start to completion:");
    for (const [type, runs] of Object.entries(activityRuns)) say(`  ${type.padEnd(30)} ${figures(runs)}`);

    await rate(COUNT, 20, async (i) => {
      await temporal.workflow.getHandle(ids[i]).executeUpdate('answer');
    });
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    gateway.close();
  }
}

if (require.main === module) {
  bench('reminders', reminderLateness).then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
