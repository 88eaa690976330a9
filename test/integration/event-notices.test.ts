/**
 * Event notices (domain.md §10) end to end on the dev server and FerretDB: actions through the API,
 * the worker's recording activities writing the notices into the outbox, in-app copies delivered at
 * once and e-mail by `deliverNotice` to a real SMTP server; once per key when the activity is retried
 * or the projections are replayed (reconcile); held for office hours like a ladder step.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createActivities } from '../../activities';
import { createSenders } from '../../activities/channels';
import type { NotificationDeps } from '../../activities/deps';
import { projections } from '../../activities/projections';
import type { ProposalRecord } from '../../activities/proposals';
import { loadAppConfig } from '../../config';
import { defaultNotificationPolicy } from '../../domain/notifications';
import { defaultPolicy, type Policy } from '../../domain/policy';
import type { ProposalState } from '../../domain/proposal';
import { addDays, dateOf } from '../../domain/time';
import { reconcile } from '../../infra/reconcile';
import { loadNotifyConfig } from '../../notify.config';
import { saveCalendarYear } from '../../store/calendar';
import type { OutboxRow } from '../../store/outbox';
import { savePolicy } from '../../store/policy';
import { deliveryWorkflowId } from '../../workflows/dispatch';
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { startSmtpSink } from '../helpers/receivers';
import { startStack, type Stack } from '../helpers/stack';
import { peopleTokens, until } from '../helpers/supervision-api';

const publicUrl = 'https://huiyin.example.gov.cn';
let stack: Stack;
let api: ProposalApi;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let notifications: NotificationDeps;
let activities: ReturnType<typeof createActivities>;

/** Every day a working day, office hours all day: the events of these tests are due when they happen. */
const allDay: Policy = {
  ...defaultPolicy,
  officeHours: { time: '00:00' },
  notifications: {
    ...defaultNotificationPolicy,
    officeHoursEnd: '23:59',
    defaultChannels: ['inbox', 'email'],
  },
};

async function everyDayWorking(year: number) {
  const weekends: string[] = [];
  for (let day = `${year}-01-01`; day.startsWith(String(year)); day = addDays(day, 1))
    if ([0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay())) weekends.push(day);
  await saveCalendarYear(stack.store, { year, holidays: [], workdays: weekends, source: 'test-fixture' });
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  const app = loadAppConfig({ NODE_ENV: 'test', PUBLIC_URL: publicUrl }, { verifiesTokens: false });
  const notify = loadNotifyConfig(app, { SMTP_URL: smtp.url, MAIL_FROM: 'Huiyin <huiyin@example.gov.cn>' });
  notifications = {
    senders: createSenders(notify),
    publicUrl: notify.publicUrl,
    retry: { maxAttempts: 3, firstDelayMs: 300, maxDelayMs: 1_000 },
    leaseMs: 600_000,
    digestTime: '09:00',
  };
  stack = await startStack({ notifications });
  api = await proposalApi(stack);
  activities = createActivities({ store: stack.store, notifications });
  const year = Number(dateOf(Date.now()).slice(0, 4));
  await everyDayWorking(year);
  await everyDayWorking(year + 1);
  await savePolicy(stack.store, allDay, 'test');
  // The one minute outside office hours (23:59): start after it.
  while (dateOf(Date.now()) !== dateOf(Date.now() + 90_000)) await new Promise((r) => setTimeout(r, 10_000));
});
afterAll(async () => {
  await stack?.stop();
  await smtp?.close();
});

const ok = async (res: Promise<request.Response> | request.Response) => {
  const done = await res;
  if (done.status >= 300) throw new Error(`${done.status} ${JSON.stringify(done.body)}`);
  return done;
};

/** The outbox rows of an item's event notices of entry `kind`, by recipient and channel. */
const rowsOf = (itemId: string, kind?: string) =>
  stack.store.outbox
    .find({ notice: { $regex: `^event:${itemId}:r\\d+:${kind ?? ''}` } })
    .sort({ _id: 1 })
    .lean<OutboxRow[]>();
