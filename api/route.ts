/**
 * One declaration per endpoint: the zod schemas validate the request at the edge
 * AND generate the OpenAPI document, and `roles` both enforces and documents who
 * may call it — so neither the docs nor the checks can drift from the code.
 */
import type { Request, Response, Router } from 'express';
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { hasRole, roleLabels, type Caller, type Role } from '../domain/roles';
import type { Auth } from './auth';
import { forbidden, invalidRequest } from './errors';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Empty = z.ZodObject<Record<string, never>>;

/** Where routes are declared: the router they mount on, the OpenAPI registry, and authentication. */
export interface Api {
  router: Router;
  registry: OpenAPIRegistry;
  auth: Auth;
}

export interface RouteInput<Q, B, P, C> {
  query: Q;
  body: B;
  params: P;
  caller: C;
}

/** Who may call an endpoint: 'public', or any of the listed roles (the caller then reaches the handler). */
export type Access = 'public' | readonly Role[];

export interface RouteSpec<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType, A extends Access> {
  method: Method;
  path: string; // express syntax, e.g. /api/proposals/:id
  summary: string;
  tags: string[];
  roles: A;
  query?: Q;
  body?: B;
  params?: P;
  /** Documented success status and body. */
  status?: number;
  response?: z.ZodType;
  handler: (
    input: RouteInput<z.infer<Q>, z.infer<B>, z.infer<P>, A extends 'public' ? undefined : Caller>,
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

export function route<
  A extends Access,
  Q extends z.ZodType = Empty,
  B extends z.ZodType = Empty,
  P extends z.ZodType = Empty,
>(api: Api, spec: RouteSpec<Q, B, P, A>) {
  const status = spec.status ?? 200;
  api.registry.registerPath(document(spec, status));

  api.router[spec.method](spec.path, async (req, res) => {
    const caller = spec.roles === 'public' ? undefined : await authorize(api.auth, req, spec.roles);
    const input = {
      query: check(spec.query, req.query, 'query'),
      body: check(spec.body, req.body ?? {}, 'body'),
      params: check(spec.params, req.params, 'params'),
      caller,
    };
    const result = await spec.handler(input as never, req, res);
    if (!res.headersSent) res.status(status).json(result);
  });
}

async function authorize(auth: Auth, req: Request, allowed: readonly Role[]): Promise<Caller> {
  const caller = await auth.authenticate(req);
  if (!hasRole(caller, ...allowed)) {
    throw forbidden(`无权执行此操作：需要角色 ${allowed.map((r) => `${r}（${roleLabels[r]}）`).join('、')}`);
  }
  return caller;
}

function document(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType, Access>, status: number) {
  const secured = spec.roles !== 'public';
  const who = secured ? `Roles: ${(spec.roles as readonly Role[]).join(', ')}` : 'Public.';
  const config: RouteConfig = {
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    summary: spec.summary,
    description: who,
    tags: spec.tags,
    security: secured ? [{ bearer: [] }] : undefined,
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
      ...(secured
        ? { 401: { description: 'No valid token' }, 403: { description: 'Wrong role or unit' } }
        : {}),
    },
  };
  return config;
}

function check(schema: z.ZodType | undefined, value: unknown, where: string) {
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, where);
  return parsed.data;
}
