import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSenders, messageIdOf } from '../../activities/channels';
import { ConfigError, loadAppConfig } from '../../config';
import { loadNotifyConfig } from '../../notify.config';
import type { OutboxRow } from '../../store/outbox';

const demo = loadAppConfig({ NODE_ENV: 'development' });

describe('loadNotifyConfig', () => {
  it('writes demo mail to a folder, and sends nothing by e-mail in production without SMTP', () => {
    expect(loadNotifyConfig(demo, {}).mail).toEqual({ dir: path.resolve(__dirname, '../../data/mail') });
    expect(loadNotifyConfig(demo, { SMTP_URL: 'smtp://mail.example.gov.cn:587' }).mail).toEqual({
      smtp: 'smtp://mail.example.gov.cn:587',
    });
    const production = loadAppConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    expect(loadNotifyConfig(production, {}).mail).toBeUndefined();
  });

  it('names a bad variable', () => {
    expect(() => loadNotifyConfig(demo, { SMTP_URL: 'mail.example.gov.cn' })).toThrow(ConfigError);
    expect(() => loadNotifyConfig(demo, { DIGEST_TIME: '9am' })).toThrow(/DIGEST_TIME/);
    expect(() => loadNotifyConfig(demo, { NOTIFY_MAX_ATTEMPTS: '0' })).toThrow(/NOTIFY_MAX_ATTEMPTS/);
  });

  it('has e-mail and SMS only when configured; inbox and webhook always', () => {
    expect(Object.keys(createSenders(loadNotifyConfig(demo, {}))).sort()).toEqual([
      'email',
      'inbox',
      'webhook',
    ]);
    const configured = loadNotifyConfig(demo, {
      SMTP_URL: 'smtp://127.0.0.1:2525',
      SMS_GATEWAY_URL: 'https://sms.example/send',
    });
    expect(Object.keys(createSenders(configured)).sort()).toEqual(['email', 'inbox', 'sms', 'webhook']);
  });
});

describe('the demo mail folder', () => {
  it('holds one .eml per message, named by its key, with the key and a Message-ID derived from it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'huiyin-mail-'));
    try {
      const { email } = createSenders({ ...loadNotifyConfig(demo, {}), mail: { dir } });
      const row = {
        _id: 'proposal-2026-0001:reply#1:reminder-1wd:housing:email',
        recipientName: '赵强',
        address: { email: 'housing@demo.huiyin.example' },
        subject: '【回音】提醒：书面答复（proposal-2026-0001），期限 2026-10-08',
        text: '提醒\n事项：proposal-2026-0001',
        deliverAt: new Date('2026-09-30T02:00:00Z'),
      } as OutboxRow;
      await email!(row);
      await email!(row); // delivered again: the same file
      const files = readdirSync(dir);
      expect(files).toEqual([expect.stringMatching(/^2026-09-30-[0-9a-f]{32}\.eml$/)]);
      const eml = readFileSync(path.join(dir, files[0]), 'utf8');
      expect(eml).toContain(`Message-ID: ${messageIdOf(row._id, '127.0.0.1')}`);
      expect(eml.replace(/\r?\n /g, ' ')).toContain(`X-Huiyin-Key: ${row._id}`);
      expect(eml).toContain('To: =?UTF-8?B?');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
