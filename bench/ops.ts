/**
 * Operations at scale: BENCH_OPS_ITEMS (10,000) open items in an isolated stack (the chaos kit's: Temporal
 * dev server, FerretDB, the real worker and API as child processes), then
 *
 * - `reconcile` (infra/reconcile.ts, what `npm run reconcile` runs): items checked per second — every
 *   workflow's history fetched, its projections replayed into a scratch database, compared row by row;
 * - `backup` (infra/backup.ts, `npm run backup`) of the running stack, in seconds;
 * - `restore` of that backup into a new data directory (the file copy `npm run restore` does), then the
 *   time until Temporal and FerretDB serve it again, and a check that every item is there.
 *
 * Each item is a clock drill (workflows/clock-drill.ts) holding one running clock with the default policy's
 * 2-working-day sign-for limit: a workflow with a plan, a clock row, a timeline entry and open-work rows,
 * started through Temporal at BENCH_OPS_CONCURRENCY (32) at once. Prints figures; asserts nothing.
 * `npx tsx bench/ops.ts` (run it nice'd on a shared machine). Loading dominates: the worker's activities
 * on FerretDB, 53 minutes for 10,000 on this project's busy 2-core machine; reconcile took 7 more.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPolicy } from '../domain/policy';
import { backup, restore } from '../infra/backup';
import { startChaosStack, until } from '../infra/chaos/kit';
import { freePort, startFerretDb, startTemporalDev } from '../infra/processes';
import { reconcile } from '../infra/reconcile';
import { connectStore } from '../store';
import type { clockDrill } from '../workflows/clock-drill';

const ITEMS = Number(process.env.BENCH_OPS_ITEMS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_OPS_CONCURRENCY ?? 32);
const say = (msg: string) => console.log(`[bench ops] ${msg} (load ${loadavg()[0].toFixed(1)})`);
const seconds = (since: number) => (performance.now() - since) / 1000;

async function main() {
  const stack = await startChaosStack('ops');
  const work = mkdtempSync(path.join(tmpdir(), 'huiyin-ops-'));
  try {
    say(`starting ${ITEMS} clock drills, ${CONCURRENCY} at once…`);
    let next = 0;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ITEMS) {
          const i = next++;
          await stack.temporal.workflow.start<typeof clockDrill>('clockDrill', {
            workflowId: `ops-${i}`,
            taskQueue: stack.env.TEMPORAL_TASK_QUEUE,
            args: [{ policy: defaultPolicy, clock: 'signFor' }],
          });
          if ((i + 1) % 1000 === 0) say(`${i + 1} started`);
        }
      }),
    );
    say(`${ITEMS} started in ${seconds(began).toFixed(0)} s (${(ITEMS / seconds(began)).toFixed(1)}/s)`);

    // Loaded when every drill's clock row is in the read model (its projections have run).
    const views = stack.store.conn.db!.collection<{ _id: string; rows?: Record<string, string> }>('views');
    const recorded = async () => {
      let n = 0;
      for await (const doc of views.find({}, { projection: { _id: 1, rows: 1 } }))
        if (
          doc._id.startsWith('item/ops-') &&
          Object.keys(doc.rows ?? {}).some((r) => r.startsWith('clock|'))
        )
          n++;
      return n;
    };
    let last = 0;
    await until(
      'all drills recorded',
      async () => {
        last = await recorded();
        say(`${last} of ${ITEMS} drills recorded after ${seconds(began).toFixed(0)} s`);
        if (last < ITEMS) await new Promise((r) => setTimeout(r, 20_000));
        return last >= ITEMS;
      },
      3_600_000,
    );
    say(`loaded in ${seconds(began).toFixed(0)} s`);

    const r0 = performance.now();
    const report = await reconcile({ temporal: stack.temporal, store: stack.store });
    const wrong = report.differences.filter((d) => d.kind !== 'extra').length;
    say(
      `reconcile: ${report.workflows} workflows, ${report.projected} projections in ${seconds(r0).toFixed(1)} s ` +
        `= ${(report.workflows / seconds(r0)).toFixed(1)} items/s; ${wrong} rows missing or different`,
    );

    const b0 = performance.now();
    const saved = await backup(stack.dir, path.join(work, 'backup'));
    say(
      `backup (running stack): ${saved.files.length} files, ${(saved.bytes / 2 ** 20).toFixed(1)} MiB in ${seconds(b0).toFixed(1)} s`,
    );
    await stack.stop();

    const restored = path.join(work, 'restored');
    const t0 = performance.now();
    restore(path.join(work, 'backup'), restored);
    const copySeconds = seconds(t0);
    const [port, uiPort, dbPort] = [await freePort(), await freePort(), await freePort()];
    const servers = await Promise.all([
      startTemporalDev({ dataDir: restored, port, uiPort, logFile: path.join(work, 'temporal.log') }),
      startFerretDb({ dataDir: restored, port: dbPort, logFile: path.join(work, 'ferretdb.log') }),
    ]);
    const upSeconds = seconds(t0);
    try {
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      const store = await connectStore(`mongodb://127.0.0.1:${dbPort}/huiyin`);
      let count = 0;
      for await (const info of new Client({ connection }).workflow.list({
        query: 'WorkflowType="clockDrill"',
      }))
        count += info.type === 'clockDrill' ? 1 : 0;
      const docs = await store.conn.db!.collection('views').estimatedDocumentCount();
      say(
        `restore: files copied in ${copySeconds.toFixed(1)} s, servers serving it after ${upSeconds.toFixed(1)} s; ` +
          `${count} drills in Temporal, ${docs} view documents`,
      );
      await connection.close();
      await store.close();
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  } finally {
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
