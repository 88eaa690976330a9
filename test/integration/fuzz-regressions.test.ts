/**
 * What schemathesis found (test/integration/fuzz.test.ts, `npm run fuzz`), kept as plain cases so
 * each stays fixed whatever the fuzzer draws next time.
 */
import request from 'supertest';
import { seedDemoDirectory } from '../../store/demo';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let committee: string;

beforeAll(async () => {
  stack = await startStack();
  await seedDemoDirectory(stack.store);
  committee = await stack.bearer('committee', { id: 'committee' });
});
afterAll(() => stack?.stop());

const errorShape = {
  error: { code: expect.any(String), message: expect.any(String) },
};

interface Doc {
  paths: Record<
    string,
    Record<string, { requestBody?: { required?: boolean }; responses: Record<string, { content?: object }> }>
  >;
}

describe('methods a documented path does not have (ST204, unsupported_method)', () => {
  test.each([
    ['TRACE', '/api/auth/dev-login', 'POST, OPTIONS'],
    ['DELETE', '/api/policy', 'GET, PUT, HEAD, OPTIONS'],
    ['PATCH', '/api/proposals/2026-0001', 'GET, HEAD, OPTIONS'],
    // A literal path wins over /api/proposals/{id}: this was a 400 naming params.id.
    ['GET', '/api/proposals/import', 'POST, OPTIONS'],
  ])('%s %s → 405 with Allow, in the error shape', async (method, path, allow) => {
    const verb = method.toLowerCase() as 'get';
    const res = await request(stack.app)[verb](path).set('Authorization', committee).expect(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.body).toEqual({
      error: { code: 'method_not_allowed', message: expect.stringContaining(method) },
    });
  });

  test('OPTIONS lists exactly the documented methods (ST205: Express listed GET for the import)', async () => {
    const res = await request(stack.app).options('/api/proposals/import').expect(204);
    expect(res.headers.allow).toBe('POST, OPTIONS');
  });

  test('documented methods and unknown paths are untouched', async () => {
    await request(stack.app).get('/api/policy').set('Authorization', committee).expect(200);
    const missing = await request(stack.app).delete('/api/nope').expect(404);
    expect(missing.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});

describe('statuses answered but not documented (ST103, status_code_conformance)', () => {
  let doc: Doc;
  beforeAll(async () => {
    doc = (await request(stack.app).get('/openapi.json').expect(200)).body;
  });

  test('a second posting of the same group: 409, documented', async () => {
    const post = () =>
      request(stack.app)
        .post('/api/postings')
        .set('Authorization', committee)
        .send({ groupId: 'group-ecology' });
    expect((await post()).status).toBe(201);
    const again = await post();
    expect([again.status, again.body.error?.code]).toEqual([409, 'posting_exists']);
    expect(Object.keys(doc.paths['/api/postings'].post.responses)).toContain('409');
    expect(Object.keys(doc.paths['/api/postings/{id}/end'].post.responses)).toContain('409');
  });

  test('dev-login of an unknown user: 401, documented', async () => {
    const res = await request(stack.app)
      .post('/api/auth/dev-login')
      .send({ username: '0'.repeat(63) });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject(errorShape);
    expect(Object.keys(doc.paths['/api/auth/dev-login'].post.responses)).toContain('401');
  });

  test('400 on every operation that takes input, 404 on every one naming an item, all in the error shape', () => {
    const problems: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) {
        const codes = Object.keys(op.responses);
        if (path.includes('{') && !codes.includes('404')) problems.push(`${method} ${path}: no 404`);
        for (const code of codes.filter((c) => Number(c) >= 400))
          if (!op.responses[code].content)
            problems.push(`${method} ${path}: ${code} without the error schema`);
      }
    expect(problems).toEqual([]);
  });

  test('a body the handler needs is documented as required (a bodyless withdraw was "schema-valid")', async () => {
    expect(doc.paths['/api/follow-ups/{id}/withdraw'].post.requestBody?.required).toBe(true);
    const res = await request(stack.app)
      .post('/api/follow-ups/x-1/withdraw')
      .set('Authorization', committee)
      .expect(400);
    expect(res.body).toMatchObject(errorShape);
  });
});
