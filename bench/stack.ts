/**
 * The real servers and the whole product in one process, for benchmarks: a Temporal dev server and
 * FerretDB on free ports with a throwaway directory, a worker, and the API on a free port.
 * `bench()` runs one section with it, prints with `say`, and stops everything on exit or Ctrl-C.
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
import type { AppDeps } from '../api/deps';
import { loadAppConfig } from '../config';
import { freePort, startFerretDb, startTemporalDev } from '../infra/processes';
import { connectStore } from '../store';
import { seedCalendar } from '../store/calendar';
import { seedDemoDirectory } from '../store/demo';
import { loadTemporalConfig } from '../temporal.config';
import { createWorker } from '../worker/worker';

export const say = (msg: string) => console.log(`[bench] ${msg}`);

export interface BenchStack {
  deps: AppDeps;
  /** Base URL of the API. */
  base: string;
  /** A bearer token (`Bearer …`) for a user with these roles. */
  token(id: string, roles: string[]): Promise<string>;
  taskQueue: string;
}

// Once per process: several sections may run in one.
Runtime.install({ logger: new DefaultLogger('WARN') });

export async function bench(name: string, run: (stack: BenchStack) => Promise<void>) {
  const dir = mkdtempSync(path.join(tmpdir(), `huiyin-bench-${name}-`));
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
  // Demo mode: the benchmarks sign tokens for the demo directory's people.
  const config = loadAppConfig({ ...env, NODE_ENV: 'test', HUIYIN_DEMO: 'true' });
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
  const deps: AppDeps = { config, temporalConfig, temporal, store, logger: pino({ level: 'silent' }) };
  const app = createApp(deps);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = createAuth(config, store);
  const token = async (id: string, roles: string[]) =>
    `Bearer ${await auth.issue({ id, roles: roles as never })}`;
  try {
    await run({ deps, base, token, taskQueue: 'bench' });
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

/** Operations per second running `count` calls of `op`, `concurrency` at a time. */
export async function rate(count: number, concurrency: number, op: (i: number) => Promise<void>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** p50 and p95 of `samples` timings of `op`, in ms. */
export async function latency(samples: number, op: () => Promise<void>) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await op();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { p50: pct(0.5), p95: pct(0.95) };
}
