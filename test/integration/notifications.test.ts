/**
 * Notifications end to end on the real dev server and FerretDB: ladder steps and digests become outbox
 * rows, the dispatcher workflow delivers them to a real SMTP server and a local HTTP receiver (SMS
 * gateway, WeCom and DingTalk robots, JSON webhook), and the API shows outbox, inbox and preferences.
 */
import { createHmac } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import request from 'supertest';
import { createActivities } from '../../activities';
import { createSenders, messageIdOf } from '../../activities/channels';
import type { NotificationDeps } from '../../activities/deps';
import type { StepNotice } from '../../activities/notify';
import { loadAppConfig } from '../../config';
import { seedCalendarYears, WorkingCalendar } from '../../domain/calendar';
import { computeDeadline } from '../../domain/deadline';
import type { PlannedStep, Responsible } from '../../domain/ladder';
import { defaultPolicy, type Policy } from '../../domain/policy';
import type { Role } from '../../domain/roles';
import { endOfDay, toIso } from '../../domain/time';
import { loadNotifyConfig } from '../../notify.config';
import { saveCalendarYear } from '../../store/calendar';
import { seedDemoDirectory } from '../../store/demo';
import { directory } from '../../store/directory';
import { readItem } from '../../store/items';
import { openWork, readOpenWork, type OpenClock } from '../../store/open-work';
import { claimDue, enqueueOutbox, type OutboxRow } from '../../store/outbox';
import { savePreferences } from '../../store/preferences';
import type { Row } from '../../store/views';
import type { clockDrill } from '../../workflows/clock-drill';
import type { ClockTable } from '../../workflows/clocks';
import type { dailyDigest } from '../../workflows/digest';
import { deliveryWorkflowId, type deliverNotice, type dispatchOutbox } from '../../workflows/dispatch';
import { ensureSchedules, scheduleIds } from '../../worker/schedules';
import { workflowBundle } from '../helpers/bundle';
import { startHttpReceiver, startSmtpSink } from '../helpers/receivers';
import { startStack, type Stack } from '../helpers/stack';

const domain = 'huiyin.example.gov.cn';
let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let http: Awaited<ReturnType<typeof startHttpReceiver>>;
let notifications: NotificationDeps;
let activities: ReturnType<typeof createActivities>;

/** The robots' hosts and the local receiver; `localhost` names the same receiver but is not listed. */
const WEBHOOK_ALLOWED_HOSTS = 'oapi.dingtalk.com,qyapi.weixin.qq.com,http://127.0.0.1';

beforeAll(async () => {
  [smtp, http] = await Promise.all([startSmtpSink(), startHttpReceiver()]);
  // The worker's own wiring: environment → config → senders.
  const app = loadAppConfig(
    { NODE_ENV: 'test', PUBLIC_URL: `https://${domain}`, WEBHOOK_ALLOWED_HOSTS },
    { verifiesTokens: false },
  );
  const notify = loadNotifyConfig(app, {
    SMTP_URL: smtp.url,
    MAIL_FROM: `回音 Huiyin <huiyin@${domain}>`,
    SMS_GATEWAY_URL: http.url('/sms'),
    SMS_GATEWAY_TOKEN: 'gateway-token',
  });
  notifications = {
    senders: createSenders(notify),
    publicUrl: notify.publicUrl,
    retry: { maxAttempts: 3, firstDelayMs: 300, maxDelayMs: 1_000 },
    leaseMs: 600_000,
    digestTime: '09:00',
  };
  stack = await startStack({ notifications, env: { WEBHOOK_ALLOWED_HOSTS } });
  activities = createActivities({ store: stack.store, notifications });
  await seedDemoDirectory(stack.store);
  const users = directory(stack.store, 'users');
  for (const id of ['housing', 'housing-secretary', 'housing-leader']) {
    await users.put({ ...(await users.get(id))!, phone: '13800000000' });
  }
  // National Day of a year far ahead, loaded as an admin would: messages held for it stay pending.
  const octoberHoliday = ['01', '02', '03', '04', '05', '06', '07'].map((d) => `2099-10-${d}`);
  await saveCalendarYear(stack.store, {
    year: 2099,
    holidays: octoberHoliday,
    workdays: [],
    source: 'test-fixture',
  });
});
afterAll(async () => {
  await stack?.stop();
  await smtp?.close();
  await http?.close();
});

const calendar = new WorkingCalendar(seedCalendarYears());
const at = (iso: string) => Date.parse(iso);

/** A fired ladder step of the reply clock of `itemId`, as the workflow hands it to notifyStep. */
function stepNotice(
  itemId: string,
  firedAt: number,
  step: Partial<PlannedStep> = {},
  responsible: Responsible = { unitId: 'unit-housing' },
): StepNotice {
  const planned: PlannedStep = {
    step: 'reminder-1wd',
    kind: 'reminder',
    offset: { amount: -1, unit: 'workingDays' },
    to: ['responsible', 'secretary'],
    at: firedAt,
    atIso: toIso(firedAt),
    ...step,
  };
  const deadline = computeDeadline(calendar, firedAt, { unit: 'workingDays', amount: 1 });
  return {
    key: `${itemId}:reply#1:${planned.step}`,
    step: planned,
    at: firedAt,
    clock: {
      id: 'reply',
      code: 'reply',
      label: '书面答复',
      responsible,
      plan: { deadline, steps: [planned] },
      generation: 1,
      revision: 2,
      fired: [planned.step],
      overdue: false,
      window: false,
      status: 'running',
      startedAt: firedAt - 86_400_000,
      itemId,
      itemKind: 'proposal',
    },
  };
}

