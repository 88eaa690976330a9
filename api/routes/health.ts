import { Router } from 'express';
import type { AppDeps } from '../deps';
import { errorBody } from '../errors';

const CHECK_TIMEOUT_MS = 3_000;

/** Liveness and readiness probes (not under /api: orchestrators call them without a token). */
export function healthRoutes({ temporal, store }: AppDeps): Router {
  const router = Router();
  const checks: Record<string, () => Promise<unknown>> = {
    temporal: () => temporal.workflowService.getSystemInfo({}),
    database: () => store.ping(),
  };

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await probe(check)] as const),
    );
    const down = results.filter(([, r]) => r !== 'up').map(([name]) => name);
    const detail = Object.fromEntries(results);
    if (down.length === 0) res.json({ status: 'ready', checks: detail });
    else
      res
        .status(503)
        .json(errorBody('not_ready', `未就绪：${down.join('、')} 无响应`, { down, checks: detail }));
  });
  return router;
}

async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'up';
  } catch (err) {
    return `down: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}
