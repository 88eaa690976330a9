/**
 * Proposal benchmarks (issue 4), on real servers started for the run:
 *  1. proposals created per second through the API (POST /api/proposals: validation, numbering,
 *     policy snapshot, workflow start) against raw Temporal workflow starts, same server, same run;
 *  2. list and statistics latency (p50/p95) with BENCH_PROPOSALS proposals in the read model.
 * Prints figures; asserts nothing. `npm run bench` (env: BENCH_CREATE, BENCH_CONCURRENCY, BENCH_PROPOSALS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { createApp } from '../api/app';
import { createAuth } from '../api/auth';
import { createProposal } from '../api/routes/proposals/create';
import { loadAppConfig } from '../config';
import { defaultPolicy } from '../domain/policy';
import { proposalWorkflowId } from '../domain/proposal';
import { freePort, startFerretDb, startTemporalDev } from '../infra/processes';
import { connectStore, type Store } from '../store';
import { seedCalendar } from '../store/calendar';
import { seedDemoDirectory } from '../store/demo';
import { loadTemporalConfig } from '../temporal.config';
import { createWorker } from '../worker/worker';

const CREATE = Number(process.env.BENCH_CREATE ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PROPOSALS = Number(process.env.BENCH_PROPOSALS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);

const say = (msg: string) => console.log(`[bench] ${msg}`);

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(path.join(tmpdir(), 'huiyin-bench-'));
  const [tPort, uiPort, dbPort] = [await freePort(), await freePort(), await freePort()];
  say('starting Temporal dev server and FerretDB…');
  const servers = await Promise.all([
    startTemporalDev({ dataDir: dir, port: tPort, uiPort, logFile: path.join(dir, 'temporal.log') }),
    startFerretDb({ dataDir: dir, port: dbPort, logFile: path.join(dir, 'ferretdb.log') }),
  ]);
  // The servers run in their own process groups: Ctrl-C of a long run must stop them too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(
      signal,
      () => void Promise.all(servers.map((s) => s.stop())).finally(() => process.exit(130)),
    );
  const env = {
    MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/huiyin_bench`,
    TEMPORAL_ADDRESS: `127.0.0.1:${tPort}`,
    TEMPORAL_TASK_QUEUE: 'bench',
    LOG_LEVEL: 'silent',
  };
  const config = loadAppConfig({ ...env, NODE_ENV: 'test' });
  const temporalConfig = loadTemporalConfig(env);
  const store = await connectStore(env.MONGODB_URI);
  await seedCalendar(store);
  await seedDemoDirectory(store);

  const workerConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    store,
    connection: workerConnection,
    namespace: 'default',
    taskQueue: 'bench',
  });
  const workerRun = worker.run();
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection });
  const app = createApp({ config, temporalConfig, temporal, store, logger: pino({ level: 'silent' }) });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = createAuth(config);
  const member = `Bearer ${await auth.issue({ id: 'member-zhang', roles: ['member'] })}`;
  const committee = `Bearer ${await auth.issue({ id: 'committee', roles: ['committee'] })}`;

  const deps = { config, temporalConfig, temporal, store, logger: pino({ level: 'silent' }) };
  try {
    await creationThroughput(temporal, base, member, (i) =>
      createProposal(
        deps,
        { id: 'member-zhang', roles: ['member'] },
        { ...createBody, sessionYear: 2092 },
        `b-${i}`,
      ),
    );
    await readLatency(store, base, committee);
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  } finally {
    server.close();
    worker.shutdown();
    await workerRun;
    await workerConnection.close();
    await connection.close();
    await store.close();
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const createBody = {
  title: '关于优化营商环境的建议',
  content: '建议……',
  type: 'interSession' as const,
  coSignerIds: [],
};

async function creationThroughput(
  temporal: Client,
  base: string,
  member: string,
  createPath: (i: number) => Promise<unknown>,
) {
  say(`creating ${CREATE} proposals each way, ${CONCURRENCY} at a time…`);
  const draft = { ...createBody, leadProposerId: 'member-zhang' };
  const raw = await rate(CREATE, async (i) => {
    const number = `2090-${String(i + 1).padStart(4, '0')}`;
    await temporal.workflow.start('proposal', {
      workflowId: proposalWorkflowId(number),
      taskQueue: 'bench',
      args: [
        { proposalId: number, sessionYear: 2090, number, draft, policy: defaultPolicy, policyVersion: 1 },
      ],
    });
  });
  let accepted = 0; // 202: filed, but the workflow answered the detail query too late
  const api = await rate(CREATE, async (i) => {
    const res = await fetch(`${base}/api/proposals`, {
      method: 'POST',
      headers: { authorization: member, 'content-type': 'application/json', 'idempotency-key': `bench-${i}` },
      body: JSON.stringify({ ...createBody, sessionYear: 2091 }),
    });
    if (res.status === 202) accepted++;
    else if (res.status !== 201) throw new Error(`POST /api/proposals → ${res.status} ${await res.text()}`);
  });
  const path = await rate(CREATE, async (i) => void (await createPath(i)));
  say(`raw Temporal starts:              ${raw.toFixed(1)} /s`);
  say(
    `API POST /api/proposals:          ${api.toFixed(1)} /s   (ratio to raw ${(api / raw).toFixed(2)}; ${accepted} answered 202)`,
  );
  say(`  of which the create path alone: ${path.toFixed(1)} /s   (ratio to raw ${(path / raw).toFixed(2)};`);
  say('  the rest is the detail the POST answers with, read from the new workflow by a query)');
}

/** Operations per second running `count` calls of `op`, CONCURRENCY at a time. */
async function rate(count: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function readLatency(store: Store, base: string, committee: string) {
  say(`loading ${PROPOSALS} proposals into the read model…`);
  const loadStarted = performance.now();
  await loadReadModel(store, PROPOSALS);
  say(`loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);
  const queries: [string, string][] = [
    ['list, first page', '/api/proposals?sessionYear=2025&limit=20'],
    ['list, status + unit', '/api/proposals?sessionYear=2025&status=handling&unitId=unit-housing&limit=20'],
    ['list, deep page', '/api/proposals?sessionYear=2025&limit=20&offset=50000'],
    ['list, title text', '/api/proposals?sessionYear=2025&q=%E7%94%B5%E6%A2%AF&limit=20'],
    ['list, overdue', '/api/proposals?sessionYear=2025&overdue=true&limit=20'],
    ['statistics by unit', '/api/proposals/statistics?sessionYear=2025&groupBy=unit'],
  ];
  for (const [name, url] of queries) {
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      const res = await fetch(base + url, { headers: { authorization: committee } });
      if (!res.ok) throw new Error(`${url} → ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(0);
    say(`${name.padEnd(20)} p50 ${pct(0.5).padStart(6)} ms   p95 ${pct(0.95).padStart(6)} ms`);
  }
}

const units = [
  'unit-housing',
  'unit-education',
  'unit-transport',
  'unit-health',
  'unit-ecology',
  'unit-culture',
];
const statuses = ['handling', 'awaitingFeedback', 'closed', 'closed', 'closed', 'notFiled'] as const;
const titles = [
  '关于加快老旧小区加装电梯的建议',
  '关于完善社区养老服务的提案',
  '关于治理河道污染的建议',
  '关于优化公交线路的提案',
];

/** Synthetic proposals of session year 2025, shaped as the worker's projection writes them. */
async function loadReadModel(store: Store, count: number) {
  const BATCH = 2_000;
  for (let start = 0; start < count; start += BATCH) {
    const proposals = [];
    const unitsDocs = [];
    const clocks = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const number = `2025-${String(i + 1).padStart(6, '0')}`;
      const unitId = units[i % units.length];
      const status = statuses[i % statuses.length];
      const replied = status !== 'handling' && status !== 'notFiled' ? 1 : 0;
      const at = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
      proposals.push({
        _id: number,
        number,
        sessionYear: 2025,
        title: titles[i % titles.length],
        type: 'interSession',
        status,
        leadProposerId: `member-${i % 500}`,
        proposerIds: [`member-${i % 500}`],
        key: i % 97 === 0,
        unitIds: status === 'notFiled' ? [] : [unitId],
        submittedAt: at,
        revision: 1,
      });
      if (status !== 'notFiled') {
        unitsDocs.push({
          _id: `${number}:${unitId}`,
          proposalId: number,
          sessionYear: 2025,
          unitId,
          role: 'lead',
          status: replied ? 'replied' : 'signed',
          proposerType: 'member',
          resultClass: replied ? ['A', 'B', 'C'][i % 3] : undefined,
          revision: 1,
          assigned: 1,
          replied,
          repliedOnTime: replied && i % 5 !== 0 ? 1 : 0,
          contactedBeforeReply: replied,
          commitmentDone: 0,
          daysToReply: replied ? 30 + (i % 60) : undefined,
          feedbackReturned: replied && i % 7 !== 0 ? 1 : 0,
          satisfied: replied && i % 7 !== 0 && i % 11 !== 0 ? 1 : 0,
          unsatisfied: replied && i % 11 === 0 && i % 7 !== 0 ? 1 : 0,
          noFeedback: replied && i % 7 === 0 ? 1 : 0,
        });
      }
      if (status === 'handling') {
        const dueAt = new Date(Date.UTC(2025, 3, 1) + (i % 400) * 86_400_000);
        clocks.push({
          _id: `${number}:reply:${unitId}`,
          itemId: number,
          itemKind: 'proposal',
          clockId: `reply:${unitId}`,
          code: 'reply',
          label: '书面答复',
          responsible: { unitId },
          revision: 1,
          generation: 1,
          status: 'running',
          overdue: i % 4 === 0,
          window: false,
          startedAt: at,
          dueAt,
          due: dueAt.toISOString().slice(0, 10),
          deadline: {},
          fired: [],
        });
      }
    }
    await store.proposals.insertMany(proposals, { ordered: false });
    await store.proposalUnits.insertMany(unitsDocs, { ordered: false });
    if (clocks.length) await store.clocks.insertMany(clocks, { ordered: false });
    if ((start / BATCH) % 10 === 9) say(`  ${start + BATCH} loaded`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
