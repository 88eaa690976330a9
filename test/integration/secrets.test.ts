/**
 * Secrets at rest on the real FerretDB, dev server and an HTTP receiver: webhook URLs and robot
 * secrets are stored sealed (no token or secret in any raw document), delivered with their real
 * values, masked in every API view; outbox rows hold references; the inspection office's block is for
 * admins only; rows saved before sealing still work and are sealed by the sweep, which also expires
 * old outbox rows and Idempotency-Key claims and keeps young ones.
 */
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { createActivities } from '../../activities';
import { createSenders } from '../../activities/channels';
import type { NotificationDeps } from '../../activities/deps';
import { addresseesOf, delivery, rowsFor } from '../../activities/outbox';
import { loadAppConfig } from '../../config';
import { inspectionOfficeId } from '../../domain/notifications';
import type { Role } from '../../domain/roles';
import { loadNotifyConfig } from '../../notify.config';
import { seedDemoDirectory } from '../../store/demo';
import { enqueueOutbox, type NewOutboxRow } from '../../store/outbox';
import { directorySnapshot } from '../../store/directory';
import { currentPolicy } from '../../store/policy';
import type { expirySweep } from '../../workflows/sweep';
import { ensureSchedules, scheduleIds } from '../../worker/schedules';
import { startHttpReceiver } from '../helpers/receivers';
import { startStack, type Stack } from '../helpers/stack';

const WEBHOOK_ALLOWED_HOSTS = 'oapi.dingtalk.com,qyapi.weixin.qq.com,http://127.0.0.1';
const secret = `SEC${'f00dcafe'.repeat(8)}`;
const day = 86_400_000;

let stack: Stack;
let http: Awaited<ReturnType<typeof startHttpReceiver>>;
let notifications: NotificationDeps;
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  http = await startHttpReceiver();
  const app = loadAppConfig({ NODE_ENV: 'test', WEBHOOK_ALLOWED_HOSTS }, { verifiesTokens: false });
  const notify = loadNotifyConfig(app, {});
  notifications = {
    senders: createSenders(notify),
    publicUrl: notify.publicUrl,
    retry: { maxAttempts: 2, firstDelayMs: 300, maxDelayMs: 1_000 },
    leaseMs: 600_000,
    digestTime: '09:00',
  };
  stack = await startStack({ notifications, env: { WEBHOOK_ALLOWED_HOSTS } });
  activities = createActivities({ store: stack.store, notifications });
  await seedDemoDirectory(stack.store);
});
afterAll(async () => {
  await stack?.stop();
  await http?.close();
});

const token = (role: Role, id: string) => stack.bearer(role, { id });
const raw = async (collection: string, id: unknown) =>
  JSON.stringify(await stack.store.conn.db!.collection(collection).findOne({ _id: id as never }));
const sendTest = async (userId: string) =>
  request(stack.app)
    .post('/api/notifications/test')
    .set('authorization', await token('admin', 'admin'))
    .set('x-request-id', `secrets-${userId}-${Date.now()}`)
    .send({ userId })
    .expect(201);
const received = (path: string, key: string) =>
  http.at(path).filter((r) => r.headers['idempotency-key'] === key);

