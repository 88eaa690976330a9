/**
 * Democratic supervision through the API on the dev server and FerretDB, with the default policy:
 * a posting, its activity log, letters handled as follow-up items by the department, scoping of who
 * sees and acts, bad input, term report, statistics, campaigns and the guarantee.
 */
import request from 'supertest';
import { demoPostingId, seedDemoSupervision } from '../../api/routes/supervision-demo';
import { dateOf } from '../../domain/time';
import { seedDemoDirectory } from '../../store/demo';
import { loadTemporalConfig } from '../../temporal.config';
import { peopleTokens, until, type Person } from '../helpers/supervision-api';
import { openItemChange, openWork } from '../../store/open-work';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let tokens: Record<Person, string>;
beforeAll(async () => {
  stack = await startStack();
  await seedDemoDirectory(stack.store);
  tokens = await peopleTokens(stack);
});
afterAll(() => stack?.stop());

const get = (path: string, who: Person) => request(stack.app).get(path).set('Authorization', tokens[who]);
const post = (path: string, who: Person, body: object = {}) =>
  request(stack.app).post(path).set('Authorization', tokens[who]).send(body);

const today = () => dateOf(Date.now());
let postingId: string;
let letterId: string;

describe('a posting', () => {
  test('is started by the committee for a group of the directory, once', async () => {
    expect((await post('/api/postings', 'supervisor-he', { groupId: 'group-ecology' })).status).toBe(403);
    const unknown = await post('/api/postings', 'committee', { groupId: 'group-nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('body.groupId');
    expect((await post('/api/postings', 'committee', { groupId: 'bad id!' })).body.error.message).toContain(
      'body.groupId',
    );

    const res = await post('/api/postings', 'committee', { groupId: 'group-ecology' });
    expect(res.status).toBe(201);
    postingId = res.body.postingId;
    expect(res.body).toEqual({
      postingId: `group-ecology-${today()}`,
      workflowId: `posting-group-ecology-${today()}`,
      departmentId: 'dept-ecology',
    });
    const posting = await until(
      async () => (await get(`/api/postings/${postingId}`, 'committee')).body.termEnd,
    );
    expect(posting).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // Listed once its workflow has recorded it; then a second posting of the group is refused as active.
    await until(async () => (await get('/api/postings', 'committee')).body.items.length === 1);
    const again = await post('/api/postings', 'committee', { groupId: 'group-ecology' });
    expect([again.status, again.body.error.code]).toEqual([409, 'posting_active']);
  });

  test('is seen by its group and its department only', async () => {
    for (const who of ['supervisor-he', 'group-secretary', 'ecology', 'leader'] as const)
      expect(
        (await get('/api/postings', who)).body.items.map((p: { postingId: string }) => p.postingId),
      ).toEqual([postingId]);
    expect((await get('/api/postings', 'supervisor-other')).body.items).toEqual([]);
    expect((await get(`/api/postings/${postingId}`, 'supervisor-other')).status).toBe(404);
    expect((await get('/api/postings/nope', 'committee')).status).toBe(404);
    const actionsOf = async (who: Person) =>
      (await get(`/api/postings/${postingId}`, who)).body.actions.map((a: { name: string }) => a.name);
    expect(await actionsOf('supervisor-he')).toEqual(['logActivity', 'sendLetter']);
    expect(await actionsOf('group-secretary')).toEqual(['logActivity']);
    expect(await actionsOf('committee')).toEqual(['logActivity', 'endTerm']);
    expect(await actionsOf('ecology')).toEqual([]);
    expect((await get(`/api/postings/${postingId}`, 'committee')).body.actions).toContainEqual({
      name: 'endTerm',
      label: '结束派驻',
      method: 'POST',
      path: `/api/postings/${postingId}/end`,
    });
    expect((await get('/api/postings', 'housing')).status).toBe(403);
  });

  test('logs visits, inspections and meetings of its own group', async () => {
    const inspection = { kind: 'inspection', date: today(), summary: '暗访城东污水处理厂夜间排放' };
    const res = await post(`/api/postings/${postingId}/activities`, 'supervisor-guo', inspection);
    expect(res.status).toBe(201);
    expect(res.body.id).toBe(`${postingId}-A1`);
    expect((await post(`/api/postings/${postingId}/activities`, 'supervisor-other', inspection)).status).toBe(
      404,
    );
    const bad = await post(`/api/postings/${postingId}/activities`, 'supervisor-he', {
      ...inspection,
      kind: 'party',
    });
    expect([bad.status, bad.body.error.message]).toEqual([400, expect.stringContaining('body.kind')]);
    const future = await post(`/api/postings/${postingId}/activities`, 'supervisor-he', {
      ...inspection,
      date: '2099-01-01',
    });
    expect([future.status, future.body.error.code]).toEqual([409, 'activity_in_future']);
    const log = await get(`/api/postings/${postingId}/activities`, 'group-secretary');
    expect(log.body.items).toMatchObject([
      { id: `${postingId}-A1`, kind: 'inspection', recordedBy: 'supervisor-guo', shared: false },
    ]);
    // An inspection is the group's working note: the department does not see it.
    expect((await get(`/api/postings/${postingId}/activities`, 'ecology')).body.items).toEqual([]);
  });

  test('sends letters that become follow-up items of the department', async () => {
    expect(
      (await post(`/api/postings/${postingId}/letters`, 'ecology', { title: 't', content: 'c' })).status,
    ).toBe(403);
    const missing = await post(`/api/postings/${postingId}/letters`, 'supervisor-he', { title: '  ' });
    expect([missing.status, missing.body.error.message]).toEqual([
      400,
      expect.stringContaining('body.title'),
    ]);
    const res = await post(`/api/postings/${postingId}/letters`, 'supervisor-he', {
      title: '关于加强入河排污口整治的建议',
      content: '建议对全市入河排污口开展拉网式排查……',
    });
    expect(res.status).toBe(201);
    letterId = res.body.followUpId;
    expect(letterId).toBe(`${postingId}-L1`);
  });
});

describe('a letter', () => {
  const path = (action = '') => `/api/follow-ups/${letterId}${action}`;

  test('is visible to the department and the group, not to other units or groups', async () => {
    // Listed once its workflow has recorded it (the read model follows the workflow within moments).
    await until(async () => (await get('/api/follow-ups', 'ecology')).body.items.length === 1);
    expect((await get(path(), 'supervisor-he')).body).toMatchObject({
      kind: 'recommendationLetter',
      status: 'awaitingAcknowledgement',
      sender: { groupId: 'group-ecology' },
      responder: { unitId: 'dept-ecology' },
      source: { postingId },
    });
    expect((await get(path(), 'housing')).status).toBe(404);
    expect((await get(path(), 'supervisor-other')).status).toBe(404);
    expect((await get('/api/follow-ups', 'housing')).body.items).toEqual([]);
    // What each may do now, with where to send it.
    expect((await get(path(), 'ecology')).body.actions).toEqual([
      { name: 'acknowledge', label: '签收', method: 'POST', path: path('/acknowledge') },
    ]);
    expect((await get(path(), 'supervisor-he')).body.actions).toEqual([]);
    expect((await get(path(), 'committee')).body.actions.map((a: { name: string }) => a.name)).toEqual([
      'withdraw',
    ]);
    expect(
      (await get('/api/follow-ups', 'ecology')).body.items.map((i: { followUpId: string }) => i.followUpId),
    ).toEqual([letterId]);
  });

  test('is signed for and answered by the department alone', async () => {
    expect((await post(path('/acknowledge'), 'housing')).status).toBe(404);
    expect((await post(path('/acknowledge'), 'supervisor-he')).status).toBe(403);
    const early = await post(path('/respond'), 'ecology', { content: '答复' });
    expect([early.status, early.body.error.code]).toEqual([409, 'not_acknowledged']);
    expect((await post(path('/acknowledge'), 'ecology')).body.status).toBe('awaitingResponse');
    const again = await post(path('/acknowledge'), 'ecology');
    expect([again.status, again.body.error]).toEqual([
      409,
      { code: 'already_acknowledged', message: '该事项已签收，无需重复签收' },
    ]);
    const noContent = await post(path('/respond'), 'ecology', { commitments: ['x'] });
    expect([noContent.status, noContent.body.error.message]).toEqual([
      400,
      expect.stringContaining('body.content'),
    ]);
    const answered = await post(path('/respond'), 'ecology', {
      content: '已部署排查',
      commitments: ['年底前完成排查'],
    });
    expect(answered.body).toMatchObject({
      status: 'awaitingEvaluation',
      answered: true,
      respondedOnTime: true,
    });
  });

  test('is rated on the item’s own scales by its group, sent back once, then implemented until done', async () => {
    const rating = { adoption: 'partlyAdopted', satisfaction: 'unsatisfied', comment: '未明确时限' };
    expect((await post(path('/evaluate'), 'ecology', rating)).status).toBe(403);
    expect((await post(path('/evaluate'), 'supervisor-other', rating)).status).toBe(404);
    const unknown = await post(path('/evaluate'), 'supervisor-he', { ...rating, adoption: 'maybe' });
    expect([unknown.status, unknown.body.error.message]).toEqual([
      400,
      expect.stringContaining('body.adoption'),
    ]);
    const satisfied = await post(path('/send-back'), 'supervisor-he', {
      ...rating,
      satisfaction: 'satisfied',
    });
    expect([satisfied.status, satisfied.body.error.code]).toEqual([409, 'send_back_needs_unsatisfied']);

    const sentBack = await post(path('/send-back'), 'supervisor-guo', rating);
    expect(sentBack.body).toMatchObject({ status: 'awaitingResponse', round: 2, sendBacksLeft: 0 });
    await post(path('/respond'), 'ecology', {
      content: '补充答复：明确时限',
      commitments: ['6月底前完成整治'],
    });
    const rated = await post(path('/evaluate'), 'supervisor-he', {
      adoption: 'adopted',
      satisfaction: 'satisfied',
    });
    expect(rated.body).toMatchObject({
      status: 'implementing',
      adopted: true,
      openCommitments: ['6月底前完成整治'],
    });

    expect(
      (await post(path('/check-ins'), 'ecology', { progress: '已完成 12 处' })).body.checkIns,
    ).toHaveLength(1);
    const done = await post(path('/done'), 'ecology', { summary: '整治完成' });
    expect(done.body).toMatchObject({ status: 'closed', outcome: { code: 'done', note: '整治完成' } });
    const closed = await post(path('/check-ins'), 'ecology', { progress: '…' });
    expect([closed.status, closed.body.error.code]).toEqual([409, 'follow_up_closed']);

    const detail = await until(async () => {
      const res = await get(path(), 'committee');
      return res.body.status === 'closed' && res.body;
    });
    expect(detail.timeline.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining([
        'followUpOpened',
        'acknowledged',
        'responded',
        'sentBack',
        'evaluated',
        'checkedIn',
        'reportedDone',
      ]),
    );
    expect(
      detail.clocks.map((c: { clockId: string; status: string }) => `${c.clockId}:${c.status}`).sort(),
    ).toEqual([
      'acknowledge:met',
      'checkIn-1:met',
      'checkIn-2:met',
      'evaluation-1:met',
      'evaluation-2:met',
      'response-1:met',
      'response-2:met',
    ]);
  });
});

describe('the guarantee', () => {
  test('holds, with a ledger per responding unit, and names what would break it', async () => {
    await post(`/api/postings/${postingId}/letters`, 'supervisor-he', {
      title: '第二份建议书',
      content: '……',
    });
    const ok = await until(async () => {
      const res = await get('/api/guarantee', 'leader');
      return res.body.ledger?.length === 1 && res.body;
    });
    expect(ok).toMatchObject({
      holds: true,
      uncovered: [],
      ledger: [
        { unitId: 'dept-ecology', unitName: '市生态环境局', open: 1, answered: 0, overdue: 0, escalated: 0 },
      ],
    });
    expect((await get('/api/guarantee', 'ecology')).status).toBe(403);

    // An open item nobody waits on, and one whose overdue clock has nothing left to fire.
    // Written into the open-work view as the worker's projections would.
    const ghost = { title: undefined, unitIds: ['unit-housing'], answered: false };
    const silentClock = {
      itemId: 'ghost-2',
      itemKind: 'followUp',
      clockId: 'response-1',
      code: 'response',
      label: '答复',
      overdue: true,
      escalation: null,
      nextStepAt: null,
      dueAt: Date.now(),
    };
    const ghostRows = (present: boolean) => [
      openItemChange('followUp', 'ghost-1', present ? 1 : 2, present ? ghost : null),
      openItemChange('followUp', 'ghost-2', present ? 1 : 2, present ? ghost : null),
      {
        id: 'followUp|ghost-2|clock|response-1',
        revision: present ? 1 : 2,
        value: present ? silentClock : null,
      },
    ];
    await stack.store.views.put(openWork, ghostRows(true));
    try {
      const broken = (await get('/api/guarantee', 'committee')).body;
      expect(broken.holds).toBe(false);
      expect(broken.uncovered).toEqual([
        {
          itemId: 'ghost-1',
          itemKind: 'followUp',
          unitIds: ['unit-housing'],
          reason: 'noRunningClock',
          clockIds: [],
        },
        {
          itemId: 'ghost-2',
          itemKind: 'followUp',
          unitIds: ['unit-housing'],
          reason: 'silentClock',
          clockIds: ['response-1'],
        },
      ]);
    } finally {
      await stack.store.views.put(openWork, ghostRows(false));
    }
  });
});

describe('the end of a posting', () => {
  test('produces the term report; open letters stay open; statistics count every letter', async () => {
    expect((await post(`/api/postings/${postingId}/end`, 'supervisor-he', { reason: 'x' })).status).toBe(403);
    const ended = await post(`/api/postings/${postingId}/end`, 'committee', { reason: '部门职能调整' });
    expect(ended.body).toMatchObject({
      status: 'ended',
      ended: { reason: 'endedEarly', note: '部门职能调整' },
    });
    const report = (await get(`/api/postings/${postingId}/report`, 'supervisor-he')).body;
    expect(report).toMatchObject({
      postingId,
      term: { start: today(), end: today() },
      endReason: 'endedEarly',
      figures: {
        letters: 2,
        replied: 1,
        repliedOnTime: 1,
        replyOnTimeRate: 0.5,
        evaluated: 1,
        adopted: 1,
        adoptionRate: 1,
        open: 1,
      },
      activities: { visit: 0, inspection: 1, meeting: 0 },
      openLetters: [{ followUpId: `${postingId}-L2`, status: 'awaitingAcknowledgement' }],
    });
    expect((await get('/api/term-reports', 'ecology')).body.items).toHaveLength(1);
    expect((await get('/api/term-reports', 'supervisor-other')).body.items).toEqual([]);
    const late = await post(`/api/postings/${postingId}/letters`, 'supervisor-he', {
      title: 't',
      content: 'c',
    });
    expect([late.status, late.body.error.code]).toEqual([409, 'posting_ended']);
    // The open letter outlives the posting.
    expect((await post(`/api/follow-ups/${postingId}-L2/acknowledge`, 'ecology')).body.status).toBe(
      'awaitingResponse',
    );

    const stats = (await get('/api/supervision/statistics', 'committee')).body;
    expect(stats.byGroup).toEqual([
      expect.objectContaining({ key: 'group-ecology', letters: 2, adoptionRate: 1, replyOnTimeRate: 0.5 }),
    ]);
    expect(stats.byDepartment).toEqual([expect.objectContaining({ key: 'dept-ecology', letters: 2 })]);
    expect((await get('/api/supervision/statistics?from=2099-01-01', 'committee')).body.total.letters).toBe(
      0,
    );
    const bad = await get('/api/supervision/statistics?from=2027-02-30', 'committee');
    expect([bad.status, bad.body.error.message]).toEqual([400, expect.stringContaining('query.from')]);
    expect((await get('/api/supervision/statistics', 'ecology')).status).toBe(403);
  });
});

describe('a campaign', () => {
  const campaign = {
    id: 'rivers-2027',
    theme: '全市 38 条河流水环境治理专项民主监督',
    sites: [{ code: 'R01', name: '清水河', departmentId: 'dept-ecology' }],
    teams: [
      {
        code: 'T1',
        name: '第一监督组',
        leaderId: 'supervisor-guo',
        memberIds: ['supervisor-guo', 'member-zhang'],
      },
    ],
  };

  test('is created by the committee with sites and teams of the directory', async () => {
    expect((await post('/api/campaigns', 'supervisor-he', campaign)).status).toBe(403);
    const badSite = await post('/api/campaigns', 'committee', {
      ...campaign,
      sites: [{ ...campaign.sites[0], departmentId: 'dept-nope' }],
    });
    expect([badSite.status, badSite.body.error.message]).toEqual([
      400,
      expect.stringContaining('body.sites.0.departmentId'),
    ]);
    const twice = await post('/api/campaigns', 'committee', {
      ...campaign,
      sites: [campaign.sites[0], campaign.sites[0]],
    });
    expect([twice.status, twice.body.error.message]).toEqual([
      400,
      expect.stringContaining('body.sites.1.code'),
    ]);
    expect((await post('/api/campaigns', 'committee', campaign)).status).toBe(201);
    expect((await post('/api/campaigns', 'committee', campaign)).status).toBe(409);
    expect((await get('/api/campaigns', 'supervisor-guo')).body.items).toHaveLength(1);
    expect((await get('/api/campaigns', 'supervisor-he')).body.items).toEqual([]);
  });

  test('turns a team’s findings into letters its members rate', async () => {
    const finding = { siteCode: 'R01', teamCode: 'T1', title: '清水河排污口整治建议', content: '……' };
    expect((await post('/api/campaigns/rivers-2027/letters', 'supervisor-he', finding)).status).toBe(404);
    const noSite = await post('/api/campaigns/rivers-2027/letters', 'supervisor-guo', {
      ...finding,
      siteCode: 'R99',
    });
    expect([noSite.status, noSite.body.error.message]).toEqual([
      400,
      expect.stringContaining('body.siteCode'),
    ]);
    const res = await post('/api/campaigns/rivers-2027/letters', 'supervisor-guo', finding);
    expect(res.body.followUpId).toBe('rivers-2027-R01-1');
    const item = await until(
      async () => (await get(`/api/follow-ups/rivers-2027-R01-1`, 'member-zhang')).body.sender,
    );
    expect(item).toEqual({ userIds: ['supervisor-guo', 'member-zhang'] });
    expect((await get(`/api/campaigns/rivers-2027`, 'committee')).body.letters).toBe(1);
  });
});

describe('other follow-up items', () => {
  test('are handed to a unit by the committee, with bad input named', async () => {
    const body = {
      kind: 'instruction',
      title: '关于老旧小区电梯加装的社情民意信息',
      content: '请住建局研究办理',
      responderUnitId: 'unit-housing',
      sender: { userIds: ['leader'] },
    };
    expect((await post('/api/follow-ups', 'housing', body)).status).toBe(403);
    for (const [patch, field] of [
      [{ kind: 'memo' }, 'body.kind'],
      [{ sender: {} }, 'body.sender'],
      [{ responderUnitId: 'unit-nope' }, 'body.responderUnitId'],
      [{ sender: { userIds: ['nobody'] } }, 'body.sender.userIds.0'],
    ] as const) {
      const res = await post('/api/follow-ups', 'committee', { ...body, ...patch });
      expect([res.status, res.body.error.message]).toEqual([400, expect.stringContaining(field)]);
    }
    const res = await post('/api/follow-ups', 'committee', { ...body, followUpId: 'instruction-2026-001' });
    expect(res.status).toBe(201);
    expect(
      (await post('/api/follow-ups', 'committee', { ...body, followUpId: 'instruction-2026-001' })).status,
    ).toBe(409);
    expect((await post('/api/follow-ups/instruction-2026-001/acknowledge', 'housing')).body.status).toBe(
      'awaitingResponse',
    );
    const answered = await post('/api/follow-ups/instruction-2026-001/respond', 'housing', {
      content: '已研究落实',
    });
    expect(answered.body).toMatchObject({ status: 'closed', outcome: { code: 'answered' } });
    expect(
      (await post('/api/follow-ups/instruction-2026-001/withdraw', 'committee', { reason: 'x' })).body.error
        .code,
    ).toBe('follow_up_closed');
  });
});

describe('the demo posting of `npm start`', () => {
  test('has letters in every state, and seeding it again adds nothing', async () => {
    const deps = {
      temporal: stack.temporal,
      store: stack.store,
      temporalConfig: loadTemporalConfig({ TEMPORAL_TASK_QUEUE: stack.taskQueue }),
    };
    expect(await seedDemoSupervision(deps)).toBe(6);
    expect(await seedDemoSupervision(deps)).toBe(0);
    const statuses = await until(async () => {
      const items = (await get(`/api/follow-ups?postingId=${demoPostingId}`, 'supervisor-he')).body.items;
      return (
        items.length === 6 &&
        items.map((i: { followUpId: string; status: string }) => `${i.followUpId}:${i.status}`)
      );
    });
    expect(statuses.sort()).toEqual(
      [
        'L1:implementing',
        'L2:awaitingResponse',
        'L3:awaitingEvaluation',
        'L4:awaitingResponse',
        'L5:awaitingAcknowledgement',
        'L6:closed',
      ].map((s) => `${demoPostingId}-${s}`),
    );
    const kinds = async (who: Person) =>
      (await get(`/api/postings/${demoPostingId}/activities`, who)).body.items.map(
        (a: { kind: string }) => a.kind,
      );
    expect(await kinds('committee')).toEqual(['meeting', 'visit', 'inspection']);
    // The inspection (暗访) is the group's working note: the department sees the rest.
    expect(await kinds('ecology')).toEqual(['meeting', 'visit']);
    expect((await get('/api/guarantee', 'committee')).body.holds).toBe(true);
  });
});
