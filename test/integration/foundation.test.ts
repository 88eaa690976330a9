import request from 'supertest';
import { timelineActivities } from '../../activities/timeline';
import { readItem } from '../../store/items';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

describe('health', () => {
  test('healthz answers while the process is up', async () => {
    const res = await request(stack.app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('readyz is 200 when Temporal and the database answer', async () => {
    const res = await request(stack.app).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', checks: { temporal: 'up', database: 'up' } });
  });
});

describe('round trip API → Temporal → worker → database', () => {
  test('computes a deadline through the worker and records it in the timeline', async () => {
    const res = await request(stack.app)
      .post('/api/diagnostics/round-trip')
      .set('Authorization', await stack.bearer('admin'))
      .send({ workingDays: 5 })
      .expect(201);
    expect(res.body.workflowId).toMatch(/^probe-/);
    expect(res.body.deadline.due).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const [entry] = (await readItem(stack.store, res.body.workflowId)).timeline;
    expect(entry).toMatchObject({ kind: 'deadlineComputed', data: { due: res.body.deadline.due } });
    const description = await stack.temporal.workflow.getHandle(res.body.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
  });

  test('a bad body is a 400 naming the field, and starts nothing', async () => {
    const res = await request(stack.app)
      .post('/api/diagnostics/round-trip')
      .set('Authorization', await stack.bearer('admin'))
      .send({ workingDays: -1 })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request' });
    // In Chinese, zod's own wording included: people read it in the workspace.
    expect(res.body.error.message).toMatch(/^参数 body\.workingDays 无效：数值过小/);
  });
});

describe('timeline', () => {
  test('a retried entry is recorded once, under its key, the first version kept', async () => {
    const { recordTimeline } = timelineActivities({ store: stack.store });
    const entry = {
      itemId: 'timeline-test',
      at: Date.parse('2026-11-02T01:00:00Z'),
      kind: 'note',
      label: '记录',
    };
    await recordTimeline({ ...entry, key: 'timeline-test:1' });
    await recordTimeline({ ...entry, key: 'timeline-test:1', label: '重试' });
    await recordTimeline({ ...entry, key: 'timeline-test:0' });
    const { timeline } = await readItem(stack.store, 'timeline-test');
    // Same instant: in the order of their keys.
    expect(timeline.map((e) => [e.key, e.label])).toEqual([
      ['timeline-test:0', '记录'],
      ['timeline-test:1', '记录'],
    ]);
  });
});

describe('authorization', () => {
  test('no token is a 401, a wrong role a 403, and neither starts a workflow', async () => {
    const anonymous = await request(stack.app).post('/api/diagnostics/round-trip').send({}).expect(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
    const member = await request(stack.app)
      .post('/api/diagnostics/round-trip')
      .set('Authorization', await stack.bearer('member'))
      .send({})
      .expect(403);
    expect(member.body.error).toMatchObject({ code: 'forbidden' });
    expect(member.body.error.message).toContain('admin');
  });

  test('a token signed with another secret is refused', async () => {
    const forged = (await stack.bearer('admin')).slice(0, -4) + 'AAAA';
    await request(stack.app)
      .post('/api/diagnostics/round-trip')
      .set('Authorization', forged)
      .send({})
      .expect(401);
  });
});

describe('API basics', () => {
  test('the OpenAPI document lists the endpoints', async () => {
    const res = await request(stack.app).get('/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.0.3');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/calendar/deadline', '/api/diagnostics/round-trip']),
    );
  });

  test('Swagger UI is served at /docs', async () => {
    const res = await request(stack.app).get('/docs/').expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  test('unknown paths and malformed JSON get the one error shape', async () => {
    const missing = await request(stack.app).get('/api/nope').expect(404);
    expect(missing.body.error.code).toBe('not_found');
    const malformed = await request(stack.app)
      .post('/api/diagnostics/round-trip')
      .set('Authorization', await stack.bearer('admin'))
      .set('Content-Type', 'application/json')
      .send('{"workingDays":')
      .expect(400);
    expect(malformed.body.error.code).toBe('invalid_request');
  });

  test('every response carries a request id, echoing the caller’s', async () => {
    const res = await request(stack.app).get('/healthz').set('X-Request-Id', 'abc-123').expect(200);
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});
