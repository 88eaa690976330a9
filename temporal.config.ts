/**
 * How the worker and the API reach Temporal: a local dev server by default, or a
 * cluster / Temporal Cloud through TEMPORAL_ADDRESS with mTLS or an API key.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/client';
import { loadEnv } from './config';
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