const who = (rows: OutboxRow[]) => rows.map((r) => `${r.recipient}:${r.channel}`);

/** Waits until every row of the notices is sent (e-mail by deliverNotice), then returns them. */
async function delivered(itemId: string, kind: string, count: number) {
  return until(async () => {
    const rows = await rowsOf(itemId, kind);
    return rows.length === count && rows.every((r) => r.status === 'sent') && rows;
  });
}

const inboxOf = async (userId: string) =>
  (await api.get('/api/notifications/inbox?limit=100', userId)).body.items as {
    notice: string;
    subject: string;
    text: string;
  }[];

let proposalId: string;
const title = '关于便民停车的建议';

describe('proposal events through the API', () => {
  it('立案 reaches every proposer in the inbox at once and by e-mail, with the item and its link', async () => {
    const filed = await ok(api.file({ title, coSignerIds: ['member-li'] }));
    proposalId = filed.body.proposal.proposalId;
    await ok(api.act(proposalId, 'cosign', { accept: true }, 'member-li'));
    await ok(api.act(proposalId, 'review', { decision: 'file' }, 'committee'));

    const rows = await delivered(proposalId, 'filed', 4);
    expect(who(rows)).toEqual([
      'member-li:email',
      'member-li:inbox',
      'member-zhang:email',
      'member-zhang:inbox',
    ]);
    const notice = rows[0].notice;
    expect(notice).toMatch(new RegExp(`^event:${proposalId}:r\\d+:filed$`));
    expect(rows[0]).toMatchObject({
      kind: 'event:filed',
      itemId: proposalId,
      urgent: false,
      subject: `【回音】立案通知：提案 ${proposalId}《${title}》`,
      link: `${publicUrl}/items/${proposalId}`,
    });
    expect(rows[0].text).toContain(`提案 ${proposalId}《${title}》已立案`);
    expect((await inboxOf('member-zhang')).map((m) => m.notice)).toContain(notice);
    const mails = smtp.mails.filter((m) => m.key.startsWith(notice));
    expect(mails.map((m) => m.to[0]).sort()).toEqual([
      'member-li@demo.huiyin.example',
      'member-zhang@demo.huiyin.example',
    ]);
    expect(mails[0].email.subject).toBe(`【回音】立案通知：提案 ${proposalId}《${title}》`);
    // The e-mail went out through the notice's own delivery workflow, as a held ladder step's does.
    const delivery = stack.temporal.workflow.getHandle(deliveryWorkflowId(notice));
    expect(await delivery.result()).toMatchObject({ sent: 2 });
  });

  it('交办 reaches the unit’s liaison and secretary; an approved 退回 both units; a refused one its unit', async () => {
    await ok(
      api.act(proposalId, 'assign', { leadUnitId: 'unit-housing', coHandlerUnitIds: [] }, 'committee'),
    );
    expect(who(await delivered(proposalId, 'assigned', 4))).toEqual([
      'housing-secretary:email',
      'housing-secretary:inbox',
      'housing:email',
      'housing:inbox',
    ]);
    const [assigned] = await rowsOf(proposalId, 'assigned');
    expect(assigned.text).toContain(`提案 ${proposalId}《${title}》已交市住房和城乡建设局办理（主办）`);
    expect(assigned.text.split('\n')[0]).toBe('交办通知（抄送：秘书）');

    await ok(
      api.act(proposalId, 'requestReturn', { unitId: 'unit-housing', reason: '不属本单位职责' }, 'housing'),
    );
    await ok(
      api.act(
        proposalId,
        'ruleReturn',
        { unitId: 'unit-housing', approve: true, toUnitId: 'unit-education' },
        'committee',
      ),
    );
    const approved = await delivered(proposalId, 'returnApproved', 8);
    expect(approved.map((r) => `${r.notice.split('#')[1]}>${r.recipient}:${r.channel}`)).toEqual([
      'unit-education>education-secretary:email',
      'unit-education>education-secretary:inbox',
      'unit-education>education:email',
      'unit-education>education:inbox',
      'unit-housing>housing-secretary:email',
      'unit-housing>housing-secretary:inbox',
      'unit-housing>housing:email',
      'unit-housing>housing:inbox',
    ]);
    expect(approved.find((r) => r.recipient === 'housing')!.text).toContain(
      `市住房和城乡建设局关于提案 ${proposalId}《${title}》的退回申请已获同意，改由市教育局办理。`,
    );
    // The new unit is also told of its assignment.
    expect(who(await delivered(proposalId, 'assigned', 8))).toContain('education:inbox');

    await ok(
      api.act(proposalId, 'requestReturn', { unitId: 'unit-education', reason: '也不属本单位' }, 'education'),
    );
    await ok(
      api.act(
        proposalId,
        'ruleReturn',
        { unitId: 'unit-education', approve: false, reason: '属本单位职责' },
        'committee',
      ),
    );
    const refused = await delivered(proposalId, 'returnRejected', 4);
    expect(who(refused)).toEqual([
      'education-secretary:email',
      'education-secretary:inbox',
      'education:email',
      'education:inbox',
    ]);
    expect(refused[0].text).toContain('的退回申请未获同意，请继续办理。');
  });

  it('答复已送达 reaches each proposer; each 评价结果 the unit; 重新办理 the unit', async () => {
    await ok(api.act(proposalId, 'signFor', { unitId: 'unit-education' }, 'education'));
    await ok(
      api.act(proposalId, 'recordContact', { unitId: 'unit-education', method: 'phone' }, 'education'),
    );
    await ok(
      api.act(
        proposalId,
        'reply',
        { unitId: 'unit-education', resultClass: 'C', text: '留作参考' },
        'education-leader',
      ),
    );
    const replied = await delivered(proposalId, 'repl', 4); // replied, or replyReleased once reviewed
    expect(who(replied)).toEqual([
      'member-li:email',
      'member-li:inbox',
      'member-zhang:email',
      'member-zhang:inbox',
    ]);
    expect(replied[0].subject).toBe(`【回音】答复已送达，请评价：提案 ${proposalId}《${title}》`);
    expect(replied[0].text).toContain(
      `市教育局对提案 ${proposalId}《${title}》的书面答复已送达（留作参考）。`,
    );

    await ok(api.act(proposalId, 'feedback', { rating: 'unsatisfied' }, 'member-zhang'));
    await ok(api.act(proposalId, 'feedback', { rating: 'basicallySatisfied' }, 'member-li'));
    const rated = await delivered(proposalId, 'feedback', 8); // two ratings, each to the unit
    expect(new Set(who(rated))).toEqual(
      new Set([
        'education-secretary:email',
        'education-secretary:inbox',
        'education:email',
        'education:inbox',
      ]),
    );
    const said = (rating: string) =>
      `提案者对市教育局就提案 ${proposalId}《${title}》所作答复的评价：${rating}。`;
    expect(new Set(rated.map((r) => r.text.split('\n')[1]))).toEqual(
      new Set([said('不满意'), said('基本满意')]),
    );
    expect(new Set(rated.map((r) => r.notice)).size).toBe(2); // one notice per rating

    await ok(
      api.act(proposalId, 'ruleFeedback', { decision: 'rehandle', reason: '请补充措施' }, 'committee'),
    );
    const rehandling = await delivered(proposalId, 'rehandlingOrdered', 4);
    expect(who(rehandling)).toEqual([
      'education-secretary:email',
      'education-secretary:inbox',
      'education:email',
      'education:inbox',
    ]);
    expect(rehandling[0].text).toContain('委员会决定重新办理');
  });

  it('不予立案 (with its reason), 转为意见建议 and 并案 reach the proposers', async () => {
    const notFiled = (await ok(api.file({ title: '关于个人待遇的建议' }))).body.proposal.proposalId;
    await ok(api.act(notFiled, 'review', { decision: 'notFile', reason: 'personalMatter' }, 'committee'));
    const notFiledRows = await delivered(notFiled, 'notFiled', 2);
    expect(who(notFiledRows)).toEqual(['member-zhang:email', 'member-zhang:inbox']);
    expect(notFiledRows[0].text).toContain('理由：个人事务');

    const converted = (await ok(api.file({ title: '关于路灯维修的建议' }, 'member-wang'))).body.proposal
      .proposalId;
    await ok(api.act(converted, 'review', { decision: 'convert', unitId: 'unit-housing' }, 'committee'));
    await ok(api.act(converted, 'consent', { accept: true }, 'member-wang'));
    const convertedRows = await delivered(converted, 'converted', 2);
    expect(who(convertedRows)).toEqual(['member-wang:email', 'member-wang:inbox']);
    expect(convertedRows[0].text).toContain('已转为意见建议，交市住房和城乡建设局办理。');
    // The converted suggestion is a follow-up item of its own: it is not announced as a letter is.
    expect(await rowsOf(`${converted}-converted`)).toEqual([]);

    const into = (await ok(api.file({ title: '关于公交线路的建议' }, 'member-li'))).body.proposal.proposalId;
    const merged = (await ok(api.file({ title: '关于公交站点的建议' }, 'member-wang'))).body.proposal
      .proposalId;
    await ok(api.act(merged, 'review', { decision: 'merge', intoProposalId: into }, 'committee'));
    const mergedRows = await delivered(merged, 'merged', 2);
    expect(who(mergedRows)).toEqual(['member-wang:email', 'member-wang:inbox']);
    expect(mergedRows[0].text).toContain(`已并入提案 ${into} 办理`);
  });
});

