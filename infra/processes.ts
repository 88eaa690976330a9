/**
 * Starting and stopping the local servers and the app processes as children in
 * their own process groups, so stopping one leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { connect, createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Writable } from 'node:stream';
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

/**
 * How long a server may take to open its port. Generous: a server that is up in 2 s on an idle
 * machine can take a minute on a busy 2-core one (CI, or the test suite's own workers).
 */
export const serverStartTimeoutMs = 120_000;
/**
 * The time-skipping test server starts once per workflow test: three attempts of this fit in jest's
 * 120 s hook timeout, and a JVM that needs more than half a minute is better killed and tried again.
 */
export const testServerStartTimeoutMs = 35_000;
/** A start slower than this is reported, so a slow machine is visible before it becomes a failure. */
const slowStartMs = 10_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be spawned at all (e.g. a missing binary). */
  error?: Error;
}

export interface Managed {
  name: string;
  child: ChildProcess;
  /** Resolves (never rejects) once the process has exited or could not be spawned. */
  exited: Promise<Exit>;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process group is gone. */
  stop(): Promise<void>;
  /** SIGKILL the whole group at once (synchronous, for exit handlers). */
  kill(): void;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** File that receives stdout and stderr; the terminal is inherited when neither this nor `log` is given. */
  logFile?: string;
  /** A stream for stdout and stderr that stays open when the process exits, so its restart can reuse it. */
  log?: Writable;
  /**
   * In a process group of its own (the default), so stopping it stops its children too. A single
   * process that should get the terminal's Ctrl-C with us (a test server) passes false.
   */
  detached?: boolean;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: SpawnOptions = {},
): Managed {
  const detached = opts.detached ?? true;
  const child = spawn(command, args, {
    detached, // own process group: Ctrl-C reaches us, and we stop the whole group
    env: { ...process.env, ...opts.env },
    stdio: opts.logFile || opts.log ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  pipeOutput(child, opts);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, error }); // never spawned: no 'exit'
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  // A group may outlive its leader; a lone process that has exited must not be signalled (pid reuse).
  const kill = () => (detached || running()) && signal(child, detached, 'SIGKILL');
  const stop = async () => {
    if (child.pid === undefined) return;
    if (running()) {
      signal(child, detached, 'SIGTERM');
      const timer = setTimeout(() => signal(child, detached, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    kill(); // grandchildren that ignored SIGTERM, or outlived a killed parent
  };
  const managed = { name, child, exited, stop, kill };
  alive.add(managed);
  void exited.then(() => alive.delete(managed));
  return managed;
}

/** Every process started here that has not exited, including one still starting up. */
const alive = new Set<Managed>();

/** Stops what is still running (e.g. a server caught half-way through a restart by Ctrl-C). */
export const stopAllStarted = () => Promise.all([...alive].map((p) => p.stop()));
/** SIGKILLs what is still running (synchronous, for exit handlers). */
export const killAllStarted = () => alive.forEach((p) => p.kill());

function pipeOutput(child: ChildProcess, opts: SpawnOptions) {
  if (opts.logFile) {
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    // Two sources, one file: ended once both are done ('close'), not by whichever ends first — the
    // other would then write after the end, an error thrown in whatever runs next in this process.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
  } else if (opts.log) {
    child.stdout?.pipe(opts.log, { end: false });
    child.stderr?.pipe(opts.log, { end: false });
  }
}

/** Signals the child's whole process group, or just the child when it has no group of its own. */
function signal(child: ChildProcess, group: boolean, sig: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(group ? -child.pid : child.pid, sig);
  } catch {
    // already gone
  }
}

/** Resolves once host:port accepts TCP connections; rejects after timeoutMs or if `proc` exits. */
export async function waitForPort(port: number, timeoutMs: number, proc?: Managed, host = '127.0.0.1') {
  const deadline = Date.now() + timeoutMs;
  let exit: Exit | undefined;
  void proc?.exited.then((e) => (exit = e));
  while (Date.now() < deadline) {
    if (exit) throw new Error(`${proc!.name} ${describeExit(exit)} before opening ${host}:${port}`);
    if (await canConnect(host, port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc?.name ?? 'server'} did not open ${host}:${port} within ${timeoutMs / 1000} s`);
}

/** "exited (code 1)", "was killed (SIGKILL)", "could not be started (spawn … ENOENT)". */
export function describeExit(exit: Exit): string {
  if (exit.error) return `could not be started (${exit.error.message})`;
  if (exit.signal) return `was killed (${exit.signal})`;
  return `exited (code ${exit.code})`;
}

/**
 * Runs `start` until it succeeds, at most `attempts` times, saying why an attempt failed and when
 * a start was slow. `start` must clean up after itself when it throws (see `startServer`).
 */
export async function startWithRetry<T>(
  what: string,
  start: () => Promise<T>,
  { attempts = 3, warn = (msg: string) => console.warn(msg) } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const began = Date.now();
    try {
      const started = await start();
      const tookMs = Date.now() - began;
      if (tookMs > slowStartMs)
        warn(`[huiyin] ${what} took ${(tookMs / 1000).toFixed(1)} s to start (busy machine?)`);
      return started;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (attempt >= attempts) throw new Error(`${what} did not start after ${attempts} attempts: ${why}`);
      warn(`[huiyin] ${what} did not start (attempt ${attempt} of ${attempts}): ${why}; trying again`);
    }
  }
}

/** Spawns a server and waits for its ports; a server that does not come up is stopped, not left behind. */
async function startServer(proc: Managed, ports: number[], timeoutMs = serverStartTimeoutMs) {
  try {
    for (const port of ports) await waitForPort(port, timeoutMs, proc);
    return proc;
  } catch (err) {
    await proc.stop();
    throw err;
  }
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
  log?: Writable;
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
    { env: { TEMPORAL_VERSION_CHECK_DISABLED: '1' }, logFile: o.logFile, log: o.log },
  );
  return startServer(proc, [o.port, o.uiPort]);
}

/** FerretDB (SQLite backend) through the project's launcher in infra/ferretdb. */
export async function startFerretDb(o: {
  dataDir: string;
  port: number;
  logFile?: string;
  log?: Writable;
}): Promise<Managed> {
  const proc = startProcess(
    'ferretdb',
    ferretdbBin,
    ['--listen-addr', `127.0.0.1:${o.port}`, '--dir', path.join(o.dataDir, 'ferretdb')],
    { logFile: o.logFile, log: o.log },
  );
  return startServer(proc, [o.port]);
}

/**
 * The Java time-skipping test server on a free port. Started here rather than by the SDK, whose
 * launcher gives it a fixed 5 s to answer (hard-coded in sdk-core) — too short on a busy machine.
 */
export async function startTestServer(o: { logFile?: string } = {}): Promise<Managed & { address: string }> {
  const port = await freePort();
  const proc = startProcess('time-skipping test server', testServerBin, [String(port)], {
    logFile: o.logFile,
    detached: false, // one JVM (the wrapper execs java), stopped with jest by Ctrl-C
  });
  await startServer(proc, [port], testServerStartTimeoutMs);
  return Object.assign(proc, { address: `127.0.0.1:${port}` });
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
