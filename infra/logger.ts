import pino, { type LoggerOptions } from 'pino';

/**
 * Credentials never reach a log line: bearer tokens and cookies in the request headers pino-http logs,
 * and cookies a response sets. Applied by every logger this module makes and by the API's request logger
 * (api/app.ts), whatever logger it was handed.
 */
export const logRedaction = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["proxy-authorization"]',
    'res.headers["set-cookie"]',
    'headers.authorization',
    'headers.cookie',
  ],
  censor: '[redacted]',
} satisfies LoggerOptions['redact'];

/** One structured JSON logger per process. */
export function createLogger(level: string) {
  return pino({ level, base: { app: 'huiyin' }, redact: logRedaction });
}
