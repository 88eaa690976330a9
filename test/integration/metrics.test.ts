/**
 * Prometheus metrics (issue 14 item 6): the API's `GET /metrics` by route pattern and who may scrape it,
 * and the worker's listener (a real worker process) with the SDK runtime's metrics and the read
 * model's outbox and clock gauges.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { loadAppConfig } from '../../config';
import { freePort } from '../../infra/processes';
import { connectStore, type Store } from '../../store';
import { openWork } from '../../store/open-work';
import { loadTemporalConfig } from '../../temporal.config';
import { createNamespace } from '../helpers/namespace';
import { startStack, type Stack } from '../helpers/stack';

const root = path.resolve(__dirname, '../..');

/** The value of one sample line, e.g. `huiyin_outbox_due_entries 1`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('API /metrics', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  test('requests counted by method, route pattern and status, never by raw URL', async () => {
    const bearer = await stack.bearer('committee');
    await request(stack.app).get('/api/proposals/2026-9876').set('Authorization', bearer).expect(404);
    await request(stack.app).get('/no/such/page-4242').expect(404);
    await request(stack.app).get('/healthz').expect(200);

    const res = await request(stack.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain(
      'huiyin_http_requests_total{method="GET",route="/api/proposals/:id",status="404"} 1',
    );
    expect(res.text).toContain('huiyin_http_requests_total{method="GET",route="other",status="404"} 1');
    expect(res.text).toMatch(
      /huiyin_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/healthz",status="200"\} 1/,
    );
    expect(res.text).toContain('process_cpu_seconds_total');
    expect(res.text).not.toMatch(/2026-9876|page-4242/);
  });

  test('from beyond loopback only with the bearer METRICS_TOKEN', async () => {
    // Behind a proxy on loopback the client's address counts (trust proxy), not the proxy's.
    const remote = { 'X-Forwarded-For': '203.0.113.7' };
    await request(stack.app).get('/metrics').set(remote).expect(403);

    const token = randomBytes(16).toString('hex');
    process.env.METRICS_TOKEN = token;
    try {
      const app = createApp({
        config: loadAppConfig({ NODE_ENV: 'test', JWT_SECRET: randomBytes(32).toString('hex') }),
        temporalConfig: loadTemporalConfig({ TEMPORAL_TASK_QUEUE: stack.taskQueue }),
        temporal: stack.temporal,
        store: stack.store,
        logger: pino({ level: 'silent' }),
      });
      const refused = await request(app).get('/metrics').set(remote).expect(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      await request(app)
        .get('/metrics')
        .set(remote)
        .set('Authorization', 'Bearer wrong-token-123456')
        .expect(401);
      await request(app).get('/metrics').set(remote).set('Authorization', `Bearer ${token}`).expect(200);
      await request(app).get('/metrics').expect(200); // loopback needs none
    } finally {
      delete process.env.METRICS_TOKEN;
    }
  });
});

describe('worker metrics listener', () => {
  let store: Store;
  let worker: ChildProcess;
  let output = '';
  let url: string;
  const token = randomBytes(16).toString('hex');

  beforeAll(async () => {
    const address = process.env.HUIYIN_TEST_TEMPORAL!;
    const dbUri = `${process.env.HUIYIN_TEST_MONGODB}/huiyin_${randomUUID().slice(0, 8)}`;
    const namespace = `metrics-${randomUUID()}`;
    const connection = await Connection.connect({ address });
    await createNamespace(connection, namespace);
    await connection.close();

    // A notice due for 10 minutes and a silent overdue clock, sampled as the worker starts.
    store = await connectStore(dbUri);
    await store.outboxDue.create({ _id: 'n:late', at: new Date(Date.now() - 600_000) });
    await store.outboxDue.create({ _id: 'n:later', at: new Date(Date.now() + 3_600_000) });
    const clock = { itemId: 'F-1', itemKind: 'followUp', clockId: 'reply', overdue: true };
    await store.views.put(openWork, [
      {
        id: 'followUp|F-1|clock|reply',
        revision: 1,
        value: { ...clock, escalation: null, nextStepAt: null },
      },
    ]);

    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    worker = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker', 'main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_TASK_QUEUE: `metrics-${randomUUID()}`,
        MONGODB_URI: dbUri,
        JWT_SECRET: randomBytes(32).toString('hex'),
        HUIYIN_WORKER_METRICS_PORT: String(port),
        HUIYIN_WORKER_METRICS_HOST: '0.0.0.0',
        METRICS_TOKEN: token,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d) => (output += d));
    worker.stderr!.on('data', (d) => (output += d));
    await until(() => output.includes('worker ready'), 'worker ready', 150_000);
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await store?.conn.dropDatabase();
    await store?.close();
  });

  /** Waits for `ready()`; fails with the worker's output when the worker exits or time runs out. */
  async function until(ready: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await ready())) {
      if (worker.exitCode !== null || Date.now() > deadline)
        throw new Error(`no ${what}; worker output:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  test('SDK runtime metrics and the read-model gauges on one listener', async () => {
    let text = '';
    await until(async () => {
      text = await (await fetch(url)).text();
      return (sample(text, 'huiyin_read_model_sampled_timestamp_seconds') ?? 0) > 0;
    }, 'read-model sample');
    expect(sample(text, 'huiyin_outbox_due_entries')).toBe(2);
    expect(sample(text, 'huiyin_outbox_due_now_entries')).toBe(1);
    expect(sample(text, 'huiyin_outbox_oldest_due_age_seconds')).toBeGreaterThanOrEqual(600);
    expect(sample(text, 'huiyin_clocks_running{item_kind="followUp"}')).toBe(1);
    expect(sample(text, 'huiyin_clocks_overdue{item_kind="followUp"}')).toBe(1);
    expect(sample(text, 'huiyin_clocks_silent{item_kind="followUp"}')).toBe(1);
    expect(sample(text, 'huiyin_worker_sdk_metrics_up')).toBe(1);
    expect(text).toMatch(/^temporal_\w+/m); // the SDK runtime's own exporter, appended
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });

  test('a scraper beyond loopback needs the token', async () => {
    expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
    // This machine's own non-loopback address: the listener sees a peer that is not loopback.
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!lan) return console.warn('no non-loopback address on this machine: remote scrape not tested');
    const remote = url.replace('127.0.0.1', lan);
    expect((await fetch(remote)).status).toBe(401);
    expect((await fetch(remote, { headers: { Authorization: 'Bearer nonsense' } })).status).toBe(401);
    expect((await fetch(remote, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});
