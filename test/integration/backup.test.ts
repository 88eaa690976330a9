/**
 * Backup and restore of the local servers' data (infra/backup.ts): snapshotted while a proposal's clock
 * runs, the data directory destroyed, restored, and the servers started again on it — the proposal is
 * there, its clock goes on and fires once, and the read model agrees with the workflows.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { backup, restore } from '../../infra/backup';
import { freePort, startFerretDb, startTemporalDev, type Managed } from '../../infra/processes';
import { reconcile } from '../../infra/reconcile';
import { defaultPolicy } from '../../domain/policy';
import { proposalWorkflowId } from '../../domain/proposal';
import { connectStore, type Store } from '../../store';
import { seedCalendar } from '../../store/calendar';
import { readItem } from '../../store/items';
import { createWorker } from '../../worker/worker';
import type { ProposalView } from '../../workflows/proposal';
import { workflowBundle } from '../helpers/bundle';
import { until } from '../helpers/supervision-api';

const root = mkdtempSync(path.join(tmpdir(), 'huiyin-backup-'));
const dataDir = path.join(root, 'data');
const taskQueue = `backup-${randomUUID()}`;
const number = '2026-0001';
let ports: { temporal: number; ui: number; db: number };

/** Servers, a worker and clients on `dataDir`; `stop` ends them all. */
async function up() {
  const servers: Managed[] = await Promise.all([
    startTemporalDev({
      dataDir,
      port: ports.temporal,
      uiPort: ports.ui,
      logFile: path.join(root, 'temporal.log'),
    }),
    startFerretDb({ dataDir, port: ports.db, logFile: path.join(root, 'ferretdb.log') }),
  ]);
  const store: Store = await connectStore(`mongodb://127.0.0.1:${ports.db}/huiyin`);
  const address = `127.0.0.1:${ports.temporal}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker: Worker = await createWorker(
    { store, connection: nativeConnection, namespace: 'default', taskQueue },
    { workflowBundle: workflowBundle() },
  );
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection });
  return {
    store,
    temporal,
    async stop() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await store.close();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

beforeAll(async () => {
  ports = { temporal: await freePort(), ui: await freePort(), db: await freePort() };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('backup while running → destroy data/ → restore: every item there, clocks go on, nothing twice', async () => {
  const first = await up();
  // Co-signing open for 20 s: its clock is running when the backup is taken, and closes after the restore.
  const policy = structuredClone(defaultPolicy);
  policy.clocks.cosigning = { ...policy.clocks.cosigning, limit: { unit: 'seconds', amount: 20 } };
  await seedCalendar(first.store);
  const handle = await first.temporal.workflow.start('proposal', {
    workflowId: proposalWorkflowId(number),
    taskQueue,
    args: [
      {
        proposalId: number,
        sessionYear: 2026,
        number,
        draft: {
          title: '关于备份的建议',
          content: '内容',
          type: 'interSession',
          coSignerIds: ['member-li'],
          leadProposerId: 'member-zhang',
        },
        policy,
        policyVersion: 1,
      },
    ],
  });
  await until(async () => (await readItem(first.store, number)).clocks.length > 0);
  const report = await backup(dataDir, path.join(root, 'backup'));
  expect(report.files).toEqual(expect.arrayContaining(['temporal.db', 'ferretdb/huiyin.sqlite']));
  expect((await handle.query<ProposalView>('view')).state.status).toBe('cosigning');
  await first.stop();

  rmSync(dataDir, { recursive: true, force: true }); // the lost disk
  restore(path.join(root, 'backup'), dataDir);

  const second = await up();
  try {
    const restored = second.temporal.workflow.getHandle(proposalWorkflowId(number));
    // The co-signing clock kept its deadline across the restore and closed the window once.
    const view = await until(async () => {
      const v = await restored.query<ProposalView>('view');
      return v.state.status === 'underReview' && v;
    }, 90_000);
    expect(view.state.proposalId).toBe(number);
    await until(async () =>
      (await readItem(second.store, number)).timeline.some((e) => e.kind === 'cosigningClosed'),
    );
    const { timeline } = await readItem(second.store, number);
    expect(timeline.filter((e) => e.kind === 'cosigningClosed')).toHaveLength(1);
    expect(timeline.filter((e) => e.kind === 'submitted')).toHaveLength(1);
    // The read model agrees with the workflows (nothing missing or different).
    const wrong = async () =>
      (await reconcile({ temporal: second.temporal, store: second.store })).differences.filter(
        (d) => d.kind !== 'extra',
      );
    await until(async () => (await wrong()).length === 0, 60_000);
  } finally {
    await second.stop();
  }
});
