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
  /** Demo mode seeds demo users and enables dev-login; never on in production. */
  HUIYIN_DEMO: flag.optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  /** Where webhook messages may go (API and worker both check): group robots of DingTalk and WeCom. */
  WEBHOOK_ALLOWED_HOSTS: webhookHosts.default(parseAllowedHosts(defaultWebhookHosts)),
});

export type AppConfig = ReturnType<typeof loadAppConfig>;

export function loadAppConfig(env: NodeJS.ProcessEnv = process.env) {
  const raw = loadEnv(appSchema, env);
  const production = raw.NODE_ENV === 'production';
  const demo = raw.HUIYIN_DEMO ?? !production;
  if (production && demo)
    throw new ConfigError(
      'Invalid configuration:\n  HUIYIN_DEMO: demo mode is refused when NODE_ENV=production',
    );
  if (production && !raw.JWT_SECRET && !raw.JWT_JWKS_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  JWT_SECRET: set JWT_SECRET or JWT_JWKS_URL when NODE_ENV=production',
    );
  }
  return {
    ...raw,
    demo,
    // A fixed secret is acceptable only in demo mode, where dev-login hands out tokens anyway.
    JWT_SECRET:
      raw.JWT_SECRET ?? (raw.JWT_JWKS_URL ? undefined : 'huiyin-demo-secret-not-for-production-use!'),
    PUBLIC_URL: raw.PUBLIC_URL ?? `http://${raw.HOST}:${raw.PORT}`,
  };
}
