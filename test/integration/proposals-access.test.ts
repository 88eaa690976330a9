/**
 * Who sees and does what on proposals (domain.md §1), list filters, and bad input on every endpoint:
 * 401 without a token, 403 for the wrong role or unit, 400 naming the field, 404 for unknown ids and
 * for proposals the caller may not see.
 */
import request from 'supertest';
import { currentSessionYear } from '../../domain/proposal-number';
import { fieldsOf, proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { proposalViews, yearRowIds } from '../../store/proposals';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let api: ProposalApi;
const year = currentSessionYear();
const ids = {} as Record<'housing' | 'education' | 'unassigned', string>;

beforeAll(async () => {
  stack = await startStack();
  api = await proposalApi(stack);
  const steer = async (title: string, who: string, unitId?: string) => {
    const filed = await api.file({ title }, who);
    expect([filed.status, filed.body.error]).toEqual([201, undefined]);
    const id = filed.body.proposal.proposalId as string;
    if (!unitId) return id;
    await api.act(id, 'review', { decision: 'file' }, 'committee').expect(200);
    await api.act(id, 'assign', { leadUnitId: unitId }, 'committee').expect(200);
    return id;
  };
  ids.housing = await steer('关于老旧小区改造的建议', 'member-zhang', 'unit-housing');
  ids.education = await steer('关于课后服务的建议', 'member-li', 'unit-education');
  ids.unassigned = await steer('关于加装电梯(试点)的建议', 'org-minmeng');
  await api.act(ids.housing, 'markKey', { leaderId: 'leader' }, 'leader').expect(200);
});
afterAll(() => stack?.stop());

/** Ids listed for `query` in this session year (one test files into next year). */
const listIds = async (query: string, who = 'committee') => {
  const sep = query ? '&' : '?';
  const res = await api
    .get(`/api/proposals${query}${query.includes('sessionYear') ? '' : `${sep}sessionYear=${year}`}`, who)
    .expect(200);
  return (res.body.items as { id: string }[]).map((item) => item.id);
};

describe('scoping', () => {
  test('a unit sees and acts on its own unit’s proposals only', async () => {
    await api.get(`/api/proposals/${ids.housing}`, 'housing').expect(200);
    // Not visible answers as not existing.
    const foreign = await api.get(`/api/proposals/${ids.housing}`, 'education');
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'not_found']);
    expect((await api.act(ids.housing, 'signFor', { unitId: 'unit-education' }, 'education')).status).toBe(
      404,
    );
    // acting in another unit's name on a proposal it may see
    const other = await api.act(ids.housing, 'signFor', { unitId: 'unit-education' }, 'housing');
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain('unit-housing');
    expect(await listIds('', 'housing')).toEqual([ids.housing]);
    expect(await listIds('', 'education')).toEqual([ids.education]);
  });

  test('a member sees their own proposals only; committee and leaders see all', async () => {
    expect((await api.get(`/api/proposals/${ids.housing}`, 'member-li')).status).toBe(404);
    expect(await listIds('', 'member-li')).toEqual([ids.education]);
    expect(await listIds('', 'member-wang')).toEqual([]);
    expect((await listIds('', 'leader')).sort()).toEqual(Object.values(ids).sort());
  });

  test('unit scope is for unit roles: a member carrying a unit id sees nothing more', async () => {
    const official = await stack.bearer('member', { id: 'member-official', unitId: 'unit-housing' });
    const detail = await request(stack.app)
      .get(`/api/proposals/${ids.housing}`)
      .set('Authorization', official);
    expect(detail.status).toBe(404);
    const list = await request(stack.app)
      .get(`/api/proposals?sessionYear=${year}`)
      .set('Authorization', official)
      .expect(200);
    expect(list.body.items).toEqual([]);
  });

  test('a follow-up id shaped like another kind’s id is refused, naming the field', async () => {
    const item = (followUpId: string) => ({
      followUpId,
      kind: 'consultationResult',
      title: 't',
      content: 'c',
      responderUnitId: 'unit-housing',
      sender: { unitId: 'unit-education' },
    });
    for (const id of [ids.housing, `${year}-0999`, 'group-ecology-2027-01-04']) {
      const res = await api.post('/api/follow-ups', item(id), 'committee');
      expect([res.status, fieldsOf(res)]).toEqual([400, ['body.followUpId']]);
    }
  });

  test('the wrong role is a 403 on every endpoint', async () => {
    const forbidden = [
      api.act(ids.unassigned, 'review', { decision: 'file' }, 'org-minmeng'),
      api.post('/api/proposals', { title: 't', content: 'c', type: 'plenary' }, 'housing'),
      api.post('/api/proposals', { title: 't', content: 'c', type: 'plenary' }, 'leader'),
      api.get('/api/proposals/statistics', 'member-zhang'),
      api.post('/api/proposals/import', {}, 'member-zhang'),
      api.act(ids.housing, 'reply', { unitId: 'unit-housing', resultClass: 'A', text: 't' }, 'housing'),
      api.get('/api/proposals', 'supervisor-he'),
    ];
    for (const res of await Promise.all(forbidden))
      expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
  });

  test('no token is a 401 on every endpoint', async () => {
    const id = ids.housing;
    const calls = [
      request(stack.app).get('/api/proposals'),
      request(stack.app).get('/api/proposals/statistics'),
      request(stack.app).get('/api/proposals/export.csv'),
      request(stack.app).post('/api/proposals/import').type('text/csv').send('编号\n'),
      request(stack.app).post('/api/proposals').send({}),
      request(stack.app).get(`/api/proposals/${id}`),
      request(stack.app).post(`/api/proposals/${id}/actions/signFor`).send({ unitId: 'unit-housing' }),
    ];
    for (const res of await Promise.all(calls)) expect(res.status).toBe(401);
  });

  test('committee files on behalf of a member; a member cannot file for someone else', async () => {
    const filed = await api.post(
      '/api/proposals',
      {
        title: '代提交',
        content: 'c',
        type: 'plenary',
        leadProposerId: 'member-wang',
        sessionYear: year + 1,
      },
      'committee',
    );
    expect(filed.status).toBe(201);
    expect(filed.body.proposal).toMatchObject({ leadProposerId: 'member-wang', sessionYear: year + 1 });
    expect(filed.body.proposal.proposalId).toBe(`${year + 1}-0001`); // numbered in its own year
    const forOther = await api.file({ leadProposerId: 'member-li' }, 'member-zhang');
    expect(forOther.status).toBe(403);
  });
});

