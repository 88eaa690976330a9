import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { loadAppConfig } from '../../config';
import { seedDemoDirectory } from '../../store/demo';
import { loadTemporalConfig } from '../../temporal.config';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await seedDemoDirectory(stack.store);
});
afterAll(() => stack?.stop());

const login = (body: object, app = stack.app) => request(app).post('/api/auth/dev-login').send(body);

describe('dev-login in demo mode', () => {
  test('a demo user gets a token that carries their roles and unit', async () => {
    const res = await login({ username: 'housing' }).expect(200);
    expect(res.body.user).toEqual({
      id: 'housing',
      name: '赵强',
      roles: ['unit'],
      unitId: 'unit-housing',
      email: 'housing@demo.huiyin.example',
      active: true,
    });
    const me = await request(stack.app)
      .get('/api/me')
      .set('Authorization', `Bearer ${res.body.token}`)
      .expect(200);
    expect(me.body).toMatchObject({ id: 'housing', roles: ['unit'], unitId: 'unit-housing' });
    // The token's unit is what scopes reads.
    await request(stack.app)
      .get('/api/units/unit-education')
      .set('Authorization', `Bearer ${res.body.token}`)
      .expect(403);
  });

  test('a supervisor’s token carries the group', async () => {
    const res = await login({ username: ' supervisor-he ' }).expect(200);
    const me = await request(stack.app)
      .get('/api/me')
      .set('Authorization', `Bearer ${res.body.token}`)
      .expect(200);
    expect(me.body).toMatchObject({
      groupId: 'group-ecology',
      group: { name: '派驻市生态环境局民主监督小组' },
    });
  });

  test('an unknown user is a 401', async () => {
    const res = await login({ username: 'nobody' }).expect(401);
    expect(res.body.error).toEqual({ code: 'unauthorized', message: '用户 nobody 不存在或已停用' });
  });

  test('a deactivated user is a 401', async () => {
    const admin = (await login({ username: 'admin' }).expect(200)).body.token;
    const record = (await login({ username: 'member-wang' }).expect(200)).body.user;
    await request(stack.app)
      .put('/api/users/member-wang')
      .set('Authorization', `Bearer ${admin}`)
      .send({ ...record, active: false })
      .expect(200);
    await login({ username: 'member-wang' }).expect(401);
  });

  test.each([
    ['body.username', {}],
    ['body.username', { username: '' }],
    ['body.username', { username: 42 }],
    ['body', { username: 'admin', password: 'x' }],
  ])('bad input is a 400 naming %s', async (field, body) => {
    const res = await login(body).expect(400);
    expect(res.body.error.details.issues.map((i: { field: string }) => i.field)).toContain(field);
  });
});

describe('dev-login outside demo mode', () => {
  test('does not exist: 404, and absent from the OpenAPI document', async () => {
    const env = { LOG_LEVEL: 'silent', NODE_ENV: 'test', HUIYIN_DEMO: 'false' };
    const config = loadAppConfig(env);
    expect(config.demo).toBe(false);
    const app = createApp({
      config,
      temporalConfig: loadTemporalConfig(env),
      temporal: stack.temporal,
      store: stack.store,
      logger: pino({ level: 'silent' }),
    });
    const res = await login({ username: 'admin' }, app).expect(404);
    expect(res.body.error.code).toBe('not_found');
    const openapi = await request(app).get('/openapi.json').expect(200);
    expect(Object.keys(openapi.body.paths)).not.toContain('/api/auth/dev-login');
    expect(Object.keys(openapi.body.paths)).toContain('/api/me');
  });
});
