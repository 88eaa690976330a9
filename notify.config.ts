/**
 * How the worker delivers notifications: SMTP for e-mail (in demo mode without SMTP, a folder of .eml
 * files a newcomer can open), an HTTP gateway for SMS, retries, and the digest's time of day.
 */
import path from 'node:path';
import { z } from 'zod';
import { loadEnv, type AppConfig } from './config';
import { timeOfDaySchema } from './domain/time';

const notifySchema = z.object({
  /** smtp://user:pass@host:587 or smtps://…:465 (nodemailer URL syntax). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('回音 Huiyin <huiyin@localhost>'),
  /** Demo mode without SMTP_URL: e-mails are written here as .eml files. */
  MAIL_DIR: z.string().min(1).default('data/mail'),
  /** SMS gateway: receives POST {key, to, text} with an Idempotency-Key header. */
  SMS_GATEWAY_URL: z.url().optional(),
  SMS_GATEWAY_TOKEN: z.string().min(1).optional(),
  /** Daily digest time, Asia/Shanghai. */
  DIGEST_TIME: timeOfDaySchema.default('09:00'),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  /** First retry delay; it doubles per attempt, capped at one hour. */
  NOTIFY_RETRY_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export type MailTarget = { smtp: string } | { dir: string } | undefined;

const mailTarget = (smtp: string | undefined, demoDir: string | undefined): MailTarget =>
  smtp ? { smtp } : demoDir ? { dir: demoDir } : undefined;

/** Where e-mail goes, fit for logs: the SMTP host without user or password, or the demo directory. */
export function describeMailTarget(mail: MailTarget): string {
  if (!mail) return 'off (set SMTP_URL)';
  if ('dir' in mail)
    return `${path.relative(process.cwd(), mail.dir) || mail.dir}/   (demo: one .eml file per message)`;
  return `SMTP ${new URL(mail.smtp).host}`;
}

export type NotifyConfig = ReturnType<typeof loadNotifyConfig>;

export function loadNotifyConfig(app: AppConfig, env: NodeJS.ProcessEnv = process.env) {
  const cfg = loadEnv(notifySchema, env);
  const mailDir = path.resolve(__dirname, cfg.MAIL_DIR);
  return {
    ...cfg,
    publicUrl: app.PUBLIC_URL,
    /** Hosts webhook messages may go to (WEBHOOK_ALLOWED_HOSTS, read with the app settings). */
    webhookHosts: app.WEBHOOK_ALLOWED_HOSTS,
    /** Where e-mail goes: an SMTP server, the demo folder, or nowhere (the channel is off). */
    mail: mailTarget(cfg.SMTP_URL, app.demo ? mailDir : undefined),
    retry: {
      maxAttempts: cfg.NOTIFY_MAX_ATTEMPTS,
      firstDelayMs: cfg.NOTIFY_RETRY_SECONDS * 1_000,
      maxDelayMs: 3_600_000,
    },
  };
}