let runs = 0;
const dispatch = () =>
  stack.temporal.workflow.execute<typeof dispatchOutbox>('dispatchOutbox', {
    workflowId: `dispatch-${++runs}-${Date.now()}`,
    taskQueue: stack.taskQueue,
    args: [{}],
  });

const rowsOf = (notice: string) =>
  stack.store.outbox
    .find({ notice: { $regex: `^${notice}` } })
    .sort({ _id: 1 })
    .lean<OutboxRow[]>();
const mailsFor = (prefix: string) => smtp.mails.filter((m) => m.key.startsWith(prefix));
const requestsFor = (path: string, prefix: string) =>
  http.at(path).filter((r) => String(r.headers['idempotency-key']).startsWith(prefix));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls `done` every 50 ms until it holds; fails with `what` after `ms`. */
async function until(done: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(what);
    await sleep(50);
  }
}

const token = (role: Role, id: string, extra: object = {}) => stack.bearer(role, { id, ...extra });

describe('a ladder step', () => {
  const notice = stepNotice('proposal-2026-0001', at('2026-09-30T10:00:00+08:00'));

  it('reaches the liaison and the unit secretary on every channel they have, each once', async () => {
    await savePreferences(stack.store, 'housing', {
      channels: ['email', 'sms', 'webhook'],
      digest: true,
      webhook: { url: http.url('/wecom'), format: 'wecom' },
    });
    // Due (inside office hours): the step's activity writes the rows and sends them at once, leaving
    // nothing for a delivery workflow.
    expect(await activities.notifyStep(notice)).toEqual({
      notice: notice.key,
      rows: [],
      deliverAt: notice.at,
    });
    await activities.notifyStep(notice); // a retried activity: the keys are taken, nothing is added or sent

    const rows = await rowsOf(notice.key);
    expect(rows.map((r) => `${r.recipient}:${r.channel}:${r.status}`)).toEqual([
      'housing-secretary:email:sent',
      'housing-secretary:inbox:sent',
      'housing-secretary:sms:sent',
      'housing:email:sent',
      'housing:inbox:sent',
      'housing:sms:sent',
      'housing:webhook:sent',
    ]);
    expect(rows.every((r) => r.deliverAt.getTime() === notice.at)).toBe(true); // inside office hours
    expect(await stack.store.outboxDue.countDocuments({ _id: { $in: rows.map((r) => r._id) } })).toBe(0);
    expect(await dispatch()).toMatchObject({ sent: 0 }); // nothing left for the sweep

    const mails = mailsFor(notice.key);
    expect(mails.map((m) => m.to[0]).sort()).toEqual([
      'housing-secretary@demo.huiyin.example',
      'housing@demo.huiyin.example',
    ]);
    const toLiaison = mails.find((m) => m.to[0] === 'housing@demo.huiyin.example')!;
    expect(toLiaison.email.subject).toBe('【回音】提醒：书面答复（proposal-2026-0001），期限 2026-10-08');
    expect(toLiaison.email.text).toContain('期限：2026-10-08');
    expect(toLiaison.email.text).toContain(`https://${domain}/items/proposal-2026-0001`);
    expect(toLiaison.email.messageId).toBe(messageIdOf(toLiaison.key, domain));
    const toSecretary = mails.find((m) => m.to[0] !== 'housing@demo.huiyin.example')!;
    expect(toSecretary.email.text).toContain('提醒（抄送：秘书）');

    const sms = requestsFor('/sms', notice.key);
    expect(sms).toHaveLength(2);
    for (const r of sms) {
      expect(r.headers['idempotency-key']).toBe(r.body.key);
      expect(r.headers.authorization).toBe('Bearer gateway-token');
      expect(r.body).toMatchObject({ to: '13800000000', text: expect.stringContaining('【回音】提醒') });
    }
    const [robot] = requestsFor('/wecom', notice.key);
    expect(robot.body).toEqual({ msgtype: 'text', text: { content: expect.stringContaining('书面答复') } });
  });

  it('is still recorded in the timeline and the clock read model', async () => {
    const { timeline, clocks } = await readItem(stack.store, 'proposal-2026-0001');
    expect(timeline.filter((entry) => entry.key === notice.key)).toHaveLength(1);
    expect(clocks.find((c) => c.clockId === 'reply')).toMatchObject({ fired: ['reminder-1wd'] });
  });
});