describe("a person's robot", () => {
  it('is stored sealed, sent with its real token and signature, and shown masked everywhere', async () => {
    const url = http.url('/robot/send?access_token=li-robot-token');
    const put = await request(stack.app)
      .put('/api/notifications/preferences')
      .set('authorization', await token('member', 'member-li'))
      .send({ channels: ['webhook'], webhook: { url, format: 'dingtalk', secret } })
      .expect(200);
    const masked = http.url('/robot/send?access_token=****');
    expect(put.body.webhook).toEqual({ url: masked, format: 'dingtalk', secret: '******' });

    const stored = await raw('notification_preferences', 'member-li');
    expect(stored).not.toContain('li-robot-token');
    expect(stored).not.toContain(secret.slice(3));
    expect(stored).toContain('enc:v1:');

    const get = await request(stack.app)
      .get('/api/notifications/preferences')
      .set('authorization', await token('member', 'member-li'))
      .expect(200);
    expect(get.body.webhook).toEqual({ url: masked, format: 'dingtalk', secret: '******' });

    const before = Date.now();
    const res = await sendTest('member-li');
    expect(res.body).toMatchObject({ delivery: { sent: 2 } });
    const key = `test:${res.body.workflowId}:member-li:webhook`;
    const [hit] = received('/robot/send', key);
    expect(hit.query.access_token).toBe('li-robot-token');
    const timestamp = Number(hit.query.timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(hit.query.sign).toBe(
      createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'),
    );

    // The row keeps a reference, not a copy.
    const row = await raw('outbox', key);
    expect(JSON.parse(row).address).toEqual({ webhook: { ref: 'preferences:member-li' } });
    expect(row).not.toContain('li-robot-token');

    const admin = await request(stack.app)
      .get('/api/notifications/outbox?recipient=member-li&channel=webhook')
      .set('authorization', await token('admin', 'admin'))
      .expect(200);
    expect(admin.body.items[0].address).toEqual({ webhook: { ref: 'preferences:member-li' } });
    const own = await request(stack.app)
      .get('/api/notifications/outbox?channel=webhook')
      .set('authorization', await token('member', 'member-li'))
      .expect(200);
    expect(own.body.items[0].address).toBeUndefined();
    for (const body of [put.body, get.body, admin.body, own.body]) {
      expect(JSON.stringify(body)).not.toContain('li-robot-token');
      expect(JSON.stringify(body)).not.toContain(secret.slice(3));
    }
  });

  it('sends to the robot saved when the row goes out, and fails a row whose robot was removed', async () => {
    const put = async (body: object) =>
      request(stack.app)
        .put('/api/notifications/preferences')
        .set('authorization', await token('member', 'member-zhao'))
        .send(body)
        .expect(200);
    await put({ channels: ['webhook'], webhook: { url: http.url('/zhao?access_token=zhao-1') } });
    const row: NewOutboxRow = {
      _id: `later-${Date.now()}:member-zhao:webhook`,
      notice: 'later',
      kind: 'test',
      recipient: 'member-zhao',
      recipientName: '赵',
      channel: 'webhook',
      address: { webhook: { ref: 'preferences:member-zhao' } },
      subject: 's',
      text: 't',
      link: 'l',
      urgent: true,
      deliverAt: new Date(),
    };
    await enqueueOutbox(stack.store, [row]);
    await put({ channels: ['webhook'], webhook: { url: http.url('/zhao?access_token=zhao-2') } });
    expect(await activities.deliverRow({ id: row._id, owner: 'test' })).toEqual({ outcome: 'sent' });
    expect(received('/zhao', row._id).map((r) => r.query.access_token)).toEqual(['zhao-2']);

    const gone = { ...row, _id: `${row._id}-2` };
    await enqueueOutbox(stack.store, [gone]);
    await put({ channels: ['inbox'] });
    expect(await activities.deliverRow({ id: gone._id, owner: 'test' })).toEqual({ outcome: 'failed' });
    expect(await stack.store.outbox.findById(gone._id).lean()).toMatchObject({
      lastError: expect.stringContaining('no webhook saved'),
    });
  });
});

describe("the inspection office's block in the policy", () => {
  const office = {
    name: '督查室',
    email: 'ducha@gov.example',
    webhook: { url: '', format: 'json' as const },
  };

  it('is for admins only, its robot URL sealed at rest, masked in views, delivered with the real token', async () => {
    const admin = await token('admin', 'admin');
    const { policy } = (await request(stack.app).get('/api/policy').set('authorization', admin).expect(200))
      .body;
    const withOffice = {
      ...policy,
      notifications: {
        ...policy.notifications,
        inspectionOffice: {
          ...office,
          webhook: { url: http.url('/office?access_token=office-token'), format: 'json' },
        },
      },
    };
    const saved = await request(stack.app)
      .put('/api/policy')
      .set('authorization', admin)
      .send(withOffice)
      .expect(200);
    const masked = http.url('/office?access_token=****');
    expect(saved.body.policy.notifications.inspectionOffice.webhook.url).toBe(masked);
    const stored = await raw('policies', saved.body.version);
    expect(stored).not.toContain('office-token');

    const asAdmin = await request(stack.app).get('/api/policy').set('authorization', admin).expect(200);
    expect(asAdmin.body.policy.notifications.inspectionOffice).toEqual({
      ...office,
      webhook: { url: masked, format: 'json' },
    });
    for (const role of ['committee', 'leader', 'unit', 'secretary'] as const) {
      const seen = await request(stack.app)
        .get('/api/policy')
        .set('authorization', await token(role, `policy-${role}`))
        .expect(200);
      expect(seen.body.policy.notifications).not.toHaveProperty('inspectionOffice');
      expect(JSON.stringify(seen.body)).not.toContain('ducha@gov.example');
    }
    const version = await request(stack.app)
      .get(`/api/policy/versions/${saved.body.version}`)
      .set('authorization', admin)
      .expect(200);
    expect(JSON.stringify(version.body)).not.toContain('office-token');

    // Saving back what GET showed keeps the saved robot; a masked URL of another robot is refused.
    const again = await request(stack.app)
      .put('/api/policy')
      .set('authorization', admin)
      .send(asAdmin.body.policy)
      .expect(200);
    expect(again.body.created).toBe(false);
    const edited = structuredClone(asAdmin.body.policy);
    edited.notifications.inspectionOffice.webhook.url = http.url('/elsewhere?access_token=****');
    const refused = await request(stack.app)
      .put('/api/policy')
      .set('authorization', admin)
      .send(edited)
      .expect(400);
    expect(refused.body.error.message).toContain('notifications.inspectionOffice.webhook.url');

    // An escalation copied to the office reaches its robot with the real token.
    const current = await currentPolicy(stack.store);
    const [who] = await addresseesOf(
      stack.store,
      await directorySnapshot(stack.store),
      [
        {
          id: inspectionOfficeId,
          audience: 'inspectionOffice',
          contact: current.policy.notifications.inspectionOffice!,
        },
      ],
      current.policy.notifications,
    );
    const notice = {
      key: `office-${Date.now()}`,
      kind: 'supervisionEscalation',
      urgent: true,
      deliverAt: Date.now(),
    };
    const rows = rowsFor(notice, who, { subject: 's', text: 't', link: 'l' }, notifications.senders);
    expect(rows.map((r) => r.address)).toEqual([{ webhook: { ref: 'policy:inspectionOffice' } }]);
    await delivery({ store: stack.store, notifications }).enqueueAndSend(notice, rows, 'test');
    expect(received('/office', rows[0]._id).map((r) => r.query.access_token)).toEqual(['office-token']);
  });
});

describe('rows stored before sealing', () => {
  it('still work, and the sweep seals them', async () => {
    const db = stack.store.conn.db!;
    const legacyUrl = http.url('/legacy?access_token=legacy-token');
    await db.collection('notification_preferences').insertOne({
      _id: 'member-sun' as never,
      channels: ['webhook'],
      digest: true,
      webhook: { url: legacyUrl, format: 'json' },
      updatedAt: new Date(),
    });
    const get = await request(stack.app)
      .get('/api/notifications/preferences')
      .set('authorization', await token('member', 'member-sun'))
      .expect(200);
    expect(get.body.webhook).toEqual({ url: http.url('/legacy?access_token=****'), format: 'json' });
    const res = await sendTest('member-sun');
    expect(res.body).toMatchObject({ delivery: { sent: 2 } });

    // An old outbox row with a copy of the webhook (and its secret).
    const copy: NewOutboxRow = {
      _id: `legacy-${Date.now()}:member-sun:webhook`,
      notice: 'legacy',
      kind: 'test',
      recipient: 'member-sun',
      recipientName: '孙',
      channel: 'webhook',
      address: { webhook: { url: http.url('/legacy-copy?access_token=copy-token'), format: 'json' } },
      subject: 's',
      text: 't',
      link: 'l',
      urgent: true,
      deliverAt: new Date(),
    };
    const later = { ...copy, _id: `${copy._id}-later` };
    await enqueueOutbox(stack.store, [copy, later]);
    expect(await activities.deliverRow({ id: copy._id, owner: 'test' })).toEqual({ outcome: 'sent' });
    expect(received('/legacy-copy', copy._id).map((r) => r.query.access_token)).toEqual(['copy-token']);
    const listed = await request(stack.app)
      .get(`/api/notifications/outbox?recipient=member-sun&channel=webhook`)
      .set('authorization', await token('admin', 'admin'))
      .expect(200);
    expect(JSON.stringify(listed.body)).not.toContain('copy-token');
    expect(JSON.stringify(listed.body)).toContain('access_token=****');

    // A policy version saved with the office robot's plain URL.
    const { policy, version } = await currentPolicy(stack.store);
    const office = {
      name: '督查室',
      webhook: { url: http.url('/legacy-office?access_token=old-office'), format: 'json' },
    };
    await db.collection('policies').insertOne({
      _id: (version + 1) as never,
      document: JSON.stringify({
        ...policy,
        notifications: { ...policy.notifications, inspectionOffice: office },
      }),
      savedAt: new Date(),
      savedBy: 'admin',
    });
    // As a process started on that database would (store/reference.ts): its first read loads the policy.
    await db
      .collection('stamps')
      .updateOne({ _id: 'policy' as never }, { $set: { token: 'legacy' } }, { upsert: true });
    const shown = await request(stack.app)
      .get('/api/policy')
      .set('authorization', await token('admin', 'admin'))
      .expect(200);
    expect(shown.body.policy.notifications.inspectionOffice.webhook.url).toBe(
      http.url('/legacy-office?access_token=****'),
    );

    const result = await activities.sweepExpired();
    expect(result.sealed).toMatchObject({ preferences: 1, policies: 1 });
    expect(result.sealed.outbox).toBeGreaterThanOrEqual(2);
    expect(await raw('notification_preferences', 'member-sun')).not.toContain('legacy-token');
    expect(await raw('policies', version + 1)).not.toContain('old-office');
    for (const id of [copy._id, later._id]) expect(await raw('outbox', id)).not.toContain('copy-token');

    // Sealed, they are still delivered with their real values.
    expect(await activities.deliverRow({ id: later._id, owner: 'test' })).toEqual({ outcome: 'sent' });
    expect(received('/legacy-copy', later._id).map((r) => r.query.access_token)).toEqual(['copy-token']);
    const again = await sendTest('member-sun');
    const key = `test:${again.body.workflowId}:member-sun:webhook`;
    expect(received('/legacy', key).map((r) => r.query.access_token)).toEqual(['legacy-token']);
  });
});

describe('the expiry sweep', () => {
  it('removes outbox rows and claims past their retention and keeps young and unfinished ones', async () => {
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * day);
    const base = {
      notice: 'sweep',
      kind: 'test',
      recipient: 'member-li',
      recipientName: '李',
      channel: 'inbox',
      address: { userId: 'member-li' },
      subject: 's',
      text: 't',
      link: 'l',
      urgent: false,
      attempts: 1,
      claims: 0,
    };
    const row = (id: string, status: string, createdDaysAgo: number, doneDaysAgo?: number) => ({
      ...base,
      _id: `sweep:${id}` as never,
      status,
      deliverAt: ago(createdDaysAgo),
      nextAttemptAt: ago(createdDaysAgo),
      createdAt: ago(createdDaysAgo),
      ...(doneDaysAgo !== undefined && { doneAt: ago(doneDaysAgo), sentAt: ago(doneDaysAgo) }),
    });
    const db = stack.store.conn.db!;
    await db.collection('outbox').insertMany([
      row('old-sent', 'sent', 200, 190),
      row('old-failed', 'failed', 200, 181),
      row('legacy-old-sent', 'sent', 200), // from before doneAt
      row('young-sent', 'sent', 200, 170), // written long ago, sent recently
      row('young', 'sent', 10, 10),
      row('old-pending', 'pending', 200),
    ]);
    await db.collection('outbox_claims').insertMany([
      { _id: 'sweep:old-sent#0' as never, owner: 'x', at: ago(190) },
      { _id: 'sweep:young#0' as never, owner: 'x', at: ago(10) },
    ]);
    await db.collection('idempotency_keys').insertMany([
      { _id: 'sweep-old\nk' as never, requestHash: 'h', requestId: 'r', createdAt: ago(8) },
      { _id: 'sweep-young\nk' as never, requestHash: 'h', requestId: 'r', createdAt: ago(1) },
    ]);

    // Run by its workflow on the stack's worker, as the schedule does.
    const result = await stack.temporal.workflow.execute<typeof expirySweep>('expirySweep', {
      workflowId: `expiry-${now}`,
      taskQueue: stack.taskQueue,
    });
    expect(result.ttl).toBe(false); // FerretDB applies no TTL: the sweep does it
    const left = (await db.collection('outbox').find({ notice: 'sweep' }).toArray()).map((r) => r._id).sort();
    expect(left).toEqual(['sweep:old-pending', 'sweep:young', 'sweep:young-sent']);
    const claims = await db
      .collection('outbox_claims')
      .find({ _id: { $in: ['sweep:old-sent#0', 'sweep:young#0'] as never[] } })
      .toArray();
    expect(claims.map((c) => c._id)).toEqual(['sweep:young#0']);
    const keys = await db
      .collection('idempotency_keys')
      .find({ _id: { $in: ['sweep-old\nk', 'sweep-young\nk'] as never[] } })
      .toArray();
    expect(keys.map((k) => k._id)).toEqual(['sweep-young\nk']);
    expect(result.deleted.outbox).toBeGreaterThanOrEqual(3);
  });

  it('runs nightly from a schedule of its own, once at once when first created', async () => {
    const queue = `${stack.taskQueue}-expiry`;
    const ids = scheduleIds(queue);
    try {
      await ensureSchedules(stack.temporal, queue, '09:00');
      const expiry = await stack.temporal.schedule.getHandle(ids.expiry).describe();
      expect(expiry.spec.timezone).toBe('Asia/Shanghai');
      expect(expiry.spec.calendars).toEqual([
        expect.objectContaining({
          hour: [{ start: 3, end: 3, step: 1 }],
          minute: [{ start: 30, end: 30, step: 1 }],
        }),
      ]);
      expect(expiry.action).toMatchObject({ workflowType: 'expirySweep', taskQueue: queue });
    } finally {
      for (const id of Object.values(ids))
        await stack.temporal.schedule
          .getHandle(id)
          .delete()
          .catch(() => {});
    }
  });
});
