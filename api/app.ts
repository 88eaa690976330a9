/** The Express app factory: every dependency comes in, nothing is global. */
import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { createAuth } from './auth';
import type { AppDeps } from './deps';
import { errorHandler, notFoundHandler } from './errors';
import { metricsRoutes } from './metrics';
import { createLimits, loadLimits } from './limits';
import { createRegistry, methodNotAllowed, type Api } from './route';
import { attachmentRoutes } from './routes/attachments';
import { calendarRoutes } from './routes/calendar';
import { campaignRoutes } from './routes/campaigns';
import { diagnosticsRoutes } from './routes/diagnostics';
import { directoryRoutes } from './routes/directory';
import { followUpRoutes } from './routes/follow-ups';
import { guaranteeRoutes } from './routes/guarantee';
import { healthRoutes } from './routes/health';
import { devLoginRoutes } from './routes/login';
import { notificationRoutes } from './routes/notifications';
import { policyRoutes } from './routes/policy';
import { supervisionRoutes } from './routes/supervision';
import { proposalRoutes } from './routes/proposals';
import { webRoutes } from './web';
import { logRedaction } from '../infra/logger';

export function createApp(deps: AppDeps) {
  // People read the validation messages of a 400 (the workspace shows them): zod's Chinese locale.
  z.config(z.locales.zhCN());
  const app = express();
  const api: Api = {
    router: Router(),
    registry: createRegistry(),
    auth: createAuth(deps.config, deps.store),
    limits: createLimits(deps.limits ?? loadLimits(process.env, deps.config.NODE_ENV)),
  };

  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(metricsRoutes()); // first: it times every request; scrapes stay out of the request log
  app.use(
    pinoHttp({
      // Redacted here too, whatever logger the caller handed in: no token or cookie in any line.
      logger: deps.logger.child({}, { redact: logRedaction }),
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(helmet());
  // Bodies are parsed per route, after its authentication (api/route.ts).
  if (api.limits.beforeRoutes.length > 0) app.use('/api', ...api.limits.beforeRoutes);

  app.use(healthRoutes(deps));
  calendarRoutes(deps, api);
  diagnosticsRoutes(deps, api);
  devLoginRoutes(deps, api);
  directoryRoutes(deps, api);
  policyRoutes(deps, api);
  proposalRoutes(deps, api);
  notificationRoutes(deps, api);
  followUpRoutes(deps, api);
  supervisionRoutes(deps, api);
  campaignRoutes(deps, api);
  guaranteeRoutes(deps, api);
  attachmentRoutes(deps, api);
  app.use(methodNotAllowed(api.registry)); // before the routes: a literal path wins over a template
  app.use(api.router);

  const openapi = new OpenApiGeneratorV3(api.registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: '回音 Huiyin API',
      version: '0.1.0',
      description: '提案办理与民主监督的持久化工作流引擎：件件有回音，事事有着落。',
    },
    servers: [{ url: deps.config.PUBLIC_URL }],
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: '回音 Huiyin API' }));
  // The web workspace: `/`, `/items/:id` (the link in every notification) and its files under /web.
  app.use(webRoutes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
