/**
 * `/readyz` names the dependency that is down by a stable code; why it is down (the exception's text)
 * goes to the log with the request id, never into the response.
 */
import express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import type { AppDeps } from '../../api/deps';
import { healthRoutes } from '../../api/routes/health';

const internal = 'connect ECONNREFUSED 10.20.30.40:7233 (tls: secret-internal-detail)';

function appWith(temporalUp: boolean) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({}, { write: (line: string) => lines.push(JSON.parse(line)) });
  const deps = {
    temporal: {
      workflowService: {
        getSystemInfo: () => (temporalUp ? Promise.resolve({}) : Promise.reject(new Error(internal))),
      },
    },
    store: { ping: () => Promise.resolve() },
  } as unknown as AppDeps;
  const app = express();
  app.use(pinoHttp({ logger, genReqId: (req) => (req.headers['x-request-id'] as string) ?? 'none' }));
  app.use(healthRoutes(deps));
  return { app, lines };
}

test('a dependency down: 503 naming it by code, with no internal text; the reason is logged with the request id', async () => {
  const { app, lines } = appWith(false);
  const res = await request(app).get('/readyz').set('X-Request-Id', 'req-readyz-1').expect(503);
  expect(res.body).toEqual({
    error: {
      code: 'not_ready',
      message: '未就绪：temporal 无响应',
      details: { down: ['temporal'], checks: { temporal: 'down', database: 'up' } },
    },
  });
  expect(res.text).not.toMatch(/ECONNREFUSED|10\.20\.30\.40|secret-internal-detail/);

  const logged = lines.find((line) => line.msg === 'readiness check failed');
  expect(logged).toMatchObject({
    check: 'temporal',
    err: { message: internal },
    req: { id: 'req-readyz-1' },
  });
});

test('everything up: 200 ready', async () => {
  const { app } = appWith(true);
  const res = await request(app).get('/readyz').expect(200);
  expect(res.body).toEqual({ status: 'ready', checks: { temporal: 'up', database: 'up' } });
});
