/**
 * Scale of open work: BENCH_OPEN clock drills (default 10,000) open at once on one worker. Measures the
 * worker's memory and how late the deadline ladder fires, for each sticky-cache setting asked for.
 * Prints figures; asserts nothing. Run alone: `npx tsx bench/open-work.ts`, or `npm run bench -- open-work`.
 *
 * The worker is the real entry (`node --import tsx worker/main.ts`) in a process of its own, so its
 * memory is its own: resident set size (RSS) of that process sampled every 2 s, its peak from /proc
 * (VmHWM), and the V8 heap in use of its two isolates: the workflow thread (all workflow code; the
 * sticky cache lives there) and the main thread (activities, the SDK). Heap in use is live objects
 * plus garbage not yet collected; BENCH_OPEN_LIVE=1 collects every 20 s so the minimum is the live set.
 * The worker runs the workflow code bundled beforehand, as the image does (Dockerfile, `npm run
 * build:workflows`): bundling at start would leave ~200 MiB of webpack behind in the figures.
 *
 * Each drill holds one clock with a ladder of its own (the policy is data, snapshotted into the input):
 * a reminder, the due time, and three escalations at whole seconds drawn uniformly from 15 s to 15 s + W
 * after its start, W = BENCH_OPEN × 5 / BENCH_OPEN_STEP_RATE. So once all are open, ladder events fall
 * due at about BENCH_OPEN_STEP_RATE a second spread over every drill (a small cache holds few of them),
 * and most drills still hold future timers when the run ends. Steps are urgent (no office-hours hold) and
 * go to the in-app inbox, so delivery is the step's own activity. Lateness of a step = the time its
 * timeline entry records (the workflow's clock when the step fired) − its planned time (`data.plannedAt`),
 * read from each drill's item view (`readItem`); a step due but not recorded when its item is read counts
 * with its age so far (a lower bound). Drills start at BENCH_OPEN_RATE a second; starting stops after
 * BENCH_OPEN_START_BUDGET seconds and the figures are for the count reached.
 *
 * Each setting runs on a database and task queue of its own, one after another on the same servers;
 * between them the drills are terminated and the worker stopped. The machine's load average and the CPU
 * each process used are printed: on a shared machine, read the figures with them.
 * Env: BENCH_OPEN (10000), BENCH_OPEN_RATE (12), BENCH_OPEN_START_BUDGET (840), BENCH_OPEN_HOLD (seconds
 * all stay open after the last start, 120), BENCH_OPEN_STEP_RATE (10), BENCH_OPEN_CACHE (comma-separated
 * cache sizes; `default` = the worker's own default, `sdk` = the SDK's default from the heap limit;
 * default `default`), BENCH_OPEN_WFT (HUIYIN_WORKER_WORKFLOW_TASKS; unset = the SDK's 40), BENCH_OPEN_HEAP
 * (the worker's `--max-old-space-size` in MiB; unset = Node's default), BENCH_OPEN_LIVE (1: see above).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { defaultPolicy, type Policy } from '../domain/policy';
import { connectStore, type Store } from '../store';
import { seedCalendar } from '../store/calendar';
import { seedDemoDirectory } from '../store/demo';
import { readItem } from '../store/items';
import { openWork } from '../store/open-work';
import type { Scope } from '../store/views';
import { defaultWorkerCacheSize } from '../temporal.config';
import type { clockDrill } from '../workflows/clock-drill';
import { scheduleIds } from '../worker/schedules';
import { workflowCode } from '../worker/worker';
import { bench, say, type BenchStack } from './stack';

const OPEN = Number(process.env.BENCH_OPEN ?? 10_000);
const RATE = Number(process.env.BENCH_OPEN_RATE ?? 12);
const HOLD_S = Number(process.env.BENCH_OPEN_HOLD ?? 120);
const STEP_RATE = Number(process.env.BENCH_OPEN_STEP_RATE ?? 10);
const CACHES = (process.env.BENCH_OPEN_CACHE ?? 'default').split(',').map((s) => s.trim());
const WFT = process.env.BENCH_OPEN_WFT;
/** Stop starting after this many seconds and report how many were reached. */
const START_BUDGET_S = Number(process.env.BENCH_OPEN_START_BUDGET ?? 840);
/**
 * Diagnostic: a full GC in the worker's workflow thread every 20 s, so its heap figure is the live set
 * (min over the samples) rather than live + garbage. It pauses the thread: not for lateness figures.
 */
