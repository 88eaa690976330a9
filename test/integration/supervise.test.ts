/**
 * The supervisor (infra/supervise.ts) keeping a real server running, as `npm start` does with its
 * FerretDB: killed, it comes back on the same port and data directory with the data it had; when it
 * cannot come back (its port taken meanwhile), it is given up on after its restart limit.
 * (The worker and API restarts are tested end to end in start.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort, startFerretDb, type Managed } from '../../infra/processes';
import { Supervisor } from '../../infra/supervise';

const dataDir = mkdtempSync(path.join(tmpdir(), 'huiyin-supervise-'));
const logFile = path.join(dataDir, 'ferretdb.log');
let supervisor: Supervisor<Managed> | undefined;
let blocker: Server | undefined;
const events: string[] = [];

/** FerretDB on `port` under a supervisor with short waits; resolves `gaveUp` when it is given up on. */
async function superviseFerretDb(port: number) {
  const start = () => startFerretDb({ dataDir, port, logFile });
  let giveUp!: (reason: string) => void;
  const gaveUp = new Promise<string>((resolve) => (giveUp = resolve));
  supervisor = new Supervisor(await start(), {
    name: 'FerretDB',
    start,
    maxRestarts: 2,
    backoff: { initialMs: 200, maxMs: 1_000, stableMs: 60_000 },
    log: (level, msg) => events.push(`${level}: ${msg}`),
    onGiveUp: giveUp,
  });
  return { gaveUp };
}

/** Resolves once the supervisor has logged an event matching `pattern` (polls; jest's timeout bounds it). */
async function logged(pattern: RegExp) {
  while (!events.some((e) => pattern.test(e))) await new Promise((r) => setTimeout(r, 100));
}

afterAll(async () => {
  await supervisor?.stop();
  blocker?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a killed server is restarted on its port and data, and then given up on when it cannot come back', async () => {
  const port = await freePort();
  const { gaveUp } = await superviseFerretDb(port);
  const uri = `mongodb://127.0.0.1:${port}`;
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 30_000 });
  await client
    .db('supervise')
    .collection('notes')
    .insertOne({ _id: 'before' as never, text: '重启前' });

  const first = supervisor!.current.child.pid!;
  process.kill(first, 'SIGKILL');
  await logged(/^info: FerretDB restarted \(pid \d+\)$/);
  expect(events[0]).toBe('warn: FerretDB was killed (SIGKILL), restarting in 0.2 s');
  expect(supervisor!.current.child.pid).not.toBe(first);
  const note = await client
    .db('supervise')
    .collection('notes')
    .findOne({ _id: 'before' as never });
  expect(note?.text).toBe('重启前');
  await client.close();

  // Killed again, and its port taken before it can restart: it cannot come back.
  const exited = supervisor!.current.exited;
  process.kill(supervisor!.current.child.pid!, 'SIGKILL');
  await exited;
  blocker = createServer();
  await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));
  // Its start fails, or (the port answering for it) it seems to start and then exits: either way
  // it counts as a quick exit.
  const reason = await gaveUp;
  expect(reason).toMatch(
    /^FerretDB (did not start \(.+\)|exited \(code \d+\)), and did not keep running after 2 restarts; giving up$/,
  );
});
