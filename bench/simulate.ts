/**
 * `npm run simulate`: a session year in minutes. The time-skipping test server runs the real workflows;
 * a worker with the real activities writes the real read model on a FerretDB of its own; actors file,
 * review, assign, handle, reply, rate, re-handle and follow up the year's proposals and two supervision
 * postings through the workflows' Updates, as people do through the API, while the server skips from one
 * moment anyone acts to the next (firing every reminder, escalation and window on the way). At the report
 * date it prints the paths taken and the year's §7 figures as the product computes them (the statistics
 * endpoints of `createApp`) next to the same figures folded from scratch from every workflow's final
 * state (bench/sim/fold.ts), and exits 1 when they differ (or an actor failed).
 *
 * Environment: SIM_PROPOSALS (40: about 2 minutes on a busy 2-core machine; 150 took 10 minutes and
 * 9,400 activities, so a city's ~600 takes about 40: the worker's activities on FerretDB are the bound,
 * about 15 a second on such a machine), SIM_SEED (2027), SIM_SUPERVISION (1;
 * 0 = proposals only), SIM_CONCURRENCY (48 actors between two waits), SIM_KEEP (1 = keep the data
 * directory), SIM_TRACE (1 = print the latest calls when the clock stalls).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../api/app';
import { createAuth } from '../api/auth';
import { loadAppConfig } from '../config';
import { followUpWorkflowId, type FollowUpView } from '../domain/follow-up';
import type { ClockState } from '../domain/ladder';
import type { ProposalState } from '../domain/proposal';
import type { Grouping } from '../domain/statistics';
import {
  figuresBy,
  supervisionFigures,
  type PostingView,
  type SupervisionFigures,
} from '../domain/supervision';
import { atTimeOfDay, dateOf } from '../domain/time';
import { freePort, startFerretDb, testServerBin } from '../infra/processes';
import { connectStore } from '../store';
import { loadCalendar, seedCalendar } from '../store/calendar';
import { currentPolicy } from '../store/policy';
import { loadTemporalConfig } from '../temporal.config';
import { addSearchAttributes } from '../test/helpers/namespace';
import { workflowCode } from '../worker/worker';
import { groups, seedSimDirectory } from './sim/directory';
import { compareFigures, foldFigures, type FigureDifference, type FoldedFigures } from './sim/fold';
import { planProposals, ProposalActor } from './sim/proposals';
import {
  formatDuration,
  printDifferences,
  printFigures,
  printPaths,
  printSupervision,
  say,
} from './sim/report';
import { createRng, seedFrom } from './sim/rng';
import { connectToTestServer, Scheduler } from './sim/scheduler';
import { postingActor } from './sim/supervision';
import type { ActivityStats, FromWorker, ToWorker, WorkerStats, WorkerStatus } from './sim/worker';
import { Counter, type World } from './sim/world';

Runtime.install({ logger: new DefaultLogger('WARN') });

const count = Number(process.env.SIM_PROPOSALS ?? 40);
const seed = seedFrom(process.env.SIM_SEED, 2027);
const supervision = process.env.SIM_SUPERVISION !== '0';
const concurrency = Number(process.env.SIM_CONCURRENCY ?? 48);
const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

/** Runs `task` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]);
      }
    }),
  );
  return out;
}

async function startTestServer(attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let i = 1; ; i++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: testServerBin } },
      });
    } catch (err) {
      if (i >= attempts) throw err;
      say(`the test server did not start in time (attempt ${i}), trying again`);
    }
  }
}

async function main() {
  const started = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'huiyin-sim-'));
  const dbPort = await freePort();
  say(`seed ${seed}, ${count} proposals${supervision ? ', 2 supervision postings' : ''}; data in ${dir}`);
  // The SDK gives the Java test server 5 s to listen: start it first, alone, and again if a busy machine missed that.
  const env = await startTestServer();
  const [ferretdb, bundle] = await Promise.all([
    startFerretDb({ dataDir: dir, port: dbPort, logFile: path.join(dir, 'ferretdb.log') }),
    bundleWorkflowCode({ ...workflowCode, logger: quietLogger }),
  ]);
  let worker: ReturnType<typeof fork> | undefined;
  const stopAll = async () => {
    worker?.kill('SIGKILL');
    await env.teardown().catch(() => undefined);
    await ferretdb.stop();
    if (process.env.SIM_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));

  try {
    await addSearchAttributes(env.connection, 'default');
    const mongoUri = `mongodb://127.0.0.1:${dbPort}/huiyin_sim`;
    const store = await connectStore(mongoUri);
    await seedCalendar(store);
    await seedSimDirectory(store);
    const { policy, version } = await currentPolicy(store);
    const bundlePath = path.join(dir, 'workflows.js');
    writeFileSync(bundlePath, bundle.code);

    // The worker: a process of its own, whose clock is the server's (bench/sim/virtual-clock.ts).
    const taskQueue = 'sim';
    worker = fork(path.join(__dirname, 'sim', 'worker.ts'), {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        SIM_MONGODB_URI: mongoUri,
        SIM_TEMPORAL_ADDRESS: env.address,
        SIM_TASK_QUEUE: taskQueue,
        SIM_BUNDLE: bundlePath,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = worker;
    const statuses: ((s: WorkerStatus) => void)[] = [];
    const statsWaiters: ((s: WorkerStats) => void)[] = [];
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromWorker) => {
        if ('ready' in m) resolve();
        else if ('status' in m) statuses.shift()?.(m.status);
        else if ('stats' in m) statsWaiters.shift()?.(m.stats);
        else if ('error' in m) reject(new Error(`worker: ${m.error}`));
      });
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
    const status = () =>
      new Promise<WorkerStatus>((resolve) => {
        statuses.push(resolve);
        child.send('status' satisfies ToWorker);
      });
    /** Until the worker has had nothing in flight for a second: the read model has caught up. */
    const settle = async () => {
      for (let quiet = 0; quiet < 5;) {
        const s = await status();
        quiet = s.activities === 0 && s.activations === 0 ? quiet + 1 : 0;
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    // The year after the server's start date (it can only move forward): January to the report date.
    const year = Number(dateOf(Date.now()).slice(0, 4)) + 1; // the server starts at the wall clock's time
    const cal = await loadCalendar(store);
    const { connection, clock } = await connectToTestServer(env.address);
    const world: World = {
      sim: new Scheduler(clock, concurrency, async () => {
        const s = await status();
        return s.activities === 0 && s.activations === 0;
      }),
      client: new Client({ connection }),
      taskQueue,
      cal,
      policy,
      policyVersion: version,
      year,
      end: atTimeOfDay(`${year}-12-31`, '18:00'),
      paths: new Counter(),
      refusals: new Counter(),
      started: { proposals: [], followUps: [], postings: [] },
      inFlight: new Map(),
      trace: [],
    };
    // A stalled run says what it waits for.
    const watchdog = setInterval(() => {
      const stuck = [...world.inFlight.values()].filter((c) => performance.now() - c.since > 60_000);
      if (stuck.length)
        say(
          `waiting > 60 s for ${stuck.length} call(s): ${stuck
            .slice(0, 5)
            .map((c) => c.what)
            .join('; ')}`,
        );
      const since = world.sim.sleepingSince;
      if (since !== undefined && performance.now() - since > 60_000) {
        say(`the server has been skipping time for ${formatDuration(performance.now() - since)}`);
        if (process.env.SIM_TRACE === '1') console.log(world.trace.slice(-40).join('\n'));
      }
    }, 30_000);
    watchdog.unref();
    world.sim.onTrace = (line) => world.trace.push(line);
    const setup = performance.now() - started;
    say(
      `ready in ${formatDuration(setup)}; session year ${year}` +
        (cal.isKnownYear(year)
          ? ''
          : ` (no holiday list for ${year} loaded: working days are Monday–Friday)`),
    );
    await world.sim.moveTo(atTimeOfDay(`${year}-01-04`, '08:00'));

    const rng = createRng(seed);
    const plans = planProposals(world, rng.fork(), count);
    for (const plan of plans) world.sim.spawn(plan.number, () => new ProposalActor(world, plan).run());
    if (supervision)
      for (const group of groups) {
        const stream = rng.fork();
        world.sim.spawn(group.groupId, () => postingActor(world, group, stream));
      }
    let month = '';
    const yearStarted = performance.now();
    const moves = await world.sim.run(world.end, (now) => {
      const m = dateOf(now).slice(0, 7);
      if (m === month) return;
      month = m;
      say(
        `${m}  ${world.started.proposals.length} proposals filed, ${world.started.followUps.length} follow-ups, ` +
          `wall ${formatDuration(performance.now() - started)}`,
      );
    });
    await world.sim.moveTo(world.end);
    await settle();
    const yearTime = performance.now() - yearStarted;
    say(
      `report date ${dateOf(world.sim.now)} reached: ${moves} moves of the clock in ${formatDuration(yearTime)}`,
    );

    // ---- the product's figures, through the API ---------------------------------------------------
    const config = loadAppConfig({
      MONGODB_URI: mongoUri,
      TEMPORAL_ADDRESS: env.address,
      NODE_ENV: 'test',
      HUIYIN_DEMO: 'true', // tokens of the demo directory's committee
      LOG_LEVEL: 'silent',
    });
    const app = createApp({
      config,
      temporalConfig: loadTemporalConfig({ TEMPORAL_ADDRESS: env.address }),
      temporal: world.client,
      store,
      logger: pino({ level: 'silent' }),
    });
    const bearer = `Bearer ${await createAuth(config, store).issue({ id: 'committee', roles: ['committee'] })}`;
    const get = async <T>(url: string): Promise<T> => {
      const res = await request(app).get(url).set('Authorization', bearer);
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as T;
    };
    type Statistics = Omit<FoldedFigures, 'groups'> & {
      groups: (FoldedFigures['groups'][number] & { label: string })[];
    };
    const groupings: Grouping[] = ['unit', 'proposerType', 'topic'];
    const product = new Map<Grouping, Statistics>();
    for (const g of groupings)
      product.set(g, await get<Statistics>(`/api/proposals/statistics?sessionYear=${year}&groupBy=${g}`));

    // ---- the same figures from scratch: every workflow's own state ------------------------------------
    const foldStarted = performance.now();
    const plain = world.client;
    const views = await pool(world.started.proposals, 8, (id) =>
      plain.workflow
        .getHandle(id)
        .query<{ state: ProposalState; clocks: Record<string, ClockState> }>('view'),
    );
    const followUpIds = views.flatMap(({ state }) =>
      state.assignments.flatMap((a) => (a.followUpId ? [a.followUpId] : [])),
    );
    const commitments = await pool(followUpIds, 8, async (id) =>
      plain.workflow.getHandle(followUpWorkflowId(id)).query<{ item: FollowUpView }>('followUp'),
    );
    const commitmentsDone = new Set(
      commitments
        .map((c) => c.item)
        .filter((item) => item.kind === 'commitment' && item.outcome?.code === 'done')
        .map((item) => `${item.source.proposalId}|${item.responder.unitId}`),
    );
    const input = { sessionYear: year, proposals: views, commitmentsDone, policy };
    let differences: FigureDifference[] = [];
    const totalTime = () => performance.now() - started;

    console.log('');
    say(
      `wall time ${formatDuration(totalTime())} (setup ${formatDuration(setup)}, year ${formatDuration(yearTime)})`,
    );
    say(`paths (seed ${seed}):`);
    printPaths(world.paths.counts);
    if (world.refusals.counts.size) {
      say('refusals met and handled (action:code):');
      printPaths(world.refusals.counts);
    }
    for (const g of groupings) {
      const scratch = foldFigures(input, g);
      const productFigures = product.get(g)!;
      const diff = compareFigures(productFigures, scratch);
      differences = [...differences, ...diff.map((d) => ({ ...d, group: `${g}:${d.group}` }))];
      if (g !== 'unit') {
        printDifferences(`§7 figures by ${g}`, diff);
        continue;
      }
      console.log('');
      say(
        `§7 figures ${year} by unit (per assignment; product = GET /api/proposals/statistics, scratch = fold):`,
      );
      const keys = [
        ...new Set([...productFigures.groups.map((x) => x.key), ...scratch.groups.map((x) => x.key)]),
      ];
      printFigures([
        ...keys.map((key) => ({
          key: key ?? '',
          label: productFigures.groups.find((x) => x.key === key)?.label ?? key ?? '(none)',
          product: productFigures.groups.find((x) => x.key === key)?.figures,
          scratch: scratch.groups.find((x) => x.key === key)?.figures,
        })),
        { key: 'total', label: '合计（件次）', product: productFigures.total, scratch: scratch.total },
        {
          key: 'total-proposals',
          label: '合计（件）',
          product: productFigures.totalByProposal,
          scratch: scratch.totalByProposal,
        },
      ]);
      printDifferences('§7 figures by unit', diff);
    }

    if (supervision) {
      const postings = await pool(world.started.postings, 4, (id) =>
        plain.workflow.getHandle(id).query<{ posting: PostingView }>('posting'),
      );
      const letterIds = postings.flatMap((p) => p.posting.letters.map((l) => l.followUpId));
      const letters = (
        await pool(letterIds, 8, (id) =>
          plain.workflow.getHandle(followUpWorkflowId(id)).query<{ item: FollowUpView }>('followUp'),
        )
      ).map((q) => q.item);
      type SupervisionStatistics = {
        total: SupervisionFigures;
        byGroup: (SupervisionFigures & { key: string })[];
      };
      const fromApi = await get<SupervisionStatistics>('/api/supervision/statistics');
      const byGroup = figuresBy(letters, (l) => l.sender.groupId);
      const rows = [
        ...fromApi.byGroup.map(({ key, ...f }) => ({
          key,
          product: f as SupervisionFigures,
          scratch: byGroup.find((g) => g.key === key)?.figures,
        })),
        ...byGroup
          .filter((g) => !fromApi.byGroup.some((x) => x.key === g.key))
          .map((g) => ({ key: g.key, product: undefined, scratch: g.figures })),
        { key: 'total', product: fromApi.total, scratch: supervisionFigures(letters) },
      ];
      console.log('');
      say(
        'supervision figures (product = GET /api/supervision/statistics, scratch = the letters’ workflows):',
      );
      printSupervision(rows);
      for (const r of rows)
        if (JSON.stringify(r.product) !== JSON.stringify(r.scratch))
          differences.push({
            group: `supervision:${r.key}`,
            field: '*',
            product: r.product,
            scratch: r.scratch,
          });
    }
    say(
      `from-scratch fold over ${views.length} proposals took ${formatDuration(performance.now() - foldStarted)}`,
    );
    const { activities, commands } = await new Promise<WorkerStats>((resolve) => {
      statsWaiters.push(resolve);
      child.send('stats' satisfies ToWorker);
    });
    const total = (stats: ActivityStats) => Object.values(stats).reduce((sum, s) => sum + s.ms, 0);
    const costliest = (stats: ActivityStats, top = Infinity) =>
      Object.entries(stats)
        .sort(([, a], [, b]) => b.ms - a.ms)
        .slice(0, top)
        .map(([name, s]) => `${name} ${s.count} × ${Math.round(s.ms / s.count)} ms`)
        .join(' · ');
    say(
      `activities run by the worker: ${Object.values(activities).reduce((n, s) => n + s.count, 0)}, ` +
        `${formatDuration(total(activities))} of activity time (concurrent ones overlap):`,
    );
    console.log(`  ${costliest(activities)}`);
    say(`the worker's database commands, ${formatDuration(total(commands))} in all; the costliest:`);
    console.log(`  ${costliest(commands, 8)}`);
    say(
      `test server: released ${world.paths.get('testServer.orphanHoldReleased')} hold(s) left by children completing ` +
        `after their parent, ${world.sim.stallsReleased} more found by the stall guard`,
    );
    if (world.sim.errors.length) {
      say(`${world.sim.errors.length} actor(s) failed:`);
      for (const { actor, error } of world.sim.errors.slice(0, 10))
        console.log(`    ${actor}: ${String(error)}`);
    }
    console.log('');
    say(`wall time ${formatDuration(totalTime())}`);
    say(
      differences.length === 0
        ? 'RESULT: the maintained statistics equal the from-scratch computation'
        : `RESULT: ${differences.length} figure(s) differ between the product and the from-scratch computation`,
    );
    process.exitCode = differences.length === 0 && world.sim.errors.length === 0 ? 0 : 1;

    child.send('stop' satisfies ToWorker);
    await new Promise((resolve) => child.once('exit', resolve));
    await connection.close();
    await store.close();
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
