/**
 * Abuse limits (issue 12 item 6) on a real stack: failed authentications per IP, the stricter budget of
 * a costly route per user, and body parsers per route after authentication with limits that fit it.
 */
import request from 'supertest';
import { loadLimits } from '../../api/limits';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

/** An app on the stack's servers with these limits (the stack's own app has none). */
const appWith = (limits: Record<string, string>) =>
  stack.appWith({}, { config: stack.config, limits: loadLimits(limits, 'test') });

describe('rate limits', () => {
  test('after N failed authentications an IP is refused with 429 rate_limited and Retry-After', async () => {
    const app = appWith({ HUIYIN_RATE_AUTH_FAILURES: '5/15m' });
    const good = await stack.bearer('committee');
    for (let i = 0; i < 5; i++)
      expect(
        (await request(app).get('/api/proposals').set('Authorization', `Bearer wrong-${i}`)).status,
      ).toBe(401);
    // Successful requests do not count: a good token in between changes nothing.
    const refused = await request(app).get('/api/proposals').set('Authorization', 'Bearer wrong-again');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringContaining('秒后再试'),
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // The IP is refused whatever it sends until the window ends; another IP is not.
    expect((await request(app).get('/api/proposals').set('Authorization', good)).status).toBe(429);
    const elsewhere = await request(app)
      .get('/api/proposals')
      .set('X-Forwarded-For', '203.0.113.7')
      .set('Authorization', good);
    expect(elsewhere.status).toBe(200);
  });

  test('successful requests do not count as failed authentications', async () => {
    const app = appWith({ HUIYIN_RATE_AUTH_FAILURES: '2/15m' });
    const good = await stack.bearer('committee');
    for (let i = 0; i < 5; i++)
      expect((await request(app).get('/api/proposals').set('Authorization', good)).status).toBe(200);
    expect((await request(app).get('/api/proposals').set('Authorization', 'Bearer x')).status).toBe(401);
  });

  test('the export has a stricter budget per user; another user still has theirs', async () => {
    const app = appWith({ HUIYIN_RATE_EXPORT: '2/1m', HUIYIN_RATE_USER: '100/1m' });
    const [committee, admin] = await Promise.all([stack.bearer('committee'), stack.bearer('admin')]);
    const exportAs = (token: string) =>
      request(app).get('/api/proposals/export.csv').set('Authorization', token);
    expect((await exportAs(committee)).status).toBe(200);
    expect((await exportAs(committee)).status).toBe(200);
    const third = await exportAs(committee);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('rate_limited');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect((await exportAs(admin)).status).toBe(200);
    // Other routes of the same user are not touched by the export's budget.
    expect((await request(app).get('/api/proposals').set('Authorization', committee)).status).toBe(200);
  });

  test('every request per IP, before anything else', async () => {
    const app = appWith({ HUIYIN_RATE_IP: '3/1m' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(app).get('/api/proposals')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('body parsers per route, after authentication', () => {
  const app = () => appWith({});
  const bigJson = JSON.stringify({ title: '大', content: 'x'.repeat(600_000), type: 'interSession' });

  test('an oversize JSON body on an ordinary route: 413 payload_too_large', async () => {
    const member = await stack.bearer('member');
    const res = await request(app())
      .post('/api/proposals')
      .set('Authorization', member)
      .set('Content-Type', 'application/json')
      .send(bigJson);
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({ code: 'payload_too_large', message: '请求体过大' });
  });

  test('without a token the body is not read: 401, not 413', async () => {
    const res = await request(app())
      .post('/api/proposals')
      .set('Content-Type', 'application/json')
      .send(bigJson);
    expect(res.status).toBe(401);
  });

  test('the import takes a 5 MB CSV (and refuses one over 20 MB)', async () => {
    const committee = await stack.bearer('committee');
    const text = 'x'.repeat(50_000);
    // Rows that fail validation at once (an unknown type): the size is the point, not the workflows.
    const rows = Array.from(
      { length: 100 },
      (_, i) => `2019-${String(i + 1).padStart(4, '0')},未知,标题,${text},member-zhang`,
    );
    const csv = ['编号,类型,标题,内容,第一提案人', ...rows].join('\n');
    expect(Buffer.byteLength(csv)).toBeGreaterThan(5_000_000);
    const post = (body: string) =>
      request(app())
        .post('/api/proposals/import')
        .set('Authorization', committee)
        .set('Content-Type', 'text/csv')
        .send(body);
    const res = await post(csv);
    expect(res.status).toBe(200);
    expect(res.body.errors).toHaveLength(100);
    expect(res.body.errors[0]).toMatchObject({ row: 2, code: 'invalidRow', field: '类型' });

    const tooBig = await post(csv.repeat(5));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('payload_too_large');
  });

  test('JSON sent to the import is not parsed as CSV, and CSV to a JSON route is not read', async () => {
    const committee = await stack.bearer('committee');
    const csvToJson = await request(app())
      .post('/api/proposals')
      .set('Authorization', committee)
      .set('Content-Type', 'text/csv')
      .send('a,b\n1,2');
    expect(csvToJson.status).toBe(400);
    expect(csvToJson.body.error.code).toBe('invalid_request');
  });
});
