/**
 * The far ends of the notification channels, on loopback: a real SMTP server (smtp-server) and an
 * HTTP receiver for the SMS gateway and webhooks, each recording what arrives.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  email: Email;
  /** The outbox key the message carries. */
  key: string;
}

export async function startSmtpSink() {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'], // plain SMTP on loopback; nodemailer would not trust a self-signed cert
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const email = await PostalMime.parse(Buffer.concat(chunks));
        const key = email.headers.find((h) => h.key === 'x-huiyin-key')?.value ?? '';
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), email, key });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedRequest {
  /** Without the query string, which is in `query`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Answers each POST with the status `statusFor(path)` gives (default 200 `{"errcode":0}`). */
export async function startHttpReceiver() {
  const requests: ReceivedRequest[] = [];
  const failing = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const path = url.pathname;
      requests.push({
        path,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
      });
      const fail = failing.has(path);
      res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
      res.end(fail ? '{"error":"gateway down"}' : '{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    requests,
    at: (path: string) => requests.filter((r) => r.path === path),
    /** Makes `path` answer 500 until `recover(path)`. */
    fail: (path: string) => failing.add(path),
    recover: (path: string) => failing.delete(path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
