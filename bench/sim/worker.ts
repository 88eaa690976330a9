/**
 * The simulation's worker, a process of its own (bench/simulate.ts forks it): the real activities on the
 * real read model, on the time-skipping server's clock (see virtual-clock.ts). Answers the parent's
 * `status` messages with how much work is in flight, and stops on `stop`.
 */
import './worker-clock'; // first: every module after it reads the simulated clock
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { connectStore } from '../../store';
import { createWorker } from '../../worker/worker';
import { profileCommands, type CommandStats } from './db-profile';
import { activityStats, syncClockInterceptor } from './virtual-clock';

export interface WorkerStatus {
  activities: number;
  activations: number;
}

export type ActivityStats = Record<string, { count: number; ms: number }>;
export interface WorkerStats {
  activities: ActivityStats;
  commands: CommandStats;
}
export type ToWorker = 'status' | 'stats' | 'stop';
export type FromWorker =
  { ready: true } | { status: WorkerStatus } | { stats: WorkerStats } | { error: string };

Runtime.install({ logger: new DefaultLogger('WARN') });

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (bench/simulate.ts starts this process)`);
  return value;
};

async function main() {
  const send = (message: FromWorker) => process.send?.(message);
  const store = await connectStore(env('SIM_MONGODB_URI'), { monitorCommands: true });
  const commands = profileCommands(store.conn.getClient());
  const connection = await NativeConnection.connect({ address: env('SIM_TEMPORAL_ADDRESS') });
  const worker = await createWorker(
    { store, connection, namespace: 'default', taskQueue: env('SIM_TASK_QUEUE') },
    {
      workflowBundle: { codePath: env('SIM_BUNDLE') },
      interceptors: { activity: [syncClockInterceptor] },
    },
  );
  const running = worker.run();
  process.on('message', (message: ToWorker) => {
    if (message === 'status') {
      const s = worker.getStatus();
      send({
        status: { activities: s.numInFlightActivities, activations: s.numInFlightWorkflowActivations },
      });
    } else if (message === 'stats')
      send({ stats: { activities: Object.fromEntries(activityStats), commands: commands() } });
    else if (message === 'stop') worker.shutdown();
  });
  send({ ready: true });
  await running;
  await connection.close();
  await store.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  console.error(err);
  process.exit(1);
});
