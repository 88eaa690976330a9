/**
 * The read model is derived data, and this proves it: every workflow's history holds the input of each
 * projection activity it ran (activities/projections.ts), so replaying those into an empty scratch
 * database gives what the read model should be. `reconcile` then compares the scratch copy with the live
 * database row by row and, with `repair`, writes what is missing or different. Pointed at an empty
 * database, repair is a full rebuild from Temporal.
 *
 * Compared: the views (except the inboxes, which derive from the outbox) and the per-item records.
 * Rows of items Temporal no longer holds (closed before the namespace's retention) are reported as
 * extra and never removed: the database is their only record.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { projections, type Projection } from '../activities/projections';
import { loadAppConfig } from '../config';
import { connectStore, createStore, type Store } from '../store';
import { connectionOptions, loadTemporalConfig } from '../temporal.config';
import { groupBy } from '../domain/group-by';

/** Collections of per-item records written whole by the projections (compared by `_id`). */
const records = ['proposals', 'proposal_states', 'follow_ups', 'postings'];
/** View scopes derived from something other than workflows. */
const notFromWorkflows = (docId: string) => docId.startsWith('inbox/');

export interface Difference {
  collection: string;
  doc: string;
  /** A view's row id; absent for a per-item record. */
  row?: string;
  kind: 'missing' | 'different' | 'extra';
}

export interface ReconcileReport {
  workflows: number;
  projected: number;
  differences: Difference[];
  repaired: number;
  seconds: number;
}

interface Options {
  temporal: Client;
  store: Store;
  repair?: boolean;
  /** Workflows whose histories are fetched at once. */
  concurrency?: number;
  onProgress?: (line: string) => void;
}

export async function reconcile({ temporal, store, repair = false, concurrency = 8, onProgress }: Options) {
  const started = performance.now();
  const scratch = createStore(
    store.conn.useDb(`${store.conn.name}_reconcile_${randomBytes(4).toString('hex')}`),
  );
  try {
    const { workflows, projected } = await replayAll(
      temporal,
      projections({ store: scratch }),
      concurrency,
      onProgress,
    );
    const differences = [...(await diffViews(store, scratch)), ...(await diffRecords(store, scratch))];
    const repaired = repair ? await repairAll(store, scratch, differences) : 0;
    return { workflows, projected, differences, repaired, seconds: (performance.now() - started) / 1000 };
  } finally {
    await scratch.conn.db!.dropDatabase();
  }
}

/** Replays the projections of every workflow in the namespace into `project`'s store. */
async function replayAll(
  temporal: Client,
  project: Record<string, Projection>,
  concurrency: number,
  onProgress?: (line: string) => void,
) {
  let workflows = 0;
  let projected = 0;
  const started = performance.now();
  const running = new Set<Promise<void>>();
  for await (const info of temporal.workflow.list()) {
    const one = replayOne(temporal, info, project).then((n) => {
      projected += n;
      running.delete(one);
      if (++workflows % 500 === 0)
        onProgress?.(
          `${workflows} workflows replayed (${(workflows / ((performance.now() - started) / 1000)).toFixed(0)}/s)`,
        );
    });
    running.add(one);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return { workflows, projected };
}

const decode = (payloads: Payload[] | null | undefined) =>
  payloads?.[0] ? defaultPayloadConverter.fromPayload(payloads[0]) : undefined;

/** One workflow's projections, in history order; each with its result when it completed. */
async function replayOne(temporal: Client, info: WorkflowExecutionInfo, project: Record<string, Projection>) {
  const history = await temporal.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
  const events = history.events ?? [];
  const results = new Map<string, unknown>();
  for (const event of events) {
    const done = event.activityTaskCompletedEventAttributes;
    if (done) results.set(String(done.scheduledEventId), decode(done.result?.payloads as Payload[]));
  }
  let count = 0;
  for (const event of events as temporal.api.history.v1.IHistoryEvent[]) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    const projection = scheduled && project[scheduled.activityType?.name ?? ''];
    if (!projection) continue;
    const result = results.get(String(event.eventId));
    if (scheduled.activityType?.name === 'produceTermReport' && result === undefined) continue;
    await projection(decode(scheduled.input?.payloads as Payload[]), result);
    count++;
  }
  return count;
}

interface ViewDoc {
  _id: string;
  rows?: Record<string, string>;
}

/** Rows as compared: tombstones are absent rows. */
function liveRows(doc: ViewDoc | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [field, json] of Object.entries(doc?.rows ?? {}))
    if (!json.includes('"_gone"')) out.set(field, JSON.stringify(JSON.parse(json)));
  return out;
}

async function docsById<T extends { _id: string }>(store: Store, collection: string) {
  const docs = await store.conn.db!.collection<T>(collection).find({}).toArray();
  return new Map(docs.map((doc) => [doc._id, doc]));
}

