/**
 * Abuse limits (express-rate-limit, one in-memory count per process): every /api request per client IP;
 * failed authentications (401) per IP; every authenticated request per user; and stricter budgets for
 * the expensive or sensitive routes a route declares (`limit` in api/route.ts). A refusal is a 429 in
 * the one error shape, code `rate_limited`, with Retry-After.
 *
 * Each limit is an environment variable `count/window` (`30/15m`, `600/1m`, `5/10s`) or `off`. Under
 * NODE_ENV=test every limit defaults to off: the suite and the benchmarks call far faster than people.
 */
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { loadEnv } from '../config';
import type { Caller } from '../domain/roles';
import { HttpError } from './errors';

/** The budgets a route may declare, each counted per user (per IP before login). */
export type LimitName = 'devLogin' | 'export' | 'statistics' | 'guarantee';

/** Variable → default. */
const defaults = {
  HUIYIN_RATE_IP: '1200/1m',
  HUIYIN_RATE_AUTH_FAILURES: '30/15m',
  HUIYIN_RATE_USER: '300/1m',
  HUIYIN_RATE_DEV_LOGIN: '10/1m',
  HUIYIN_RATE_EXPORT: '10/1m',
  HUIYIN_RATE_STATISTICS: '30/1m',
  HUIYIN_RATE_GUARANTEE: '10/1m',
} as const;
type Variable = keyof typeof defaults;

const routeLimits: Record<LimitName, Variable> = {
  devLogin: 'HUIYIN_RATE_DEV_LOGIN',
  export: 'HUIYIN_RATE_EXPORT',
  statistics: 'HUIYIN_RATE_STATISTICS',
  guarantee: 'HUIYIN_RATE_GUARANTEE',
};

export interface Rate {
  limit: number;
  windowMs: number;
}

const unitMs = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
const rateSchema = z
  .string()
  .trim()
  .regex(/^(off|\d+\/\d*[smh])$/, 'must be count/window (e.g. 30/15m, 600/1m, 5/10s) or off')
  .transform((value, ctx): Rate | undefined => {
    if (value === 'off') return undefined;
    const [, count, amount, unit] = value.match(/^(\d+)\/(\d*)([smh])$/)!;
    const rate = { limit: Number(count), windowMs: Number(amount || 1) * unitMs[unit as 's' | 'm' | 'h'] };
    if (rate.limit >= 1 && rate.windowMs >= 1_000 && rate.windowMs <= 24 * unitMs.h) return rate;
    ctx.addIssue({ code: 'custom', message: 'count at least 1, window from 1s to 24h' });
    return z.NEVER;
  });

export type LimitSettings = Record<Variable, Rate | undefined>;

/** The limits from the environment; `nodeEnv` 'test' turns the defaults off. */
export function loadLimits(env: NodeJS.ProcessEnv = process.env, nodeEnv = env.NODE_ENV): LimitSettings {
  const fallback = (variable: Variable) => (nodeEnv === 'test' ? 'off' : defaults[variable]);
  const schema = z.object(
    Object.fromEntries(
      (Object.keys(defaults) as Variable[]).map((v) => [v, z.string().default(fallback(v)).pipe(rateSchema)]),
    ),
  );
  return loadEnv(schema, env) as LimitSettings;
}

export interface Limits {
  /** On /api before any route: every request per IP, and failed authentications per IP. */
  beforeRoutes: RequestHandler[];
  /** After a route's authentication: every request per user, then the route's own budget. */
  afterAuth(name?: LimitName): RequestHandler[];
}

export function createLimits(settings: LimitSettings): Limits {
  const limiter = (variable: Variable, extra: Parameters<typeof rateLimit>[0] = {}) => {
    const rate = settings[variable];
    return rate ? [rateLimit({ ...base, ...rate, identifier: variable, ...extra })] : [];
  };
  const perUser = limiter('HUIYIN_RATE_USER');
  const named = new Map(
    (Object.keys(routeLimits) as LimitName[]).map((name) => [name, limiter(routeLimits[name])]),
  );
  return {
    beforeRoutes: [
      ...limiter('HUIYIN_RATE_IP', { keyGenerator: byIp }),
      // Counts only the requests that end in 401; past the limit the IP is refused until the window ends.
      ...limiter('HUIYIN_RATE_AUTH_FAILURES', {
        keyGenerator: byIp,
        skipSuccessfulRequests: true,
        requestWasSuccessful: (_req, res) => res.statusCode !== 401,
      }),
    ],
    afterAuth: (name) => [...perUser, ...(name ? named.get(name)! : [])],
  };
}

const byIp = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? '')}`;
/** The caller the route authenticated (res.locals.caller), else the client's IP. */
const byCaller = (req: Request, res: Response) => {
  const caller = res.locals.caller as Caller | undefined;
  return caller ? `user:${caller.id}` : byIp(req);
};

const base = {
  standardHeaders: 'draft-8',
  legacyHeaders: false,
  keyGenerator: byCaller,
  handler: (_req, res, next) => next(rateLimited(res)),
} satisfies Parameters<typeof rateLimit>[0];

function rateLimited(res: Response) {
  const seconds = Number(res.getHeader('Retry-After')) || 60;
  return new HttpError(429, 'rate_limited', `请求过于频繁，请 ${seconds} 秒后再试`, {
    retryAfterSeconds: seconds,
  });
}
