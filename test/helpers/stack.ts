/**
 * The whole product in one test process, on the real servers of global setup:
 * the Express app, a worker on its own task queue, and a namespace and a database of its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import type { ActivityDeps } from '../../activities';
import type { AppDeps } from '../../api/deps';
import { createApp } from '../../api/app';
import { createAuth } from '../../api/auth';
import { loadAppConfig } from '../../config';
import type { Caller, Role } from '../../domain/roles';
import { connectStore } from '../../store';
import { seedCalendar } from '../../store/calendar';
import { loadTemporalConfig } from '../../temporal.config';
import { createWorker } from '../../worker/worker';
import { workflowBundle } from './bundle';
import { createNamespace } from './namespace';
import { testBearer } from './tokens';

// The SDK's INFO lines (worker state changes) drown test output; warnings still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

/**
 * `notifications`: the worker's delivery settings (senders pointed at the test's receivers);
 * `env`: more settings for the API's configuration (e.g. WEBHOOK_ALLOWED_HOSTS).
 */
export async function startStack({
  env: extraEnv = {},
  ...options
}: Pick<ActivityDeps, 'notifications'> & { env?: Record<string, string> } = {}) {
  const address = required('HUIYIN_TEST_TEMPORAL');
  const dbUri = `${required('HUIYIN_TEST_MONGODB')}/huiyin_${randomUUID().slice(0, 8)}`;
  const taskQueue = `test-${randomUUID()}`;
  const namespace = `it-${randomUUID()}`;
  const env = {
    MONGODB_URI: dbUri,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_NAMESPACE: namespace,
    LOG_LEVEL: 'silent',
  };
  // Demo mode (dev-login, the workspace's demo users) with a secret of this run's own.
  const secret = { HUIYIN_DEMO: 'true', JWT_SECRET: randomBytes(32).toString('hex') };
  const config = loadAppConfig({ ...secret, ...extraEnv, ...env, NODE_ENV: 'test' });
  const temporalConfig = loadTemporalConfig(env);

  const store = await connectStore(dbUri);
  await seedCalendar(store);
  const connection = await Connection.connect({ address });
  await createNamespace(connection, namespace);
  const workerConnection = await NativeConnection.connect({ address });
  const worker = await createWorker(
    { store, connection: workerConnection, namespace, taskQueue, ...options },
    { workflowBundle: workflowBundle() },
  );
  const running = worker.run();
  const temporal = new Client({ connection, namespace });
  const app = createApp({ config, temporalConfig, temporal, store, logger: pino({ level: 'silent' }) });

  const auth = createAuth(config, store);

  return {
    app,
    config,
    /** An app on this stack's Temporal and database, configured from `settings` (and `deps` given). */
    appWith(settings: Record<string, string>, deps: Partial<AppDeps> = {}) {
      const appEnv = { LOG_LEVEL: 'silent', NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: taskQueue, ...settings };
      const { config = loadAppConfig(appEnv), ...rest } = deps; // a given configuration is used as it is
      return createApp({
        config,
        temporalConfig: loadTemporalConfig(appEnv),
        temporal,
        store,
        logger: pino({ level: 'silent' }),
        ...rest,
      });
    },
    /** Issues tokens as the API's own key; the person must be in the directory (or the token is refused). */
    auth,
    /** `Authorization` header value for a caller, who is put into the directory (test/helpers/tokens.ts). */
    bearer: (role: Role, extra: Partial<Caller> = {}) => testBearer(store, auth, role, extra),
    store,
    temporal,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
      await store.conn.dropDatabase();
      await store.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: integration suites need jest's global setup`);
  return value;
}
