/** Error bodies carry fixed, people-facing messages: never a parser's or an exception's own text. */
import express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import { errorHandler, HttpError } from '../../api/errors';

function appWith(route: express.RequestHandler) {
  const lines: string[] = [];
  const app = express();
  app.use(pinoHttp({ logger: pino({}, { write: (line: string) => lines.push(line) }) }));
  app.post('/x', express.json({ limit: '100b' }), route);
  app.use(errorHandler);
  return { app, lines };
}

const ok: express.RequestHandler = (_req, res) => {
  res.json({ ok: true });
};

test('an oversize JSON body: 413 payload_too_large, 请求体过大', async () => {
  const { app } = appWith(ok);
  const res = await request(app)
    .post('/x')
    .send({ text: 'x'.repeat(500) });
  expect(res.status).toBe(413);
  expect(res.body).toEqual({ error: { code: 'payload_too_large', message: '请求体过大' } });
});

test('malformed JSON: 400 with a fixed message, not the parser text', async () => {
  const { app } = appWith(ok);
  const res = await request(app).post('/x').set('Content-Type', 'application/json').send('{"a":');
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ error: { code: 'invalid_request', message: '请求体不是有效的 JSON' } });
});

test('an unsupported charset: 415 unsupported_media_type', async () => {
  const { app } = appWith(ok);
  const res = await request(app)
    .post('/x')
    .set('Content-Type', 'application/json; charset=koi8-r')
    .send('{}');
  expect(res.status).toBe(415);
  expect(res.body.error.code).toBe('unsupported_media_type');
});

test('our own 5xx keeps its message but its details go to the log, replaced by the request id', async () => {
  const { app, lines } = appWith(() => {
    throw new HttpError(503, 'notReady', '暂未响应，请稍后重试', {
      cause: 'internal: socket hang up at 10.0.0.9',
    });
  });
  const res = await request(app).post('/x').send({});
  expect(res.status).toBe(503);
  expect(res.body.error).toEqual({
    code: 'notReady',
    message: '暂未响应，请稍后重试',
    details: { requestId: expect.anything() },
  });
  expect(res.text).not.toContain('10.0.0.9');
  expect(lines.join('\n')).toContain('10.0.0.9');
});

test('an unexpected error: 500 internal_error with the request id only', async () => {
  const { app, lines } = appWith(() => {
    throw new Error('ECONNRESET while talking to mongodb://secret-host');
  });
  const res = await request(app).post('/x').send({});
  expect(res.status).toBe(500);
  expect(res.body.error.code).toBe('internal_error');
  expect(res.text).not.toContain('secret-host');
  expect(lines.join('\n')).toContain('secret-host');
});
