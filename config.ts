/**
 * Process configuration, read once from the environment and validated with zod.
 * A bad value stops the process with a message naming the variable.
 */
import { z } from 'zod';
import { defaultWebhookHosts, parseAllowedHosts } from './domain/webhooks';

/** Parses `env` with `schema`; on failure throws one message naming every bad variable. */
export function loadEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce.number().int().min(1).max(65535);
/** Comma-separated webhook hosts; `http://host` also allows plain http to that host. */
const webhookHosts = z.string().transform((list, ctx) => {
  try {
    return parseAllowedHosts(list);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Asymmetric algorithms an identity provider may sign with; never `none` or an HMAC. */
export const jwksAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
const defaultJwksAlgorithms: JwksAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
export type JwksAlgorithm = (typeof jwksAlgorithms)[number];
const algorithms = z.string().transform((list, ctx) => {
  const named = list
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const bad = named.filter((a) => !(jwksAlgorithms as readonly string[]).includes(a));
  if (named.length > 0 && bad.length === 0) return named as JwksAlgorithm[];
  ctx.addIssue({
    code: 'custom',
    message: `must list some of ${jwksAlgorithms.join(', ')}${bad.length ? ` (not ${bad.join(', ')})` : ''}`,
  });
  return z.NEVER;
});
/** A duration as whole seconds: `3600`, `90s`, `30m`, `12h`, `1d`. */
const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const duration = z
  .string()
  .trim()
  .regex(/^\d+[smhd]?$/, 'must be a duration such as 12h, 30m or 3600 (seconds)')
  .transform((v) => Number.parseInt(v) * (unitSeconds[v.at(-1)!] ?? 1))
  .pipe(
    z
      .number()
      .min(60, 'must be at least 60 seconds')
      .max(30 * 86400, 'must be at most 30 days'),
  );

const appSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URI')
    .default('mongodb://127.0.0.1:27017/huiyin'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Demo users, dev-login and (without JWT_SECRET) the built-in secret: only when set to true. */
  HUIYIN_DEMO: flag.optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** Signature algorithms accepted from the JWKS (tokens signed with JWT_SECRET are HS256 only). */
  JWT_ALGORITHMS: algorithms.optional(),
  /** The oldest token accepted, counted from its `iat`, whatever its `exp` says. */
  JWT_MAX_AGE: duration.default(12 * 3600),
  /** Clock skew allowed when checking `exp` and `iat` (a token issued "in the future" beyond it is refused). */
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** How long the API reuses a person's directory record (roles, unit, group, active) between requests. */
  HUIYIN_AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  /** Where webhook messages may go (API and worker both check): group robots of DingTalk and WeCom. */
  WEBHOOK_ALLOWED_HOSTS: webhookHosts.default(parseAllowedHosts(defaultWebhookHosts)),
});

export type AppConfig = ReturnType<typeof loadAppConfig>;
type RawAppConfig = z.infer<typeof appSchema>;

/** Not for production: the HS256 secret demo mode signs with when no JWT_SECRET is set. */
const demoSecret = 'huiyin-demo-secret-not-for-production-use!';

/** 127.0.0.0/8, ::1 and localhost: only this machine can reach a listener there. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The environment `npm start` gives its worker and API: demo mode, unless the user chose
 * HUIYIN_DEMO themselves or the API would listen beyond this machine (then it must be explicit).
 */
export function withStartDemo(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.HUIYIN_DEMO !== undefined || !isLoopback(env.HOST || '127.0.0.1')) return env;
  return { ...env, HUIYIN_DEMO: 'true' };
}

export interface AppConfigOptions {
  /** False for processes that verify no tokens (the worker): no JWT setting is required. */
  verifiesTokens?: boolean;
}

/**
 * The settings of the API (and, with `verifiesTokens: false`, of the worker). Fails closed: demo
 * mode only when HUIYIN_DEMO=true, and outside it a real key (JWT_SECRET or JWT_JWKS_URL).
 */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env, options: AppConfigOptions = {}) {
  const raw = loadEnv(appSchema, env);
  const demo = raw.HUIYIN_DEMO ?? false;
  const problems = [
    ...demoProblems(raw, demo),
    ...(options.verifiesTokens === false ? [] : keyProblems(raw, demo)),
  ];
  if (problems.length > 0)
    throw new ConfigError(`Invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
  return {
    ...raw,
    demo,
    // The built-in secret only ever in demo mode, where dev-login hands out tokens anyway.
    JWT_SECRET: raw.JWT_SECRET ?? (demo && !raw.JWT_JWKS_URL ? demoSecret : undefined),
    JWT_ALGORITHMS: raw.JWT_JWKS_URL ? (raw.JWT_ALGORITHMS ?? defaultJwksAlgorithms) : [],
    PUBLIC_URL: raw.PUBLIC_URL ?? `http://${raw.HOST}:${raw.PORT}`,
  };
}

function demoProblems(raw: RawAppConfig, demo: boolean): string[] {
  if (!demo) return [];
  if (raw.NODE_ENV === 'production') return ['HUIYIN_DEMO: demo mode is refused when NODE_ENV=production'];
  if (raw.JWT_JWKS_URL)
    return ['HUIYIN_DEMO: demo mode issues HS256 tokens and cannot be combined with JWT_JWKS_URL'];
  return [];
}

function keyProblems(raw: RawAppConfig, demo: boolean): string[] {
  if (raw.JWT_SECRET && raw.JWT_JWKS_URL)
    return ['JWT_JWKS_URL: set either JWT_SECRET or JWT_JWKS_URL, not both'];
  if (raw.JWT_JWKS_URL) return jwksProblems(raw, raw.JWT_JWKS_URL);
  const problems = raw.JWT_ALGORITHMS
    ? ['JWT_ALGORITHMS: applies to JWT_JWKS_URL only (tokens signed with JWT_SECRET are HS256)']
    : [];
  if (!raw.JWT_SECRET && !demo) problems.push(`JWT_SECRET: ${noKey(raw)}`);
  return problems;
}

/** Why the process has no key, and how to give it one. */
function noKey(raw: RawAppConfig): string {
  const why =
    'set JWT_SECRET (at least 32 characters) or JWT_JWKS_URL; the built-in secret is used only in demo mode (HUIYIN_DEMO=true)';
  if (raw.HUIYIN_DEMO === undefined && !isLoopback(raw.HOST))
    return `${why}, which a non-loopback HOST (${raw.HOST}) gets only when HUIYIN_DEMO=true is set explicitly`;
  return why;
}

function jwksProblems(raw: RawAppConfig, url: string): string[] {
  const problems: string[] = [];
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'https:' && !(protocol === 'http:' && isLoopback(hostname)))
    problems.push('JWT_JWKS_URL: must be https:// (plain http only on a loopback host)');
  if (!raw.JWT_ISSUER) problems.push('JWT_ISSUER: required with JWT_JWKS_URL (the issuer tokens must name)');
  if (!raw.JWT_AUDIENCE)
    problems.push('JWT_AUDIENCE: required with JWT_JWKS_URL (the audience tokens must be issued for)');
  return problems;
}
