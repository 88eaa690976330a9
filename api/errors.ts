import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';

/** A refused request: the one JSON error shape `{ error: { code, message, details } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} 不存在`);
export const forbidden = (why = '无权执行此操作') => new HttpError(403, 'forbidden', why);
export const unauthorized = (why = '需要登录') => new HttpError(401, 'unauthorized', why);
export const conflict = (why: string, details?: unknown) => new HttpError(409, 'conflict', why, details);

export interface FieldIssue {
  field: string;
  message: string;
}

/** A 400 whose message names the first offending field and whose details list them all. */
export const invalidFields = (issues: FieldIssue[]) =>
  new HttpError(400, 'invalid_request', `参数 ${issues[0].field} 无效：${issues[0].message}`, { issues });

/** Turns zod issues into a 400 whose message names the first offending field. */
export function invalidRequest(error: z.ZodError, where: string): HttpError {
  return invalidFields(
    error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message })),
  );
}

export const errorBody = (code: string, message: string, details?: unknown) => ({
  error: { code, message, ...(details === undefined ? {} : { details }) },
});

export const notFoundHandler: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'not_found', `没有这个接口：${req.method} ${req.path}`));

/**
 * Refusals of the body parsers (body-parser's `type`) and other http-errors, answered with a fixed
 * message: their own text describes parser internals, never shown to a caller.
 */
const clientErrors: Record<string, [code: string, message: string]> = {
  'entity.too.large': ['payload_too_large', '请求体过大'],
  'entity.parse.failed': ['invalid_request', '请求体不是有效的 JSON'],
  'entity.verify.failed': ['invalid_request', '请求体校验失败'],
  'request.aborted': ['invalid_request', '请求在传输中被中断'],
  'request.size.invalid': ['invalid_request', '请求体长度与 Content-Length 不符'],
  'charset.unsupported': ['unsupported_media_type', '不支持的字符集，请使用 UTF-8'],
  'encoding.unsupported': ['unsupported_media_type', '不支持的内容编码'],
  'parameters.too.many': ['payload_too_large', '请求参数过多'],
};

function clientError(err: { status: number; type?: unknown }) {
  const [code, message] = clientErrors[String(err.type)] ?? ['invalid_request', '请求无效'];
  return errorBody(code, message);
}

/**
 * Whether `err` (or an error it wraps) says Temporal or the database could not be reached: gRPC
 * UNAVAILABLE or DEADLINE_EXCEEDED under a Temporal client error, or a MongoDB driver's network, server
 * selection or closed-connection error. Nothing was decided; the client may retry (with its Idempotency-Key).
 */
export function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { name, code, message } = e as { name?: unknown; code?: unknown; message?: unknown };
    if (
      typeof name === 'string' &&
      /^Mongo(ose)?(Network|ServerSelection|NotConnected|TopologyClosed)/.test(name)
    )
      return true;
    if (name === 'MongooseError' && typeof message === 'string' && /buffering timed out/.test(message))
      return true;
    // @grpc/grpc-js status codes: 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED (`details` and `metadata` mark a gRPC error).
    if ((code === 14 || code === 4) && 'details' in e && 'metadata' in e) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** What a caller is told while Temporal or the database cannot be reached. */
export const unavailable = () =>
  new HttpError(
    503,
    'service_unavailable',
    '服务暂时不可用（工作流服务或数据库无法连接），请稍后使用同一 Idempotency-Key 重试',
  );

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (!(err instanceof HttpError) && isUnavailable(err)) {
    req.log?.warn({ err }, 'dependency unavailable');
    res.set('Retry-After', '5');
    res.status(503).json(errorBody('service_unavailable', unavailable().message, { requestId: req.id }));
    return;
  }
  if (err instanceof HttpError && err.status < 500) {
    res.status(err.status).json(errorBody(err.code, err.message, err.details));
    return;
  }
  if (err instanceof HttpError) {
    // Our own 5xx: its message is written for people; its details may hold internal text (log only).
    req.log?.warn({ err, details: err.details }, 'request failed');
    res.status(err.status).json(errorBody(err.code, err.message, { requestId: req.id }));
    return;
  }
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    req.log?.info({ err }, 'request refused');
    res.status(err.status).json(clientError(err));
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  res.status(500).json(errorBody('internal_error', '服务器内部错误，请稍后重试', { requestId: req.id }));
};
