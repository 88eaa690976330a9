import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { WorkerConfig } from '../temporal.config';

/**
 * What every bundle of the workflow code is made of. With the reused V8 context each cached workflow
 * gets its own instance of every bundled module; the stateless libraries are loaded once and shared
 * instead. (Measured with 10,000 open drills, this alone did not change the heap visibly: most of a
 * cached workflow's ~1 MB is elsewhere.)
 */
export const workflowCode = {
  workflowsPath: require.resolve('../workflows'),
  preloadModules: ['zod', 'luxon'],
};
/**
 * Prebuilt by `npm run build:workflows` (samples-typescript `production`); bundled at start when absent.
 * HUIYIN_WORKFLOW_BUNDLE names another prebuilt file (the chaos suite's workers, restarted often).
 */
export const workflowBundlePath =
  process.env.HUIYIN_WORKFLOW_BUNDLE ?? path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

export interface WorkerDeps extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
}

/**
 * The worker's tuning from its settings: how many workflows its sticky cache keeps (each evicted one is
 * replayed from its history at its next task) and how many workflow tasks it runs at once.
 */
export function workerTuning(cfg: WorkerConfig): Partial<WorkerOptions> {
  return {
    maxCachedWorkflows: cfg.HUIYIN_WORKER_CACHE_SIZE,
    ...(cfg.HUIYIN_WORKER_WORKFLOW_TASKS !== undefined
      ? { maxConcurrentWorkflowTaskExecutions: cfg.HUIYIN_WORKER_WORKFLOW_TASKS }
      : {}),
  };
}

export async function createWorker(deps: WorkerDeps, extra: Partial<WorkerOptions> = {}): Promise<Worker> {
  const workflows: Partial<WorkerOptions> = extra.workflowBundle
    ? {} // the caller's bundle (tests build one per run)
    : existsSync(workflowBundlePath)
      ? { workflowBundle: { codePath: workflowBundlePath } }
      : {
          workflowsPath: workflowCode.workflowsPath,
          bundlerOptions: { preloadModules: workflowCode.preloadModules },
        };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: createActivities(deps),
    ...workflows,
    ...extra,
  });
}
