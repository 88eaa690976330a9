import request from 'supertest';
import { defaultPolicy } from '../../domain/policy';
import type { Caller, Role } from '../../domain/roles';
import { demoDirectory, seedDemoDirectory } from '../../store/demo';
import { savePolicy } from '../../store/policy';
import { startStack, type Stack } from '../helpers/stack';

/** The callers these tests act as: a role, and the unit or group a token carries. */
const callers = {
  admin: ['admin'],
  committee: ['committee'],
  leader: ['leader'],
  member: ['member'],
  organization: ['organization'],
  unit: ['unit', { unitId: 'unit-housing' }],
  unitLeader: ['unitLeader', { unitId: 'unit-housing' }],
  secretary: ['secretary', { unitId: 'unit-housing' }],
  officeSecretary: ['secretary'],
  supervisor: ['supervisor', { id: 'supervisor-guo', groupId: 'group-ecology' }],
  department: ['department', { unitId: 'dept-ecology' }],
  housing: ['unit', { id: 'housing', unitId: 'unit-housing' }],
} satisfies Record<string, [Role, Partial<Caller>?]>;
type Who = keyof typeof callers;

let stack: Stack;
const tokens = {} as Record<Who, string>;
beforeAll(async () => {
  stack = await startStack();
  await seedDemoDirectory(stack.store);
  for (const [who, [role, extra]] of Object.entries(callers) as [Who, [Role, Partial<Caller>?]][])
    tokens[who] = await stack.bearer(role, extra);
});
afterAll(() => stack?.stop());

const get = (path: string, who: Who) => request(stack.app).get(path).set('Authorization', tokens[who]);
const post = (path: string, body: object, who: Who = 'admin') =>
  request(stack.app).post(path).set('Authorization', tokens[who]).send(body);
const put = (path: string, body: object, who: Who = 'admin') =>
  request(stack.app).put(path).set('Authorization', tokens[who]).send(body);

/** The fields a 400 names, from its details. */
const fieldsOf = (res: request.Response) =>
  (res.body.error.details.issues as { field: string }[]).map((issue) => issue.field);

const newUser = (id: string, extra: object = {}) => ({ id, name: '测试用户', roles: ['member'], ...extra });

describe('demo directory', () => {
  test('seeding again inserts nothing and leaves the same counts', async () => {
    const counts = () =>
      Promise.all([stack.store.users, stack.store.units, stack.store.groups].map((m) => m.countDocuments()));
    const before = await counts();
    expect(before.slice(1)).toEqual([demoDirectory.units.length, demoDirectory.groups.length]);
    // Plus the test callers: a token is let in only for a person in the directory.
    expect(before[0]).toBeGreaterThanOrEqual(demoDirectory.users.length);
    expect(await seedDemoDirectory(stack.store)).toBe(0);
    expect(await counts()).toEqual(before);
  });
});

