/**
 * Workflow suites run on the Temporal Java time-skipping test server (provisioned
 * by infra/provision.sh) with the workflow bundle built once in global setup.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { testServerBin } from '../../infra/processes';
import { workflowBundle } from './bundle';
import { addSearchAttributes } from './namespace';

Runtime.install({ logger: new DefaultLogger('WARN') });

/** The Java test server, with the project's search attributes registered as the dev server has them. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerBin } },
  });
  await addSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** A worker on a fresh task queue running the bundled workflows with the given (mock) activities. */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  activities: WorkerOptions['activities'],
) {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities,
  });
  return { worker, taskQueue };
}

/** Skips the test server's clock forward to an instant (ISO-8601 with offset). */
export async function travelTo(env: TestWorkflowEnvironment, iso: string) {
  const target = Date.parse(iso);
  const now = await env.currentTimeMs();
  if (target < now) throw new Error(`cannot travel back from ${new Date(now).toISOString()} to ${iso}`);
  await env.sleep(target - now);
}

/**
 * A fresh test server and worker for every test (its clock only moves forward, and each scenario
 * starts on a fixed morning), running `makeRecorder()`'s activities. Read the fields inside tests.
 */
export function serverPerTest<R extends { activities: WorkerOptions['activities'] }>(makeRecorder: () => R) {
  const t = {} as { env: TestWorkflowEnvironment; recorder: R; taskQueue: string };
  let worker: Worker;
  let running: Promise<void>;
  beforeEach(async () => {
    t.env = await createTimeSkippingEnv();
    t.recorder = makeRecorder();
    ({ worker, taskQueue: t.taskQueue } = await createTestWorker(t.env, t.recorder.activities));
    running = worker.run();
  });
  afterEach(async () => {
    worker.shutdown();
    await running;
    await t.env.teardown();
  });
  return t;
}
