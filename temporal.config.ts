/**
 * How the worker and the API reach Temporal: a local dev server by default, or a
 * cluster / Temporal Cloud through TEMPORAL_ADDRESS with mTLS or an API key.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError, loadEnv } from './config';
import { searchAttributeKeys } from './workflows/search-attributes';

const cliType: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', BOOL: 'Bool', TEXT: 'Text' };

const temporalSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('huiyin'),
  /** Temporal Cloud API key; implies TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
});

export type TemporalConfig = ReturnType<typeof loadTemporalConfig>;

export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env) {
  const cfg = loadEnv(temporalSchema, env);
  if (Boolean(cfg.TEMPORAL_TLS_CERT_PATH) !== Boolean(cfg.TEMPORAL_TLS_KEY_PATH)) {
    throw new Error(
      'Invalid configuration:\n  TEMPORAL_TLS_CERT_PATH: set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH',
    );
  }
  return { ...cfg, external: env.TEMPORAL_ADDRESS !== undefined };
}

/** A whole number written out: `z.coerce` would read an empty value as 0 (no cache at all). */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/**
 * A cached workflow holds about 1 MB of the worker's heap (measured with 10,000 open: 1,000 cached took
 * 1.2–1.5 GiB, 400 about 1.3 GiB of RSS; 250 with `--max-old-space-size=700` stays under 1 GiB). See README
 * § Benchmarks (open work).
 */
export const defaultWorkerCacheSize = 400;

const workerSchema = z.object({
  /** Workflows kept in the worker's sticky cache (0: none). More means fewer replays and more memory. */
  HUIYIN_WORKER_CACHE_SIZE: wholeNumber(0, 1_000_000)
    .refine((n) => n !== 1, 'must be 0 (no sticky cache) or at least 2')
    .default(defaultWorkerCacheSize),
  /** Workflow tasks the worker runs at once (SDK default 40); at most the cache size. */
  HUIYIN_WORKER_WORKFLOW_TASKS: wholeNumber(2, 10_000).optional(),
});

export type WorkerConfig = ReturnType<typeof loadWorkerConfig>;

/** How much the worker holds and runs at once; validated at start with a message naming the variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env) {
  const cfg = loadEnv(workerSchema, env);
  const cache = cfg.HUIYIN_WORKER_CACHE_SIZE;
  const tasks = cfg.HUIYIN_WORKER_WORKFLOW_TASKS;
  if (tasks !== undefined && cache > 0 && tasks > cache)
    throw new ConfigError(
      `Invalid configuration:\n  HUIYIN_WORKER_WORKFLOW_TASKS: must not exceed HUIYIN_WORKER_CACHE_SIZE (${cache})`,
    );
  return cfg;
}

/** Connection options shared by the client (api/) and the worker's NativeConnection. */
export function connectionOptions(cfg: TemporalConfig): {
  address: string;
  apiKey?: string;
  tls?: TLSConfig;
} {
  const mtls = cfg.TEMPORAL_TLS_CERT_PATH && cfg.TEMPORAL_TLS_KEY_PATH;
  const useTls = cfg.TEMPORAL_TLS === 'true' || Boolean(mtls || cfg.TEMPORAL_API_KEY);
  return {
    address: cfg.TEMPORAL_ADDRESS,
    apiKey: cfg.TEMPORAL_API_KEY,
    tls: useTls
      ? {
          serverNameOverride: cfg.TEMPORAL_TLS_SERVER_NAME,
          serverRootCACertificate: cfg.TEMPORAL_TLS_CA_PATH
            ? readFileSync(cfg.TEMPORAL_TLS_CA_PATH)
            : undefined,
          clientCertPair: mtls
            ? {
                crt: readFileSync(cfg.TEMPORAL_TLS_CERT_PATH!),
                key: readFileSync(cfg.TEMPORAL_TLS_KEY_PATH!),
              }
            : undefined,
        }
      : undefined,
  };
}

/** Search attributes the dev server registers (`--search-attribute Name=Type`); see workflows/search-attributes.ts. */
export const searchAttributes: Record<string, string> = Object.fromEntries(
  searchAttributeKeys.map((key) => [key.name, cliType[key.type]]),
);