describe('users', () => {
  test('admin creates a user, reads it back, and a second create with that id is a 409', async () => {
    const user = newUser('u-create', { email: 'wang@example.gov.cn', phone: '+86 10 1234 5678' });
    const created = await post('/api/users', user).expect(201);
    expect(created.body).toEqual({ ...user, active: true });
    expect((await get('/api/users/u-create', 'committee').expect(200)).body).toEqual(created.body);
    const again = await post('/api/users', { ...user, name: '另一个人' }).expect(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', details: { id: 'u-create' } });
    expect((await get('/api/users/u-create', 'admin')).body.name).toBe('测试用户');
  });

  test('PUT creates or replaces the whole record and is idempotent', async () => {
    // No id in the body: the path names the record.
    const withoutEmail = { name: '联络员', roles: ['unit'], unitId: 'unit-housing' };
    await put('/api/users/u-put', { ...withoutEmail, email: 'a@example.cn' }).expect(200);
    const replaced = await put('/api/users/u-put', withoutEmail).expect(200);
    expect(replaced.body).toEqual({ ...withoutEmail, id: 'u-put', active: true });
    await put('/api/users/u-put', withoutEmail).expect(200);
    expect((await get('/api/users/u-put', 'admin')).body).toEqual(replaced.body);
  });

  test('a PUT whose body names another id is refused', async () => {
    const res = await put('/api/users/u-mismatch', newUser('u-other')).expect(400);
    expect(res.body.error.message).toContain('body.id');
    await get('/api/users/u-mismatch', 'admin').then((r) => expect(r.status).toBe(404));
  });

  test('unknown unit and group references are refused, naming the field', async () => {
    const res = await post(
      '/api/users',
      newUser('u-refs', { unitId: 'unit-nope', groupId: 'group-nope' }),
    ).expect(400);
    expect(fieldsOf(res)).toEqual(['body.unitId', 'body.groupId']);
    expect(res.body.error.message).toBe('参数 body.unitId 无效：单位 unit-nope 不存在');
    await get('/api/users/u-refs', 'admin').then((r) => expect(r.status).toBe(404));
  });

  test('a unit liaison must name a unit', async () => {
    const res = await post('/api/users', newUser('u-liaison', { roles: ['unit'] })).expect(400);
    expect(fieldsOf(res)).toEqual(['body.unitId']);
  });

  test.each([
    ['body.id', { id: 'has space' }],
    ['body.name', { name: ' ' }],
    ['body.roles', { roles: [] }],
    ['body.roles.0', { roles: ['king'] }],
    ['body.roles.1', { roles: ['member', 'member'] }],
    ['body.email', { email: 'not-an-email' }],
    ['body.phone', { phone: 'call me' }],
    ['body.active', { active: 'yes' }],
    ['body', { nickname: '老王' }],
  ])('bad input is a 400 naming %s', async (field, change) => {
    const res = await post('/api/users', { ...newUser('u-bad'), ...change }).expect(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(fieldsOf(res)).toContain(field);
  });

  test('a malformed id in the path is a 400 naming params.id; an unknown one a 404', async () => {
    expect(fieldsOf(await get('/api/users/a%20b', 'admin').expect(400))).toEqual(['params.id']);
    const missing = await get('/api/users/nobody', 'admin').expect(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});

describe('units', () => {
  test('a unit is created, then gets its leader and secretaries once they exist', async () => {
    const unit = { id: 'unit-water', name: '市水务局', kind: 'handlingUnit' };
    expect((await post('/api/units', unit).expect(201)).body).toEqual({ ...unit, secretaryIds: [] });
    await put(
      '/api/users/water-leader',
      newUser('water-leader', { roles: ['unitLeader'], unitId: 'unit-water' }),
    ).expect(200);
    const led = { ...unit, leaderId: 'water-leader', secretaryIds: [] };
    expect((await put('/api/units/unit-water', led).expect(200)).body).toEqual({ ...led, id: 'unit-water' });
    await post('/api/units', unit).expect(409);
  });

  test('unknown leader and secretaries are refused at their own index', async () => {
    const res = await put('/api/units/unit-x', {
      name: '某局',
      kind: 'handlingUnit',
      leaderId: 'ghost',
      secretaryIds: ['housing-secretary', 'ghost-2'],
    }).expect(400);
    expect(fieldsOf(res)).toEqual(['body.leaderId', 'body.secretaryIds.1']);
  });

  test.each([
    ['body.kind', { kind: 'ministry' }],
    ['body.secretaryIds.1', { secretaryIds: ['a', 'a'] }],
    ['body.name', { name: undefined }],
  ])('bad input is a 400 naming %s', async (field, change) => {
    const res = await post('/api/units', {
      id: 'unit-bad',
      name: '某局',
      kind: 'department',
      ...change,
    }).expect(400);
    expect(fieldsOf(res)).toContain(field);
  });
});

describe('supervision groups', () => {
  const group = (extra: object = {}) => ({
    name: '第二监督小组',
    leaderId: 'supervisor-he',
    memberIds: ['supervisor-he', 'supervisor-guo'],
    departmentId: 'dept-ecology',
    ...extra,
  });

  test('a group of two posted to a department is accepted, and PUT again changes nothing', async () => {
    const first = await put('/api/groups/group-two', group()).expect(200);
    expect(first.body).toEqual({ id: 'group-two', ...group() });
    await put('/api/groups/group-two', group()).expect(200);
    expect((await get('/api/groups/group-two', 'leader').expect(200)).body).toEqual(first.body);
  });

  test('fewer than 2 or more than 9 members is refused', async () => {
    const alone = await put('/api/groups/group-small', group({ memberIds: ['supervisor-he'] })).expect(400);
    expect(alone.body.error.message).toBe(
      '参数 body.memberIds 无效：监督小组应有 2–9 名成员（含组长），现为 1 名',
    );
    const ten = ['supervisor-he', ...demoDirectory.users.slice(0, 9).map((u) => u.id)];
    const crowd = await put('/api/groups/group-big', group({ memberIds: ten })).expect(400);
    expect(fieldsOf(crowd)).toEqual(['body.memberIds']);
  });

  test('the size limit is the policy in force', async () => {
    const policy = structuredClone(defaultPolicy);
    policy.supervision.groupSize = { min: 3, max: 9 };
    await savePolicy(stack.store, policy, 'test');
    try {
      const res = await put('/api/groups/group-pair', group()).expect(400);
      expect(res.body.error.message).toContain('3–9');
    } finally {
      await savePolicy(stack.store, defaultPolicy, 'test');
    }
  });

  test('the leader must be a member', async () => {
    const res = await put('/api/groups/group-wrong', group({ leaderId: 'supervisor-ma' })).expect(400);
    expect(fieldsOf(res)).toEqual(['body.leaderId']);
  });

  test('every member must be a user and the department a department', async () => {
    const res = await put(
      '/api/groups/group-wrong',
      group({ memberIds: ['supervisor-he', 'ghost'], departmentId: 'unit-housing' }),
    ).expect(400);
    expect(fieldsOf(res)).toEqual(['body.memberIds.1', 'body.departmentId']);
    expect(res.body.error.details.issues[1].message).toBe('单位 unit-housing 不是被监督单位（department）');
  });

  test.each([
    ['body.leaderId', { leaderId: undefined }],
    ['body.departmentId', { departmentId: '' }],
    ['body.memberIds.1', { memberIds: ['supervisor-he', 'supervisor-he'] }],
  ])('bad input is a 400 naming %s', async (field, change) => {
    expect(fieldsOf(await post('/api/groups', { id: 'group-bad', ...group(change) }).expect(400))).toContain(
      field,
    );
  });
});

describe('who may read and write', () => {
  const endpoints: [string, string][] = [
    ['get', '/api/me'],
    ...['users', 'units', 'groups'].flatMap((c): [string, string][] => [
      ['get', `/api/${c}`],
      ['get', `/api/${c}/x`],
      ['post', `/api/${c}`],
      ['put', `/api/${c}/x`],
    ]),
  ];

  test.each(endpoints)('%s %s without a token is a 401', async (method, path) => {
    const res = await request(stack.app)[method as 'get'](path).send({}).expect(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  test.each(['users', 'units', 'groups'])('only an admin writes %s', async (collection) => {
    for (const role of ['committee', 'leader', 'unit'] as const) {
      await post(`/api/${collection}`, {}, role).expect(403);
      await put(`/api/${collection}/x`, {}, role).expect(403);
    }
  });

  test('members and organizations read no directory', async () => {
    for (const role of ['member', 'organization'] as const) await get('/api/users', role).expect(403);
  });

  test('committee staff and leaders read everyone', async () => {
    for (const role of ['committee', 'leader', 'admin'] as const) {
      const res = await get('/api/units', role).expect(200);
      expect(res.body.items.map((u: { id: string }) => u.id)).toEqual(
        expect.arrayContaining(['dept-ecology', 'unit-education', 'unit-housing']),
      );
    }
  });

  test('a unit’s people read their own unit and its people, never another unit', async () => {
    const users = await get('/api/users', 'unit').expect(200);
    const ids = users.body.items.map((u: { id: string }) => u.id);
    expect(ids).toEqual(expect.arrayContaining(['housing', 'housing-leader', 'housing-secretary']));
    expect(users.body.items.every((u: { unitId: string }) => u.unitId === 'unit-housing')).toBe(true);
    expect((await get('/api/units', 'secretary').expect(200)).body.items).toHaveLength(1);
    await get('/api/units/unit-housing', 'unitLeader').expect(200);

    // Out of scope answers as not existing.
    const other = await get('/api/units/unit-education', 'unit').expect(404);
    expect(other.body.error.code).toBe('not_found');
    await get('/api/users/education', 'unit').expect(404);
    await get('/api/groups/group-ecology', 'unit').expect(404);
    await get('/api/units/unit-nope', 'unit').expect(404);
  });

  test('a supervision group reads its posting; the department reads the groups posted to it', async () => {
    await get('/api/groups/group-ecology', 'supervisor').expect(200);
    const members = await get('/api/users', 'supervisor').expect(200);
    expect(members.body.items.map((u: { id: string }) => u.id).sort()).toEqual(
      ['group-secretary', 'supervisor-guo', 'supervisor-he', 'supervisor-ma'].sort(),
    );
    // The department it is posted to, and no other unit.
    const units = await get('/api/units', 'supervisor').expect(200);
    expect(units.body.items.map((u: { id: string }) => u.id)).toEqual(['dept-ecology']);
    await get('/api/units/dept-ecology', 'supervisor').expect(200);
    await get('/api/units/unit-housing', 'supervisor').expect(404);
    const posted = await get('/api/groups', 'department').expect(200);
    expect(posted.body.items.map((g: { id: string }) => g.id)).toContain('group-ecology');
  });

  test('a secretary who belongs to no unit or group is told so', async () => {
    const res = await get('/api/users', 'officeSecretary').expect(403);
    expect(res.body.error.message).toBe('只能查看本单位或本小组的信息');
  });
});

describe('GET /api/me', () => {
  test('returns the directory record, the token’s roles and the unit', async () => {
    const res = await get('/api/me', 'housing').expect(200);
    expect(res.body).toMatchObject({
      id: 'housing',
      roles: ['unit'],
      unitId: 'unit-housing',
      user: { id: 'housing', name: '赵强', roles: ['unit'] },
      unit: { id: 'unit-housing', name: '市住房和城乡建设局', kind: 'handlingUnit' },
      group: null,
    });
  });

  test('a token for someone the directory lacks is refused', async () => {
    const token = await stack.auth.issue({ id: 'not-in-directory', roles: ['member'] });
    const res = await request(stack.app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body.error.message).toBe('令牌的用户 not-in-directory 不在用户目录中');
  });
});
