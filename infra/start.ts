/**
 * `npm start`: provisions what is missing, starts the Temporal dev server and
 * FerretDB (unless TEMPORAL_ADDRESS / MONGODB_URI point elsewhere), the worker and
 * the API; prints the URLs; on Ctrl-C / SIGTERM stops them all.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadAppConfig } from '../config';
import { describeMailTarget, loadNotifyConfig } from '../notify.config';
import { loadTemporalConfig } from '../temporal.config';
import { canConnect, startFerretDb, startProcess, startTemporalDev, type Managed } from './processes';

const root = path.resolve(__dirname, '..');
const dataDir = path.join(root, 'data');
const logDir = path.join(dataDir, 'logs');
const running: Managed[] = [];
const say = (msg: string) => console.log(`[huiyin] ${msg}`);

async function main() {
  const started = Date.now();
  const app = loadAppConfig();
  const temporal = loadTemporalConfig();
  const localTemporal = !temporal.external;
  const localDb = process.env.MONGODB_URI === undefined;

  if (localTemporal || localDb)
    execFileSync('bash', [path.join(root, 'infra', 'provision.sh'), 'servers'], { stdio: 'inherit' });

  if (localTemporal) {
    await refuseBusyPort(7233, 'Temporal');
    say('starting Temporal dev server (SQLite: data/temporal.db)…');
    running.push(
      await startTemporalDev({
        dataDir,
        port: 7233,
        uiPort: 8233,
        logFile: path.join(logDir, 'temporal.log'),
      }),
    );
  } else say(`using Temporal at ${temporal.TEMPORAL_ADDRESS}`);

  if (localDb) {
    await refuseBusyPort(27017, 'FerretDB');
    say('starting FerretDB (SQLite: data/ferretdb/)…');
    running.push(await startFerretDb({ dataDir, port: 27017, logFile: path.join(logDir, 'ferretdb.log') }));
  } else say('using the database at MONGODB_URI');

  await refuseBusyPort(app.PORT, 'the API');
  say('starting worker and API…');
  for (const part of ['worker', 'api']) running.push(startTs(part, path.join(root, part, 'main.ts')));
  await waitForReady(`http://${app.HOST}:${app.PORT}/readyz`, 90_000);

  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`API        ${app.PUBLIC_URL}   (docs: ${app.PUBLIC_URL}/docs)`);
  say(`Workspace  ${app.PUBLIC_URL.replace(/\/$/, '')}/   (web: board, inbox, /items/<id>)`);
  if (localTemporal) say(`Temporal   ${temporal.TEMPORAL_UI_URL}   (Web UI)`);
  say(`logs       ${path.relative(process.cwd(), logDir) || logDir}/`);
  say(`mail       ${describeMailTarget(loadNotifyConfig(app).mail)}`);
  say('Ctrl-C stops everything.');

  for (const proc of running) {
    proc.child.once('exit', (code) => {
      if (!stopping) {
        say(`${proc.name} exited unexpectedly (code ${code}); see ${path.join(logDir, proc.name + '.log')}`);
        void stopAll(1);
      }
    });
  }
}

/**
 * A TypeScript entry run by node itself with tsx as a loader (not the tsx CLI, whose signal relay
 * SIGKILLs a child that is slow to acknowledge a signal — too slow for a graceful shutdown under load).
 */
function startTs(name: string, entry: string) {
  return startProcess(name, process.execPath, ['--import', 'tsx', entry], {
    logFile: path.join(logDir, `${name}.log`),
  });
}

async function refuseBusyPort(port: number, what: string) {
  if (await canConnect('127.0.0.1', port)) {
    throw new Error(`port ${port} (for ${what}) is already in use — is another \`npm start\` running?`);
  }
}

async function waitForReady(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const dead = running.find((p) => p.child.exitCode !== null);
    if (dead)
      throw new Error(`${dead.name} exited during start; see ${path.join(logDir, dead.name + '.log')}`);
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
  for (const proc of [...running].reverse()) await proc.stop();
  say('stopped.');
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
// Last resort if this process ends without stopping them (an uncaught crash): no server is left behind.
process.on('exit', () => running.forEach((p) => p.kill()));
process.on('SIGTERM', () => void stopAll(0));

main().catch(async (err) => {
  console.error(`[huiyin] ${err instanceof Error ? err.message : err}`);
  await stopAll(1);
});