describe('office hours', () => {
  it('holds an evening step before National Day until the first working morning after it', async () => {
    const notice = stepNotice('proposal-2026-0002', at('2026-09-30T20:00:00+08:00'));
    await activities.notifyStep(notice);
    const rows = await rowsOf(notice.key);
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => toIso(r.deliverAt.getTime())))).toEqual(
      new Set(['2026-10-08T09:00:00.000+08:00']),
    );
  });

  it('keeps a held message pending until its morning comes, and sends an urgent one at once', async () => {
    const held = stepNotice('proposal-2099-0001', at('2099-09-30T20:00:00+08:00'));
    await activities.notifyStep(held);
    await dispatch();
    const rows = await rowsOf(held.key);
    expect(rows.map((r) => [r.status, toIso(r.deliverAt.getTime())])).toEqual(
      rows.map(() => ['pending', '2099-10-08T09:00:00.000+08:00']),
    );

    const urgent = stepNotice('proposal-2099-0002', at('2099-10-02T03:00:00+08:00'), { urgent: true });
    await activities.notifyStep(urgent);
    expect((await rowsOf(urgent.key)).every((r) => r.deliverAt.getTime() === urgent.at)).toBe(true);
  });
});

const seconds = (amount: number) => ({ amount, unit: 'seconds' as const });
const drillPolicy: Policy = {
  ...defaultPolicy,
  ladders: {
    ...defaultPolicy.ladders,
    standard: [
      {
        step: 'reminder',
        kind: 'reminder',
        offset: seconds(-2),
        to: ['responsible', 'secretary'],
        urgent: true,
      },
      {
        step: 'chaseNotice',
        kind: 'chaseNotice',
        offset: seconds(1),
        to: ['unitLeader', 'committee'],
        urgent: true,
      },
    ],
  },
};

describe('exactly-once recording', () => {
  it('a drill notifies through the workflow, delivered when due; replays and retries send nothing again', async () => {
    const workflowId = `drill-notify-${Date.now()}`;
    const drill = await stack.temporal.workflow.start<typeof clockDrill>('clockDrill', {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [{ policy: drillPolicy, clock: 'signFor', limit: seconds(3) }],
    });
    // Both steps fired (the drill finishes their notifications before it completes).
    await until(
      async () => ((await drill.query<ClockTable>('clocks')).drill?.fired.length ?? 0) >= 2,
      'the drill did not fire its steps',
    );
    await drill.executeUpdate('answer');
    await drill.result();

    // No dispatcher runs: each step's activity sends its messages at once, as they are due.
    // The drill's clock is the committee's own: its staff (the office's secretary among them) hear of it.
    const mails = () =>
      mailsFor(workflowId)
        .map((m) => `${m.key.split(':')[2]}>${m.to[0]}`)
        .sort();
    const expected = [
      'chaseNotice>committee-secretary@demo.huiyin.example',
      'chaseNotice>committee@demo.huiyin.example',
      'reminder>committee-secretary@demo.huiyin.example',
      'reminder>committee@demo.huiyin.example',
    ];
    await until(() => mails().length >= expected.length, "the drill's messages did not arrive");
    expect(mails()).toEqual(expected);
    // Each went out within seconds of its step's planned time (the old dispatcher: up to a minute).
    const { drill: clock } = await drill.query<ClockTable>('clocks');
    const plannedAt = new Map(clock.plan.steps.map((s) => [s.step, s.at]));
    for (const row of await rowsOf(workflowId)) {
      expect(row.status).toBe('sent');
      const late = row.sentAt!.getTime() - plannedAt.get(row.notice.split(':')[2])!;
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(5_000);
    }

    // Sent by the steps' own activities: no delivery workflow was needed.
    const deliveries = ['reminder', 'chaseNotice'].map((step) =>
      deliveryWorkflowId(`${workflowId}:drill#1:${step}`),
    );
    for (const id of deliveries)
      await expect(stack.temporal.workflow.getHandle(id).describe()).rejects.toThrow(/not found/i);
    // Replaying the drill from its history runs no activity and sends nothing.
    const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, workflowId);
    // A delivery activity retried after it recorded the send finds the row sent and skips it.
    const [row] = await rowsOf(workflowId);
    expect(await activities.deliverOutbox({ id: row._id, owner: `${deliveries[0]}/any-run` })).toBe(
      'skipped',
    );
    expect(await activities.deliverRow({ id: row._id, owner: `${deliveries[0]}/any-run` })).toEqual({
      outcome: 'skipped',
    });
    // Nor does the recovery sweep find anything left to send.
    expect(await dispatch()).toMatchObject({ sent: 0 });
    expect(mails()).toEqual(expected);
  });

  it('a worker that dies between sending and recording re-sends with the same key (at least once)', async () => {
    await savePreferences(stack.store, 'education', {
      channels: ['webhook'],
      digest: true,
      webhook: { url: http.url('/hook'), format: 'json' },
    });
    // The first "mark sent" of a webhook row fails, as if the worker died right after the POST.
    const updateOne = stack.store.outbox.updateOne.bind(stack.store.outbox);
    let killed = 0;
    const spy = jest.spyOn(stack.store.outbox, 'updateOne').mockImplementation(((
      filter: { _id?: unknown },
      update: { $set?: { status?: string } },
      ...rest: never[]
    ) => {
      if (!killed && String(filter._id).endsWith(':webhook') && update.$set?.status === 'sent') {
        killed++;
        throw new Error('worker killed between sending and recording');
      }
      return updateOne(filter, update, ...rest);
    }) as never);
    try {
      const res = await request(stack.app)
        .post('/api/notifications/test')
        .set('authorization', await token('admin', 'admin'))
        .set('x-request-id', `kill-${Date.now()}`)
        .send({ userId: 'education' })
        .expect(201);
      expect(res.body).toMatchObject({ rows: 2, delivery: { sent: 2 } });
      expect(killed).toBe(1);

      const key = `test:${res.body.workflowId}:education:webhook`;
      const received = http.at('/hook').filter((r) => r.headers['idempotency-key'] === key);
      expect(received).toHaveLength(2); // the receiver drops the repeat by its key
      expect(received.map((r) => r.body.key)).toEqual([key, key]);
      expect(await stack.store.outbox.findById(key).lean()).toMatchObject({ status: 'sent', attempts: 0 });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('claims', () => {
  it('two dispatchers claiming at once never get the same row', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      _id: `claim-race:${i}:committee:inbox`,
      notice: 'claim-race',
      kind: 'test',
      recipient: 'committee',
      recipientName: '陈静',
      channel: 'inbox' as const,
      address: { userId: 'committee' },
      subject: 's',
      text: 't',
      link: 'l',
      urgent: true,
      deliverAt: new Date(Date.now() - 1_000),
    }));
    expect(await enqueueOutbox(stack.store, rows)).toBe(40);
    const claim = (owner: string) => claimDue(stack.store, { owner, limit: 100, leaseMs: 60_000 });
    const [a, b] = await Promise.all([claim('dispatcher-a'), claim('dispatcher-b')]);
    const race = (ids: string[]) => ids.filter((id) => id.startsWith('claim-race:'));
    expect(race(a).filter((id) => b.includes(id))).toEqual([]);
    expect(race(a).length + race(b).length).toBe(40);
    expect(await claim('dispatcher-c')).toEqual([]); // leased: nobody else takes them until the lease ends
  });
});

