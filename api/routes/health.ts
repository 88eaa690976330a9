import { Router, type Request } from 'express';
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

  // Which dependency is down, by name; why (the exception's text) goes to the log with the request id.
  router.get('/readyz', async (req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await probe(check, name, req)] as const),
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

async function probe(check: () => Promise<unknown>, name: string, req: Request): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'up';
  } catch (err) {
    req.log?.warn({ err, check: name }, 'readiness check failed');
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
