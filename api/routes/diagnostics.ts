import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { deadlineProbe } from '../../workflows';
import type { AppDeps } from '../deps';
import { readItem } from '../../store/items';
import { route, type Api } from '../route';
import { deadlineSchema } from '../schemas';
import { presentDeadline } from './calendar';

/**
 * A round trip through every layer (API → Temporal → worker → activity → MongoDB),
 * for operators checking a deployment end to end.
 */
export function diagnosticsRoutes({ temporal, temporalConfig, store }: AppDeps, api: Api) {
  route(api, {
    method: 'post',
    path: '/api/diagnostics/round-trip',
    summary: '全链路自检：经 Temporal 与 worker 计算一个期限并写入时间线',
    tags: ['diagnostics'],
    roles: ['admin'],
    body: z.object({ workingDays: z.number().int().min(0).max(365).default(5) }),
    status: 201,
    response: z.object({ workflowId: z.string(), deadline: deadlineSchema, recordedAt: z.string() }),
    handler: async ({ body }) => {
      const workflowId = `probe-${randomUUID()}`;
      const deadline = await temporal.workflow.execute<typeof deadlineProbe>('deadlineProbe', {
        workflowId,
        taskQueue: temporalConfig.TEMPORAL_TASK_QUEUE,
        args: [{ start: Date.now(), rule: { unit: 'workingDays', amount: body.workingDays } }],
        workflowExecutionTimeout: '1 minute',
      });
      const [entry] = (await readItem(store, workflowId)).timeline;
      if (!entry) throw new Error(`round trip ${workflowId} finished but recorded nothing`);
      return {
        workflowId,
        deadline: presentDeadline(deadline),
        recordedAt: new Date(entry.at).toISOString(),
      };
    },
  });
}
