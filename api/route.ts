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
import { forbidden, HttpError, invalidRequest } from './errors';
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
  /** A body the handler reads itself as a stream (uploads), never parsed: documented as binary in these media types. */
  streamBody?: readonly string[];
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

/** The one error shape of every refusal (api/errors.ts), documented on every non-success response. */
const errorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string().min(1),
    message: z.string().min(1),
    details: z.unknown().optional(),
  }),
});

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
  const refusal = (description: string) => ({ description, content: { [json]: { schema: errorSchema } } });
  const takesInput = [spec.query, spec.body, spec.params, spec.headers, spec.streamBody].some(Boolean);
  const binary = { type: 'string', format: 'binary' } as const;
  // A body that `{}` does not satisfy must be sent: without one the handler sees `{}` and refuses it.
  const bodyRequired = spec.body ? !spec.body.safeParse({}).success : false;
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
      body: spec.body
        ? { required: bodyRequired, content: { [spec.bodyType ?? json]: { schema: spec.body } } }
        : spec.streamBody
          ? {
              required: true,
              content: Object.fromEntries(spec.streamBody.map((type) => [type, { schema: binary }])),
            }
          : undefined,
    },
    // Every refusal is documented with the one error shape, so a fuzzer checks its body too.
    responses: {
      [status]: {
        description: 'OK',
        content: spec.response ? { [spec.responseType ?? json]: { schema: spec.response } } : undefined,
      },
      ...(takesInput ? { 400: refusal('Invalid input (invalid_request), naming the fields') } : {}),
      ...(spec.params ? { 404: refusal('No such item, or not visible to the caller (not_found)') } : {}),
      ...Object.fromEntries(
        Object.entries(spec.responses ?? {}).map(([code, description]) => [
          code,
          Number(code) >= 400 ? refusal(description) : { description },
        ]),
      ),
      ...(secured ? { 401: refusal('No valid token'), 403: refusal('Wrong role or unit') } : {}),
      ...(spec.body || spec.streamBody ? { 413: refusal('Body too large (payload_too_large)') } : {}),
      429: refusal('Too many requests (rate_limited); retry after the Retry-After seconds'),
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

/**
 * A documented path asked with a method it does not have: 405 method_not_allowed with an Allow
 * header, in the one error shape (Express alone answers such a request as an unknown path, 404, or
 * hands it to a templated route: GET /api/proposals/import reached GET /api/proposals/{id}, a 400).
 * As in OpenAPI, a literal path wins over templated ones. OPTIONS is answered 204 with the Allow.
 * Mounted before the routes; a request for a documented method passes through untouched.
 */
export function methodNotAllowed(registry: OpenAPIRegistry): RequestHandler {
  let table: { path: string; pattern: RegExp; literal: boolean; methods: Set<string> }[] | undefined;
  const routes = () =>
    (table ??= [
      ...registry.definitions
        .flatMap((d) => (d.type === 'route' ? [d.route] : []))
        .reduce((byPath, { path, method }) => {
          byPath.set(path, (byPath.get(path) ?? new Set<string>()).add(method.toUpperCase()));
          return byPath;
        }, new Map<string, Set<string>>()),
    ].map(([path, methods]) => {
      const parts = path.split(/\{\w+\}/);
      const pattern = parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+');
      return { path, pattern: new RegExp(`^${pattern}/?$`), literal: parts.length === 1, methods };
    }));
  return (req, res, next) => {
    const path = req.path.length > 1 ? req.path.replace(/\/$/, '') : req.path;
    const literal = routes().find((r) => r.literal && r.path === path);
    const matching = literal ? [literal] : routes().filter((r) => r.pattern.test(req.path));
    const allowed = new Set(matching.flatMap((r) => [...r.methods]));
    if (allowed.size === 0) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.has(req.method)) return next();
    const allow = [...allowed, 'OPTIONS'].join(', ');
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next(
      new HttpError(405, 'method_not_allowed', `接口 ${req.path} 不支持 ${req.method} 方法，可用：${allow}`),
    );
  };
}