const LIVE = process.env.BENCH_OPEN_LIVE === '1';
/** V8 heap limit of the worker process in MiB (`--max-old-space-size`); unset = Node's default. */
const HEAP_MIB = process.env.BENCH_OPEN_HEAP;

const LEAD_S = 15;
/** Firings per drill: reminder, due time, three escalations. */
const FIRINGS = 5;
const WINDOW_S = Math.max(30, Math.round((OPEN * FIRINGS) / STEP_RATE));
const MiB = 1024 * 1024;

/** The SDK's own default (worker-options.ts, shared V8 context): 600 per GiB of heap limit above 200 MiB. */
const sdkDefaultCache = () => {
  const heapMiB = HEAP_MIB ? Number(HEAP_MIB) : v8.getHeapStatistics().heap_size_limit / MiB;
  return Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
};

/** A small deterministic generator, so every run plans the same ladders. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seconds = (amount: number) => ({ amount, unit: 'seconds' as const });

interface Drill {
  limit: number;
  /** Offsets of the ladder's steps from the due time, seconds. */
  offsets: number[];
}

/** Five distinct whole seconds in [LEAD, LEAD + WINDOW]: reminder, due, chase notice, supervision, public notice. */
function planDrill(next: () => number): Drill {
  const times = new Set<number>();
  while (times.size < FIRINGS) times.add(LEAD_S + Math.floor(next() * WINDOW_S));
  const [reminder, due, ...after] = [...times].sort((a, b) => a - b);
  return { limit: due, offsets: [reminder - due, ...after.map((t) => t - due)] };
}

const ladderKey = defaultPolicy.clocks.signFor.ladder;

function drillPolicy({ offsets: [reminder, chase, supervision, notice] }: Drill): Policy {
  return {
    ...defaultPolicy,
    ladders: {
      ...defaultPolicy.ladders,
      [ladderKey]: [
        {
          step: 'reminder',
          kind: 'reminder',
          offset: seconds(reminder),
          to: ['responsible', 'secretary'],
          urgent: true,
        },
        {
          step: 'chaseNotice',
          kind: 'chaseNotice',
          offset: seconds(chase),
          to: ['unitLeader', 'committee'],
          urgent: true,
        },
        {
          step: 'supervision',
          kind: 'supervisionEscalation',
          offset: seconds(supervision),
          to: ['leader'],
          urgent: true,
        },
        {
          step: 'publicNotice',
          kind: 'publicNotice',
          offset: seconds(notice),
          to: ['reportList'],
          urgent: true,
        },
      ],
    },
  };
}

interface Memory {
  at: number;
  rss: number;
  /** V8 heap in use, main thread (activities, SDK). */
  heapUsed: number;
  /** V8 heap in use, worker threads: the workflow thread (and a few MiB of another). */
  threadHeap: number;
}

/**
 * Preloaded into the worker process (`--require` runs in worker threads too, `--import` does not): each
 * thread posts its V8 heap in use on a BroadcastChannel, and the main thread reports its own heap, the
 * threads' and the RSS to the bench over IPC every second. Nothing of it keeps the process alive.
 */
const memoryProbe = `
const { isMainThread, threadId } = require('node:worker_threads');
const v8 = require('node:v8');
const channel = new BroadcastChannel('huiyin-bench-memory');
channel.unref();
if (isMainThread) {
  if (process.send) {
    process.channel.unref();
    const threads = new Map();
    channel.onmessage = (e) => threads.set(e.data.id, e.data.heap);
    setInterval(() => {
      const m = process.memoryUsage();
      const threadHeap = [...threads.values()].reduce((a, b) => a + b, 0);
      process.send({ rss: m.rss, heapUsed: m.heapUsed, threadHeap }, () => {});
    }, 1000).unref();
  }
} else {
  const post = () => channel.postMessage({ id: threadId, heap: v8.getHeapStatistics().used_heap_size });
  setInterval(post, 1000).unref();
  // BENCH_OPEN_LIVE: a full collection now and then, so the figure is what the thread keeps alive.
  if (process.env.HUIYIN_BENCH_PROBE_GC && typeof gc === 'function')
    setInterval(() => (gc(), post()), 20000).unref();
}
`;

