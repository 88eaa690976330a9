// Worker entry: polls the task queue until SIGINT/SIGTERM, then drains and exits.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createSenders } from '../activities/channels';
import { loadAppConfig } from '../config';
import { describeMailTarget, loadNotifyConfig } from '../notify.config';
import { connectStore } from '../store';
import { moveOpenWork32 } from '../store/open-work';
import { seedCalendar } from '../store/calendar';
import { connectionOptions, loadTemporalConfig, loadWorkerConfig } from '../temporal.config';
import { createLogger } from '../infra/logger';
import { loadMetricsSettings } from '../infra/metrics';
import { startWorkerMetrics } from './metrics';
import { ensureSchedules } from './schedules';
import { createWorker, workerTuning } from './worker';

async function main() {
  const app = loadAppConfig(process.env, { verifiesTokens: false }); // the worker checks no tokens
  const temporal = loadTemporalConfig();
  const tuning = workerTuning(loadWorkerConfig());
  const log = createLogger(app.LOG_LEVEL).child({ component: 'worker' });
  // Before any Temporal connection: it installs the SDK runtime with its metrics exporter.
  const metrics = await startWorkerMetrics(loadMetricsSettings(), log);

  const store = await connectStore(app.MONGODB_URI);
  metrics?.watch(store);
  const seeded = await seedCalendar(store);
  if (seeded) log.info({ years: seeded }, 'calendar years seeded from chinese-days');
  const moved = await moveOpenWork32(store);
  if (moved) log.info({ rows: moved }, 'open work moved into 256 chunks');

  const notify = loadNotifyConfig(app);
  const senders = createSenders(notify);
  // Never the SMTP URL itself: it may carry the password.
  log.info(
    { channels: Object.keys(senders), mail: describeMailTarget(notify.mail) },
    'notification channels',
  );

  const connection = await NativeConnection.connect(connectionOptions(temporal));
  const worker = await createWorker(
    {
      store,
      connection,
      namespace: temporal.TEMPORAL_NAMESPACE,
      taskQueue: temporal.TEMPORAL_TASK_QUEUE,
      notifications: {
        senders,
        publicUrl: notify.publicUrl,
        retry: notify.retry,
        digestTime: notify.DIGEST_TIME,
      },
    },
    tuning,
  );
  const client = new Client({
    connection: await Connection.connect(connectionOptions(temporal)),
    namespace: temporal.TEMPORAL_NAMESPACE,
  });
  await ensureSchedules(client, temporal.TEMPORAL_TASK_QUEUE, notify.DIGEST_TIME);
  await client.connection.close();
  log.info(
    { taskQueue: temporal.TEMPORAL_TASK_QUEUE, address: temporal.TEMPORAL_ADDRESS, ...tuning },
    'worker ready',
  );
  try {
    await worker.run(); // the SDK shuts the worker down gracefully on SIGINT/SIGTERM
  } finally {
    await metrics?.close();
    await connection.close();
    await store.close();
    log.info('worker stopped');
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