describe('letters through the API', () => {
  it('建议书送达 reaches the department; each 评价结果 of its answer too', async () => {
    const tokens = await peopleTokens(stack);
    const post = (path: string, person: keyof typeof tokens, body: object = {}) =>
      ok(request(stack.app).post(path).set('Authorization', tokens[person]).send(body));
    const { postingId } = (await post('/api/postings', 'committee', { groupId: 'group-ecology' })).body;
    await until(
      async () =>
        (await request(stack.app).get(`/api/postings/${postingId}`).set('Authorization', tokens.committee))
          .body.termEnd,
    );
    const letterId = (
      await post(`/api/postings/${postingId}/letters`, 'supervisor-he', {
        title: '关于河道保洁的建议',
        content: '建议……',
      })
    ).body.followUpId as string;
    const deliveredRows = await delivered(letterId, 'followUpOpened', 2);
    expect(who(deliveredRows)).toEqual(['ecology:email', 'ecology:inbox']);
    expect(deliveredRows[0].subject).toBe('【回音】建议书送达通知：民主监督建议书《关于河道保洁的建议》');

    const path = (action: string) => `/api/follow-ups/${letterId}/${action}`;
    await until(
      async () =>
        (await request(stack.app).post(path('acknowledge')).set('Authorization', tokens.ecology)).status ===
        200,
    );
    await post(path('respond'), 'ecology', { content: '已部署', commitments: [] });
    await post(path('send-back'), 'supervisor-he', { adoption: 'notAdopted', satisfaction: 'unsatisfied' });
    const sentBack = await delivered(letterId, 'sentBack', 2);
    expect(sentBack[0].text).toContain('答复被退回，请在期限内重新答复。');
    await post(path('respond'), 'ecology', { content: '补充答复', commitments: [] });
    await post(path('evaluate'), 'supervisor-he', { adoption: 'adopted', satisfaction: 'satisfied' });
    const evaluated = await delivered(letterId, 'evaluated', 2);
    expect(who(evaluated)).toEqual(['ecology:email', 'ecology:inbox']);
    expect(evaluated[0].text).toContain('采纳情况：采纳，满意度：满意。');
  });
});

