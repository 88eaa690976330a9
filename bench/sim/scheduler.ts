/**
 * Simulated time for many actors at once. Each actor is an async script that acts (sends Updates) and
 * then waits for a moment of simulated time with `at(t)`. When every actor waits, the scheduler moves
 * the time-skipping server's clock to the earliest moment asked for (`sleep`: meanwhile the server
 * fires every timer due — reminders, overdue marks, windows closing — and the worker runs what they
 * start), then wakes every actor whose moment has come. Actors woken together run concurrently.
 */
import { Connection } from '@temporalio/client';
import {
  InternalConnectionOptionsSymbol,
  type InternalConnectionOptions,
} from '@temporalio/client/lib/connection';
import { msToTs } from '@temporalio/common/lib/time';

/** The time-skipping server's clock: skip ahead (`sleep`), read it, and release a leaked lock. */
export interface ServerClock {
  sleep(ms: number): Promise<void>;
  now(): Promise<number>;
  /**
   * Releases one hold on time skipping. The Java test server (1.38) takes a hold when a child workflow
   * completes, to notify its parent, and never releases it when the parent has already closed — as our
   * ABANDON children (commitments, converted suggestions, letters) do. Each such hold stops the clock for
   * good; the simulation releases it once it has seen the child complete (`World.releaseOrphanHold`).
   */
  unlock(): Promise<void>;
}

/**
 * A connection to the time-skipping server for the simulation's own calls, and its clock. Its keepalive
 * pings are no more frequent than the Java server accepts (one per 5 minutes): at the SDK's default (every
 * 30 s) the server answers a connection that stays quiet through a long skip with GOAWAY
 * `too_many_pings`, and calls in flight must be retried on a new one.
 */
export async function connectToTestServer(
  address: string,
): Promise<{ connection: Connection; clock: ServerClock }> {
  const options: InternalConnectionOptions = {
    address,
    channelArgs: { 'grpc.keepalive_time_ms': 10 * 60_000, 'grpc.keepalive_permit_without_calls': 0 },
    // The SDK's own switch for the test service (what TestWorkflowEnvironment sets on its connection).
    [InternalConnectionOptionsSymbol]: { supportsTestService: true },
  };
  const connection = await Connection.connect(options);
  const testService = connection.testService!;
  return {
    connection,
    clock: {
      async sleep(ms) {
        await testService.unlockTimeSkippingWithSleep({ duration: msToTs(ms) });
      },
      async unlock() {
        await testService.unlockTimeSkipping({});
      },
      async now() {
        const { time } = await testService.getCurrentTime({});
        return Number(time!.seconds) * 1000 + Math.floor((time!.nanos ?? 0) / 1e6);
      },
    },
  };
}

interface Waiter {
  at: number;
  seq: number;
  wake: () => void;
}

export class Scheduler {
  /** The server's time as of the last move (epoch ms). */
  now = 0;
  readonly errors: { actor: string; error: unknown }[] = [];
  /** While the server skips time: since when (wall clock, performance.now()). */
  sleepingSince?: number;
  onTrace?: (line: string) => void;
  private active = 0;
  private waiters: Waiter[] = [];
  private seq = 0;
  private onIdle?: () => void;
  private slots: number;
  private queue: (() => void)[] = [];

  /** Holds on time skipping released because the server stood still with nothing running (see `sleep`). */
  stallsReleased = 0;

  /**
   * `concurrency`: how many actors may be between two waits at once (the rest queue); `workerIdle`: whether
   * the worker has nothing in flight (for the stall guard of `sleep`).
   */
  constructor(
    readonly clock: ServerClock,
    private readonly concurrency = 48,
    private readonly workerIdle: () => Promise<boolean> = async () => false,
  ) {
    this.slots = concurrency;
  }

  async sync() {
    this.now = await this.clock.now();
  }

  /** Starts an actor now; its failure is recorded under `name`, never thrown. */
  spawn(name: string, script: () => Promise<void>) {
    this.active++;
    void this.slot()
      .then(script)
      .catch((error: unknown) => this.errors.push({ actor: name, error }))
      .finally(() => {
        this.release();
        this.active--;
        this.checkIdle();
      });
  }

  /** Resolves at simulated time `t` (at once when it has passed). */
  async at(t: number): Promise<void> {
    if (t <= this.now) return;
    this.release();
    this.active--;
    await new Promise<void>((wake) => {
      this.waiters.push({ at: t, seq: this.seq++, wake });
      this.checkIdle();
    });
    await this.slot();
  }

  /** Runs until no actor waits for a moment before `until`; returns how many moves it made. */
  async run(until: number, onMove?: (now: number) => void): Promise<number> {
    await this.sync();
    let moves = 0;
    for (;;) {
      await this.idle();
      this.waiters.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.waiters[0];
      if (!next || next.at > until) return moves;
      if (next.at > this.now) await this.sleep(next.at - this.now);
      await this.sync();
      this.onTrace?.(
        `moved to ${new Date(this.now).toISOString()} (asked ${new Date(next.at).toISOString()})`,
      );
      moves++;
      onMove?.(this.now);
      const due = this.waiters.filter((w) => w.at <= this.now);
      this.waiters = this.waiters.filter((w) => w.at > this.now);
      this.active += due.length;
      for (const w of due) w.wake();
    }
  }

  /** Moves the clock to `t` with nobody waking (the end of the year). */
  async moveTo(t: number) {
    await this.idle();
    await this.sync();
    if (t > this.now) await this.sleep(t - this.now);
    await this.sync();
  }

  /**
   * Skips `ms` ahead. A guard watches meanwhile: when the server's clock crawls at wall-clock speed for
   * 10 s while the worker has nothing in flight, a hold on time skipping has leaked (one the actors did not
   * see coming, see `ServerClock.unlock`), and it releases one.
   */
  private async sleep(ms: number) {
    this.sleepingSince = performance.now();
    let done = false;
    const slept = this.clock.sleep(ms).finally(() => {
      done = true;
    });
    const guard = (async () => {
      let stalled = 0;
      let last = await this.clock.now();
      while (!done) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([slept, new Promise((r) => (timer = setTimeout(r, 1_000)))]);
        clearTimeout(timer);
        if (done) return;
        const now = await this.clock.now();
        stalled = now - last < 2_000 && (await this.workerIdle()) ? stalled + 1 : 0;
        last = now;
        if (stalled >= 10 && !done) {
          await this.clock.unlock();
          this.stallsReleased++;
          stalled = 0;
        }
      }
    })();
    try {
      await Promise.all([slept, guard]);
    } finally {
      this.sleepingSince = undefined;
    }
  }

  private idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }

  private checkIdle() {
    if (this.active === 0 && this.onIdle) {
      const resolve = this.onIdle;
      this.onIdle = undefined;
      resolve();
    }
  }

  private slot(): Promise<void> {
    if (this.slots > 0) {
      this.slots--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release() {
    const next = this.queue.shift();
    if (next) next();
    else this.slots = Math.min(this.concurrency, this.slots + 1);
  }
}
