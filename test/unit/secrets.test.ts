import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../config';
import { defaultPolicy, policyAsSeenBy, policyViewSchema } from '../../domain/policy';
import { isMaskedFormOf, maskUrl, maskWebhook, presentAddress } from '../../domain/secrets';
import { loadRetention } from '../../infra/retention';
import {
  createSecretBox,
  isSealed,
  loadSecretKey,
  parseSecretKey,
  SealedValueError,
} from '../../infra/secret-key';

describe('HUIYIN_SECRET_KEY', () => {
  const key = randomBytes(32);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'huiyin-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes 32 bytes as hex or base64 (standard or url-safe)', () => {
    for (const text of [
      key.toString('hex'),
      key.toString('base64'),
      key.toString('base64url'),
      ` ${key.toString('hex')}\n`,
    ])
      expect(parseSecretKey(text)).toEqual(key);
    for (const text of ['', 'secret', randomBytes(16).toString('hex'), randomBytes(33).toString('base64')])
      expect(parseSecretKey(text)).toBeUndefined();
  });

  it('refuses a malformed key, and a missing one outside demo mode and tests, naming the variable', () => {
    expect(loadSecretKey({ HUIYIN_SECRET_KEY: key.toString('base64') }, path.join(dir, 'k'))).toEqual({
      key,
      source: 'env',
    });
    expect(() => loadSecretKey({ HUIYIN_SECRET_KEY: 'too-short' })).toThrow(
      /HUIYIN_SECRET_KEY: must be 32 bytes/,
    );
    for (const env of [{}, { NODE_ENV: 'production' }, { HUIYIN_DEMO: 'false', NODE_ENV: 'development' }]) {
      expect(() => loadSecretKey(env, path.join(dir, 'k'))).toThrow(ConfigError);
      expect(() => loadSecretKey(env, path.join(dir, 'k'))).toThrow(
        /HUIYIN_SECRET_KEY: required outside demo mode/,
      );
    }
    expect(loadSecretKey({ NODE_ENV: 'test' }).source).toBe('test');
  });

  it('demo mode makes data/secret.key once (mode 0600), then every process reads the same key', () => {
    const file = path.join(dir, 'data', 'secret.key');
    const first = loadSecretKey({ HUIYIN_DEMO: 'true' }, file);
    expect(first.source).toBe('demo-file');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseSecretKey(readFileSync(file, 'utf8'))).toEqual(first.key);
    expect(loadSecretKey({ HUIYIN_DEMO: 'true' }, file).key).toEqual(first.key);
    // A key in the environment wins over the file.
    expect(loadSecretKey({ HUIYIN_DEMO: 'true', HUIYIN_SECRET_KEY: key.toString('hex') }, file).key).toEqual(
      key,
    );
  });
});

describe('sealing', () => {
  const box = createSecretBox(randomBytes(32));
  const url = 'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef';

  it('round-trips with AES-256-GCM, a fresh IV each time, and no trace of the plain value', () => {
    const [a, b] = [box.seal(url), box.seal(url)];
    expect(a).not.toBe(b);
    for (const sealed of [a, b]) {
      expect(isSealed(sealed)).toBe(true);
      expect(sealed).not.toContain('0123456789abcdef');
      expect(sealed.startsWith(`enc:v1:${box.keyId}:`)).toBe(true);
      expect(box.open(sealed)).toBe(url);
    }
    expect(box.sealOnce(a)).toBe(a);
  });

  it('gives a plain (legacy) value back as it is', () => {
    expect(box.open(url)).toBe(url);
    expect(isSealed(url)).toBe(false);
  });

  it('refuses a value sealed with another key or altered', () => {
    const other = createSecretBox(randomBytes(32));
    expect(() => other.open(box.seal(url))).toThrow(SealedValueError);
    const sealed = box.seal(url);
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    expect(() => box.open(flipped)).toThrow(SealedValueError);
  });
});

describe('masking', () => {
  it('masks every query value, user info and fragment; keeps host and path', () => {
    expect(maskUrl('https://oapi.dingtalk.com/robot/send?access_token=abc')).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=****',
    );
    expect(maskUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1&debug=1')).toBe(
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****&debug=****',
    );
    expect(maskUrl('https://u:p@hooks.example/x#frag')).toBe('https://****@hooks.example/x#****');
    expect(maskUrl('http://127.0.0.1:8080/hook')).toBe('http://127.0.0.1:8080/hook');
    expect(maskUrl('not a url')).toBe('****');
    expect(maskUrl(maskUrl('https://a.example/?t=1'))).toBe('https://a.example/?t=****');
  });

  it('knows the masked form of a saved URL when a client sends it back', () => {
    const saved = 'https://oapi.dingtalk.com/robot/send?access_token=abc';
    expect(isMaskedFormOf(maskUrl(saved), saved)).toBe(true);
    expect(isMaskedFormOf(saved, saved)).toBe(false);
    expect(isMaskedFormOf('https://oapi.dingtalk.com/other?access_token=****', saved)).toBe(false);
  });

  it('shows webhooks and outbox addresses without tokens or secrets', () => {
    const hook = {
      url: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
      format: 'dingtalk' as const,
      secret: 'SECxyz12345678',
    };
    expect(maskWebhook(hook)).toEqual({
      url: 'https://oapi.dingtalk.com/robot/send?access_token=****',
      format: 'dingtalk',
      secret: '******',
    });
    expect(presentAddress({ webhook: hook })).toEqual({ webhook: maskWebhook(hook) });
    expect(presentAddress({ webhook: { ref: 'preferences:u1' } })).toEqual({
      webhook: { ref: 'preferences:u1' },
    });
    expect(presentAddress({ email: 'a@b.example' })).toEqual({ email: 'a@b.example' });
  });
});

describe('the inspection office in the policy', () => {
  const office = {
    name: '督查室',
    email: 'dcs@gov.example',
    webhook: { url: 'https://oapi.dingtalk.com/robot/send?access_token=****', format: 'dingtalk' as const },
  };
  const policy = {
    ...defaultPolicy,
    notifications: { ...defaultPolicy.notifications, inspectionOffice: office },
  };

  it('is shown to admins only', () => {
    expect(policyAsSeenBy(policy, true).notifications.inspectionOffice).toEqual(office);
    const seen = policyAsSeenBy(policy, false);
    expect('inspectionOffice' in seen.notifications).toBe(false);
    expect(JSON.stringify(seen)).not.toContain('dcs@gov.example');
    expect(policyViewSchema.safeParse(seen).success).toBe(true);
    expect(policyViewSchema.safeParse(policyAsSeenBy(policy, true)).success).toBe(true);
  });
});

describe('retention', () => {
  it('defaults to 180 days of outbox and 7 days of claims, and names a bad variable', () => {
    expect(loadRetention({})).toEqual({ outboxDays: 180, idempotencyDays: 7 });
    expect(
      loadRetention({ HUIYIN_OUTBOX_RETENTION_DAYS: '30', HUIYIN_IDEMPOTENCY_RETENTION_DAYS: '2' }),
    ).toEqual({
      outboxDays: 30,
      idempotencyDays: 2,
    });
    expect(() => loadRetention({ HUIYIN_OUTBOX_RETENTION_DAYS: '0' })).toThrow(
      /HUIYIN_OUTBOX_RETENTION_DAYS/,
    );
  });
});