/** What the workflow passed to each recordProposal it ran, from its history. */
async function recordedInputs(workflowId: string): Promise<ProposalRecord[]> {
  const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'recordProposal') return [];
    return [defaultPayloadConverter.fromPayload<ProposalRecord>(scheduled.input!.payloads![0] as Payload)];
  });
}

const snapshot = async (itemId: string) =>
  (await rowsOf(itemId)).map((r) => `${r._id}|${r.status}|${r.attempts}|${r.sentAt?.getTime()}`);

describe('once per key', () => {
  it('a retried recording activity writes and sends nothing again, inside a worker or not', async () => {
    const before = await snapshot(proposalId);
    const mails = smtp.mails.length;
    const inputs = await recordedInputs(`proposal-${proposalId}`);
    expect(inputs.filter((i) => i.entry).length).toBeGreaterThan(10);
    for (const input of inputs) await activities.recordProposal(input);
    // As the worker runs it: with its client, it hands the (sent) rows to deliverNotice again.
    const env = new MockActivityEnvironment({ taskQueue: stack.taskQueue }, { client: stack.temporal });
    const filed = inputs.find((i) => i.entry?.kind === 'filed')!;
    await env.run(activities.recordProposal, filed);
    await stack.temporal.workflow.getHandle(deliveryWorkflowId(`event:${filed.entry!.key}`)).result();
    expect(await snapshot(proposalId)).toEqual(before);
    expect(smtp.mails.length).toBe(mails);
  });

  it('replaying the projections (reconcile) enqueues nothing', async () => {
    const before = await snapshot(proposalId);
    const report = await reconcile({ temporal: stack.temporal, store: stack.store });
    expect(report.projected).toBeGreaterThan(10);
    expect(await snapshot(proposalId)).toEqual(before);
    // Even replayed into the live database, the projection is the read-model half only.
    const [input] = (await recordedInputs(`proposal-${proposalId}`)).filter((i) => i.entry?.kind === 'filed');
    const fresh = { ...input, entry: { ...input.entry!, key: `${proposalId}:r999:filed` } };
    await projections({ store: stack.store, notifications }).recordProposal(fresh, undefined);
    expect(await rowsOf(proposalId, 'filed')).toHaveLength(4);
    expect(await stack.store.outbox.countDocuments({ notice: { $regex: ':r999:' } })).toBe(0);
  });
});