async function diffViews(store: Store, scratch: Store): Promise<Difference[]> {
  const [live, expected] = await Promise.all([
    docsById<ViewDoc>(store, 'views'),
    docsById<ViewDoc>(scratch, 'views'),
  ]);
  const out: Difference[] = [];
  for (const id of new Set([...live.keys(), ...expected.keys()])) {
    if (notFromWorkflows(id)) continue;
    const [have, want] = [liveRows(live.get(id)), liveRows(expected.get(id))];
    for (const [row, json] of want)
      if (have.get(row) !== json)
        out.push({ collection: 'views', doc: id, row, kind: have.has(row) ? 'different' : 'missing' });
    for (const row of have.keys())
      if (!want.has(row)) out.push({ collection: 'views', doc: id, row, kind: 'extra' });
  }
  return out;
}

async function diffRecords(store: Store, scratch: Store): Promise<Difference[]> {
  const out: Difference[] = [];
  for (const collection of records) {
    const [live, expected] = await Promise.all([docsById(store, collection), docsById(scratch, collection)]);
    for (const [id, want] of expected) {
      const have = live.get(id);
      if (JSON.stringify(have) !== JSON.stringify(want))
        out.push({ collection, doc: id, kind: have ? 'different' : 'missing' });
    }
    for (const id of live.keys()) if (!expected.has(id)) out.push({ collection, doc: id, kind: 'extra' });
  }
  return out;
}

/**
 * Writes the expected version of every missing or different row and record (extras stay). A view chunk
 * written gets a new token in its head, so the API's cached copy is refetched.
 */
async function repairAll(store: Store, scratch: Store, differences: Difference[]) {
  const wrong = differences.filter((d) => d.kind !== 'extra');
  const byDoc = groupBy(wrong, (d) => `${d.collection}\u0000${d.doc}`);
  for (const list of byDoc.values()) {
    const { collection, doc } = list[0];
    const want = await scratch.conn.db!.collection<ViewDoc>(collection).findOne({ _id: doc });
    const target = store.conn.db!.collection<ViewDoc>(collection);
    if (collection !== 'views') {
      await target.replaceOne({ _id: doc }, want!, { upsert: true });
      continue;
    }
    const $set = Object.fromEntries(list.map((d) => [`rows.${d.row}`, want!.rows![d.row!]]));
    await target.updateOne({ _id: doc }, { $set }, { upsert: true });
    const cut = doc.lastIndexOf('/');
    const head =
      cut > 0 ? await target.findOne({ _id: doc.slice(0, cut) }, { projection: { chunks: 1 } }) : null;
    const chunk = doc.slice(cut + 1);
    if (head && (head as { chunks?: Record<string, string> }).chunks?.[chunk] !== undefined)
      await target.updateOne(
        { _id: head._id },
        { $set: { [`chunks.${chunk}`]: randomBytes(6).toString('base64url') } },
      );
  }
  return wrong.length;
}

/** `npm run reconcile [-- --repair]`: against TEMPORAL_ADDRESS / MONGODB_URI, like the worker. */
async function main() {
  const repair = process.argv.includes('--repair');
  // The worker's own settings (the same validated MONGODB_URI and its default); no tokens to check.
  const { MONGODB_URI } = loadAppConfig(process.env, { verifiesTokens: false });
  const temporalConfig = loadTemporalConfig();
  const connection = await Connection.connect(connectionOptions(temporalConfig));
  const store = await connectStore(MONGODB_URI);
  const say = (line: string) => console.log(`[reconcile] ${line}`);
  try {
    say(
      `replaying every workflow of namespace ${temporalConfig.TEMPORAL_NAMESPACE} into a scratch database…`,
    );
    const temporal = new Client({ connection, namespace: temporalConfig.TEMPORAL_NAMESPACE });
    const report = await reconcile({ temporal, store, repair, onProgress: say });
    const count = (kind: Difference['kind']) => report.differences.filter((d) => d.kind === kind).length;
    for (const d of report.differences.slice(0, 50))
      say(`  ${d.kind.padEnd(9)} ${d.collection} ${d.doc}${d.row ? ` row ${d.row}` : ''}`);
    if (report.differences.length > 50) say(`  … and ${report.differences.length - 50} more`);
    say(
      `${report.workflows} workflows, ${report.projected} projections replayed in ${report.seconds.toFixed(1)} s ` +
        `(${(report.workflows / report.seconds).toFixed(0)} workflows/s): ${count('missing')} missing, ` +
        `${count('different')} different, ${count('extra')} extra (kept)` +
        (repair
          ? `; ${report.repaired} repaired`
          : count('missing') + count('different')
            ? '; run with --repair to fix'
            : ''),
    );
    process.exitCode = !repair && count('missing') + count('different') > 0 ? 1 : 0;
  } finally {
    await connection.close();
    await store.close();
  }
}

if (require.main === module)
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
