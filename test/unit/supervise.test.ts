/**
 * The supervisor's restart rules on fake processes and jest's fake clock: no real process, no
 * wall-clock waiting.
 */
import { startWithRetry, type Exit } from '../../infra/processes';
import { Backoff, Supervisor, type SuperviseOptions } from '../../infra/supervise';

/** A process that exits when the test says so. */
function fakeProcess(pid: number) {
  let resolve!: (exit: Exit) => void;
  const exited = new Promise<Exit>((r) => (resolve = r));
  return {
    child: { pid },
    exited,
    exit: (code: number | null = 1, signal: NodeJS.Signals | null = null) => resolve({ code, signal }),
    stop: jest.fn(async () => resolve({ code: null, signal: 'SIGTERM' })),
    kill: jest.fn(),
  };
}
type Fake = ReturnType<typeof fakeProcess>;

const flush = () => jest.advanceTimersByTimeAsync(0);

/** A supervisor of fake processes with pids 100, 101, …; `started` holds every instance started. */
function supervised(options: Partial<SuperviseOptions<Fake>> = {}) {
  let pid = 100;
  const started = [fakeProcess(pid)];
  const log: string[] = [];
  const onGiveUp = jest.fn();
  const start = jest.fn(async () => {
    const proc = fakeProcess(++pid);
    started.push(proc);
    return proc;
  });
  const supervisor = new Supervisor(started[0], {
    name: 'worker',
    start,
    log: (level, msg) => log.push(`${level}: ${msg}`),
    onGiveUp,
    ...options,
  });
  const last = () => started.at(-1)!;
  return { supervisor, started, last, start, log, onGiveUp };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('Backoff', () => {
  test('doubles from 1 s with each quick exit, up to 30 s', () => {
    const backoff = new Backoff();
    expect([0, 0, 0, 0, 0, 0, 0].map(() => backoff.next(500))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
  });

  test('starts afresh after a run of a minute', () => {
    const backoff = new Backoff();
    [1, 2, 3].forEach(() => backoff.next(0));
    expect(backoff.next(60_000)).toBe(1_000);
    expect(backoff.next(59_999)).toBe(2_000);
  });
});

describe('Supervisor', () => {
  test('a process that exits is started again after the backoff, and both events are logged', async () => {
    const { supervisor, started, start, log } = supervised();
    started[0].exit(1);
    await flush();
    expect(started[0].kill).toHaveBeenCalled(); // what is left of its process group
    expect(log).toEqual(['warn: worker exited (code 1), restarting in 1 s']);

    await jest.advanceTimersByTimeAsync(999);
    expect(start).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(start).toHaveBeenCalledTimes(1);
    expect(supervisor.current.child.pid).toBe(101);
    expect(supervisor.restarts).toBe(1);
    expect(log.at(-1)).toBe('info: worker restarted (pid 101)');
  });

  test('quick exits in a row wait longer each time; a stable run resets the wait', async () => {
    const { last, log } = supervised();
    const crashAndRestart = async (ranMs: number) => {
      await jest.advanceTimersByTimeAsync(ranMs);
      last().exit(1);
      await flush();
      const delay = Number(log.at(-1)!.match(/restarting in (\d+) s/)![1]);
      await jest.advanceTimersByTimeAsync(delay * 1000);
      return delay;
    };
    const delays = [];
    for (const ranMs of [10, 10, 10, 60_000, 10]) delays.push(await crashAndRestart(ranMs));
    expect(delays).toEqual([1, 2, 4, 1, 2]);
  });

  test('a process killed by a signal says so', async () => {
    const { started, log } = supervised();
    started[0].exit(null, 'SIGKILL');
    await flush();
    expect(log).toEqual(['warn: worker was killed (SIGKILL), restarting in 1 s']);
  });

  test('a server is given up on after its limit of quick exits, with the reason', async () => {
    const { last, start, onGiveUp, log } = supervised({ name: 'FerretDB', maxRestarts: 2 });
    for (let i = 0; i < 2; i++) {
      last().exit(1);
      await jest.advanceTimersByTimeAsync(30_000);
    }
    expect(start).toHaveBeenCalledTimes(2);
    last().exit(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(start).toHaveBeenCalledTimes(2);
    expect(onGiveUp).toHaveBeenCalledTimes(1);
    expect(onGiveUp.mock.calls[0][0]).toBe(
      'FerretDB exited (code 1), and did not keep running after 2 restarts; giving up',
    );
    expect(log.at(-1)).toMatch(/^error: FerretDB exited \(code 1\), and did not keep running/);
  });

  test('a restart that fails to start counts as a quick exit and is tried again', async () => {
    const { supervisor, started, start, log } = supervised();
    start.mockRejectedValueOnce(new Error('temporal did not open 127.0.0.1:7233 within 120 s'));
    started[0].exit(1);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(log.at(-1)).toBe(
      'warn: worker did not start (temporal did not open 127.0.0.1:7233 within 120 s), restarting in 2 s',
    );
    await jest.advanceTimersByTimeAsync(2_000);
    expect(start).toHaveBeenCalledTimes(2);
    expect(supervisor.current.child.pid).toBe(101);
  });

  test('stop() cancels a pending restart and stops the process', async () => {
    const { supervisor, started, start } = supervised();
    started[0].exit(1);
    await flush();
    await supervisor.stop();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(start).not.toHaveBeenCalled();
  });

  test('stop() while a restart is starting stops the new instance too', async () => {
    let finishStart!: () => void;
    const late = fakeProcess(200);
    const { supervisor, started } = supervised({
      start: () => new Promise((resolve) => (finishStart = () => resolve(late))),
    });
    started[0].exit(1);
    await jest.advanceTimersByTimeAsync(1_000);
    const stopped = supervisor.stop();
    finishStart();
    await stopped;
    await flush();
    expect(late.stop).toHaveBeenCalled();
    expect(supervisor.current).toBe(started[0]);
  });

  test('an exit after stop() is not restarted', async () => {
    const { supervisor, started, start, log } = supervised();
    await supervisor.stop();
    expect(started[0].stop).toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(start).not.toHaveBeenCalled();
    expect(log).toEqual([]);
  });
});

describe('startWithRetry', () => {
  test('tries again after a failed start, saying why', async () => {
    const warnings: string[] = [];
    const start = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(new Error('FerretDB exited (code 1) before opening 127.0.0.1:27017'))
      .mockResolvedValueOnce('up');
    await expect(startWithRetry('FerretDB', start, { warn: (m) => warnings.push(m) })).resolves.toBe('up');
    expect(warnings).toEqual([
      '[huiyin] FerretDB did not start (attempt 1 of 3): FerretDB exited (code 1) before opening 127.0.0.1:27017; trying again',
    ]);
  });

  test('gives up after the last attempt with the last reason', async () => {
    const start = jest.fn(async () => {
      throw new Error('did not open 127.0.0.1:7233 within 120 s');
    });
    await expect(startWithRetry('Temporal dev server', start, { warn: () => {} })).rejects.toThrow(
      'Temporal dev server did not start after 3 attempts: did not open 127.0.0.1:7233 within 120 s',
    );
    expect(start).toHaveBeenCalledTimes(3);
  });
});