describe('a failing channel', () => {
  it('is retried with backoff and finally marked failed, while the other channels deliver', async () => {
    http.fail('/sms');
    try {
      await savePreferences(stack.store, 'housing-leader', { channels: ['email', 'sms'], digest: true });
      const notice = stepNotice('proposal-2026-0003', at('2026-10-09T09:00:00+08:00'), {
        step: 'chaseNotice',
        kind: 'chaseNotice',
        to: ['unitLeader'],
      });
      // Inbox and e-mail went out at once; the SMS is left to retry (here: by the sweep).
      const plan = await activities.notifyStep(notice);
      expect(plan.rows).toEqual([`${notice.key}:housing-leader:sms`]);
      expect(mailsFor(notice.key)).toHaveLength(1);
      expect((await rowsOf(notice.key)).map((r) => `${r.channel}:${r.status}`)).toEqual([
        'email:sent',
        'inbox:sent',
        'sms:pending',
      ]);

      const sms = async () => (await rowsOf(notice.key)).find((r) => r.channel === 'sms')!;
      for (let round = 0; round < 20 && (await sms()).status !== 'failed'; round++) {
        await sleep(350);
        await dispatch();
      }
      expect(await sms()).toMatchObject({
        status: 'failed',
        attempts: 3,
        lastError: expect.stringContaining('HTTP 500'),
      });
      const tries = requestsFor('/sms', notice.key);
      expect(tries).toHaveLength(3);
      expect(new Set(tries.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    } finally {
      http.recover('/sms');
    }
  });
});

describe('the daily digest', () => {
  /** A running clock as the open-work view holds it (what the digest reads). */
  const clock = (itemId: string, due: string, extra: Partial<OpenClock> = {}): OpenClock => ({
    itemId,
    itemKind: 'proposal',
    clockId: 'reply',
    code: 'reply',
    label: '书面答复',
    responsible: { unitId: 'unit-housing' },
    overdue: false,
    escalation: null,
    nextStepAt: null,
    due,
    dueAt: endOfDay(due),
    startedAt: Date.parse('2026-09-01T02:00:00Z'),
    ...extra,
  });
  const rowId = (c: OpenClock) => `${c.itemKind}|${c.itemId}|clock|${c.clockId}`;

  beforeAll(async () => {
    // Only this section's clocks: the steps notified above left theirs in the open-work view too.
    const { clocks } = await readOpenWork(stack.store);
    await stack.store.views.put(
      openWork,
      clocks
        .filter((c) => c.itemId.startsWith('proposal-'))
        .map((c) => ({ id: rowId(c), revision: (c as Row<OpenClock>)._r + 1, value: null })),
    );
    const seeded = [
      clock('d-chased', '2026-09-20', { overdue: true, escalation: 'chaseNotice' }),
      clock('d-soon', '2026-10-13'),
      clock('d-later', '2026-11-30'),
      clock('d-new', '2026-10-09', {
        code: 'signFor',
        clockId: 'signFor',
        label: '签收',
        startedAt: Date.parse('2026-10-01T07:00:00Z'),
      }),
      clock('d-letter', '2026-10-12', { itemKind: 'followUp', responsible: { groupId: 'group-ecology' } }),
    ];
    await stack.store.views.put(
      openWork,
      seeded.map((c) => ({ id: rowId(c), revision: 1, value: c })),
    );
    await savePreferences(stack.store, 'committee-secretary', { channels: [], digest: false });
  });

  const runDigest = (iso: string) =>
    stack.temporal.workflow.execute<typeof dailyDigest>('dailyDigest', {
      workflowId: `digest-${iso}-${Date.now()}`,
      taskQueue: stack.taskQueue,
      args: [{ at: at(iso) }],
    });

  it('tells each secretary what is escalated, newly assigned and due soon for whom they serve', async () => {
    // Housing's secretary (inbox, e-mail, SMS) and the group's (inbox, e-mail); education has nothing,
    // the committee office's secretary turned digests off.
    expect(await runDigest('2026-10-08T09:00:00+08:00')).toEqual({
      skipped: false,
      date: '2026-10-08',
      recipients: 2,
      rows: 5,
    });
    expect(await runDigest('2026-10-08T09:00:00+08:00')).toMatchObject({ rows: 0 }); // a second run adds nothing
    // The digest workflow hands its rows to a delivery workflow: no dispatcher run is needed.
    await until(() => mailsFor('digest:2026-10-08').length >= 2, 'the digests did not arrive');

    const mails = mailsFor('digest:2026-10-08');
    expect(mails.map((m) => m.to[0]).sort()).toEqual([
      'group-secretary@demo.huiyin.example',
      'housing-secretary@demo.huiyin.example',
    ]);
    const housing = mails.find((m) => m.to[0].startsWith('housing'))!.email;
    expect(housing.subject).toBe(
      '【回音】每日提醒 2026-10-08：已催办/督办 1 件，新交办待签收 1 件，5 个工作日内到期 1 件',
    );
    expect(housing.text).toContain('吴丽，您好');
    expect(housing.text).toContain('- d-chased 书面答复：期限 2026-09-20，已催办通知');
    expect(housing.text).toContain('- d-new 签收：期限 2026-10-09');
    expect(housing.text).toContain('- d-soon 书面答复：期限 2026-10-13');
    expect(housing.text).not.toContain('d-later');
    expect(housing.text).not.toContain('d-letter');
    const group = mails.find((m) => m.to[0].startsWith('group'))!.email;
    expect(group.text).toContain('d-letter');
    expect(group.text).not.toContain('d-soon');
  });

  it('sends none on a holiday', async () => {
    expect(await runDigest('2026-10-02T09:00:00+08:00')).toEqual({ skipped: true });
    expect(await stack.store.outbox.countDocuments({ notice: 'digest:2026-10-02' })).toBe(0);
  });
});

describe('the API', () => {
  it('shows a recipient their own outbox rows only, and an admin any, filtered by status', async () => {
    const liaison = await token('unit', 'housing', { unitId: 'unit-housing' });
    const own = await request(stack.app)
      .get('/api/notifications/outbox')
      .set('authorization', liaison)
      .expect(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(
      own.body.items.every(
        (r: { recipient: string; address?: unknown }) => r.recipient === 'housing' && !r.address,
      ),
    ).toBe(true);
    const other = await request(stack.app)
      .get('/api/notifications/outbox?recipient=housing-secretary')
      .set('authorization', liaison)
      .expect(403);
    expect(other.body.error.message).toContain('query.recipient');

    const admin = await token('admin', 'admin');
    const failed = await request(stack.app)
      .get('/api/notifications/outbox?status=failed')
      .set('authorization', admin)
      .expect(200);
    expect(failed.body.items).toEqual([
      expect.objectContaining({
        recipient: 'housing-leader',
        channel: 'sms',
        attempts: 3,
        address: { phone: '13800000000' },
      }),
    ]);
    const bad = await request(stack.app)
      .get('/api/notifications/outbox?status=lost')
      .set('authorization', admin)
      .expect(400);
    expect(bad.body.error.message).toContain('query.status');
  });

  it('lists the inbox, counts unread messages and marks them read, idempotently', async () => {
    const liaison = await token('unit', 'housing', { unitId: 'unit-housing' });
    const inbox = await request(stack.app)
      .get('/api/notifications/inbox')
      .set('authorization', liaison)
      .expect(200);
    expect(inbox.body.unread).toBe(inbox.body.items.length);
    expect(inbox.body.items[0]).toMatchObject({
      channel: 'inbox',
      status: 'sent',
      subject: expect.stringContaining('【回音】'),
    });
    const first = inbox.body.items[0].key;

    const read = (body: object) =>
      request(stack.app)
        .post('/api/notifications/inbox/read')
        .set('authorization', liaison)
        .send(body)
        .expect(200);
    expect((await read({ ids: [first] })).body).toEqual({ marked: 1, unread: inbox.body.unread - 1 });
    expect((await read({ ids: [first] })).body.marked).toBe(0);
    expect((await read({ all: true })).body.unread).toBe(0);
    const count = await request(stack.app)
      .get('/api/notifications/inbox/unread-count')
      .set('authorization', liaison)
      .expect(200);
    expect(count.body).toEqual({ unread: 0 });
    await request(stack.app)
      .post('/api/notifications/inbox/read')
      .set('authorization', liaison)
      .send({ ids: [] })
      .expect(400);
  });

  it("keeps each person's preferences, refusing a bad one by its field", async () => {
    const member = await token('member', 'member-zhang');
    const prefs = () =>
      request(stack.app).get('/api/notifications/preferences').set('authorization', member).expect(200);
    expect((await prefs()).body).toEqual({
      channels: ['inbox', 'email', 'sms'],
      digest: true,
      isDefault: true,
    });

    const put = (body: object) =>
      request(stack.app).put('/api/notifications/preferences').set('authorization', member).send(body);
    expect((await put({ channels: ['fax'] }).expect(400)).body.error.message).toContain('body.channels.0');
    expect(
      (await put({ channels: ['webhook'], webhook: { url: 'file:///etc/passwd' } }).expect(400)).body.error
        .message,
    ).toContain('body.webhook.url');
    await put({ channels: ['email'], digest: false }).expect(200);
    expect((await prefs()).body).toEqual({ channels: ['email'], digest: false, isDefault: false });
  });

  it('sends a test message once per request id, however often the request is repeated', async () => {
    const send = async () =>
      request(stack.app)
        .post('/api/notifications/test')
        .set('authorization', await token('admin', 'admin'))
        .set('x-request-id', 'check-leader-channels')
        .send({ userId: 'leader' })
        .expect(201);
    const first = await send();
    expect(first.body).toMatchObject({ rows: 2, delivery: { sent: 2 } });
    expect((await send()).body).toMatchObject({ workflowId: first.body.workflowId, rows: 0 });
    expect(mailsFor(`test:${first.body.workflowId}`)).toHaveLength(1);
  });

  it('sends a test message only for an admin, and only to a user who exists', async () => {
    await request(stack.app)
      .post('/api/notifications/test')
      .set('authorization', await token('committee', 'committee'))
      .send({ userId: 'housing' })
      .expect(403);
    const res = await request(stack.app)
      .post('/api/notifications/test')
      .set('authorization', await token('admin', 'admin'))
      .send({ userId: 'nobody' })
      .expect(404);
    expect(res.body.error.message).toContain('nobody');
  });
});

describe('webhooks to group robots', () => {
  const secret = `SEC${'a1b2c3d4'.repeat(8)}`;
  const robot = () => http.url('/dingtalk/robot/send?access_token=li-robot');
  const preferences = (id: string) => ({
    get: async () =>
      request(stack.app)
        .get('/api/notifications/preferences')
        .set('authorization', await token('member', id))
        .expect(200),
    put: async (body: object, status = 200) =>
      request(stack.app)
        .put('/api/notifications/preferences')
        .set('authorization', await token('member', id))
        .send(body)
        .expect(status),
  });
  const sendTest = async (userId: string) =>
    request(stack.app)
      .post('/api/notifications/test')
      .set('authorization', await token('admin', 'admin'))
      .set('x-request-id', `webhook-${userId}-${Date.now()}`)
      .send({ userId })
      .expect(201);

  it('signs a DingTalk robot set through the API with timestamp and sign, never showing the secret', async () => {
    const li = preferences('member-li');
    const webhook = { url: robot(), format: 'dingtalk', secret };
    const saved = await li.put({ channels: ['webhook'], webhook });
    // The URL's access token masked, like the secret.
    expect(saved.body.webhook).toEqual({
      ...webhook,
      url: http.url('/dingtalk/robot/send?access_token=****'),
      secret: '******',
    });
    const shown = await li.get();
    expect(shown.body).toEqual({
      channels: ['webhook'],
      digest: true,
      webhook: saved.body.webhook,
      isDefault: false,
    });
    // A form that saves what it was shown keeps the URL and the secret, stored sealed.
    await li.put({ channels: shown.body.channels, webhook: shown.body.webhook, digest: false });
    const stored = await stack.store.preferences.findById('member-li').lean();
    expect(stored).toMatchObject({
      digest: false,
      webhook: {
        url: expect.stringMatching(/^enc:v1:/),
        format: 'dingtalk',
        secret: expect.stringMatching(/^enc:v1:/),
      },
    });
    expect(JSON.stringify(stored)).not.toContain('li-robot');
    expect(JSON.stringify(stored)).not.toContain(secret.slice(3));

    const before = Date.now();
    const res = await sendTest('member-li');
    expect(res.body).toMatchObject({ rows: 2, delivery: { sent: 2 } });
    const key = `test:${res.body.workflowId}:member-li:webhook`;
    const [received, ...more] = http
      .at('/dingtalk/robot/send')
      .filter((r) => r.headers['idempotency-key'] === key);
    expect(more).toEqual([]);
    expect(received.query).toEqual({
      access_token: 'li-robot',
      timestamp: expect.stringMatching(/^\d{13}$/),
      sign: expect.any(String),
    });
    const timestamp = Number(received.query.timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Date.now());
    expect(received.query.sign).toBe(
      createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'),
    );
    expect(received.body).toEqual({
      msgtype: 'text',
      text: { content: expect.stringContaining('测试消息') },
    });

    // An admin sees where the row went: a reference to the saved webhook, no URL or secret.
    const outbox = await request(stack.app)
      .get('/api/notifications/outbox?recipient=member-li&channel=webhook')
      .set('authorization', await token('admin', 'admin'))
      .expect(200);
    expect(outbox.body.items.map((r: { address: unknown }) => r.address)).toEqual([
      { webhook: { ref: 'preferences:member-li' } },
    ]);
    for (const body of [saved.body, shown.body, outbox.body]) {
      expect(JSON.stringify(body)).not.toContain(secret.slice(3));
      expect(JSON.stringify(body)).not.toContain('li-robot');
    }
  });

  it('refuses a webhook off the allow-list with 400 naming body.webhook.url', async () => {
    const wang = preferences('member-wang');
    const offList = [
      'http://169.254.169.254/latest/meta-data/',
      'https://oapi.dingtalk.com.evil.example/robot/send',
      'https://evil.oapi.dingtalk.com/robot/send',
      http.url('/hook').replace('127.0.0.1', 'localhost'), // the receiver itself, by a name not listed
    ];
    for (const url of offList) {
      const res = await wang.put({ channels: ['webhook'], webhook: { url, format: 'dingtalk' } }, 400);
      expect(res.body.error.message).toContain('body.webhook.url');
      expect(res.body.error.message).toContain('WEBHOOK_ALLOWED_HOSTS');
    }
    const plain = await wang.put(
      { channels: ['webhook'], webhook: { url: 'http://oapi.dingtalk.com/robot/send' } },
      400,
    );
    expect(plain.body.error.message).toBe(
      '参数 body.webhook.url 无效：主机 oapi.dingtalk.com 只接受 https 地址',
    );

    // A secret goes with a DingTalk robot only; ****** keeps a saved one, and there is none for this URL.
    const wecom = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k';
    for (const webhook of [
      { url: wecom, format: 'wecom', secret },
      { url: robot(), format: 'dingtalk', secret: '******' },
    ]) {
      const res = await wang.put({ channels: ['webhook'], webhook }, 400);
      expect(res.body.error.message).toContain('body.webhook.secret');
      expect(res.body.error.message).not.toContain(secret.slice(3));
    }
    expect(await stack.store.preferences.findById('member-wang').lean()).toBeNull();
  });

  it('fails a stored URL that is off the list at delivery, at once, without calling it', async () => {
    // Saved around the API (or before the list was narrowed): the worker checks again.
    const url = http.url('/off-list').replace('127.0.0.1', 'localhost');
    await savePreferences(stack.store, 'member-wang', {
      channels: ['webhook'],
      digest: true,
      webhook: { url, format: 'json' },
    });
    const res = await sendTest('member-wang');
    expect(res.body).toMatchObject({ rows: 2, delivery: { sent: 1, failed: 1 } });
    expect(
      await stack.store.outbox.findById(`test:${res.body.workflowId}:member-wang:webhook`).lean(),
    ).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringContaining('WEBHOOK_ALLOWED_HOSTS'),
    });
    expect(http.at('/off-list')).toEqual([]);
  });

  it("refuses the inspection office's robot in the policy when off the list, or with a secret", async () => {
    const admin = await token('admin', 'admin');
    const { policy } = (await request(stack.app).get('/api/policy').set('authorization', admin).expect(200))
      .body;
    const withOffice = (webhook: object) => ({
      ...policy,
      notifications: { ...policy.notifications, inspectionOffice: { name: '督查室', webhook } },
    });
    const offList = await request(stack.app)
      .put('/api/policy')
      .set('authorization', admin)
      .send(withOffice({ url: 'https://hooks.internal.example/notify', format: 'json' }))
      .expect(400);
    expect(offList.body.error.message).toContain('notifications.inspectionOffice.webhook.url');
    const secretInPolicy = await request(stack.app)
      .put('/api/policy')
      .set('authorization', admin)
      .send(
        withOffice({
          url: 'https://oapi.dingtalk.com/robot/send?access_token=x',
          format: 'dingtalk',
          secret,
        }),
      )
      .expect(400);
    expect(secretInPolicy.body.error.message).toContain('notifications.inspectionOffice.webhook');
    expect(secretInPolicy.body.error.message).not.toContain(secret.slice(3));
  });
});

describe('the schedules', () => {
  it('are created once at worker start and brought up to date on the next', async () => {
    const queue = `${stack.taskQueue}-schedules`;
    const ids = scheduleIds(queue);
    try {
      await ensureSchedules(stack.temporal, queue, '09:00');
      await ensureSchedules(stack.temporal, queue, '08:45'); // a second worker start, new digest time
      const dispatcher = await stack.temporal.schedule.getHandle(ids.dispatch).describe();
      // The recovery sweep: messages go out on their own workflows' timers, so it runs seldom.
      expect(dispatcher.spec.intervals).toEqual([expect.objectContaining({ every: 15 * 60_000 })]);
      expect(dispatcher.action).toMatchObject({
        workflowType: 'dispatchOutbox',
        taskQueue: queue,
        args: [{ graceMs: 60_000 }],
      });
      const digest = await stack.temporal.schedule.getHandle(ids.digest).describe();
      expect(digest.spec.timezone).toBe('Asia/Shanghai');
      expect(digest.spec.calendars).toEqual([
        expect.objectContaining({
          hour: [{ start: 8, end: 8, step: 1 }],
          minute: [{ start: 45, end: 45, step: 1 }],
        }),
      ]);
      expect(digest.action).toMatchObject({ workflowType: 'dailyDigest' });
    } finally {
      for (const id of Object.values(ids))
        await stack.temporal.schedule
          .getHandle(id)
          .delete()
          .catch(() => {});
    }
  });
});

describe('delivery when due, by the workflow that waits for it', () => {
  const smsRows = (notice: string, count: number, deliverAt: Date) =>
    Array.from({ length: count }, (_, i) => ({
      _id: `${notice}:person-${i}:sms`,
      notice,
      kind: 'test',
      recipient: `person-${i}`,
      recipientName: '测试',
      channel: 'sms' as const,
      address: { phone: '13800000000' },
      subject: 's',
      text: 't',
      link: 'l',
      urgent: false,
      deliverAt,
    }));
  const deliver = (plan: { notice: string; rows: string[]; deliverAt: number }) =>
    stack.temporal.workflow.execute<typeof deliverNotice>('deliverNotice', {
      workflowId: deliveryWorkflowId(plan.notice),
      taskQueue: stack.taskQueue,
      args: [plan],
    });

  it('sleeps until deliverAt (the next office-hours start) and sends then, not before', async () => {
    const notice = `held-${Date.now()}`;
    const deliverAt = Date.now() + 3_000;
    const rows = smsRows(notice, 2, new Date(deliverAt));
    await enqueueOutbox(stack.store, rows);
    const result = deliver({ notice, rows: rows.map((r) => r._id), deliverAt });
    await sleep(deliverAt - Date.now() - 500);
    expect(requestsFor('/sms', notice)).toEqual([]);
    await until(() => requestsFor('/sms', notice).length === 2, 'the held messages did not go out');
    expect(Date.now()).toBeGreaterThanOrEqual(deliverAt);
    expect(Date.now() - deliverAt).toBeLessThan(3_000);
    expect(await result).toMatchObject({ sent: 2, failed: 0, retrying: 0, unfinished: 0 });
    expect(await stack.store.outboxDue.countDocuments({ _id: { $in: rows.map((r) => r._id) } })).toBe(0);
  });

  it("retries a failing channel on its timers with the row's backoff, then marks it failed", async () => {
    http.fail('/sms');
    try {
      const notice = stepNotice('proposal-2026-0004', at('2026-10-09T09:00:00+08:00'), {
        step: 'chaseNotice',
        kind: 'chaseNotice',
        to: ['unitLeader'],
      });
      // The step's activity sent inbox and e-mail and made the SMS's first attempt; the rest is the workflow's.
      const plan = await activities.notifyStep(notice);
      const smsId = `${notice.key}:housing-leader:sms`;
      expect(plan.rows).toEqual([smsId]);
      const first = await stack.store.outbox.findById(smsId).lean<OutboxRow>();
      expect(first).toMatchObject({ status: 'pending', attempts: 1 });
      expect(plan.deliverAt).toBe(first!.nextAttemptAt.getTime()); // the row's backoff
      expect(await deliver(plan)).toEqual({ sent: 0, retrying: 1, failed: 1, skipped: 0, unfinished: 0 });
      const sms = await stack.store.outbox.findById(smsId).lean<OutboxRow>();
      expect(sms).toMatchObject({
        status: 'failed',
        attempts: 3,
        lastError: expect.stringContaining('HTTP 500'),
      });
      expect(mailsFor(notice.key)).toHaveLength(1);
      const tries = requestsFor('/sms', notice.key);
      expect(tries).toHaveLength(3);
      expect(new Set(tries.map((r) => r.headers['idempotency-key'])).size).toBe(1);
      expect(await stack.store.outboxDue.countDocuments({ _id: { $in: plan.rows } })).toBe(0);
    } finally {
      http.recover('/sms');
    }
  });

  it('never sends one row twice when deliveries and the sweep reach for it at once', async () => {
    const notice = `contended-${Date.now()}`;
    const rows = smsRows(notice, 20, new Date(Date.now() - 1_000));
    await enqueueOutbox(stack.store, rows);
    const ids = rows.map((r) => r._id);
    // Three delivery activities per row, of three owners, and a sweep, all at once.
    const [outcomes] = await Promise.all([
      Promise.all(ids.flatMap((id) => ['a', 'b', 'c'].map((o) => activities.deliverRow({ id, owner: o })))),
      dispatch(),
    ]);
    const received = requestsFor('/sms', notice).map((r) => String(r.headers['idempotency-key']));
    expect(received.sort()).toEqual([...ids].sort()); // each once
    expect(outcomes.filter((o) => o.outcome === 'sent').length).toBeLessThanOrEqual(20);
    expect((await rowsOf(notice)).map((r) => r.status)).toEqual(ids.map(() => 'sent'));
    // Its delivery workflow, coming late, finds them sent.
    expect(await deliver({ notice, rows: ids, deliverAt: Date.now() })).toMatchObject({ skipped: 20 });
  });

  it('leaves rows written before the due index to the sweep, which finds them once', async () => {
    // As the every-minute dispatcher's outbox had them: a row, no due-index entry.
    const [legacy] = smsRows(`legacy-${Date.now()}`, 1, new Date(Date.now() - 60_000));
    await stack.store.outbox.create({
      ...legacy,
      status: 'pending',
      attempts: 0,
      claims: 0,
      nextAttemptAt: legacy.deliverAt,
      createdAt: new Date(),
    });
    await dispatch();
    expect(requestsFor('/sms', legacy.notice)).toEqual([]); // the index was completed before: not seen
    await stack.store.outboxClaims.deleteOne({ _id: '@due-index' }); // a database from before the index
    await dispatch();
    expect(requestsFor('/sms', legacy.notice)).toHaveLength(1);
    expect(await stack.store.outboxClaims.exists({ _id: '@due-index' })).toBeTruthy();
  });
});
