/**
 * What the fault-injection scenarios (infra/chaos/*.ts) share:
 *
 * - `startChaosStack`: an isolated stack — its own Temporal dev server (its own SQLite file) and FerretDB
 *   (its own directory) on free ports, the real worker and API entries as child processes (infra/processes.ts),
 *   a local webhook receiver (test/helpers/receivers.ts) — and handles to kill, stop and restart each part
 *   on the same data and ports;
 * - `Recorder`: a client that sends every write with an Idempotency-Key, retries it under the same key until
 *   an answer says it was taken (2xx) or refused (4xx), and records what it was told;
 * - `check`: what was acknowledged against what was applied — follow-up items and posting activities by
 *   their unique titles, the ladder steps each acknowledged item's clock fired (timeline), their outbox rows
 *   and the messages the receiver got (by Idempotency-Key) — and `row`, one line of the figures table.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createAuth } from '../../api/auth';
import { loadAppConfig } from '../../config';
import { defaultPolicy, type Policy } from '../../domain/policy';
import { dateOf } from '../../domain/time';
import { connectStore, type Store } from '../../store';
import { demoDirectory, seedDemoDirectory } from '../../store/demo';
import { readItem } from '../../store/items';
import { startHttpReceiver } from '../../test/helpers/receivers';
import { workflowCode } from '../../worker/worker';
import {
  freePort,
  startFerretDb,
  startProcess,
  startTemporalDev,
  waitForPort,
  type Managed,
} from '../processes';
import { reconcile } from '../reconcile';

const root = path.resolve(__dirname, '..', '..');
export const say = (line: string) => console.log(`[chaos] ${line}`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it gives a truthy value; throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached within ${timeoutMs / 1000} s${last ? ` (${String(last)})` : ''}`);
    await sleep(500);
  }
}

/** The workflow code, bundled once per process: workers restarted by a scenario start in seconds. */
let bundled: Promise<string> | undefined;
function workflowBundleFile(): Promise<string> {
  if (process.env.HUIYIN_TEST_BUNDLE) return Promise.resolve(process.env.HUIYIN_TEST_BUNDLE);
  bundled ??= (async () => {
    const { code } = await bundleWorkflowCode({ ...workflowCode, logger: quiet });
    const dir = mkdtempSync(path.join(tmpdir(), 'huiyin-chaos-bundle-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'workflows.js');
    writeFileSync(file, code);
    return file;
  })();
  return bundled;
}
const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/** Ladder steps every acknowledged item's clock must fire, once each. */
export const ladderSteps = ['reminder', 'chaseNotice', 'supervision'] as const;
/** The people those steps go to, each with a webhook at the receiver (and the in-app inbox). */
const hooked = ['housing', 'housing-leader', 'leader'];

/**
 * The demo policy with the follow-up acknowledgement clock `limitS` seconds long and a ladder in seconds
 * (reminder 2 s before, chase 1 s and supervision 2 s after the due time), urgent so office hours never
 * hold a message: set through PUT /api/policy as an office would, for items started afterwards.
 */
export function chaosPolicy(limitS: number): Policy {
  const seconds = (amount: number) => ({ amount, unit: 'seconds' as const });
  return {
    ...defaultPolicy,
    ladders: {
      ...defaultPolicy.ladders,
      chaos: [
        { step: 'reminder', kind: 'reminder', offset: seconds(-2), to: ['responsible'], urgent: true },
        { step: 'chaseNotice', kind: 'chaseNotice', offset: seconds(1), to: ['unitLeader'], urgent: true },
        {
          step: 'supervision',
          kind: 'supervisionEscalation',
          offset: seconds(2),
          to: ['leader'],
          urgent: true,
        },
      ],
    },
    clocks: {
      ...defaultPolicy.clocks,
      acknowledge: { ...defaultPolicy.clocks.acknowledge, limit: seconds(limitS), ladder: 'chaos' },
    },
  };
}

export interface ChaosStackOptions {
  workers?: number;
  apis?: number;
}

export type ChaosStack = Awaited<ReturnType<typeof startChaosStack>>;

/** An isolated stack; everything it starts is stopped by `stop()` (and killed if this process exits). */
export async function startChaosStack(name: string, { workers = 1, apis = 1 }: ChaosStackOptions = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), `huiyin-chaos-${name}-`));
  const logs = new Map<string, WriteStream>();
  const log = (part: string) => {
    if (!logs.has(part)) logs.set(part, createWriteStream(path.join(dir, `${part}.log`), { flags: 'a' }));
    return logs.get(part)!;
  };
  const ports = {
    temporal: await freePort(),
    ui: await freePort(),
    db: await freePort(),
    apis: await Promise.all(Array.from({ length: apis }, () => freePort())),
  };
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_TASK_QUEUE: 'chaos',
    MONGODB_URI: `mongodb://127.0.0.1:${ports.db}/huiyin`,
    HOST: '127.0.0.1',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    JWT_SECRET: randomBytes(32).toString('hex'),
    HUIYIN_SECRET_KEY: randomBytes(32).toString('hex'),
    WEBHOOK_ALLOWED_HOSTS: 'http://127.0.0.1',
    NOTIFY_RETRY_SECONDS: '1',
    NOTIFY_MAX_ATTEMPTS: '20',
    HUIYIN_RATE_IP: 'off',
    HUIYIN_RATE_USER: 'off',
    HUIYIN_WORKFLOW_BUNDLE: await workflowBundleFile(),
  };

  const servers = {
    temporal: undefined as Managed | undefined,
    db: undefined as Managed | undefined,
  };
  const startTemporal = async () =>
    (servers.temporal = await startTemporalDev({
      dataDir: dir,
      port: ports.temporal,
      uiPort: ports.ui,
      log: log('temporal'),
    }));
  const startDb = async () =>
    (servers.db = await startFerretDb({ dataDir: dir, port: ports.db, log: log('ferretdb') }));
  const ts = (part: string, entry: string, extra: Record<string, string> = {}) =>
    startProcess(part, process.execPath, ['--import', 'tsx', path.join(root, entry)], {
      env: { ...env, ...extra },
      log: log(part),
    });

  let stopped = false;
  const workerProcs: (Managed | undefined)[] = Array.from({ length: workers });
  const apiProcs: (Managed | undefined)[] = Array.from({ length: apis });
  const bases = ports.apis.map((port) => `http://127.0.0.1:${port}`);
  const startWorker = (i = 0) => (workerProcs[i] = ts(`worker-${i + 1}`, 'worker/main.ts'));
  const startApi = async (i = 0) => {
    const proc = (apiProcs[i] = ts(`api-${i + 1}`, 'api/main.ts', { PORT: String(ports.apis[i]) }));
    await waitForPort(ports.apis[i], 120_000, proc);
    return proc;
  };
  const killAll = () => [...workerProcs, ...apiProcs, servers.temporal, servers.db].forEach((p) => p?.kill());
  process.once('exit', killAll);

  await Promise.all([startTemporal(), startDb()]);
  const store: Store = await connectStore(env.MONGODB_URI);
  await seedDemoDirectory(store);
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection });
  const receiver = await startHttpReceiver();
  for (let i = 0; i < workers; i++) startWorker(i);
  await Promise.all(apiProcs.map((_, i) => startApi(i)));

  const config = loadAppConfig(env);
  const auth = createAuth(config, store);
  const tokens = new Map<string, string>();
  for (const user of demoDirectory.users) tokens.set(user.id, `Bearer ${await auth.issue(user)}`);
  const token = (who: string) => tokens.get(who)!;

  /** One request to API `i` (default: the first); network errors are thrown. */
  const call = async (method: string, url: string, who: string, body?: unknown, i = 0, key?: string) => {
    const res = await fetch(`${bases[i]}${url}`, {
      method,
      headers: {
        authorization: token(who),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = { text };
    }
    return { status: res.status, body: json };
  };

  const stack = {
    name,
    dir,
    env,
    store,
    temporal,
    receiver,
    bases,
    call,
    token,
    workers: workerProcs,
    apis: apiProcs,
    startWorker,
    startApi,
    /** SIGKILL of worker `i` (its whole process group), as a crash or the OOM killer would. */
    async killWorker(i = 0) {
      const proc = workerProcs[i];
      proc?.kill();
      await proc?.exited;
    },
    async killApi(i = 0) {
      const proc = apiProcs[i];
      proc?.kill();
      await proc?.exited;
    },
    /** SIGKILL of the Temporal dev server; `startTemporal` brings it back on the same SQLite file and port. */
    async killTemporal() {
      servers.temporal?.kill();
      await servers.temporal?.exited;
    },
    startTemporal,
    /**
     * The database down: FerretDB SIGKILLed, so connections are refused (not hung, as SIGSTOP would leave
     * them); `startDb` brings it back on the same SQLite directory and port.
     */
    async killDb() {
      servers.db?.kill();
      await servers.db?.exited;
    },
    startDb,
    /** Round trip through the API, Temporal, the worker and the database, as a smoke check. */
    async ready(i = 0) {
      await until(
        `stack ${name}: API ${i + 1} round trip`,
        async () => (await call('POST', '/api/diagnostics/round-trip', 'admin', {}, i)).status < 300,
      );
    },
    /** PUT /api/policy with acknowledgement clocks of `limitS` seconds; hooks for the step recipients. */
    async setLadder(limitS: number) {
      const res = await call('PUT', '/api/policy', 'admin', chaosPolicy(limitS));
      if (res.status !== 200) throw new Error(`PUT /api/policy: ${res.status} ${JSON.stringify(res.body)}`);
      for (const who of hooked) {
        const prefs = {
          channels: ['inbox', 'webhook'],
          digest: false,
          webhook: { url: receiver.url(`/hook/${who}`), format: 'json' },
        };
        const saved = await call('PUT', '/api/notifications/preferences', who, prefs);
        if (saved.status !== 200) throw new Error(`preferences of ${who}: ${saved.status}`);
      }
    },
    async stop({ keep = false } = {}) {
      if (stopped) return;
      stopped = true;
      await Promise.all([...workerProcs, ...apiProcs].map((p) => p?.stop()));
      await connection.close().catch(() => {});
      await store.close().catch(() => {});
      await receiver.close();
      await Promise.all([servers.temporal?.stop(), servers.db?.stop()]);
      process.removeListener('exit', killAll);
      await Promise.all([...logs.values()].map((s) => new Promise((r) => s.end(r))));
      if (!keep) rmSync(dir, { recursive: true, force: true });
      else say(`${name}: data and logs kept in ${dir}`);
    },
  };
  await stack.ready();
  return stack;
}

// ---- the client that records what it was told -------------------------------------------------

export interface Op {
  key: string;
  kind: 'followUp' | 'activity';
  /** Unique per operation: how it is found among what was applied. */
  title: string;
  /** The id the API answered with, once acknowledged. */
  id?: string;
  /** The status of each attempt (0 = no answer: connection refused or reset, timeout). */
  attempts: number[];
  acknowledged: boolean;
  /** A 4xx other than 429: the request was refused, nothing to apply. */
  refused?: boolean;
  ackAt?: number;
}

/** What a scenario does: one Recorder per stack, ops sent by it, then checked against the stack. */
export class Recorder {
  readonly ops: Op[] = [];
  /** Every answer by status (for "the API answered 503 while … was down"). */
  readonly statuses = new Map<number, number>();
  /** Every attempt: when it was sent (`at`) and the answer's status. */
  readonly log: { at: number; status: number }[] = [];
  postingId?: string;
  private seq = 0;

  constructor(
    private readonly stack: ChaosStack,
    private readonly tag = randomBytes(3).toString('hex'),
  ) {}

  /** A supervision posting of the demo group, for activity bursts. */
  async posting() {
    const res = await this.stack.call('POST', '/api/postings', 'committee', { groupId: 'group-ecology' });
    if (res.status !== 201) throw new Error(`POST /api/postings: ${res.status} ${JSON.stringify(res.body)}`);
    this.postingId = res.body.postingId as string;
    await until('posting readable', async () => {
      const got = await this.stack.call('GET', `/api/postings/${this.postingId}`, 'committee');
      return got.status === 200 && got.body.termEnd;
    });
    return this.postingId;
  }

  /** A new follow-up item for the housing bureau (its acknowledgement clock runs the chaos ladder). */
  followUp(opts?: SendOptions) {
    const title = `chaos ${this.tag} item ${++this.seq}`;
    const body = {
      kind: 'instruction',
      title,
      content: '请研究办理',
      responderUnitId: 'unit-housing',
      sender: { userIds: ['leader'] },
    };
    return this.send('followUp', title, 'committee', '/api/follow-ups', body, opts);
  }

  /** An activity logged on the posting. */
  activity(opts?: SendOptions) {
    const title = `chaos ${this.tag} visit ${++this.seq}`;
    const body = { kind: 'visit', date: dateOf(Date.now()), summary: title };
    return this.send(
      'activity',
      title,
      'supervisor-he',
      `/api/postings/${this.postingId}/activities`,
      body,
      opts,
    );
  }

  /**
   * Sends under a fresh key until acknowledged or refused, retrying the same key after a failure (no
   * answer, 5xx, 429), alternating between API processes when there are several; gives up at `deadline`.
   */
  async send(
    kind: Op['kind'],
    title: string,
    who: string,
    url: string,
    body: unknown,
    { deadlineMs = 240_000, api = 0 }: SendOptions = {},
  ): Promise<Op> {
    const op: Op = {
      key: `chaos-${this.tag}-${this.ops.length + 1}`,
      kind,
      title,
      attempts: [],
      acknowledged: false,
    };
    this.ops.push(op);
    const giveUp = Date.now() + deadlineMs;
    for (let attempt = 0; Date.now() < giveUp; attempt++) {
      const i = (api + attempt) % this.stack.bases.length;
      const sentAt = Date.now();
      let status = 0;
      let answer: { id?: string; followUpId?: string } | undefined;
      try {
        const res = await this.stack.call('POST', url, who, body, i, op.key);
        status = res.status;
        answer = res.body;
      } catch {
        status = 0;
      }
      op.attempts.push(status);
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      this.log.push({ at: sentAt, status });
      if (status >= 200 && status < 300) {
        op.acknowledged = true;
        op.ackAt = Date.now();
        op.id = answer?.followUpId ?? answer?.id;
        return op;
      }
      if (status >= 400 && status < 500 && status !== 429 && status !== 408) {
        op.refused = true;
        return op;
      }
      await sleep(Math.min(250 * 2 ** Math.min(attempt, 3), 2_000));
    }
    return op;
  }
}

export interface SendOptions {
  deadlineMs?: number;
  /** The API process tried first. */
  api?: number;
}

// ---- what was applied, against what was acknowledged --------------------------------------------

export interface Tally {
  attempted: number;
  acknowledged: number;
  applied: number;
  duplicated: number;
  lost: number;
}

export interface Outcome {
  /** Keyed actions (follow-up items created, posting activities logged). */
  actions: Tally;
  /** Ladder steps of the acknowledged items' clocks (timeline entries), each expected once. */
  steps: Tally;
  /** Outbox rows: each fired step's rows, same count for every step of the same kind. */
  outbox: Tally;
  /** Webhook messages at the receiver, by Idempotency-Key; `resent` counts a key received again. */
  messages: Tally & { resent: number };
  /** `npm run reconcile`: read-model rows missing or different from a replay of the workflows. */
  readModelWrong: number;
}

const tally = (): Tally => ({ attempted: 0, acknowledged: 0, applied: 0, duplicated: 0, lost: 0 });

/** Compares what the recorder was told with what the stack holds now. */
export async function check(stack: ChaosStack, rec: Recorder): Promise<Outcome> {
  const { store } = stack;
  const actions = tally();
  const followUps = (await store.followUps.find({}, { title: 1 }).lean()) as { _id: string; title: string }[];
  const activityTitles: string[] = rec.postingId
    ? (
        (await stack.call('GET', `/api/postings/${rec.postingId}/activities`, 'committee')).body?.items ?? []
      ).map((a: { summary: string }) => a.summary)
    : [];
  const count = (list: string[]) =>
    list.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<string, number>());
  const applied = new Map([...count(followUps.map((f) => f.title)), ...count(activityTitles)]);
  for (const op of rec.ops) {
    actions.attempted++;
    const n = applied.get(op.title) ?? 0;
    if (op.acknowledged) actions.acknowledged++;
    if (n > 0) actions.applied++;
    if (n > 1) actions.duplicated += n - 1;
    if (op.acknowledged && n === 0) actions.lost++;
  }

  // Steps of every acknowledged item: all fell due within seconds; each must be on its timeline once.
  const steps = tally();
  const outbox = tally();
  const messages = { ...tally(), resent: 0 };
  const items = rec.ops.filter((op) => op.kind === 'followUp' && op.acknowledged && op.id);
  const rows = (await store.outbox.find({}, { itemId: 1, kind: 1, channel: 1, status: 1 }).lean()) as {
    _id: string;
    itemId?: string;
    kind: string;
    channel: string;
    status: string;
  }[];
  const received = new Map<string, number>();
  for (const r of stack.receiver.requests) {
    const key = String(r.headers['idempotency-key']);
    received.set(key, (received.get(key) ?? 0) + 1);
  }
  const rowsPerStep = new Map<string, number>();
  for (const op of items) {
    const { timeline } = await readItem(store, op.id!);
    for (const step of ladderSteps) {
      steps.attempted++;
      steps.acknowledged++;
      const fired = timeline.filter((e) => (e.data as { step?: string } | undefined)?.step === step).length;
      if (fired > 0) steps.applied++;
      if (fired > 1) steps.duplicated += fired - 1;
      if (fired === 0) steps.lost++;
      const mine = rows.filter((row) => row.itemId === op.id && row._id.includes(`:${step}:`));
      rowsPerStep.set(step, Math.max(rowsPerStep.get(step) ?? 0, mine.length));
      for (const row of mine) {
        outbox.applied++;
        if (row.channel !== 'webhook') continue;
        messages.attempted++;
        messages.acknowledged++;
        const got = received.get(row._id) ?? 0;
        if (got > 0) messages.applied++;
        else messages.lost++;
        if (got > 1) messages.resent += got - 1;
      }
    }
  }
  // Each step of an item has as many rows as the same step of any other (same recipients and channels).
  for (const op of items)
    for (const step of ladderSteps) {
      const want = rowsPerStep.get(step) ?? 0;
      outbox.attempted += want;
      outbox.acknowledged += want;
      const have = rows.filter((row) => row.itemId === op.id && row._id.includes(`:${step}:`)).length;
      outbox.lost += Math.max(0, want - have);
    }
  // A message the receiver got whose key is no outbox row: sent but never recorded (doubled by a key change).
  const known = new Set(rows.map((r) => r._id));
  messages.duplicated = [...received.keys()].filter((key) => !known.has(key)).length;

  const report = await reconcile({ temporal: stack.temporal, store });
  const readModelWrong = report.differences.filter((d) => d.kind !== 'extra').length;
  return { actions, steps, outbox, messages, readModelWrong };
}