/** worker/main.ts in a process group of its own; its output goes to `logFile`. */
async function startWorker(env: NodeJS.ProcessEnv, logFile: string) {
  const probe = path.join(tmpdir(), `huiyin-bench-open-work-probe-${process.pid}.cjs`);
  writeFileSync(probe, memoryProbe);
  process.once('exit', () => rmSync(probe, { force: true }));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(HEAP_MIB ? [`--max-old-space-size=${HEAP_MIB}`] : []),
      ...(LIVE ? ['--expose-gc'] : []),
      '--import',
      'tsx',
      '--require',
      probe,
      path.join(__dirname, '..', 'worker', 'main.ts'),
    ],
    {
      cwd: path.join(__dirname, '..'),
      detached: true,
      env: { ...process.env, ...env, ...(LIVE ? { HUIYIN_BENCH_PROBE_GC: '1' } : {}) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const log = createWriteStream(logFile);
  child.stderr!.pipe(log);
  let latest: Memory | undefined;
  child.on('message', (m: Omit<Memory, 'at'>) => {
    latest = { at: Date.now(), ...m };
  });
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = `exited (${signal ?? code})`;
      resolve();
    }),
  );
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => group('SIGKILL');
  process.once('exit', killOnExit);
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      if (line.includes('worker ready')) resolve();
    });
    void exited.then(() => reject(new Error(`the worker exited with ${child.exitCode}; see ${logFile}`)));
  });
  return {
    pid: child.pid!,
    memory: () => latest,
    /** Why the worker is gone, while the bench still needs it. */
    died: () => exit,
    /** Peak resident set size so far (Linux), bytes. */
    peakRss: () => {
      try {
        const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb ? Number(kb) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      group('SIGTERM');
      const timer = setTimeout(() => group('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
      log.end();
    },
  };
}

/**
 * CPU seconds used so far by the processes of this bench, by command name (the Temporal dev server,
 * FerretDB, the worker; `node` is the bench itself), from /proc: Linux only, empty elsewhere.
 */
function cpuByProcess(workerPid: number): Map<string, number> {
  const used = new Map<string, number>();
  const tick = 100; // USER_HZ on Linux
  try {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      if (Number(pid) !== process.pid && ppid !== process.pid) continue;
      const label = Number(pid) === workerPid ? 'worker' : Number(pid) === process.pid ? 'bench' : name;
      const seconds = (Number(fields[11]) + Number(fields[12])) / tick;
      used.set(label, (used.get(label) ?? 0) + seconds);
    }
  } catch {
    // not Linux
  }
  return used;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const memoryLine = (m: Memory | undefined) =>
  m
    ? `RSS ${mib(m.rss)} (heap in use: workflow thread ${mib(m.threadHeap)}, main thread ${mib(m.heapUsed)})`
    : 'no memory sample';
const mib = (bytes: number | undefined) => (bytes === undefined ? '–' : `${(bytes / MiB).toFixed(0)} MiB`);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
const figures = (samples: number[], unit = 'steps') => {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return `no ${unit}`;
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return `p50 ${sec(pct(s, 0.5))}  p95 ${sec(pct(s, 0.95))}  p99 ${sec(pct(s, 0.99))}  max ${sec(s[s.length - 1])}  (${s.length} ${unit})`;
};

/** Runs `op(i)` for i < count, at most `concurrency` at a time. */
async function each(count: number, concurrency: number, op: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
}

/** Terminates the run's open drills (a server-side batch; one by one if the server has none). */
async function terminateAll(temporal: Client, taskQueue: string, ids: string[]) {
  const query = `WorkflowType = 'clockDrill' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  try {
    const jobId = `${taskQueue}-terminate`;
    await temporal.workflowService.startBatchOperation({
      namespace: 'default',
      jobId,
      visibilityQuery: query,
      reason: 'bench open-work: done',
      terminationOperation: { identity: 'bench' },
    });
    for (let i = 0; i < 600; i++) {
      const { state } = await temporal.workflowService.describeBatchOperation({
        namespace: 'default',
        jobId,
      });
      if (state !== 1 /* RUNNING */) break;
      await sleep(1000);
    }
    if ((await temporal.workflow.count(query)).count === 0) return;
  } catch {
    // fall through
  }
  await each(ids.length, 32, async (i) => {
    await temporal.workflow
      .getHandle(ids[i])
      .terminate('bench open-work: done')
      .catch(() => undefined);
  });
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
const eventTime = (e: HistoryEvent) =>
  Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

/**
 * Where the time goes, from the histories of a sample of drills: a step's timer firing after its
 * planned time and the workflow task that fires it waiting for the worker; then every activity
 * waiting for a worker slot (scheduled → started) and running (started → completed, last attempt),
 * by type; failed attempts; and what is still in flight when the sample is read.
 */
async function explainLateness(temporal: Client, ids: string[]) {
  if (ids.length === 0) return;
  const timer: number[] = [];
  const task: number[] = [];
  const activities = new Map<string, { pickup: number[]; run: number[] }>();
  const failures = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  await each(ids.length, 4, async (k) => {
    const handle = temporal.workflow.getHandle(ids[k]);
    const events = (await handle.fetchHistory()).events ?? [];
    for (const pending of (await handle.describe()).raw.pendingActivities ?? [])
      count(
        inFlight,
        `${pending.activityType?.name} ${pending.state === 2 ? 'running' : 'waiting for a slot'}` +
          (pending.attempt && pending.attempt > 1 ? ` (attempt ${pending.attempt})` : ''),
      );
    const timers = new Map<string, number>(); // timer id → when the workflow meant it to fire
    const byId = new Map(events.map((e) => [String(e.eventId), e]));
    let clock = 0; // the workflow's clock: the start of its latest workflow task
    for (const [n, e] of events.entries()) {
      if (e.workflowTaskStartedEventAttributes) clock = eventTime(e);
      const timeout = e.timerStartedEventAttributes?.startToFireTimeout;
      if (timeout)
        timers.set(
          String(e.eventId),
          clock + Number(timeout.seconds ?? 0) * 1000 + Math.floor((timeout.nanos ?? 0) / 1e6),
        );
      const firedFrom = e.timerFiredEventAttributes?.startedEventId;
      const plannedAt = firedFrom != null ? timers.get(String(firedFrom)) : undefined;
      const taskStarted = events.slice(n).find((x) => x.workflowTaskStartedEventAttributes);
      if (plannedAt !== undefined && taskStarted) {
        timer.push(eventTime(e) - plannedAt);
        task.push(eventTime(taskStarted) - eventTime(e));
      }
      const started = e.activityTaskStartedEventAttributes;
      const done = e.activityTaskCompletedEventAttributes;
      const scheduled = byId.get(String((started ?? done)?.scheduledEventId));
      const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name;
      if (scheduled && type) {
        const figures = activities.get(type) ?? { pickup: [], run: [] };
        activities.set(type, figures);
        if (started) figures.pickup.push(eventTime(e) - eventTime(scheduled));
        if (done) figures.run.push(eventTime(e) - eventTime(byId.get(String(done.startedEventId))!));
      }
      const failure =
        e.activityTaskFailedEventAttributes?.failure ?? e.activityTaskTimedOutEventAttributes?.failure;
      if (failure) count(failures, (failure.message ?? 'failed').slice(0, 120));
    }
  });
  say(`where the time goes, in ${ids.length} drills' histories:`);
  say(`  timers fire after their time:      ${figures(timer, 'timers')}`);
  say(`  then the workflow task waits:      ${figures(task, 'tasks')}`);
  for (const [type, { pickup, run }] of activities) {
    say(`  ${`${type} waits for a slot:`.padEnd(34)} ${figures(pickup, 'runs')}`);
    say(`  ${`${type} runs:`.padEnd(34)} ${figures(run, 'runs')}`);
  }
  for (const [message, n] of failures) say(`  failed attempts ×${n}: ${message}`);
  for (const [what, n] of inFlight) say(`  in flight at the read: ${what} ×${n}`);
}

/**
 * What a clock change costs in the open-work view (store/open-work.ts): every clock projection puts a
 * row into that one scope, and puts to a scope are serialized in the worker process (store/views.ts),
 * so one worker projects at most about 1 / (time of a put) clock changes a second, whatever its cache
 * or slots. Timed in this process on a copy of the view's largest chunk under another key, so the
 * worker's view is untouched; FerretDB is as busy as the run makes it.
 */
async function openViewCost(store: Store) {
  type ViewDoc = { _id: string; rows?: Record<string, string> };
  const docs = store.conn.db!.collection<ViewDoc>('views');
  const chunks = (
    await Promise.all(Array.from({ length: 256 }, (_, i) => docs.findOne({ _id: `${openWork.key}/${i}` })))
  ).filter((c): c is ViewDoc => Boolean(c?.rows));
  if (chunks.length === 0) return;
  const rows = chunks.map((c) => Object.keys(c.rows!).length);
  const largest = chunks[rows.indexOf(Math.max(...rows))];
  const copy: Scope = { key: 'bench-open-work-probe', chunkOf: () => '0' };
  await docs.replaceOne({ _id: `${copy.key}/0` }, { rows: largest.rows }, { upsert: true });
  const { _r, ...row } = JSON.parse(Object.values(largest.rows!)[0]) as { _r: number };
  void _r;
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await store.views.put(copy, [{ id: `probe|${i}`, revision: 1, value: row }]);
    times.push(performance.now() - t);
  }
  await docs.deleteMany({ _id: { $in: [copy.key, `${copy.key}/0`] } });
  times.sort((a, b) => a - b);
  const p50 = pct(times, 0.5);
  say(
    `open-work view: ${rows.reduce((a, b) => a + b, 0)} rows in ${chunks.length} chunks, the largest ` +
      `${Math.max(...rows)} rows (${(JSON.stringify(largest.rows).length / 1024).toFixed(0)} KiB); a put into a ` +
      `copy of it takes p50 ${p50.toFixed(0)} ms, p95 ${pct(times, 0.95).toFixed(0)} ms: one worker projects ` +
      `at most about ${(1000 / p50).toFixed(0)} clock changes a second through that view's lock`,
  );
}

/** One run: OPEN drills on a worker with sticky cache `cache`. */
async function runSetting(stack: BenchStack, cache: string, index: number, bundle: string) {
  const { temporal } = stack.deps;
  const taskQueue = `open-work-${index}`;
  const uri = stack.deps.config.MONGODB_URI.replace(/\/[^/?]*(\?|$)/, `/huiyin_open_${index}$1`);
  const store: Store = await connectStore(uri);
  await seedCalendar(store);
  await seedDemoDirectory(store);

  const size = cache === 'default' ? undefined : cache === 'sdk' ? sdkDefaultCache() : Number(cache);
  const label =
    cache === 'default'
      ? `worker default (${defaultWorkerCacheSize})`
      : cache === 'sdk'
        ? `SDK default (${size} on this machine's heap limit)`
        : `${size}`;
  const logFile = path.join(tmpdir(), `huiyin-bench-open-work-${process.pid}-${index}.log`);
  say(
    `── maxCachedWorkflows: ${label}${WFT ? `, maxConcurrentWorkflowTaskExecutions ${WFT}` : ''}` +
      `${HEAP_MIB ? `, --max-old-space-size=${HEAP_MIB}` : ''} ──`,
  );
  const worker = await startWorker(
    {
      MONGODB_URI: uri,
      TEMPORAL_ADDRESS: stack.deps.temporalConfig.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      HUIYIN_DEMO: 'false', // no demo mail folder: the inbox only
      HUIYIN_SECRET_KEY: randomBytes(32).toString('hex'), // outside demo the worker needs one
      ...(size !== undefined ? { HUIYIN_WORKER_CACHE_SIZE: String(size) } : {}),
      ...(WFT ? { HUIYIN_WORKER_WORKFLOW_TASKS: WFT } : {}),
      HUIYIN_WORKFLOW_BUNDLE: bundle,
    },
    logFile,
  );
  await sleep(2_000);
  const atStart = worker.memory();
  say(`worker pid ${worker.pid} ready (log ${logFile}); at start ${memoryLine(atStart)}`);

  const samples: (Memory & { started: number })[] = [];
  let started = 0;
  const sampler = setInterval(() => {
    const m = worker.memory();
    if (m) samples.push({ ...m, started });
  }, 2_000);
  const t0 = Date.now();
  const cpuAtStart = cpuByProcess(worker.pid);
  const progress = setInterval(() => {
    say(
      `  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${started} started; ` +
        `${worker.died() ? `the worker ${worker.died()}` : memoryLine(worker.memory())}; load ${loadavg()[0].toFixed(1)}`,
    );
  }, 30_000);

  const next = rng(20261202);
  const drills = Array.from({ length: OPEN }, () => planDrill(next));
  const ids = drills.map((_, i) => `open-work-${index}-${i}`);
  const isStarted = drills.map(() => false);
  const startCalled = drills.map(() => 0);
  say(
    `starting ${OPEN} drills at ${RATE}/s; steps spread over ${LEAD_S}–${LEAD_S + WINDOW_S} s after each start ` +
      `(about ${STEP_RATE} due a second once all are open), then ${HOLD_S} s with all open…`,
  );
  let failed = 0;
  let firstError: unknown;
  const budgetEnd = t0 + START_BUDGET_S * 1000;
  const loadAtStart = loadavg()[0];
  await each(OPEN, 32, async (i) => {
    await sleep(t0 + (i * 1000) / RATE - Date.now());
    if (Date.now() > budgetEnd || worker.died()) return; // out of time (or of worker): report what was reached
    try {
      startCalled[i] = Date.now();
      await temporal.workflow.start<typeof clockDrill>('clockDrill', {
        workflowId: ids[i],
        taskQueue,
        args: [{ policy: drillPolicy(drills[i]), clock: 'signFor', limit: seconds(drills[i].limit) }],
      });
      started++;
      isStarted[i] = true;
    } catch (err) {
      failed++;
      firstError ??= err;
    }
  });
  const allOpen = Date.now();
  const startSeconds = (allOpen - t0) / 1000;
  say(
    `${started} of ${OPEN} started in ${startSeconds.toFixed(0)} s (${(started / startSeconds).toFixed(1)}/s)` +
      (started + failed < OPEN ? `; the ${START_BUDGET_S} s start budget ran out` : '') +
      (failed ? `; ${failed} failed: ${String(firstError)}` : ''),
  );
  const atAllOpen = worker.memory();
  await sleep(HOLD_S * 1000);
  clearInterval(progress);
  clearInterval(sampler);
  const held = samples.filter((s) => s.at >= allOpen);
  const open = await temporal.workflow.count(
    `WorkflowType = 'clockDrill' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
  );
  const peak = worker.peakRss();
  const loadAtEnd = loadavg()[0];
  const cpuAtEnd = cpuByProcess(worker.pid);
  const wall = (Date.now() - t0) / 1000;

  say('reading each drill’s item view…');
  const lateness = { ramp: [] as number[], open: [] as number[] };
  const overdueMarks: number[] = [];
  let pending = 0;
  let pendingMax = 0;
  let planned = 0;
  let noClock = 0;
  let estimated = 0;
  const withoutClock: string[] = [];
  const withPending: string[] = [];
  const withSteps: string[] = [];
  await each(OPEN, 16, async (i) => {
    if (!isStarted[i]) return;
    const read = Date.now();
    const { timeline, clocks } = await readItem(store, ids[i]);
    const dueAt = clocks[0]?.deadline.dueAt;
    const fired = new Set<number>();
    for (const entry of timeline) {
      const plannedAt = (entry.data as { plannedAt?: number } | undefined)?.plannedAt;
      if (entry.kind === 'clockOverdue' && dueAt !== undefined) overdueMarks.push(entry.at - dueAt);
      if (plannedAt === undefined) continue;
      fired.add(plannedAt);
      (plannedAt < allOpen ? lateness.ramp : lateness.open).push(entry.at - plannedAt);
    }
    if (dueAt === undefined) {
      // The worker has not recorded this clock's start yet: its planned times are estimated from the
      // start call (a little early), and its steps fire in order, so the unrecorded ones are the last.
      noClock++;
      if (withoutClock.length < 8) withoutClock.push(ids[i]);
      const { limit, offsets } = drills[i];
      const due = offsets.map((o) => startCalled[i] + (limit + o) * 1000).filter((at) => at <= read);
      planned += due.length;
      for (const at of due.slice(fired.size)) {
        pending++;
        estimated++;
        pendingMax = Math.max(pendingMax, read - at);
        (at < allOpen ? lateness.ramp : lateness.open).push(read - at);
      }
      return;
    }
    for (const offset of drills[i].offsets) {
      const at = dueAt + offset * 1000;
      if (at > read) continue;
      planned++;
      if (fired.has(at)) {
        if (withSteps.at(-1) !== ids[i]) withSteps.push(ids[i]);
        continue;
      }
      if (withPending.at(-1) !== ids[i]) withPending.push(ids[i]);
      pending++;
      pendingMax = Math.max(pendingMax, read - at);
      (at < allOpen ? lateness.ramp : lateness.open).push(read - at); // a lower bound
    }
  });
  const series = (pick: (m: Memory) => number) => {
    const values = held.map(pick);
    return values.length
      ? `max ${mib(Math.max(...values))}, min ${mib(Math.min(...values))}, last ${mib(values[values.length - 1])}`
      : 'no samples';
  };
  say(
    `open drills (Running) at the end of the hold: ${open.count}; machine load (1 min) ${loadAtStart.toFixed(1)} ` +
      `when starting, ${loadAtEnd.toFixed(1)} at the end (${cpus().length} cores)`,
  );
  if (worker.died()) {
    const lines = readFileSync(logFile, 'utf8').split('\n');
    const last = lines.filter((line) => /error|memory/i.test(line)).slice(-1)[0] ?? lines.slice(-2).join(' ');
    say(`THE WORKER ${worker.died()?.toUpperCase()} during the run: ${last.slice(0, 300)}`);
  }
  if (cpuAtEnd.size)
    say(
      `CPU used from the first start to the end of the hold, cores busy on average: ` +
        [...cpuAtEnd]
          .map(([name, used]) => [name, (used - (cpuAtStart.get(name) ?? 0)) / wall] as const)
          .filter(([, cores]) => cores >= 0.01)
          .sort((a, b) => b[1] - a[1])
          .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
          .join(', '),
    );
  if (noClock)
    say(
      `${noClock} started drills had no clock start recorded yet (the worker is behind on their first ` +
        `activities): ${estimated} of their steps counted as not fired with planned times estimated from the start call`,
    );
  say(
    `worker memory at start: ${memoryLine(atStart)}; when all ${started} were open: ${memoryLine(atAllOpen)}`,
  );
  say(`  while all open, RSS:                 ${series((m) => m.rss)}; peak (VmHWM) ${mib(peak)}`);
  say(`  while all open, workflow-thread heap: ${series((m) => m.threadHeap)}`);
  say(`  while all open, main-thread heap:     ${series((m) => m.heapUsed)}`);
  say(
    `steps due by the read: ${planned}; fired ${planned - pending}; not yet fired ${pending}` +
      (pending ? ` (oldest ${(pendingMax / 1000).toFixed(1)} s past due, counted with that age)` : ''),
  );
  say(`lateness, all steps:           ${figures([...lateness.ramp, ...lateness.open])}`);
  say(`  planned while starting:      ${figures(lateness.ramp)}`);
  say(`  planned while all open:      ${figures(lateness.open)}`);
  say(`due-time marks (clockOverdue): ${figures(overdueMarks)}`);

  await openViewCost(store);

  // A sample: drills with a step not fired yet, with fired steps, and with no clock recorded yet.
  await explainLateness(temporal, [
    ...withPending.slice(0, 16),
    ...withSteps.slice(0, 16),
    ...withoutClock.slice(0, 8),
  ]);

  say('stopping the worker and terminating the drills…');
  await worker.stop();
  await terminateAll(temporal, taskQueue, ids);
  for (const id of Object.values(scheduleIds(taskQueue)))
    await temporal.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
  await store.close();
}

export async function openWorkScale(stack: BenchStack) {
  const bundle = path.join(tmpdir(), `huiyin-bench-open-work-bundle-${process.pid}.js`);
  writeFileSync(
    bundle,
    (await bundleWorkflowCode({ ...workflowCode, logger: new DefaultLogger('WARN') })).code,
  );
  process.once('exit', () => rmSync(bundle, { force: true }));
  for (const [index, cache] of CACHES.entries()) await runSetting(stack, cache, index, bundle);
}

if (require.main === module) void bench('open-work', openWorkScale);
