import request from 'supertest';
import { defaultPolicy, type Policy } from '../../domain/policy';
import type { Role } from '../../domain/roles';
import { currentPolicy } from '../../store/policy';
import { startStack, type Stack } from '../helpers/stack';
import { tokensByRole } from '../helpers/tokens';

let stack: Stack;
let tokens: Record<Role, string>;
beforeAll(async () => {
  stack = await startStack();
  tokens = await tokensByRole(stack);
});
afterAll(() => stack?.stop());

const get = (path: string, role: Role) => request(stack.app).get(path).set('Authorization', tokens[role]);
const putPolicy = (body: unknown, role: Role = 'admin') =>
  request(stack.app)
    .put('/api/policy')
    .set('Authorization', tokens[role])
    .send(body as object);

/** The defaults with the reply due in `months` months. */
function withReplyMonths(months: number): Policy {
  const policy = structuredClone(defaultPolicy);
  policy.clocks.reply.limit = { unit: 'months', amount: months };
  return policy;
}

// The tests build on each other: version 1 (defaults) → version 2 (reply in 2 months).
describe('the policy in force', () => {
  test('starts as the defaults, version 1, readable by all staff (the inspection office by admins only)', async () => {
    const { inspectionOffice: _office, ...notifications } = defaultPolicy.notifications; // eslint-disable-line @typescript-eslint/no-unused-vars
    for (const role of ['committee', 'leader', 'admin', 'unit', 'unitLeader', 'secretary'] as const) {
      const res = await get('/api/policy', role);
      expect(res.status).toBe(200);
      const policy = role === 'admin' ? defaultPolicy : { ...defaultPolicy, notifications };
      expect(res.body).toMatchObject({ version: 1, savedBy: 'system', policy });
      expect(res.body.policy.notifications).toEqual(policy.notifications);
    }
  });

  test('an admin saves a new version; it is in force and the old one is kept', async () => {
    const res = await putPolicy(withReplyMonths(2)).expect(200);
    expect(res.body).toMatchObject({ version: 2, created: true, savedBy: 'test-admin' });
    expect(res.body.savedAt).toMatch(/\+08:00$/);
    expect((await get('/api/policy', 'unit')).body.policy.clocks.reply.limit).toEqual({
      unit: 'months',
      amount: 2,
    });
    expect(await currentPolicy(stack.store)).toMatchObject({ version: 2, policy: withReplyMonths(2) });

    const versions = await get('/api/policy/versions', 'admin');
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const first = await get('/api/policy/versions/1', 'admin');
    expect(first.body).toMatchObject({ version: 1, policy: defaultPolicy });
  });

  test('saving the document in force again creates no version, whatever the key order', async () => {
    const reordered = Object.fromEntries(Object.entries(withReplyMonths(2)).reverse());
    const res = await putPolicy(reordered).expect(200);
    expect(res.body).toMatchObject({ version: 2, created: false });
    expect((await get('/api/policy/versions', 'admin')).body.items).toHaveLength(2);
  });

  test('going back to an older document is a new version, not a rewrite of history', async () => {
    const res = await putPolicy(defaultPolicy).expect(200);
    expect(res.body).toMatchObject({ version: 3, created: true, policy: defaultPolicy });
  });
});

describe('an invalid policy', () => {
  const refused = async (edit: (doc: Record<string, unknown> & Policy) => void) => {
    const doc = structuredClone(defaultPolicy) as Record<string, unknown> & Policy;
    edit(doc);
    const res = await putPolicy(doc).expect(400);
    expect(res.body.error.code).toBe('invalid_request');
    return res.body.error.details.issues as { field: string; message: string }[];
  };

  test('is refused naming the field inside the document', async () => {
    const issues = await refused((doc) => {
      doc.clocks.reply.limit = { unit: 'months', amount: -1 };
    });
    expect(issues.map((i) => i.field)).toEqual(['clocks.reply.limit.amount']);
  });

  test('names each unknown key and each broken reference', async () => {
    const typo = await refused((doc) => {
      (doc.flags as Record<string, unknown>).consultBeforReply = true;
    });
    expect(typo).toEqual([{ field: 'flags.consultBeforReply', message: 'unknown key' }]);
    const ladder = await refused((doc) => {
      doc.clocks.reply.ladder = 'gentle';
    });
    expect(ladder).toEqual([
      { field: 'clocks.reply.ladder', message: expect.stringContaining("unknown ladder 'gentle'") },
    ]);
  });

  test('that is not an object at all is refused naming the body', async () => {
    const res = await putPolicy([1, 2]).expect(400);
    expect(res.body.error.details.issues[0].field).toBe('body');
  });

  test('changes nothing', async () => {
    await putPolicy({ ...defaultPolicy, replyCap: 'six months' }).expect(400);
    expect((await get('/api/policy', 'committee')).body.version).toBe(3);
  });
});

describe('who may read and change the policy', () => {
  test.each([
    ['get', '/api/policy'],
    ['get', '/api/policy/versions'],
    ['get', '/api/policy/versions/1'],
    ['put', '/api/policy'],
  ])('%s %s without a token is a 401', async (method, path) => {
    await request(stack.app)[method as 'get'](path).expect(401);
  });

  test('members, organizations and supervisors do not read it', async () => {
    for (const role of ['member', 'organization', 'supervisor'] as const)
      expect((await get('/api/policy', role)).status).toBe(403);
  });

  test('only admins see versions and save', async () => {
    for (const role of ['committee', 'leader'] as const) {
      expect((await get('/api/policy/versions', role)).status).toBe(403);
      expect((await get('/api/policy/versions/1', role)).status).toBe(403);
      await putPolicy(defaultPolicy, role).expect(403);
    }
  });

  test('a bad or unknown version number is a 400 or a 404', async () => {
    const bad = await get('/api/policy/versions/first', 'admin');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('params.version');
    expect((await get('/api/policy/versions/99', 'admin')).status).toBe(404);
  });
});
