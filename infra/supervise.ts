/**
 * Keeps a process running under `npm start`: when it exits it is started again after a backoff
 * that doubles with each quick exit (1 s, 2 s, 4 s … capped at 30 s) and resets once a run has
 * lasted a minute. A process with a restart limit (the servers) is given up on after that many
 * quick exits in a row, and the caller decides what giving up means (stopping the stack).
 */
import { describeExit, type Exit } from './processes';

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  /** A run at least this long counts as stable: the next exit starts the backoff afresh. */
  stableMs: number;
}

export const defaultBackoff: BackoffSettings = { initialMs: 1_000, maxMs: 30_000, stableMs: 60_000 };

/** The delay before each restart, from how long the previous run lasted. */
export class Backoff {
  /** Exits in a row that came before a stable run. */
  quickExits = 0;

  constructor(private readonly settings: BackoffSettings = defaultBackoff) {}

  next(ranMs: number): number {
    if (ranMs >= this.settings.stableMs) this.quickExits = 0;
    const delay = Math.min(this.settings.initialMs * 2 ** this.quickExits, this.settings.maxMs);
    this.quickExits++;
    return delay;
  }
}

/** What the supervisor needs of a running process (infra/processes.ts `Managed` has it). */
export interface Supervisable {
  child: { pid?: number };
  exited: Promise<Exit>;
  stop(): Promise<void>;
  /** SIGKILL what is left of its process group (children of a process that was killed). */
  kill(): void;
}

export interface SuperviseOptions<P extends Supervisable> {
  /** As the messages name it: "worker", "Temporal dev server". */
  name: string;
  /** Starts a new instance; may throw (a server that does not come up), which counts as a quick exit. */
  start: () => Promise<P>;
  /** Quick exits in a row after which the process is given up on; unlimited when absent. */
  maxRestarts?: number;
  backoff?: BackoffSettings;
  /** Where the events go (the console and the process's own log). */
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** Called once when the restart limit is reached. */
  onGiveUp: (reason: string) => void;
}

export class Supervisor<P extends Supervisable> {
  /** The instance running now (or the last one, while a restart is pending). */
  current: P;
  /** Exits and restarts so far (`npm start` treats an exit before the stack is ready as a failure). */
  exits = 0;
  restarts = 0;
  private readonly backoff: Backoff;
  private startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  /** Watches `first`, an instance the caller has started (with its own retries) and found ready. */
  constructor(
    first: P,
    private readonly o: SuperviseOptions<P>,
  ) {
    this.backoff = new Backoff(o.backoff);
    this.current = first;
    this.watch(first);
  }

  get name() {
    return this.o.name;
  }

  /** Stops supervising and stops the process; a pending or running restart is abandoned. */
  async stop() {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.current.stop();
  }

  private watch(proc: P) {
    this.startedAt = Date.now();
    void proc.exited.then((exit) => {
      if (this.stopping || proc !== this.current) return;
      this.exits++;
      proc.kill(); // what its process group still holds (e.g. tsx's esbuild) goes with it
      this.schedule(`${this.o.name} ${describeExit(exit)}`, Date.now() - this.startedAt);
    });
  }

  /** Waits the backoff, or gives up when the limit of quick exits is reached. */
  private schedule(what: string, ranMs: number) {
    const delay = this.backoff.next(ranMs);
    if (this.backoff.quickExits > (this.o.maxRestarts ?? Infinity)) {
      const reason = `${what}, and did not keep running after ${this.o.maxRestarts} restarts; giving up`;
      this.o.log('error', reason);
      this.o.onGiveUp(reason);
      return;
    }
    this.o.log('warn', `${what}, restarting in ${delay / 1000} s`);
    this.timer = setTimeout(() => void this.restart(), delay);
  }

  private async restart() {
    let proc: P;
    try {
      proc = await this.o.start();
    } catch (err) {
      if (!this.stopping) this.schedule(`${this.o.name} did not start (${errorText(err)})`, 0);
      return;
    }
    if (this.stopping) return void (await proc.stop()); // stopped while it was starting
    this.current = proc;
    this.restarts++;
    this.o.log('info', `${this.o.name} restarted (pid ${proc.child.pid})`);
    this.watch(proc);
  }
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