describe('office hours', () => {
  it('holds an evening event before National Day until the first working morning after it', async () => {
    await savePolicy(stack.store, defaultPolicy, 'test');
    const holiday = ['01', '02', '03', '04', '05', '06', '07'].map((d) => `2099-10-${d}`);
    await saveCalendarYear(stack.store, {
      year: 2099,
      holidays: holiday,
      workdays: [],
      source: 'test-fixture',
    });
    const [input] = (await recordedInputs(`proposal-${proposalId}`)).filter((i) => i.entry?.kind === 'filed');
    const state: ProposalState = {
      ...input.state,
      proposalId: '2099-0001',
      sessionYear: 2099,
      number: '2099-0001',
    };
    const record: ProposalRecord = {
      state,
      revision: 3,
      entry: {
        ...input.entry!,
        key: '2099-0001:r3:filed',
        itemId: '2099-0001',
        at: Date.parse('2099-09-30T20:00:00+08:00'),
      },
    };
    await activities.recordProposal(record);
    await activities.recordProposal(record); // retried: the same rows, no more
    const rows = await rowsOf('2099-0001', 'filed');
    expect(who(rows)).toEqual([
      'member-li:email',
      'member-li:inbox',
      'member-zhang:email',
      'member-zhang:inbox',
    ]);
    const morning = Date.parse('2099-10-08T09:00:00+08:00');
    expect(rows.map((r) => [r.status, r.deliverAt.getTime()])).toEqual(rows.map(() => ['pending', morning]));
    // Not in the inbox before its morning; waiting in the due index for the sweep (or deliverNotice).
    expect((await inboxOf('member-zhang')).map((m) => m.notice)).not.toContain(rows[0].notice);
    expect(await stack.store.outboxDue.countDocuments({ _id: { $in: rows.map((r) => r._id) } })).toBe(4);
  });
});
