/**
 * The delivery channels. Each sends one outbox row and throws when the receiver did not take it.
 * Every message carries the row's key (Idempotency-Key header, e-mail Message-ID) so a receiver can
 * drop a repeat: delivery is at least once (README, Notifications).
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Address, Channel, Webhook } from '../domain/notifications';
import { webhookUrlProblem, type AllowedHost } from '../domain/webhooks';
import type { NotifyConfig } from '../notify.config';
import type { OutboxRow } from '../store/outbox';

export type Sender = (row: OutboxRow) => Promise<void>;
export type Senders = Partial<Record<Channel, Sender>>;

/** A send that can never succeed as the row stands: the row is marked failed at once, not retried. */
export class UndeliverableError extends Error {
  override name = 'UndeliverableError';
}

const digest = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);

/** A stable Message-ID per outbox key: a resent e-mail is recognisably the same message. */
export const messageIdOf = (key: string, domain: string) => `<${digest(key)}@${domain}>`;

function addressOf<K extends 'email' | 'phone' | 'webhook'>(row: OutboxRow, field: K) {
  const address = row.address as Extract<Address, Record<K, unknown>>;
  if (!(field in address)) throw new Error(`outbox row ${row._id} has no ${field} address`);
  return address[field] as Extract<Address, Record<K, unknown>>[K];
}

/** E-mail through a nodemailer transport; with `dir`, the rendered message is also written there as .eml. */
export function emailSender(
  transport: Transporter,
  from: string,
  opts: { domain: string; dir?: string },
): Sender {
  return async (row) => {
    const info = await transport.sendMail({
      from,
      to: { name: row.recipientName, address: addressOf(row, 'email') },
      subject: row.subject,
      text: row.text,
      messageId: messageIdOf(row._id, opts.domain),
      headers: { 'X-Huiyin-Key': row._id },
    });
    if (opts.dir) {
      await mkdir(opts.dir, { recursive: true });
      // Named by the key: a repeated delivery overwrites its own file.
      await writeFile(
        path.join(opts.dir, `${row.deliverAt.toISOString().slice(0, 10)}-${digest(row._id)}.eml`),
        info.message as Buffer,
      );
    }
  };
}

/**
 * POSTs JSON with the row key as Idempotency-Key; a non-2xx answer or a robot's errcode ≠ 0 is a failure.
 * Errors name the host only: query strings hold robot keys and signatures.
 */
async function postJson(
  url: string,
  body: unknown,
  key: string,
  headers: Record<string, string> = {},
  redirect: 'follow' | 'error' = 'follow',
) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key, ...headers },
    body: JSON.stringify(body),
    redirect,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${new URL(url).host}: ${text.slice(0, 200)}`);
  const errcode = parseErrcode(text);
  if (errcode) throw new Error(`errcode ${errcode} from ${new URL(url).host}: ${text.slice(0, 200)}`);
}

/** WeCom and DingTalk robots answer HTTP 200 with `{"errcode": n}`; anything else counts as taken. */
function parseErrcode(text: string): number | undefined {
  try {
    const code = (JSON.parse(text) as { errcode?: unknown }).errcode;
    return typeof code === 'number' && code !== 0 ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The SMS gateway gets the subject and the link: an SMS has no room for the whole text. */
export function smsSender(url: string, token?: string): Sender {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return (row) =>
    postJson(
      url,
      { key: row._id, to: addressOf(row, 'phone'), text: `${row.subject} ${row.link}` },
      row._id,
      auth,
    );
}

const content = (row: OutboxRow) => `${row.subject}\n${row.text}`;

/** Body of each webhook format: generic JSON, WeCom group robot, DingTalk group robot (text messages). */
const webhookBodies: Record<Webhook['format'], (row: OutboxRow) => unknown> = {
  json: (row) => ({
    key: row._id,
    kind: row.kind,
    itemId: row.itemId,
    recipient: row.recipient,
    subject: row.subject,
    text: row.text,
    link: row.link,
  }),
  wecom: (row) => ({ msgtype: 'text', text: { content: content(row) } }),
  dingtalk: (row) => ({ msgtype: 'text', text: { content: content(row) } }),
};

/**
 * DingTalk 加签: the robot URL with `timestamp` (ms) and `sign`, the URL-encoded
 * base64(HMAC-SHA256(key = secret, message = `${timestamp}\n${secret}`)). DingTalk refuses a timestamp
 * more than an hour off, so every attempt signs afresh.
 */
export function dingtalkSignedUrl(url: string, secret: string, timestamp: number): string {
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  const signed = new URL(url);
  signed.searchParams.set('timestamp', String(timestamp));
  signed.searchParams.set('sign', sign); // form-encoded: + / = become %2B %2F %3D
  return signed.href;
}

/**
 * Webhooks, to hosts on the allow-list only. The API checks a URL when it is saved; this checks again,
 * as the list may have changed since and a row may carry an address saved before the list existed.
 * A refused URL fails the row for good. Redirects are not followed: they could lead off the list.
 */
export function webhookSender(allowed: readonly AllowedHost[], now: () => number = Date.now): Sender {
  return async (row) => {
    const hook = addressOf(row, 'webhook');
    const problem = webhookUrlProblem(hook.url, allowed);
    if (problem) throw new UndeliverableError(`not sent: ${problem}`);
    const url =
      hook.format === 'dingtalk' && hook.secret ? dingtalkSignedUrl(hook.url, hook.secret, now()) : hook.url;
    await postJson(url, webhookBodies[hook.format](row), row._id, {}, 'error');
  };
}

/** The in-app inbox is the outbox row itself: marking it sent is the delivery. */
export const inboxSender: Sender = async () => {};

/**
 * Well inside the delivery activity's 30 s: a send still hanging when Temporal retries the activity
 * would run beside the retry.
 */
const smtpTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** The senders a deployment has: inbox and webhook always, e-mail and SMS when configured. */
export function createSenders(cfg: NotifyConfig): Senders {
  const domain = new URL(cfg.publicUrl).hostname || 'huiyin.local';
  const senders: Senders = { inbox: inboxSender, webhook: webhookSender(cfg.webhookHosts) };
  if (cfg.mail && 'smtp' in cfg.mail)
    senders.email = emailSender(
      nodemailer.createTransport({ url: cfg.mail.smtp, ...smtpTimeouts }),
      cfg.MAIL_FROM,
      {
        domain,
      },
    );
  if (cfg.mail && 'dir' in cfg.mail)
    senders.email = emailSender(
      nodemailer.createTransport({ streamTransport: true, buffer: true }),
      cfg.MAIL_FROM,
      {
        domain,
        dir: cfg.mail.dir,
      },
    );
  if (cfg.SMS_GATEWAY_URL) senders.sms = smsSender(cfg.SMS_GATEWAY_URL, cfg.SMS_GATEWAY_TOKEN);
  return senders;
}
