/**
 * Starting and stopping the local servers and the app processes as children in
 * their own process groups, so stopping one leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { connect, createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { searchAttributes } from '../temporal.config';
import versions from './versions.json';

export const cacheDir = process.env.HUIYIN_CACHE ?? path.join(homedir(), '.cache', 'huiyin');
export const temporalBin = path.join(cacheDir, `temporal-cli-${versions.temporalCli}`, 'bin', 'temporal');
export const ferretdbBin = path.join(cacheDir, `ferretdb-${versions.ferretdb}`, 'bin', 'ferretdb');
export const testServerBin = path.join(
  cacheDir,
  `temporal-test-server-${versions.temporalTestServer}`,
  'test-server',
);

export interface Managed {
  name: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process group is gone. */
  stop(): Promise<void>;
  /** SIGKILL the whole group at once (synchronous, for exit handlers). */
  kill(): void;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** File that receives stdout and stderr; inherit the terminal when absent. */
  logFile?: string;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: SpawnOptions = {},
): Managed {
  const child = spawn(command, args, {
    detached: true, // own process group: Ctrl-C reaches us, and we stop the whole group
    env: { ...process.env, ...opts.env },
    stdio: opts.logFile ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  if (opts.logFile) {
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    signalGroup(child, 'SIGKILL'); // grandchildren that ignored SIGTERM
  };
  return { name, child, stop, kill: () => signalGroup(child, 'SIGKILL') };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is already gone
  }
}

/** Resolves once host:port accepts TCP connections; rejects after timeoutMs or if `proc` exits. */
export async function waitForPort(port: number, timeoutMs: number, proc?: Managed, host = '127.0.0.1') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited with code ${proc.child.exitCode}`);
    if (await canConnect(host, port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc?.name ?? 'server'} did not open ${host}:${port} within ${timeoutMs / 1000}s`);
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export interface TemporalDevOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  logFile?: string;
}

/** Temporal dev server with a SQLite file, the Web UI, and the project's search attributes. */
export async function startTemporalDev(o: TemporalDevOptions): Promise<Managed> {
  mkdirSync(o.dataDir, { recursive: true });
  const attrs = Object.entries(searchAttributes).flatMap(([name, type]) => [
    '--search-attribute',
    `${name}=${type}`,
  ]);
  const proc = startProcess(
    'temporal',
    temporalBin,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(o.port),
      '--ui-port',
      String(o.uiPort),
      '--db-filename',
      path.join(o.dataDir, 'temporal.db'),
      '--log-level',
      'warn',
      ...attrs,
    ],
    { env: { TEMPORAL_VERSION_CHECK_DISABLED: '1' }, logFile: o.logFile },
  );
  await waitForPort(o.port, 60_000, proc);
  await waitForPort(o.uiPort, 60_000, proc);
  return proc;
}

/** FerretDB (SQLite backend) through the project's launcher in infra/ferretdb. */
export async function startFerretDb(o: {
  dataDir: string;
  port: number;
  logFile?: string;
}): Promise<Managed> {
  const proc = startProcess(
    'ferretdb',
    ferretdbBin,
    ['--listen-addr', `127.0.0.1:${o.port}`, '--dir', path.join(o.dataDir, 'ferretdb')],
    { logFile: o.logFile },
  );
  await waitForPort(o.port, 30_000, proc);
  return proc;
}

/** A TCP port the OS says is free now (for test servers that must not clash with `npm start`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
