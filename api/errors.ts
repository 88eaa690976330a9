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

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (err instanceof HttpError) {
    res.status(err.status).json(errorBody(err.code, err.message, err.details));
    return;
  }
  // Malformed JSON bodies and oversize payloads from express.json().
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    res.status(err.status).json(errorBody('invalid_request', `请求体无效：${err.message}`));
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  res.status(500).json(errorBody('internal_error', '服务器内部错误，请稍后重试', { requestId: req.id }));
};
