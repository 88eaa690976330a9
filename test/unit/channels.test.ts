import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createSenders,
  dingtalkSignedUrl,
  messageIdOf,
  UndeliverableError,
  webhookSender,
} from '../../activities/channels';
import { ConfigError, loadAppConfig } from '../../config';
import { preferencesSchema, redactAddress, redactedSecret } from '../../domain/notifications';
import { parseAllowedHosts, webhookUrlProblem } from '../../domain/webhooks';
import { describeMailTarget, loadNotifyConfig } from '../../notify.config';
import type { OutboxRow } from '../../store/outbox';
import { startHttpReceiver } from '../helpers/receivers';

const demo = loadAppConfig({ NODE_ENV: 'development', HUIYIN_DEMO: 'true' });

describe('loadNotifyConfig', () => {
  it('writes demo mail to a folder, and sends nothing by e-mail in production without SMTP', () => {
    expect(loadNotifyConfig(demo, {}).mail).toEqual({ dir: path.resolve(__dirname, '../../data/mail') });
    expect(loadNotifyConfig(demo, { SMTP_URL: 'smtp://mail.example.gov.cn:587' }).mail).toEqual({
      smtp: 'smtp://mail.example.gov.cn:587',
    });
    const production = loadAppConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    expect(loadNotifyConfig(production, {}).mail).toBeUndefined();
  });

  it('describes the mail target for logs without the SMTP password', () => {
    const mail = loadNotifyConfig(demo, { SMTP_URL: 'smtps://huiyin:s3cret@mail.example.gov.cn:465' }).mail;
    expect(describeMailTarget(mail)).toBe('SMTP mail.example.gov.cn:465');
    expect(describeMailTarget(undefined)).toBe('off (set SMTP_URL)');
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

/** DingTalk's own recipe, written out independently of the code under test. */
const expectedSign = (secret: string, timestamp: number) =>
  createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');

describe('DingTalk 加签', () => {
  const secret = 'SEC1f8e0c2b9a7d4e6f3b5a8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f';
  const robot = 'https://oapi.dingtalk.com/robot/send?access_token=abc123';

  it('matches a vector computed with openssl, URL-encoded after the access token', () => {
    // printf '1700000000000\n<secret>' | openssl dgst -sha256 -hmac '<secret>' -binary | base64
    const sign = 'XhqKGQbNroTK/wvjD6JcTdsdKI5mwIUGj1yYxMJVze0=';
    expect(expectedSign(secret, 1_700_000_000_000)).toBe(sign);
    expect(dingtalkSignedUrl(robot, secret, 1_700_000_000_000)).toBe(
      `${robot}&timestamp=1700000000000&sign=${encodeURIComponent(sign)}`,
    );
    expect(encodeURIComponent(sign)).toBe('XhqKGQbNroTK%2FwvjD6JcTdsdKI5mwIUGj1yYxMJVze0%3D');
  });

  it('signs any timestamp and secret as node:crypto computes it, keeping the rest of the URL', () => {
    const other = 'SECabcdef0123456789';
    const timestamp = 1_767_225_600_123;
    const signed = new URL(dingtalkSignedUrl(robot, other, timestamp));
    expect(`${signed.origin}${signed.pathname}`).toBe('https://oapi.dingtalk.com/robot/send');
    expect([...signed.searchParams.keys()]).toEqual(['access_token', 'timestamp', 'sign']);
    expect(signed.searchParams.get('access_token')).toBe('abc123');
    expect(signed.searchParams.get('timestamp')).toBe(String(timestamp));
    expect(signed.searchParams.get('sign')).toBe(expectedSign(other, timestamp));
    expect(signed.search).toContain(`sign=${encodeURIComponent(expectedSign(other, timestamp))}`);
  });

  it('is only for DingTalk robots, and the API never shows the secret', () => {
    const prefs = (webhook: object) => preferencesSchema.safeParse({ channels: ['webhook'], webhook });
    expect(prefs({ url: robot, format: 'dingtalk', secret }).success).toBe(true);
    const wecom = prefs({
      url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
      format: 'wecom',
      secret,
    });
    expect(wecom.error?.issues.map((i) => i.path.join('.'))).toEqual(['webhook.secret']);
    expect(prefs({ url: robot, format: 'dingtalk', secret: 'not-a-secret' }).success).toBe(false);

    const shown = redactAddress({ webhook: { url: robot, format: 'dingtalk', secret } });
    expect(shown).toEqual({ webhook: { url: robot, format: 'dingtalk', secret: redactedSecret } });
    expect(redactAddress({ webhook: { url: robot, format: 'dingtalk' } })).toEqual({
      webhook: { url: robot, format: 'dingtalk' },
    });
    expect(redactAddress({ email: 'a@b.cn' })).toEqual({ email: 'a@b.cn' });
  });
});

describe('WEBHOOK_ALLOWED_HOSTS', () => {
  it('defaults to the DingTalk and WeCom robots, https only', () => {
    expect(loadAppConfig({}, { verifiesTokens: false }).WEBHOOK_ALLOWED_HOSTS).toEqual([
      { hostname: 'oapi.dingtalk.com', http: false },
      { hostname: 'qyapi.weixin.qq.com', http: false },
    ]);
    expect(loadNotifyConfig(demo, {}).webhookHosts).toBe(demo.WEBHOOK_ALLOWED_HOSTS);
  });

  it('reads host names in any case, with optional ports and http:// for plain http', () => {
    expect(
      parseAllowedHosts(
        ' OAPI.DingTalk.com, http://127.0.0.1:8080 ,hooks.example.gov.cn:443,,HTTPS://a.example/',
      ),
    ).toEqual([
      { hostname: 'oapi.dingtalk.com', http: false },
      { hostname: '127.0.0.1', port: 8080, http: true },
      { hostname: 'hooks.example.gov.cn', port: 443, http: false },
      { hostname: 'a.example', http: false },
    ]);
    expect(parseAllowedHosts('')).toEqual([]);
    expect(
      loadAppConfig({ WEBHOOK_ALLOWED_HOSTS: '' }, { verifiesTokens: false }).WEBHOOK_ALLOWED_HOSTS,
    ).toEqual([]);
  });

  it.each([
    '*.dingtalk.com',
    'ftp://files.example',
    'hooks.example/path',
    'user@hooks.example',
    'a b',
    'exa mple:x',
  ])('names the variable on a bad entry: %s', (entry) => {
    expect(() => loadAppConfig({ WEBHOOK_ALLOWED_HOSTS: `oapi.dingtalk.com,${entry}` })).toThrow(ConfigError);
    expect(() => loadAppConfig({ WEBHOOK_ALLOWED_HOSTS: `oapi.dingtalk.com,${entry}` })).toThrow(
      /WEBHOOK_ALLOWED_HOSTS: "/,
    );
  });

  const allowed = parseAllowedHosts(
    'oapi.dingtalk.com,hooks.example.gov.cn:8443,default-port.example:443,http://127.0.0.1',
  );
  const ok = (url: string) => webhookUrlProblem(url, allowed);

  it('accepts https to a listed host, whatever the case of the URL', () => {
    expect(ok('https://oapi.dingtalk.com/robot/send?access_token=x')).toBeUndefined();
    expect(ok('HTTPS://OAPI.DingTalk.COM/robot/send?access_token=x')).toBeUndefined();
    expect(ok('https://oapi.dingtalk.com:8443/robot/send')).toBeUndefined(); // no port listed: any
  });

  it('refuses subdomains, parents and look-alikes of a listed host', () => {
    for (const url of [
      'https://evil.oapi.dingtalk.com/robot/send',
      'https://dingtalk.com/robot/send',
      'https://oapi.dingtalk.com.evil.example/robot/send',
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send', // a default, but not in this list
    ])
      expect(ok(url)).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
  });

  it('holds a listed port to that port (an absent one counts as 443)', () => {
    expect(ok('https://hooks.example.gov.cn:8443/h')).toBeUndefined();
    expect(ok('https://hooks.example.gov.cn/h')).toMatch(/hooks\.example\.gov\.cn/);
    expect(ok('https://hooks.example.gov.cn:9443/h')).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
    expect(ok('https://default-port.example/h')).toBeUndefined();
    expect(ok('https://default-port.example:443/h')).toBeUndefined();
    expect(ok('https://default-port.example:8443/h')).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
  });

  it('takes plain http only where the entry says http://, and reads addresses as the WHATWG parser does', () => {
    expect(ok('http://oapi.dingtalk.com/robot/send')).toBe('主机 oapi.dingtalk.com 只接受 https 地址');
    expect(ok('http://127.0.0.1:4000/hook')).toBeUndefined();
    expect(ok('https://127.0.0.1:4000/hook')).toBeUndefined();
    expect(ok('http://2130706433:4000/hook')).toBeUndefined(); // the same address, written as a number
    expect(ok('http://localhost:4000/hook')).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
    expect(ok('http://127.0.0.2/hook')).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
    expect(ok('http://[::1]/hook')).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
    expect(ok('http://169.254.169.254/latest/meta-data/')).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
  });

  it('refuses credentials in the URL, other schemes and non-URLs', () => {
    expect(ok('https://user:pw@oapi.dingtalk.com/robot/send')).toBe('地址中不能含用户名或密码');
    expect(ok('https://oapi.dingtalk.com@evil.example/robot/send')).toBe('地址中不能含用户名或密码');
    expect(ok('file:///etc/passwd')).toBe('应为 http(s) 地址');
    expect(ok('oapi.dingtalk.com/robot/send')).toBe('不是有效的网址');
  });
});

describe('the webhook sender', () => {
  const row = (webhook: object, id = 'n:person:webhook') =>
    ({
      _id: id,
      kind: 'test',
      recipient: 'person',
      subject: '【回音】测试消息',
      text: '正文',
      link: 'https://huiyin.example/',
      address: { webhook },
    }) as OutboxRow;

  it('signs DingTalk robots that have a secret, at the time of each attempt', async () => {
    const http = await startHttpReceiver();
    try {
      let clock = 1_767_225_600_000;
      const send = webhookSender(parseAllowedHosts('http://127.0.0.1'), () => clock);
      const secret = 'SEC0123456789abcdef';
      const hook = { url: http.url('/robot/send?access_token=t0k'), format: 'dingtalk', secret };
      await send(row(hook));
      clock += 5_000;
      await send(row(hook)); // a retry: signed afresh
      await send(row({ url: http.url('/robot/send?access_token=plain'), format: 'dingtalk' }));

      const [first, retry, unsigned] = http.at('/robot/send');
      expect(first.query).toEqual({
        access_token: 't0k',
        timestamp: '1767225600000',
        sign: expectedSign(secret, 1_767_225_600_000),
      });
      expect(retry.query.sign).toBe(expectedSign(secret, 1_767_225_605_000));
      expect(unsigned.query).toEqual({ access_token: 'plain' });
      expect(first.body).toEqual({ msgtype: 'text', text: { content: '【回音】测试消息\n正文' } });
      expect(first.headers['idempotency-key']).toBe('n:person:webhook');
    } finally {
      await http.close();
    }
  });

  it('refuses a host off the list for good, without calling it', async () => {
    const http = await startHttpReceiver();
    try {
      const send = webhookSender(parseAllowedHosts('oapi.dingtalk.com'));
      const attempt = send(row({ url: http.url('/hook'), format: 'json' }));
      await expect(attempt).rejects.toThrow(UndeliverableError);
      await expect(attempt).rejects.toThrow(/not sent: 主机 127\.0\.0\.1:\d+ 不在允许的 webhook 主机/);
      expect(http.requests).toEqual([]);
    } finally {
      await http.close();
    }
  });
});
