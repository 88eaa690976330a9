/* global process, fetch, AbortSignal */
// The image's HEALTHCHECK (Dockerfile): the API must answer /healthz; a worker, its metrics listener
// when it has one (HUIYIN_WORKER_METRICS_PORT). Which process this container runs is read from PID 1's
// command line, so one image serves both. Plain JavaScript: it runs without tsx, every 30 s.
import { readFileSync } from 'node:fs';

const cmdline = readFileSync('/proc/1/cmdline', 'utf8');
const worker = cmdline.includes('worker/main.ts');
const port = worker ? process.env.HUIYIN_WORKER_METRICS_PORT : (process.env.PORT ?? '3000');
// A worker without a listener has nothing to ask: it is healthy while its process runs.
if (!port) process.exit(0);

const url = `http://127.0.0.1:${port}/${worker ? 'metrics' : 'healthz'}`;
fetch(url, { signal: AbortSignal.timeout(4000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
