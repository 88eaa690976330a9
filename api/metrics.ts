/**
 * `GET /metrics` of the API in Prometheus text format (docs/operations.md § Metrics): request counts and
 * latencies by method, route pattern and status, and the Node process's own metrics. Mounted before
 * the request log, so scrapes are not logged. Reachable from loopback, or with the bearer METRICS_TOKEN.
 */
import { Router, type Request, type RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { loadMetricsSettings, scrapeAccess, type MetricsSettings } from '../infra/metrics';
import { errorBody } from './errors';

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Seconds; from a cached read (a few ms) to a slow Temporal Update or CSV import. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The route pattern Express matched (`/api/proposals/:id`), never the raw URL, so the number of series
 * stays bounded whatever paths are requested; `other` when no route matched (static files, 404s).
 */
export function routeLabel(req: Request): string {
  const path: unknown = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'other';
}

/** Each app its own registry: tests create several apps in one process. */
export function metricsRoutes(settings: MetricsSettings = loadMetricsSettings()): Router {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'huiyin_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'huiyin_http_request_duration_seconds',
    help: 'Time from request to the last byte of the response, by method, route pattern and status',
    labelNames,
    buckets: latencyBuckets,
    registers: [registry],
  });

  const measure: RequestHandler = (req, res, next) => {
    const stop = latency.startTimer();
    res.once('finish', () => {
      const labels = {
        method: methods.has(req.method) ? req.method : 'OTHER',
        route: routeLabel(req),
        status: String(res.statusCode),
      };
      requests.inc(labels);
      stop(labels);
    });
    next();
  };

  const router = Router();
  router.use(measure);
  router.get('/metrics', async (req, res) => {
    // req.ip: the client, also behind a reverse proxy on loopback (`trust proxy`, api/app.ts).
    const status = scrapeAccess(req.ip, req.headers.authorization, settings.METRICS_TOKEN);
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (status === 401) return void res.status(401).json(errorBody('unauthorized', '需要指标令牌'));
    if (status === 403) return void res.status(403).json(errorBody('forbidden', '仅限本机或持指标令牌访问'));
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
