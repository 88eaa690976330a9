import pino from 'pino';

/** One structured JSON logger per process. */
export function createLogger(level: string) {
  return pino({ level, base: { app: 'huiyin' } });
}
