/**
 * One declaration per endpoint: the zod schemas validate the request at the edge
 * AND generate the OpenAPI document, so the docs cannot drift from the code.
 */
import type { Request, Response, Router } from 'express';
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { invalidRequest } from './errors';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType> {
  method: Method;
  path: string; // express syntax, e.g. /api/proposals/:id
  summary: string;
  tags: string[];
  query?: Q;
  body?: B;
  params?: P;
  /** Documented success status and body. */
  status?: number;
  response?: z.ZodType;
  /** Whether the endpoint needs a bearer token (documentation; enforcement lives in `before`). */
  secured?: boolean;
  handler: (
    input: { query: z.infer<Q>; body: z.infer<B>; params: z.infer<P> },
    req: Request,
    res: Response,
  ) => Promise<unknown> | unknown;
}

export function createRegistry() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  return registry;
}

type Empty = z.ZodObject<Record<string, never>>;

export function route<Q extends z.ZodType = Empty, B extends z.ZodType = Empty, P extends z.ZodType = Empty>(
  router: Router,
  registry: OpenAPIRegistry,
  spec: RouteSpec<Q, B, P>,
) {
  const status = spec.status ?? 200;
  const doc: RouteConfig = {
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    summary: spec.summary,
    tags: spec.tags,
    security: spec.secured ? [{ bearer: [] }] : undefined,
    request: {
      query: spec.query as z.ZodObject | undefined,
      params: spec.params as z.ZodObject | undefined,
      body: spec.body ? { content: { 'application/json': { schema: spec.body } } } : undefined,
    },
    responses: {
      [status]: {
        description: 'OK',
        content: spec.response ? { 'application/json': { schema: spec.response } } : undefined,
      },
    },
  };
  registry.registerPath(doc);

  router[spec.method](spec.path, async (req, res) => {
    const input = {
      query: check(spec.query, req.query, 'query'),
      body: check(spec.body, req.body ?? {}, 'body'),
      params: check(spec.params, req.params, 'params'),
    };
    const result = await spec.handler(input as never, req, res);
    if (!res.headersSent) res.status(status).json(result);
  });
}

function check(schema: z.ZodType | undefined, value: unknown, where: string) {
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, where);
  return parsed.data;
}
