/**
 * `_id` access on FerretDB (SQLite backend) with and without the launcher's `_id` index
 * (infra/ferretdb/main.go): `findOne({_id})` and `updateOne({_id}, {$set})` on one collection of
 * BENCH_DOCS (default 100,000) documents of ~1 KB, for an early row (inserted first) and a late one
 * (inserted last). Prints p50/p95; asserts nothing. Run: `npx tsx bench/id-index.ts`.
 *
 * One data directory, two runs of the launcher: first with the index off (HUIYIN_FERRETDB_ID_INDEX=off,
 * which the launcher reads from the environment it inherits), which loads the documents and measures;
 * then a restart with the index on, which builds it before FerretDB listens, and the same measurements.
 * Env: BENCH_DOCS, BENCH_SAMPLES (per figure with the index, default 200), BENCH_SAMPLES_SCAN (without
 * it, default 10: a late-row update then takes seconds).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import { freePort, startFerretDb, type Managed } from '../infra/processes';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const SAMPLES_SCAN = Number(process.env.BENCH_SAMPLES_SCAN ?? 10);

const say = (msg: string) => console.log(`[bench] ${msg}`);

interface Doc {
  _id: string;
  seq: number;
  owner: string;
  status: string;
  touched?: number;
  body: string;
}

const idOf = (i: number) => `item-${String(i).padStart(7, '0')}`;
const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit; '.repeat(17); // ~970 characters
const doc = (i: number): Doc => ({
  _id: idOf(i),
  seq: i,
  owner: `member-${i % 97}`,
  status: 'open',
  body: filler,
});

/** p50 and p95 of `samples` runs of `op`, in ms, after one unmeasured run. */
async function percentiles(samples: number, op: () => Promise<unknown>) {
  await op();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await op();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return `p50 ${at(0.5).toFixed(1).padStart(8)} ms   p95 ${at(0.95).toFixed(1).padStart(8)} ms`;
}

async function measure(items: Collection<Doc>, samples: number) {
  let n = 0;
  for (const [row, i] of [
    ['early', 0],
    ['late', DOCS - 1],
  ] as const) {
    const _id = idOf(i);
    say(`  findOne({_id})   ${row.padEnd(5)} ${await percentiles(samples, () => items.findOne({ _id }))}`);
    say(
      `  updateOne({_id}) ${row.padEnd(5)} ${await percentiles(samples, () =>
        items.updateOne({ _id }, { $set: { touched: ++n } }),
      )}`,
    );
  }
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'huiyin-bench-id-index-'));
  const logFile = path.join(dir, 'ferretdb.log');
  const port = await freePort();
  let server: Managed | undefined;
  let client: MongoClient | undefined;
  const stop = async () => {
    await client?.close();
    await server?.stop();
    client = server = undefined;
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  const start = async (idIndex: boolean) => {
    process.env.HUIYIN_FERRETDB_ID_INDEX = idIndex ? 'on' : 'off';
    const t = performance.now();
    server = await startFerretDb({ dataDir: dir, port, logFile });
    const ms = performance.now() - t;
    client = await MongoClient.connect(`mongodb://127.0.0.1:${port}`);
    return { ms, items: client.db('bench').collection<Doc>('items') };
  };

  try {
    say(`without the _id index (FerretDB's own indexes only): loading ${DOCS} documents of ~1 KB…`);
    const plain = await start(false);
    const t = performance.now();
    for (let i = 0; i < DOCS; i += 1_000)
      await plain.items.insertMany(Array.from({ length: Math.min(1_000, DOCS - i) }, (_, j) => doc(i + j)));
    const size = JSON.stringify(doc(0)).length;
    say(`  loaded in ${((performance.now() - t) / 1000).toFixed(1)} s (a document is ${size} bytes as JSON)`);
    say(`  ${SAMPLES_SCAN} samples each:`);
    await measure(plain.items, SAMPLES_SCAN);
    await stop();

    say('with the _id index (launcher restarted: it builds the index before FerretDB listens)…');
    const indexed = await start(true);
    const built = readFileSync(logFile, 'utf8').match(/_id index: created .* for bench\.items in (\S+)/);
    say(
      `  launcher ready in ${(indexed.ms / 1000).toFixed(1)} s; index built in ${built?.[1] ?? '(not logged)'}`,
    );
    say(`  ${SAMPLES} samples each:`);
    await measure(indexed.items, SAMPLES);
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