describe('bad input names the field', () => {
  test.each([
    [{ title: '' }, 'body.title'],
    [{ type: 'annual' }, 'body.type'],
    [{ coSignerIds: ['nobody'] }, 'body.coSignerIds.0'],
    [{ coSignerIds: ['member-li', 'housing'] }, 'body.coSignerIds.1'],
    [{ coSignerIds: ['member-zhang'] }, 'body.coSignerIds'],
    [{ sessionYear: 'next' }, 'body.sessionYear'],
    [{ colour: 'red' }, 'body'],
  ])('create %j → 400 naming %s', async (body, field) => {
    const res = await api.file(body);
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toContain(field);
  });

  test('committee must name the first proposer; an unknown one is refused', async () => {
    const none = await api.post('/api/proposals', { title: 't', content: 'c', type: 'plenary' }, 'committee');
    expect(fieldsOf(none)).toEqual(['body.leadProposerId']);
    const unknown = await api.post(
      '/api/proposals',
      { title: 't', content: 'c', type: 'plenary', leadProposerId: 'ghost' },
      'committee',
    );
    expect(fieldsOf(unknown)).toEqual(['body.leadProposerId']);
  });

  test('a malformed Idempotency-Key is a 400 naming the header', async () => {
    const res = await api.file({}, 'member-zhang', 'has spaces in it');
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['headers.idempotency-key']);
  });

  test('ids: malformed is 400, unknown is 404, on detail and actions', async () => {
    expect(fieldsOf(await api.get('/api/proposals/abc', 'committee'))).toEqual(['params.id']);
    expect((await api.get(`/api/proposals/${year}-9999`, 'committee')).status).toBe(404);
    expect((await api.act(`${year}-9999`, 'review', { decision: 'file' }, 'committee')).status).toBe(404);
    expect((await api.post(`/api/proposals/${ids.housing}/actions/fly`, {}, 'committee')).status).toBe(404);
  });

  test.each([
    ['signFor', {}, 'body.unitId'],
    ['assign', { leadUnitId: 'unit-nowhere' }, 'body.leadUnitId'],
    ['assign', { parallelUnitIds: ['unit-housing', 'dept-ecology'] }, 'body.parallelUnitIds.1'],
    ['review', { decision: 'convert', unitId: 'dept-ecology' }, 'body.unitId'],
    ['review', { decision: 'maybe' }, 'body.decision'],
    ['markKey', { leaderId: 'member-li' }, 'body.leaderId'],
  ] as const)('action %s %j → 400 naming %s', async (name, args, field) => {
    const res = await api.act(ids.unassigned, name, args, name === 'signFor' ? 'housing' : 'committee');
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toContain(field);
  });

  test.each([
    ['/api/proposals?status=lost', 'query.status.0'],
    ['/api/proposals?limit=0', 'query.limit'],
    ['/api/proposals?overdue=yes', 'query.overdue'],
    ['/api/proposals?colour=red', 'query'],
    ['/api/proposals/statistics?groupBy=weather', 'query.groupBy'],
    ['/api/proposals/statistics?sessionYear=soon', 'query.sessionYear'],
    ['/api/proposals/export.csv?dueBefore=2026-13-01', 'query.dueBefore'],
  ])('%s → 400 naming %s', async (path, field) => {
    const res = await api.get(path, 'committee');
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toContain(field);
  });
});

