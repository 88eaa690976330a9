/**
 * Bad input never breaks the API: every operation of the OpenAPI document, sent malformed bodies,
 * queries and ids by callers of several roles, answers below 500 and, when it refuses, with the one
 * error shape. The specific 400s (naming the field) are asserted in each area's own tests.
 */
import request from 'supertest';
import type { Role } from '../../domain/roles';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const ids = ['nope', '2026-0001', 'x'.repeat(300), '%00', '..%2Fetc'];
const queries = [
  '',
  '?limit=-1&offset=abc&sessionYear=abc&status=zzz',
  '?start=2026-02-30&amount=1e9&unit=months&groupBy=zzz&from=x&overdue=maybe',
];
const bodies = [
  '{',
  '[]',
  'null',
  '{"a":1}',
  JSON.stringify({ title: 1, content: [], type: 'x', unitId: {}, ids: 'x', all: 'yes', date: '2026-13-45' }),
  JSON.stringify({ title: 'x'.repeat(100_000) }),
];
const callers: [Role, Record<string, string>][] = [
  ['admin', {}],
  ['committee', {}],
  ['unit', { unitId: 'unit-housing' }],
  ['member', {}],
];

type Method = 'get' | 'post' | 'put' | 'delete';
interface Case {
  method: Method;
  url: string;
  body?: string;
  contentType?: string;
}

/** Every request to try: each operation with each path id, and each query (reads) or body (writes). */
function cases(paths: Record<string, Record<string, unknown>>): Case[] {
  return Object.entries(paths).flatMap(([path, operations]) =>
    (Object.keys(operations) as Method[]).flatMap((method) =>
      (path.includes('{') ? ids.map((id) => path.replace(/\{\w+\}/g, id)) : [path]).flatMap((url): Case[] =>
        method === 'get'
          ? queries.map((query) => ({ method, url: url + query }))
          : bodies.map((body) => ({
              method,
              url,
              body,
              contentType: path.endsWith('/import') ? 'text/csv' : 'application/json',
            })),
      ),
    ),
  );
}

function send({ method, url, body, contentType }: Case, token: string) {
  const req = request(stack.app)[method](url).set('Authorization', token);
  return body === undefined ? req : req.set('Content-Type', contentType!).send(body);
}

test('every documented operation answers malformed input below 500, refusing it in the one error shape', async () => {
  const doc = await request(stack.app).get('/openapi.json').expect(200);
  const tokens = await Promise.all(callers.map(([role, extra]) => stack.bearer(role, extra)));
  const all = cases(doc.body.paths);
  const failures: string[] = [];
  const statuses: Record<number, number> = {};
  for (const c of all)
    for (const token of tokens) {
      const res = await send(c, token);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const what = `${c.method.toUpperCase()} ${c.url} ${c.body?.slice(0, 30) ?? ''} → ${res.status}`;
      const shaped = typeof res.body?.error?.code === 'string' && typeof res.body.error.message === 'string';
      if (res.status >= 500) failures.push(`${what} ${res.text.slice(0, 200)}`);
      else if (res.status >= 400 && !shaped)
        failures.push(`${what} not the error shape: ${res.text.slice(0, 200)}`);
    }
  expect(failures).toEqual([]);
  // Most of it reached validation (the rest: 403 for a role, checked before any body is read; 404 for
  // an id; 200 for a lenient query or a route that takes no body).
  expect(statuses[400]).toBeGreaterThan(1500);
});
