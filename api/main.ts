// API entry: one Temporal client and one database connection per process.
import { Client, Connection } from '@temporalio/client';
import { loadAppConfig } from '../config';
import { createLogger } from '../infra/logger';
import { connectStore } from '../store';
import { seedDemoDirectory } from '../store/demo';
import { connectionOptions, loadTemporalConfig } from '../temporal.config';
import { createApp } from './app';
import { seedDemoProposals } from './routes/proposals/demo';
import { seedDemoSupervision } from './routes/supervision-demo';

async function main() {
  const config = loadAppConfig();
  const temporalConfig = loadTemporalConfig();
  const logger = createLogger(config.LOG_LEVEL).child({ component: 'api' });

  if (config.demo)
    logger.warn(
      { host: config.HOST },
      'demo mode (HUIYIN_DEMO=true): demo users and dev-login, not for real data',
    );
  const store = await connectStore(config.MONGODB_URI);
  if (config.demo) logger.info({ inserted: await seedDemoDirectory(store) }, 'demo directory seeded');
  const connection = await Connection.connect(connectionOptions(temporalConfig));
  const temporal = new Client({ connection, namespace: temporalConfig.TEMPORAL_NAMESPACE });
  const deps = { config, temporalConfig, temporal, store, logger };
  const app = createApp(deps);

  const server = app.listen(config.PORT, config.HOST, () => {
    logger.info({ url: config.PUBLIC_URL }, 'api ready');
  });
  // In the background: the worker may still be starting, and the board fills in as it comes up.
  if (config.demo)
    seedDemoProposals(deps).then(
      (started) => logger.info({ started }, 'demo proposals seeded'),
      (err) => logger.warn({ err }, 'demo proposals not seeded'),
    );
  if (config.demo)
    seedDemoSupervision(deps).then(
      (letters) => logger.info({ letters }, 'demo supervision posting seeded'),
      (err) => logger.warn({ err }, 'demo supervision not seeded'),
    );

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'api stopping');
    server.close(async () => {
      await connection.close();
      await store.close();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