/**
 * Waits until every acknowledged action is applied, every step of every acknowledged item has fired
 * and every webhook row is delivered, and the read model equals a replay of the workflows; then checks.
 */
export async function converge(stack: ChaosStack, rec: Recorder, timeoutMs = 240_000): Promise<Outcome> {
  let last: Outcome | undefined;
  try {
    return await until(
      `${stack.name}: convergence`,
      async () => {
        last = await check(stack, rec);
        const done =
          last.actions.lost === 0 &&
          last.steps.lost === 0 &&
          last.outbox.lost === 0 &&
          last.messages.lost === 0 &&
          last.readModelWrong === 0;
        return done && last;
      },
      timeoutMs,
    );
  } catch (err) {
    if (last) return last; // reported as lost: the table says what did not arrive
    throw err;
  }
}

export interface Row {
  scenario: string;
  outcome: Outcome;
  /** From the end of the fault to convergence. */
  recoveryMs: number;
  notes?: string;
}

const cells = (t: Tally) => [t.attempted, t.acknowledged, t.applied, t.duplicated, t.lost];

export function table(rows: Row[]): string {
  const header = [
    'scenario',
    'what',
    'attempted',
    'acknowledged',
    'applied',
    'duplicated',
    'lost',
    'recovery',
  ];
  const lines: string[][] = [];
  for (const { scenario, outcome, recoveryMs, notes } of rows) {
    const rec = `${(recoveryMs / 1000).toFixed(1)} s`;
    lines.push([scenario, 'actions', ...cells(outcome.actions).map(String), rec]);
    lines.push(['', 'clock steps', ...cells(outcome.steps).map(String), '']);
    lines.push(['', 'outbox rows', ...cells(outcome.outbox).map(String), '']);
    lines.push([
      '',
      `messages${outcome.messages.resent ? ` (${outcome.messages.resent} resent, same key)` : ''}`,
      ...cells(outcome.messages).map(String),
      '',
    ]);
    lines.push([
      '',
      `read model: ${outcome.readModelWrong} rows wrong${notes ? `; ${notes}` : ''}`,
      '',
      '',
      '',
      '',
      '',
      '',
    ]);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (l: string[]) => `| ${l.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

/** Answers by status among `log` entries from `from` to `to` (epoch ms). */
export function statusesBetween(log: { at: number; status: number }[], from: number, to = Infinity) {
  const out: Record<number, number> = {};
  for (const { at, status } of log) if (at >= from && at < to) out[status] = (out[status] ?? 0) + 1;
  return out;
}
