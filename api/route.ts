/**
 * One declaration per endpoint: the zod schemas validate the request at the edge
 * AND generate the OpenAPI document, and `roles` both enforces and documents who
 * may call it — so neither the docs nor the checks can drift from the code.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { hasRole, roleLabels, type Caller, type Role } from '../domain/roles';
import type { Auth } from './auth';
import { forbidden, invalidRequest } from './errors';
import type { LimitName, Limits } from './limits';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const json = 'application/json';
type Empty = z.ZodObject<Record<string, never>>;

/** Where routes are declared: the router they mount on, the OpenAPI registry, authentication, limits. */
export interface Api {
  router: Router;
  registry: OpenAPIRegistry;
  auth: Auth;
  limits: Limits;
}

export interface RouteInput<Q, B, P, C, H = Record<string, never>> {
  query: Q;
  body: B;
  params: P;
  caller: C;
  /** Validated request headers (names lower-case), when the route declares `headers`. */
  headers: H;
}

/** Who may call an endpoint: 'public', or any of the listed roles (the caller then reaches the handler). */
export type Access = 'public' | readonly Role[];

export interface RouteSpec<
  Q extends z.ZodType,
  B extends z.ZodType,
  P extends z.ZodType,
  A extends Access,
  H extends z.ZodType = Empty,
> {
  method: Method;
  path: string; // express syntax, e.g. /api/proposals/:id
  summary: string;
  tags: string[];
  roles: A;
  query?: Q;
  body?: B;
  params?: P;
  headers?: H;
  /** Media type of the body (default application/json); a text type arrives as a string. */
  bodyType?: string;
  /** The largest body taken, e.g. '2mb' (default by media type: `bodyLimits`). */
  bodyLimit?: string;
  /** A stricter rate budget of its own (api/limits.ts), on top of the per-IP and per-user ones. */
  limit?: LimitName;
  /** Documented success status and body. */
  status?: number;
  response?: z.ZodType;
  /** Media type of the success body (default application/json; the handler sends other types itself). */
  responseType?: string;
  /** Further documented outcomes, e.g. { 404: 'No such proposal' }. */
  responses?: Record<number, string>;
  handler: (
    input: RouteInput<
      z.infer<Q>,
      z.infer<B>,
      z.infer<P>,
      A extends 'public' ? undefined : Caller,
      z.infer<H>
    >,
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
  H extends z.ZodType = Empty,
>(api: Api, spec: RouteSpec<Q, B, P, A, H>) {
  const status = spec.status ?? 200;
  api.registry.registerPath(document(spec, status));

  // Authentication first, then the rate limits that count per user, and only then is a body read.
  const handlers: RequestHandler[] = [
    ...(spec.roles === 'public' ? [] : [authorizing(api.auth, spec.roles)]),
    ...api.limits.afterAuth(spec.limit),
    ...bodyParser(spec),
  ];
  api.router[spec.method](spec.path, ...handlers, async (req, res) => {
    const caller = res.locals.caller as Caller | undefined;
    const input = {
      query: check(spec.query, req.query, 'query'),
      body: check(spec.body, req.body ?? {}, 'body'),
      params: check(spec.params, req.params, 'params'),
      headers: check(spec.headers, req.headers, 'headers'),
      caller,
    };
    const result = await spec.handler(input as never, req, res);
    if (!res.headersSent) res.status(status).json(result);
  });
}

/** Sets `res.locals.caller`, or refuses: 401 without a valid token, 403 without one of the roles. */
function authorizing(auth: Auth, allowed: readonly Role[]): RequestHandler {
  return async (req, res, next) => {
    const caller = await auth.authenticate(req);
    if (!hasRole(caller, ...allowed)) {
      throw forbidden(
        `无权执行此操作：需要角色 ${allowed.map((r) => `${r}（${roleLabels[r]}）`).join('、')}`,
      );
    }
    res.locals.caller = caller;
    next();
  };
}

/**
 * Body limits by media type. JSON: the longest texts one body carries are a reply (50,000 + 10,000
 * characters), up to 6 bytes each as JSON `\u` escapes; CSV: a year of proposals with their full text.
 */
export const bodyLimits: Record<string, string> = { [json]: '512kb', 'text/csv': '20mb' };

/** The parser of the route's declared body, if it has one; other media types are left unread. */
function bodyParser(spec: { body?: z.ZodType; bodyType?: string; bodyLimit?: string }): RequestHandler[] {
  if (!spec.body) return [];
  const type = spec.bodyType ?? json;
  const limit = spec.bodyLimit ?? bodyLimits[type] ?? bodyLimits[json];
  return [type === json ? express.json({ limit }) : express.text({ type, limit })];
}

function document(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType, Access, z.ZodType>, status: number) {
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
      headers: spec.headers as z.ZodObject | undefined,
      body: spec.body ? { content: { [spec.bodyType ?? json]: { schema: spec.body } } } : undefined,
    },
    responses: {
      [status]: {
        description: 'OK',
        content: spec.response ? { [spec.responseType ?? json]: { schema: spec.response } } : undefined,
      },
      ...Object.fromEntries(
        Object.entries(spec.responses ?? {}).map(([code, description]) => [code, { description }]),
      ),
      ...(secured
        ? { 401: { description: 'No valid token' }, 403: { description: 'Wrong role or unit' } }
        : {}),
      ...(spec.body ? { 413: { description: 'Body too large (payload_too_large)' } } : {}),
      429: { description: 'Too many requests (rate_limited); retry after the Retry-After seconds' },
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
