import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export const workflowsPath = require.resolve('../workflows');
/** Prebuilt by `npm run build:workflows` (samples-typescript `production`); bundled at start when absent. */
export const workflowBundlePath = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

export interface WorkerDeps extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
}

export async function createWorker(deps: WorkerDeps, extra: Partial<WorkerOptions> = {}): Promise<Worker> {
  const workflows: Partial<WorkerOptions> = extra.workflowBundle
    ? {} // the caller's bundle (tests build one per run)
    : existsSync(workflowBundlePath)
      ? { workflowBundle: { codePath: workflowBundlePath } }
      : { workflowsPath };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: createActivities(deps),
    ...workflows,
    ...extra,
  });
}
