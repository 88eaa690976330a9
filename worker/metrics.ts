/**
 * The worker's metrics (docs/operations.md § Metrics), on HUIYIN_WORKER_METRICS_PORT: the Temporal SDK
 * runtime's own (workflow and activity tasks, latencies, failures, slots, sticky cache) and the
 * read model's outbox and clock gauges. One listener serves both: the SDK's exporter binds a private
 * loopback port and each scrape appends its text to this process's registry.
 */
import type { Server } from 'node:http';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { isSilent } from '../domain/guarantee';
import { type MetricsSettings, serveMetrics } from '../infra/metrics';
import { freePort } from '../infra/processes';
import type { Store } from '../store';
import { readOpenWork } from '../store/open-work';

/** How often the read model is sampled: counting is a query, a scrape must not be one. */
export const sampleIntervalMs = 30_000;
const sdkScrapeTimeoutMs = 2_000;

export interface WorkerMetrics {
  /** Starts sampling the read model (now, then every `sampleIntervalMs`). */
  watch(store: Store): void;
  close(): Promise<void>;
  port: number;
}

/**
 * Starts the listener when HUIYIN_WORKER_METRICS_PORT is set. Installs the SDK runtime, so it must run
 * before any NativeConnection or Worker is created (the runtime is created once, by the first of them).
 */
export async function startWorkerMetrics(
  settings: MetricsSettings,
  log: Logger,
): Promise<WorkerMetrics | undefined> {
  const port = settings.HUIYIN_WORKER_METRICS_PORT;
  if (port === undefined) return undefined;
  const sdkAddress = `127.0.0.1:${await freePort()}`;
  Runtime.install({
    telemetryOptions: { metrics: { prometheus: { bindAddress: sdkAddress, useSecondsForDurations: true } } },
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sdkUp = new Gauge({
    name: 'huiyin_worker_sdk_metrics_up',
    help: "1 when this scrape includes the Temporal SDK's metrics, 0 when its exporter did not answer",
    registers: [registry],
  });
  const readModel = readModelGauges(registry);
  const server = await serveMetrics({
    host: settings.HUIYIN_WORKER_METRICS_HOST,
    port,
    token: settings.METRICS_TOKEN,
    contentType: registry.contentType,
    collect: async () => {
      const sdk = await scrapeSdk(sdkAddress, log);
      sdkUp.set(sdk === undefined ? 0 : 1);
      return `${await registry.metrics()}\n${sdk ?? ''}`;
    },
  });
  log.info({ url: `http://${settings.HUIYIN_WORKER_METRICS_HOST}:${port}/metrics` }, 'worker metrics');
  let timer: NodeJS.Timeout | undefined;
  return {
    port,
    watch: (store) => (timer = sampleEvery(sampleIntervalMs, () => readModel.sample(store), log)),
    close: () => (clearInterval(timer), closeServer(server)),
  };
}

async function scrapeSdk(address: string, log: Logger): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(sdkScrapeTimeoutMs) });
    if (res.ok) return await res.text();
    log.warn({ status: res.status }, 'Temporal SDK metrics not available');
  } catch (err) {
    log.warn({ err }, 'Temporal SDK metrics not available');
  }
  return undefined;
}

/** Runs `task` now and every `ms`, never two at once; a failure is logged and the last values stay. */
function sampleEvery(ms: number, task: () => Promise<void>, log: Logger): NodeJS.Timeout {
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    task()
      .catch((err) => log.warn({ err }, 'metrics sample failed'))
      .finally(() => (running = false));
  };
  run();
  return setInterval(run, ms).unref();
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** Gauges read from the read model: the outbox's due index and the open-work view. */
export function readModelGauges(registry: Registry) {
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const dueEntries = gauge('huiyin_outbox_due_entries', 'Notices still to deliver (outbox_due), due or not');
  const dueNow = gauge('huiyin_outbox_due_now_entries', 'Notices whose delivery time has come (outbox_due)');
  const oldestAge = gauge(
    'huiyin_outbox_oldest_due_age_seconds',
    'How long the longest-waiting due notice has been due (0 when none is)',
  );
  const running = gauge('huiyin_clocks_running', 'Running deadline clocks', ['item_kind']);
  const overdue = gauge('huiyin_clocks_overdue', 'Running clocks past their due time', ['item_kind']);
  const silent = gauge(
    'huiyin_clocks_silent',
    'Overdue clocks with no escalation fired and none planned: the guarantee is broken',
    ['item_kind'],
  );
  const openItems = gauge('huiyin_open_items', 'Open items', ['item_kind', 'answered']);
  const sampledAt = gauge(
    'huiyin_read_model_sampled_timestamp_seconds',
    'When these read-model gauges were last sampled (unix seconds)',
  );

  async function sampleOutbox(store: Store, now: number) {
    // The small due index only (one entry per notice on its way), never the outbox's history.
    const entries = await store.outboxDue.find({}, { at: 1 }).lean<{ at: Date }[]>();
    const due = entries.map((e) => e.at.getTime()).filter((at) => at <= now);
    dueEntries.set(entries.length);
    dueNow.set(due.length);
    oldestAge.set(due.length ? (now - due.reduce((a, b) => Math.min(a, b))) / 1000 : 0);
  }

  async function sampleOpenWork(store: Store) {
    const { items, clocks } = await readOpenWork(store);
    for (const g of [running, overdue, silent, openItems]) g.reset();
    for (const clock of clocks) {
      const labels = { item_kind: clock.itemKind };
      running.inc(labels);
      overdue.inc(labels, clock.overdue ? 1 : 0);
      silent.inc(labels, isSilent(clock) ? 1 : 0);
    }
    for (const item of items) openItems.inc({ item_kind: item.itemKind, answered: String(item.answered) });
  }

  return {
    async sample(store: Store) {
      const now = Date.now();
      await Promise.all([sampleOutbox(store, now), sampleOpenWork(store)]);
      sampledAt.set(now / 1000);
    },
  };
}
