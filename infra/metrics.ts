/**
 * Prometheus metrics shared by the API (`GET /metrics`, api/metrics.ts) and the worker (its own small
 * listener, worker/metrics.ts): the settings, who may scrape, and the worker's HTTP listener.
 * Metrics name items by kind only, never by id or person: labels stay few and carry no personal data.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { loadEnv } from '../config';

const metricsSchema = z.object({
  /** Bearer token a scraper beyond this machine must send; without it only loopback may scrape. */
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  /** The worker's metrics listener; unset (the default): no listener and no metrics sampling. */
  HUIYIN_WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Where the worker's listener binds: loopback by default, 0.0.0.0 in a container. */
  HUIYIN_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export type MetricsSettings = ReturnType<typeof loadMetricsSettings>;

export function loadMetricsSettings(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(metricsSchema, env);
}

/** 127.0.0.0/8 and ::1, also as an IPv4-mapped IPv6 address (how a dual-stack socket reports them). */
export function isLoopbackAddress(ip: string | undefined): boolean {
  if (!ip) return false;
  const bare = ip.replace(/^::ffff:/i, '');
  return bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time comparison (of digests, so the lengths match) of `Bearer <token>` with the token. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const sent = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return sent !== undefined && timingSafeEqual(digest(sent), digest(token));
}

/**
 * Whether a scrape is allowed: from loopback always; from elsewhere only with the bearer
 * METRICS_TOKEN (401 without or with a wrong one), and never when no token is set (403).
 */
export function scrapeAccess(
  ip: string | undefined,
  authorization: string | undefined,
  token: string | undefined,
): 200 | 401 | 403 {
  if (isLoopbackAddress(ip)) return 200;
  if (!token) return 403;
  return bearerMatches(authorization, token) ? 200 : 401;
}

export interface MetricsListenerOptions {
  host: string;
  port: number;
  token?: string;
  contentType: string;
  /** The exposition text; called per scrape, so it must be cheap (no database query). */
  collect: () => Promise<string>;
}

/**
 * The worker's listener: `GET /metrics` only. The peer is the socket's own address (no proxy is
 * trusted here), so a scraper on another machine needs the token.
 */
export async function serveMetrics(options: MetricsListenerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
    const status = scrapeAccess(req.socket.remoteAddress, req.headers.authorization, options.token);
    if (status !== 200) {
      if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      return void res.writeHead(status).end();
    }
    options.collect().then(
      (text) => res.writeHead(200, { 'Content-Type': options.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The port a listener got (useful when it asked for port 0). */
export const listeningPort = (server: Server) => (server.address() as AddressInfo).port;