test('every endpoint is in the OpenAPI document, each action on its own', async () => {
  const { paths } = (await request(stack.app).get('/openapi.json').expect(200)).body;
  expect(Object.keys(paths)).toEqual(
    expect.arrayContaining([
      '/api/proposals',
      '/api/proposals/{id}',
      '/api/proposals/statistics',
      '/api/proposals/export.csv',
      '/api/proposals/import',
      '/api/proposals/{id}/actions/signFor',
      '/api/proposals/{id}/actions/reply',
    ]),
  );
  expect(paths['/api/proposals'].post.parameters).toEqual(
    expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key' })]),
  );
  expect(Object.keys(paths['/api/proposals/import'].post.requestBody.content)).toEqual(['text/csv']);
  expect(paths['/api/proposals/{id}/actions/reply'].post.description).toContain('unitLeader');
});

describe('list filters', () => {
  test('status, unit, key, proposer, session year, text in title', async () => {
    expect((await listIds('?status=handling')).sort()).toEqual([ids.housing, ids.education].sort());
    expect(await listIds('?status=underReview,cosigning')).toEqual([ids.unassigned]);
    expect(await listIds('?unitId=unit-housing')).toEqual([ids.housing]);
    expect(await listIds('?key=true')).toEqual([ids.housing]);
    expect(await listIds('?proposerId=member-li')).toEqual([ids.education]);
    expect(await listIds(`?sessionYear=${year - 1}`)).toEqual([]);
    expect(await listIds(`?q=${encodeURIComponent('电梯(试点')}`)).toEqual([ids.unassigned]); // regex chars are text
    expect(await listIds(`?q=${encodeURIComponent('.*')}`)).toEqual([]);
  });

  test('overdue and due-before read the clocks', async () => {
    expect(await listIds('?overdue=true')).toEqual([]);
    expect((await listIds('?dueBefore=2099-12-31')).sort()).toEqual(Object.values(ids).sort());
    expect(await listIds('?dueBefore=2000-01-01')).toEqual([]);
    // A clock the ladder found overdue (written as the worker would, without waiting months).
    await proposalViews.put(stack.store.views, year, [
      {
        id: yearRowIds.clock(ids.education, 'probe'),
        revision: 1,
        value: {
          itemId: ids.education,
          clockId: 'probe',
          unitId: 'unit-education',
          running: true,
          overdue: true,
          due: '2001-01-01',
          dueAt: Date.parse('2001-01-01T00:00:00+08:00'),
          escalation: null,
        },
      },
    ]);
    expect(await listIds('?overdue=true')).toEqual([ids.education]);
    expect(await listIds('?overdue=true&unitId=unit-housing')).toEqual([]);
    expect((await listIds('?overdue=false')).sort()).toEqual([ids.housing, ids.unassigned].sort());
    expect(await listIds('?dueBefore=2001-01-01')).toEqual([ids.education]);
    const item = (await api.get('/api/proposals?overdue=true', 'committee')).body.items[0];
    expect(item).toMatchObject({ overdue: true, statusLabel: '办理中', typeLabel: '平时提案' });
  });

  test('pagination and order by number', async () => {
    const all = await listIds('');
    expect(all).toEqual([...all].sort());
    const page = await api
      .get(`/api/proposals?limit=1&offset=1&sessionYear=${year}`, 'committee')
      .expect(200);
    expect(page.body).toMatchObject({ total: all.length, limit: 1, offset: 1 });
    expect(page.body.items.map((i: { id: string }) => i.id)).toEqual([all[1]]);
    expect(await listIds('?order=desc')).toEqual([...all].reverse());
  });
});

