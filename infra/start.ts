/**
 * `npm start`: provisions what is missing, starts the Temporal dev server and
 * FerretDB (unless TEMPORAL_ADDRESS / MONGODB_URI point elsewhere), the worker and
 * the API, and keeps them running (infra/supervise.ts); prints the URLs; on Ctrl-C /
 * SIGTERM stops them all.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import pino from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { loadAppConfig, withStartDemo } from '../config';
import { describeMailTarget, loadNotifyConfig } from '../notify.config';
import { loadTemporalConfig } from '../temporal.config';
import {
  canConnect,
  killAllStarted,
  startFerretDb,
  startProcess,
  startTemporalDev,
  startWithRetry,
  stopAllStarted,
  type Managed,
} from './processes';
import { loadSecretKey } from './secret-key';
import { Supervisor } from './supervise';

const root = path.resolve(__dirname, '..');
const dataDir = path.join(root, 'data');
const logDir = path.join(dataDir, 'logs');
const supervisors: Supervisor<Managed>[] = [];
const logStreams: RotatingFileStream[] = [];
const say = (msg: string) => console.log(`[huiyin] ${msg}`);
/** A server that exits this many times in a row without running a minute is given up on. */
const serverRestarts = 5;
/** Each process's log, data/logs/<name>.log, rotates at this size and keeps this many old files. */
const logRotation = { size: '10M', rotate: 5 } as const;

async function main() {
  const started = Date.now();
  // The worker and the API run in demo mode unless the user chose otherwise (config.ts).
  const childEnv = withStartDemo(process.env);
  const app = loadAppConfig(childEnv);
  // Demo makes its secrets-at-rest key (data/secret.key) now, so the worker and the API read the same one.
  if (loadSecretKey(childEnv).source === 'demo-file') say('secrets at rest: demo key data/secret.key');
  const temporal = loadTemporalConfig();
  const localTemporal = !temporal.external;
  const localDb = process.env.MONGODB_URI === undefined;

  if (localTemporal || localDb)
    execFileSync('bash', [path.join(root, 'infra', 'provision.sh'), 'servers'], { stdio: 'inherit' });

  if (localTemporal) {
    await refuseBusyPort(7233, 'Temporal');
    say('starting Temporal dev server (SQLite: data/temporal.db)…');
    await supervise(
      'temporal',
      'Temporal dev server',
      (log) => startTemporalDev({ dataDir, port: 7233, uiPort: 8233, log }),
      serverRestarts,
    );
  } else say(`using Temporal at ${temporal.TEMPORAL_ADDRESS}`);

  if (localDb) {
    await refuseBusyPort(27017, 'FerretDB');
    say('starting FerretDB (SQLite: data/ferretdb/)…');
    await supervise(
      'ferretdb',
      'FerretDB',
      (log) => startFerretDb({ dataDir, port: 27017, log }),
      serverRestarts,
    );
  } else say('using the database at MONGODB_URI');

  await refuseBusyPort(app.PORT, 'the API');
  say('starting worker and API…');
  for (const part of ['worker', 'api'])
    await supervise(part, part, async (log) =>
      startTs(part, path.join(root, part, 'main.ts'), childEnv, log),
    );
  await waitForReady(`http://${app.HOST}:${app.PORT}/readyz`, 90_000);

  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`API        ${app.PUBLIC_URL}   (docs: ${app.PUBLIC_URL}/docs)`);
  say(`Workspace  ${app.PUBLIC_URL.replace(/\/$/, '')}/   (web: board, inbox, /items/<id>)`);
  if (localTemporal) say(`Temporal   ${temporal.TEMPORAL_UI_URL}   (Web UI)`);
  say(`logs       ${path.relative(process.cwd(), logDir) || logDir}/`);
  say(`mail       ${describeMailTarget(loadNotifyConfig(app).mail)}`);
  say('Ctrl-C stops everything.');
}

/**
 * Starts a process (a server: with retries) and keeps it running. Its output and the supervisor's
 * events about it go to data/logs/<name>.log, which rotates by size; the events also to the console.
 */
async function supervise(
  name: string,
  label: string,
  start: (log: RotatingFileStream) => Promise<Managed>,
  maxRestarts?: number,
) {
  const log = rotatingLog(name);
  const events = pino({ base: { app: 'huiyin', component: 'supervisor', process: name } }, log);
  const first = await startWithRetry(label, () => start(log), {
    attempts: maxRestarts === undefined ? 1 : 3,
    warn: (msg) => (console.warn(msg), events.warn(msg)),
  });
  const supervisor = new Supervisor(first, {
    name: label,
    start: () => start(log),
    maxRestarts,
    log: (level, msg) => {
      (level === 'info' ? console.log : console.warn)(`[huiyin] ${msg}`);
      events[level](msg);
    },
    onGiveUp: () => {
      say(`stopping everything: ${label} cannot be kept running; see ${logFile(name)}`);
      void stopAll(1);
    },
  });
  supervisors.push(supervisor);
}

/** data/logs/<name>.log, renamed to <name>.log.1 … .5 as it fills (the oldest is dropped). */
function rotatingLog(name: string) {
  mkdirSync(logDir, { recursive: true });
  const stream = createStream((time) => (time ? `${name}.log.${time}` : `${name}.log`), {
    path: logDir,
    ...logRotation,
  });
  stream.on('error', (err) => console.warn(`[huiyin] log ${logFile(name)}: ${err.message}`));
  logStreams.push(stream);
  return stream;
}

const logFile = (name: string) => path.join(path.relative(process.cwd(), logDir) || logDir, `${name}.log`);

/**
 * A TypeScript entry run by node itself with tsx as a loader (not the tsx CLI, whose signal relay
 * SIGKILLs a child that is slow to acknowledge a signal — too slow for a graceful shutdown under load).
 */
function startTs(name: string, entry: string, env: NodeJS.ProcessEnv, log: RotatingFileStream) {
  return startProcess(name, process.execPath, ['--import', 'tsx', entry], { env, log });
}

async function refuseBusyPort(port: number, what: string) {
  if (await canConnect('127.0.0.1', port)) {
    throw new Error(`port ${port} (for ${what}) is already in use — is another \`npm start\` running?`);
  }
}

/** Waits for the API; a process that exits meanwhile is a start-up failure, not something to retry. */
async function waitForReady(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const dead = supervisors.find((s) => s.exits > 0);
    if (dead) throw new Error(`${dead.name} exited during start; see ${logFile(dead.current.name)}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`API not ready at ${url} within ${timeoutMs / 1000}s: ${last}`);
}

let stopping = false;
async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  for (const supervisor of [...supervisors].reverse()) await supervisor.stop();
  await stopAllStarted(); // one a supervisor was starting when we were stopped
  await Promise.all(logStreams.map((stream) => (stream.end(), finished(stream).catch(() => {}))));
  say('stopped.');
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
// Last resort if this process ends without stopping them (an uncaught crash): no server is left behind.
process.on('exit', killAllStarted);
process.on('SIGTERM', () => void stopAll(0));

main().catch(async (err) => {
  console.error(`[huiyin] ${err instanceof Error ? err.message : err}`);
  await stopAll(1);
});
