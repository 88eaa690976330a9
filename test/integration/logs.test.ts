/**
 * No credential in any log line (issue 12 item 4): the API's request log, on a real stack, while callers
 * send good and bad bearer tokens and cookies.
 */
import { SignJWT } from 'jose';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { loadTemporalConfig } from '../../temporal.config';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

test('bearer tokens and cookies never reach the log, whether the token is good or not', async () => {
  const lines: string[] = [];
  const app = createApp({
    config: stack.config,
    temporalConfig: loadTemporalConfig({ TEMPORAL_TASK_QUEUE: stack.taskQueue }),
    temporal: stack.temporal,
    store: stack.store,
    logger: pino({ level: 'trace' }, { write: (line: string) => lines.push(line) }),
  });
  const good = (await stack.bearer('committee')).replace(/^Bearer /, '');
  const forged = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('admin')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('another-secret-that-is-long-enough-to-use'));
  const garbage = 'not-a-jwt-but-still-a-secret-credential-5f2a9c';
  const cookie = 'session=cookie-value-that-must-stay-private-81d3';

  const tokens = [good, forged, garbage];
  for (const token of tokens) {
    await request(app).get('/api/proposals').set('Authorization', `Bearer ${token}`).set('Cookie', cookie);
    await request(app).post('/api/proposals').set('Authorization', `Bearer ${token}`).send('{"broken":');
  }
  await request(app).get('/api/me').set('Authorization', `Bearer ${good}`);
  await request(app).get('/api/nothing-here').set('Authorization', `Bearer ${good}`).set('Cookie', cookie);

  const log = lines.join('\n');
  expect(lines.length).toBeGreaterThanOrEqual(8);
  expect(log).toContain('[redacted]');
  // Not the whole token, nor any of its three parts (a signature alone is still a credential).
  for (const token of tokens)
    for (const part of [token, ...token.split('.')]) expect(log).not.toContain(part);
  expect(log).not.toContain('cookie-value-that-must-stay-private');
});
