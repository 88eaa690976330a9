/**
 * Auth fails closed (issue 12): dev-login only in demo mode, every token rule through the real API,
 * and the directory, not the token, deciding who the caller is on each request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import request from 'supertest';
import type { Role } from '../../domain/roles';
import { seedDemoDirectory } from '../../store/demo';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await seedDemoDirectory(stack.store);
});
afterAll(() => stack?.stop());

/** An app like the stack's (same database and Temporal) on other settings. */
const appWith = (settings: Record<string, string>): Express => stack.appWith(settings);

const login = (body: object, app = stack.app) => request(app).post('/api/auth/dev-login').send(body);
const me = (app: Express, token: string) =>
  request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A refusal: the status, the one error shape, a Chinese message and none of jose's English. */
function expectRefusal(res: request.Response, status: number, message: string | RegExp) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
  expect(res.body.error.message).toMatch(message);
  expect(res.body.error.message).not.toMatch(/claim|JWS|JWT|signature|timestamp|expected/i);
}

describe('dev-login in demo mode', () => {
  test('a demo user gets a token; unit and roles come from the directory', async () => {
    const res = await login({ username: 'housing' }).expect(200);
    expect(res.body.user).toEqual({
      id: 'housing',
      name: '赵强',
      roles: ['unit'],
      unitId: 'unit-housing',
      email: 'housing@demo.huiyin.example',
      active: true,
    });
    const self = await me(stack.app, res.body.token).expect(200);
    expect(self.body).toMatchObject({ id: 'housing', roles: ['unit'], unitId: 'unit-housing' });
  });

  test('a supervisor gets their group', async () => {
    const res = await login({ username: ' supervisor-he ' }).expect(200);
    const self = await me(stack.app, res.body.token).expect(200);
    expect(self.body).toMatchObject({
      groupId: 'group-ecology',
      group: { name: '派驻市生态环境局民主监督小组' },
    });
  });

  test('an unknown user is a 401', async () => {
    const res = await login({ username: 'nobody' }).expect(401);
    expect(res.body.error).toEqual({ code: 'unauthorized', message: '用户 nobody 不存在或已停用' });
  });

  test('a deactivated user cannot log in, and the token they hold is refused at once', async () => {
    const admin = (await login({ username: 'admin' }).expect(200)).body.token;
    const { token, user } = (await login({ username: 'member-wang' }).expect(200)).body;
    await me(stack.app, token).expect(200); // now in the directory cache
    await request(stack.app)
      .put('/api/users/member-wang')
      .set('Authorization', `Bearer ${admin}`)
      .send({ ...user, active: false })
      .expect(200);
    await login({ username: 'member-wang' }).expect(401);
    expectRefusal(await me(stack.app, token), 401, '用户 member-wang 已停用');
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
  test('`npm run api` (no HUIYIN_DEMO, a secret): no dev-login, 404, absent from the OpenAPI document', async () => {
    const app = appWith({ NODE_ENV: 'development', JWT_SECRET: 'x'.repeat(32) });
    const res = await login({ username: 'admin' }, app).expect(404);
    expect(res.body.error.code).toBe('not_found');
    const openapi = await request(app).get('/openapi.json').expect(200);
    expect(Object.keys(openapi.body.paths)).not.toContain('/api/auth/dev-login');
    expect(Object.keys(openapi.body.paths)).toContain('/api/me');
  });

  test('HUIYIN_DEMO=false: likewise', async () => {
    await login({ username: 'admin' }, appWith({ HUIYIN_DEMO: 'false', JWT_SECRET: 'x'.repeat(32) })).expect(
      404,
    );
  });
});

describe('tokens signed with JWT_SECRET (issuer and audience configured)', () => {
  const secret = 'auth-test-secret-'.padEnd(40, 'k');
  const key = new TextEncoder().encode(secret);
  const iss = 'https://huiyin.test';
  const aud = 'huiyin-api';
  let app: Express;
  beforeAll(() => {
    app = appWith({ JWT_SECRET: secret, JWT_ISSUER: iss, JWT_AUDIENCE: aud, JWT_MAX_AGE: '12h' });
  });

  /** A token for the demo committee, valid unless `claims` changes it (undefined drops a claim). */
  function token(claims: JWTPayload = {}, { alg = 'HS256', signWith = key } = {}) {
    const payload: JWTPayload = {
      sub: 'committee',
      roles: ['committee'],
      iss,
      aud,
      iat: now() - 60,
      exp: now() + 3600,
      ...claims,
    };
    for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
    return new SignJWT(payload).setProtectedHeader({ alg }).sign(signWith);
  }

  test('a good token is accepted', async () => {
    const res = await me(app, await token()).expect(200);
    expect(res.body).toMatchObject({ id: 'committee', roles: ['committee'] });
  });

  test.each([
    ['expired', { iat: now() - 7200, exp: now() - 120 }, '令牌已过期'],
    ['issued in the future', { iat: now() + 600, exp: now() + 7200 }, '令牌的签发时间（iat）在未来'],
    ['older than JWT_MAX_AGE', { iat: now() - 13 * 3600, exp: now() + 3600 }, '超过最长有效期'],
    ['without iat', { iat: undefined }, '令牌缺少签发时间（iat）声明'],
    ['without exp', { exp: undefined }, '令牌缺少过期时间（exp）声明'],
    ['without sub', { sub: undefined }, '令牌缺少用户（sub）声明'],
    ['of another issuer', { iss: 'https://evil.example' }, '令牌的签发者（iss）不被接受'],
    ['without issuer', { iss: undefined }, '令牌缺少签发者（iss）声明'],
    ['for another audience', { aud: 'other-app' }, '令牌的受众（aud）不被接受'],
    ['with a non-string sub', { sub: 42 as unknown as string }, '令牌'],
  ])('a token %s is a 401 saying so', async (_what, claims, message) => {
    expectRefusal(await me(app, await token(claims)), 401, message);
  });

  test('HS512 is refused while HS256 is pinned, even with the right secret', async () => {
    expectRefusal(await me(app, await token({}, { alg: 'HS512' })), 401, '令牌的签名算法不被接受');
  });

  test('alg "none" is refused', async () => {
    const payload = { sub: 'admin', roles: ['admin'], iss, aud, iat: now(), exp: now() + 600 };
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    expectRefusal(await me(app, unsigned), 401, '令牌的签名算法不被接受');
  });

  test('another secret, a tampered payload, or no JWT at all', async () => {
    const other = new TextEncoder().encode('another-secret-'.padEnd(40, 'z'));
    expectRefusal(await me(app, await token({}, { signWith: other })), 401, '令牌签名无效');
    const [header, , signature] = (await token()).split('.');
    const admin = b64({ sub: 'admin', roles: ['admin'], iss, aud, iat: now(), exp: now() + 600 });
    expectRefusal(await me(app, `${header}.${admin}.${signature}`), 401, '令牌签名无效');
    expectRefusal(await me(app, 'not-a-jwt'), 401, '令牌格式无效');
    expectRefusal(await request(app).get('/api/me'), 401, '缺少 Authorization');
  });

  test('a token the built-in demo secret signed is worthless outside demo', async () => {
    const demoKey = new TextEncoder().encode('huiyin-demo-secret-not-for-production-use!');
    expectRefusal(await me(app, await token({}, { signWith: demoKey })), 401, '令牌签名无效');
  });
});

describe('tokens of an identity provider (JWKS)', () => {
  const iss = 'https://idp.test';
  const aud = 'huiyin';
  let server: Server;
  let privateKey: KeyLike;
  let publicJwk: object;
  let app: Express;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    app = appWith({ JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`, JWT_ISSUER: iss, JWT_AUDIENCE: aud });
  });
  afterAll(() => new Promise((resolve) => server?.close(resolve)));

  const idpToken = (
    claims: JWTPayload = {},
    key: KeyLike | Uint8Array = privateKey,
    kid = 'k1',
    alg = 'ES256',
  ) =>
    new SignJWT({ roles: ['committee'], ...claims })
      .setProtectedHeader({ alg, kid })
      .setSubject((claims.sub as string) ?? 'committee')
      .setIssuer(iss)
      .setAudience((claims.aud as string) ?? aud)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);

  test('a token of the provider for a directory person is accepted', async () => {
    const res = await me(app, await idpToken()).expect(200);
    expect(res.body).toMatchObject({ id: 'committee', roles: ['committee'] });
  });

  test('without a roles claim the person has the directory’s roles', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('housing')
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    const res = await me(app, token).expect(200);
    expect(res.body).toMatchObject({ id: 'housing', roles: ['unit'], unitId: 'unit-housing' });
  });

  test('another audience is refused', async () => {
    expectRefusal(await me(app, await idpToken({ aud: 'another-app' })), 401, '令牌的受众（aud）不被接受');
  });

  test('a key the provider does not publish is refused', async () => {
    const stranger = await generateKeyPair('ES256');
    expectRefusal(await me(app, await idpToken({}, stranger.privateKey, 'k2')), 401, '令牌的签名密钥不在');
  });

  test('algorithm confusion: HS256 "signed" with the public key is refused', async () => {
    const confused = new TextEncoder().encode(JSON.stringify(publicJwk));
    expectRefusal(await me(app, await idpToken({}, confused, 'k1', 'HS256')), 401, '令牌的签名算法不被接受');
  });

  test('a subject the directory does not know is refused', async () => {
    expectRefusal(
      await me(app, await idpToken({ sub: 'idp-user-8842' })),
      401,
      '令牌的用户 idp-user-8842 不在用户目录中',
    );
  });
});

describe('the directory decides, on each request', () => {
  const adminToken = () => stack.bearer('admin', { id: 'admin' });
  const putUser = async (record: object) =>
    request(stack.app)
      .put(`/api/users/${(record as { id: string }).id}`)
      .set('Authorization', await adminToken())
      .send(record)
      .expect(200);
  const issue = async (id: string, roles: Role[]) => `Bearer ${await stack.auth.issue({ id, roles })}`;

  test('a deactivated user is refused at once', async () => {
    const person = { id: 'auth-leaving', name: '离任委员', roles: ['member'], active: true };
    await putUser(person);
    const token = await issue('auth-leaving', ['member']);
    await request(stack.app).get('/api/me').set('Authorization', token).expect(200);
    await putUser({ ...person, active: false });
    const res = await request(stack.app).get('/api/me').set('Authorization', token);
    expectRefusal(res, 401, '用户 auth-leaving 已停用');
  });

  test('a demoted user loses the role at once', async () => {
    const person = { id: 'auth-demoted', name: '前管理员', roles: ['admin', 'member'], active: true };
    await putUser(person);
    const token = await issue('auth-demoted', ['admin', 'member']);
    const probe = { id: 'auth-probe', name: '探针', roles: ['member'] };
    await request(stack.app).put('/api/users/auth-probe').set('Authorization', token).send(probe).expect(200);
    await putUser({ ...person, roles: ['member'] });
    const res = await request(stack.app).put('/api/users/auth-probe').set('Authorization', token).send(probe);
    expectRefusal(res, 403, '需要角色 admin');
    const self = await request(stack.app).get('/api/me').set('Authorization', token).expect(200);
    expect(self.body.roles).toEqual(['member']);
  });

  test('a changed unit takes effect at once', async () => {
    const person = {
      id: 'auth-moved',
      name: '调动联络员',
      roles: ['unit'],
      unitId: 'unit-housing',
      active: true,
    };
    await putUser(person);
    const token = await issue('auth-moved', ['unit']);
    const before = await request(stack.app).get('/api/me').set('Authorization', token).expect(200);
    expect(before.body.unitId).toBe('unit-housing');
    await putUser({ ...person, unitId: 'unit-education' });
    const after = await request(stack.app).get('/api/me').set('Authorization', token).expect(200);
    expect(after.body).toMatchObject({ unitId: 'unit-education', unit: { name: '市教育局' } });
  });

  test('a role the token claims but the directory does not grant is not granted', async () => {
    // member-li is a member: a token that also says admin gets member only.
    const both = await issue('member-li', ['member', 'admin']);
    const self = await request(stack.app).get('/api/me').set('Authorization', both).expect(200);
    expect(self.body.roles).toEqual(['member']);
    const write = await request(stack.app)
      .put('/api/users/auth-probe')
      .set('Authorization', both)
      .send({ name: '探针', roles: ['member'] });
    expectRefusal(write, 403, '需要角色 admin');
    // Only roles the directory does not grant: nothing is left.
    const res2 = await request(stack.app)
      .get('/api/me')
      .set('Authorization', await issue('member-li', ['admin']));
    expectRefusal(res2, 403, '令牌所带角色均未在用户目录中授予用户 member-li');
  });

  test('the token’s roles narrow what the directory grants', async () => {
    await putUser({ id: 'auth-two-hats', name: '双重角色', roles: ['committee', 'admin'], active: true });
    const res = await request(stack.app)
      .get('/api/me')
      .set('Authorization', await issue('auth-two-hats', ['committee']))
      .expect(200);
    expect(res.body.roles).toEqual(['committee']);
  });

  test('a person missing from the directory is refused', async () => {
    const res = await request(stack.app)
      .get('/api/me')
      .set('Authorization', await issue('never-registered', ['committee']));
    expectRefusal(res, 401, '令牌的用户 never-registered 不在用户目录中');
  });

  test('a change written elsewhere (another API process) is seen within HUIYIN_AUTH_CACHE_SECONDS', async () => {
    const app = appWith({ JWT_SECRET: stack.config.JWT_SECRET!, HUIYIN_AUTH_CACHE_SECONDS: '1' });
    await putUser({ id: 'auth-elsewhere', name: '别处停用', roles: ['member'], active: true });
    const token = `Bearer ${await stack.auth.issue({ id: 'auth-elsewhere', roles: ['member'] })}`;
    await request(app).get('/api/me').set('Authorization', token).expect(200);
    // Not through directory(): as another process's write looks to this one.
    await stack.store.users.updateOne({ _id: 'auth-elsewhere' }, { $set: { active: false } });
    await new Promise((r) => setTimeout(r, 1_100));
    expectRefusal(await request(app).get('/api/me').set('Authorization', token), 401, '已停用');
  });
});
