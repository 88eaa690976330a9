/**
 * Workflow suites run on the Temporal Java time-skipping test server (provisioned
 * by infra/provision.sh) with the workflow bundle built once in global setup.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { startTestServer, startWithRetry, type Managed } from '../../infra/processes';
import { workflowBundle } from './bundle';
import { addSearchAttributes } from './namespace';

Runtime.install({ logger: new DefaultLogger('WARN') });

/** Where the test servers' output goes (all of them, appended), for a server that would not start. */
const testServerLog = path.join(tmpdir(), 'huiyin-test-server.log');

/**
 * The Java test server, with the project's search attributes registered as the dev server has them.
 * We start it ourselves (generous wait, three attempts: infra/processes.ts) and connect with time
 * skipping; teardown stops it. Tearing down is the caller's job, as with the SDK's own launcher.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const server = await startWithRetry(`time-skipping test server (output: ${testServerLog})`, () =>
    startTestServer({ logFile: testServerLog }),
  );
  try {
    const env = await connectTimeSkipping(server.address);
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      await teardown();
      await stopServer(server);
    };
    await addSearchAttributes(env.connection, env.namespace ?? 'default');
    return env;
  } catch (err) {
    await stopServer(server);
    throw err;
  }
}

/**
 * A time-skipping environment on a test server that is already running. `createTimeSkipping` would
 * launch the server itself and give it 5 s; `createFromExistingServer` turns time skipping off. Both
 * go through the SDK's `create`, private in its typings, called here with time skipping on (SDK pinned
 * at 1.24.0: every workflow test fails at once if an upgrade changes it).
 */
function connectTimeSkipping(address: string): Promise<TestWorkflowEnvironment> {
  const sdk = TestWorkflowEnvironment as unknown as {
    create(opts: object): Promise<TestWorkflowEnvironment>;
  };
  return sdk.create({
    server: { type: 'existing' },
    address,
    namespace: 'default',
    supportsTimeSkipping: true,
  });
}

/** The JVM is in-memory test state: SIGKILL it at once (it runs in its own process group). */
async function stopServer(server: Managed) {
  server.kill();
  await server.exited;
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