// Last: these file into the current year, which the list filters above count.
describe('writes take only what the caller may set', () => {
  test('members file in the current session year; only committee staff choose another', async () => {
    const other = await api.file({ sessionYear: year + 1 }, 'member-zhang');
    expect([other.status, other.body.error.code]).toEqual([403, 'forbidden']);
    expect(other.body.error.message).toContain('body.sessionYear');
    const current = await api.file({ sessionYear: year }, 'member-zhang');
    expect(current.status).toBe(201);
  });

  test('the CSV import takes each action with the role the API asks for', async () => {
    const csv = [
      '编号,标题,内容,类型,第一提案人,状态',
      `${year}-0900,导入,内容,平时提案,member-li,待交办`,
    ].join('\n');
    const res = await request(stack.app)
      .post('/api/proposals/import')
      .set('Authorization', api.token('admin'))
      .type('text/csv')
      .send(csv)
      .expect(200);
    // Filed under its number, but an admin is not committee staff: filing it is refused for the row.
    expect(res.body.errors).toMatchObject([{ row: 2, code: 'forbidden' }]);
  });

  test('the import records paper co-signatures with the importer as the actor', async () => {
    const number = `${year}-0901`;
    const csv = [
      '编号,标题,内容,类型,第一提案人,联名人,状态',
      `${number},导入,内容,平时提案,member-zhang,member-li,待交办`,
    ];
    const res = await request(stack.app)
      .post('/api/proposals/import')
      .set('Authorization', api.token('committee'))
      .type('text/csv')
      .send(csv.join('\n'))
      .expect(200);
    expect(res.body.errors).toEqual([]);
    const detail = await api.get(`/api/proposals/${number}`, 'committee').expect(200);
    expect(detail.body.proposal.confirmedCoSignerIds).toEqual(['member-li']);
    const cosigned = detail.body.timeline.filter((e: { kind: string }) => e.kind === 'cosigned');
    expect(cosigned).toMatchObject([{ actor: 'committee', label: expect.stringContaining('member-li') }]);
  });

  test('only committee staff record a co-signer’s answer, and name whose it is', async () => {
    const filed = await api.file({ coSignerIds: ['member-li', 'member-wang'] }, 'member-zhang');
    const id = filed.body.proposal.proposalId as string;
    const forOther = await api.act(id, 'cosign', { accept: true, coSignerId: 'member-li' }, 'member-wang');
    expect([forOther.status, forOther.body.error.message]).toEqual([
      403,
      expect.stringContaining('body.coSignerId'),
    ]);
    const unnamed = await api.act(id, 'cosign', { accept: true }, 'committee');
    expect(fieldsOf(unnamed)).toContain('body.coSignerId');
    await api.act(id, 'cosign', { accept: true, coSignerId: 'member-li' }, 'committee').expect(200);
    const own = await api.act(id, 'cosign', { accept: false, coSignerId: 'member-wang' }, 'member-wang');
    expect(own.status).toBe(200);
    expect(own.body.proposal).toMatchObject({
      confirmedCoSignerIds: ['member-li'],
      declinedCoSignerIds: ['member-wang'],
    });
  });
});
