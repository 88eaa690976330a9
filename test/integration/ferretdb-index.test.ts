/**
 * The FerretDB launcher (infra/ferretdb/main.go) on a FerretDB of this suite's own (it is restarted):
 * - the `_id` index: SQLite's plan for the statements FerretDB runs for an `_id` equality (find, update,
 *   delete) searches an index, for a collection that existed when the launcher started and for one
 *   created while it runs;
 * - concurrent writers to one database wait for its write lock instead of failing with
 *   `database is locked (SQLITE_BUSY)` (InternalError, code 1).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient, type Db } from 'mongodb';
import { ferretdbBin, freePort, startFerretDb, type Managed } from '../../infra/processes';

const run = promisify(execFile);
const dataDir = mkdtempSync(path.join(tmpdir(), 'huiyin-ferretdb-index-'));
const sqliteDir = path.join(dataDir, 'ferretdb'); // where startFerretDb puts the database files
let port: number;
let server: Managed | undefined;
let client: MongoClient | undefined;

/** Starts the launcher on this suite's directory; `idIndex: false` starts it without the index. */
async function start({ idIndex = true } = {}) {
  const before = process.env.HUIYIN_FERRETDB_ID_INDEX;
  process.env.HUIYIN_FERRETDB_ID_INDEX = idIndex ? 'on' : 'off'; // the launcher inherits our environment
  try {
    server = await startFerretDb({ dataDir, port, logFile: path.join(dataDir, 'ferretdb.log') });
  } finally {
    if (before === undefined) delete process.env.HUIYIN_FERRETDB_ID_INDEX;
    else process.env.HUIYIN_FERRETDB_ID_INDEX = before;
  }
  client = await MongoClient.connect(`mongodb://127.0.0.1:${port}`, { serverSelectionTimeoutMS: 5_000 });
}

/** The launcher started by an earlier test, or a new one (should a test run alone). */
async function running() {
  if (!client) await start();
  return client!;
}

async function stop() {
  await client?.close();
  await server?.stop();
  client = server = undefined;
}

/** SQLite's plan for FerretDB's find, update and delete by `_id`, from `ferretdb explain-id`. */
async function plan(db: string, collection: string) {
  const { stdout } = await run(ferretdbBin, [
    'explain-id',
    '-dir',
    sqliteDir,
    '-db',
    db,
    '-collection',
    collection,
  ]);
  return stdout;
}

/** Every statement's plan searches the launcher's index (`SEARCH … USING INDEX <table>_huiyin_id`). */
function usesIndex(output: string) {
  const lines = output.split('\n').filter((line) => line.startsWith('  '));
  return lines.length === 3 && lines.every((line) => /^ {2}SEARCH \S+ USING INDEX \S+_huiyin_id /.test(line));
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** FerretDB's own explain of `find({_id})`: the SQL text it really runs, planned by SQLite. */
async function ferretPlan(db: Db, collection: string, id: string): Promise<string[]> {
  const res = await db.command({ explain: { find: collection, filter: { _id: id } } });
  return res.queryPlanner.Plan as string[];
}

const pad = 'x'.repeat(1000);
const docs = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ _id: `doc-${from + i}`, pad }));

beforeAll(async () => {
  port = await freePort();
});

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the _id index', () => {
  test('a collection that exists when the launcher starts has it before the first client connects', async () => {
    await start({ idIndex: false });
    await client!.db('early').collection<{ _id: string }>('items').insertMany(docs(0, 2_000));
    // Without the launcher's index FerretDB's `_id` statements scan: the check below can tell.
    expect(await plan('early', 'items')).toMatch(/^ {2}SCAN /m);
    expect(usesIndex(await plan('early', 'items'))).toBe(false);
    await stop();

    await start();
    expect(usesIndex(await plan('early', 'items'))).toBe(true);
    const items = client!.db('early').collection<{ _id: string }>('items');
    expect(await items.findOne({ _id: 'doc-1999' })).toMatchObject({ _id: 'doc-1999' });
    // FerretDB's own explain shows it too, once its pooled connection has run a statement since the
    // index came (SQLite re-reads a changed schema when a statement runs, not when one is explained).
    expect(await ferretPlan(client!.db('early'), 'items', 'doc-1999')).toEqual([
      expect.stringMatching(/SEARCH \S+ USING INDEX \S+_huiyin_id /),
    ]);
    // The index is the launcher's: clients see FerretDB's indexes only.
    expect((await items.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_']);
  });

  test('a collection created while the launcher runs gets it within seconds', async () => {
    const db = (await running()).db('later');
    await db.collection<{ _id: string; pad: string }>('fresh').insertOne({ _id: 'first', pad });
    const output = await eventually(async () => {
      const output = await plan('later', 'fresh');
      return usesIndex(output) ? output : undefined;
    });
    expect(output).toContain(`WHERE _ferretdb_sjson->'$._id' = ?`);
    await eventually(async () => {
      await db.collection<{ _id: string }>('fresh').findOne({ _id: 'first' });
      const [line] = await ferretPlan(db, 'fresh', 'first');
      return /USING INDEX \S+_huiyin_id/.test(line) ? line : undefined;
    });
    expect(await db.collection('fresh').countDocuments()).toBe(1);
  });
});

describe('concurrent writers', () => {
  test('32 writers (inserts, _id updates of one and of many documents, new collections) raise no error', async () => {
    const db = (await running()).db('contended');
    const load = db.collection<{ _id: string; pad: string; by?: number; at?: number }>('load');
    // A collection large enough that, without the index, each `_id` update holds the write lock for
    // a full scan and writers queue past the busy timeout.
    for (let i = 0; i < 20_000; i += 1_000) await load.insertMany(docs(i, 1_000));
    await load.insertOne({ _id: 'shared', pad });
    await eventually(async () => (usesIndex(await plan('contended', 'load')) ? true : undefined));

    const writers = 32;
    const rounds = 6;
    const errors: unknown[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < rounds; i++) {
          const ops = [
            () => load.insertOne({ _id: `new-${w}-${i}`, pad }),
            () => load.updateOne({ _id: 'shared' }, { $set: { by: w, at: i } }),
            () => load.updateOne({ _id: `doc-${w * 500}` }, { $set: { by: w, at: i } }),
            () => load.updateOne({ _id: `new-${w}-${i}` }, { $set: { by: w, at: i } }),
            () => db.collection<{ _id: string }>(`created-${w}-${i}`).insertOne({ _id: 'one' }),
          ];
          for (const op of ops) await op().catch((err: unknown) => errors.push(err));
        }
      }),
    );

    expect(errors).toEqual([]);
    expect(await load.countDocuments()).toBe(20_001 + writers * rounds);
    // Each document written by one writer only ends as it last wrote it. (Writes to one document by
    // several writers raise no error, but FerretDB v1 applies an update as a read then a write, so
    // concurrent updates of one document can overwrite each other: see store/counters.ts.)
    for (let w = 0; w < writers; w++) {
      expect(await load.findOne({ _id: `doc-${w * 500}` })).toMatchObject({ by: w, at: rounds - 1 });
      expect(await load.findOne({ _id: `new-${w}-${rounds - 1}` })).toMatchObject({ by: w, at: rounds - 1 });
    }
    expect((await db.listCollections().toArray()).length).toBe(1 + writers * rounds);
  });
});
