/** Auth fails closed (issue 12): each unsafe combination refuses to start, naming the variable. */
import { ConfigError, isLoopback, loadAppConfig, withStartDemo } from '../../config';

const secret = 's'.repeat(32);
const jwks = {
  JWT_JWKS_URL: 'https://idp.example.gov.cn/.well-known/jwks.json',
  JWT_ISSUER: 'https://idp.example.gov.cn',
  JWT_AUDIENCE: 'huiyin',
};

/** The message loadAppConfig(env) refuses with (fails the test if it starts). */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadAppConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`started with ${JSON.stringify(env)}`);
}

describe('demo mode only when asked for', () => {
  test('`npm run api` without HUIYIN_DEMO: no demo, and no start without a key', () => {
    expect(refusal({})).toMatch(/JWT_SECRET: set JWT_SECRET \(at least 32 characters\) or JWT_JWKS_URL/);
    expect(refusal({ NODE_ENV: 'development' })).toContain('HUIYIN_DEMO=true');
    const config = loadAppConfig({ JWT_SECRET: secret });
    expect(config).toMatchObject({ demo: false, JWT_SECRET: secret });
  });

  test('HUIYIN_DEMO=true on a loopback host: demo with the built-in secret', () => {
    const config = loadAppConfig({ HUIYIN_DEMO: 'true' });
    expect(config.demo).toBe(true);
    expect(config.JWT_SECRET).toMatch(/demo/);
    // A secret of the user's own wins over the built-in one.
    expect(loadAppConfig({ HUIYIN_DEMO: 'true', JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
  });

  test('the built-in secret is never used outside demo', () => {
    expect(loadAppConfig({ HUIYIN_DEMO: 'false', JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
    expect(loadAppConfig(jwks).JWT_SECRET).toBeUndefined();
    expect(refusal({ HUIYIN_DEMO: 'false' })).toContain('JWT_SECRET:');
  });

  test('npm start asks for demo for its children, on a loopback host only, unless the user chose', () => {
    expect(withStartDemo({}).HUIYIN_DEMO).toBe('true');
    expect(withStartDemo({ HOST: 'localhost' }).HUIYIN_DEMO).toBe('true');
    expect(loadAppConfig(withStartDemo({})).demo).toBe(true);
    expect(withStartDemo({ HUIYIN_DEMO: 'false' }).HUIYIN_DEMO).toBe('false');
    expect(withStartDemo({ HOST: '0.0.0.0' }).HUIYIN_DEMO).toBeUndefined();
  });

  test('demo on a public HOST without an explicit HUIYIN_DEMO: refused, naming HOST and HUIYIN_DEMO', () => {
    for (const HOST of ['0.0.0.0', '10.1.2.3', '::', 'huiyin.example.gov.cn']) {
      const message = refusal(withStartDemo({ HOST }));
      expect(message).toContain('JWT_SECRET:');
      expect(message).toContain(`non-loopback HOST (${HOST})`);
      expect(message).toContain('HUIYIN_DEMO=true is set explicitly');
    }
    // Set explicitly, the user gets what they asked for.
    expect(loadAppConfig({ HOST: '0.0.0.0', HUIYIN_DEMO: 'true' }).demo).toBe(true);
  });

  test('NODE_ENV=production refuses demo mode, even asked for', () => {
    expect(refusal({ NODE_ENV: 'production', HUIYIN_DEMO: 'true', JWT_SECRET: secret })).toContain(
      'HUIYIN_DEMO: demo mode is refused when NODE_ENV=production',
    );
    expect(refusal({ NODE_ENV: 'production' })).toContain('JWT_SECRET:');
    expect(loadAppConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).demo).toBe(false);
  });

  test('demo signs HS256 tokens, so it cannot run on a JWKS', () => {
    expect(refusal({ ...jwks, HUIYIN_DEMO: 'true' })).toContain('HUIYIN_DEMO: demo mode issues HS256 tokens');
  });

  test('the worker verifies no tokens: it needs no key, but still refuses demo in production', () => {
    expect(loadAppConfig({}, { verifiesTokens: false }).demo).toBe(false);
    expect(() =>
      loadAppConfig({ NODE_ENV: 'production', HUIYIN_DEMO: 'true' }, { verifiesTokens: false }),
    ).toThrow('HUIYIN_DEMO:');
  });

  test.each([
    ['127.0.0.1', true],
    ['127.8.0.1', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['127.0.0.1.example.com', false],
  ])('isLoopback(%s) is %s', (host, expected) => expect(isLoopback(host)).toBe(expected));
});

describe('keys and token rules', () => {
  test('a short secret is refused', () => {
    expect(refusal({ JWT_SECRET: 'too-short' })).toContain('JWT_SECRET: must be at least 32 characters');
  });

  test.each([
    ['JWT_AUDIENCE', { ...jwks, JWT_AUDIENCE: undefined }],
    ['JWT_ISSUER', { ...jwks, JWT_ISSUER: undefined }],
  ])('a JWKS without %s is refused', (name, env) => {
    expect(refusal(env)).toContain(`${name}: required with JWT_JWKS_URL`);
  });

  test('a JWKS without both names both', () => {
    const message = refusal({ JWT_JWKS_URL: jwks.JWT_JWKS_URL });
    expect(message).toContain('JWT_ISSUER:');
    expect(message).toContain('JWT_AUDIENCE:');
  });

  test('keys over plain http only on this machine', () => {
    expect(refusal({ ...jwks, JWT_JWKS_URL: 'http://idp.example.gov.cn/jwks.json' })).toContain(
      'JWT_JWKS_URL: must be https://',
    );
    expect(loadAppConfig({ ...jwks, JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks.json' }).demo).toBe(false);
  });

  test('one key type at a time', () => {
    expect(refusal({ ...jwks, JWT_SECRET: secret })).toContain(
      'JWT_JWKS_URL: set either JWT_SECRET or JWT_JWKS_URL',
    );
  });

  test('algorithms are pinned: asymmetric from a JWKS, HS256 with a secret', () => {
    expect(loadAppConfig(jwks).JWT_ALGORITHMS).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(loadAppConfig({ ...jwks, JWT_ALGORITHMS: ' ES384, PS256 ' }).JWT_ALGORITHMS).toEqual([
      'ES384',
      'PS256',
    ]);
    for (const bad of ['none', 'HS256', 'RS256,none', ''])
      expect(refusal({ ...jwks, JWT_ALGORITHMS: bad })).toContain('JWT_ALGORITHMS:');
    expect(refusal({ JWT_SECRET: secret, JWT_ALGORITHMS: 'RS256' })).toContain(
      'JWT_ALGORITHMS: applies to JWT_JWKS_URL only',
    );
  });

  test('a maximum token age, 12 h unless set', () => {
    expect(loadAppConfig({ JWT_SECRET: secret }).JWT_MAX_AGE).toBe(12 * 3600);
    expect(loadAppConfig({ JWT_SECRET: secret, JWT_MAX_AGE: '30m' }).JWT_MAX_AGE).toBe(1800);
    expect(loadAppConfig({ JWT_SECRET: secret, JWT_MAX_AGE: '7200' }).JWT_MAX_AGE).toBe(7200);
    for (const bad of ['12 hours', '0', '-1h', '90d'])
      expect(refusal({ JWT_SECRET: secret, JWT_MAX_AGE: bad })).toContain('JWT_MAX_AGE:');
  });

  test('the directory cache is short, and can be off', () => {
    expect(loadAppConfig({ JWT_SECRET: secret }).HUIYIN_AUTH_CACHE_SECONDS).toBe(5);
    expect(
      loadAppConfig({ JWT_SECRET: secret, HUIYIN_AUTH_CACHE_SECONDS: '0' }).HUIYIN_AUTH_CACHE_SECONDS,
    ).toBe(0);
    expect(refusal({ JWT_SECRET: secret, HUIYIN_AUTH_CACHE_SECONDS: '600' })).toContain(
      'HUIYIN_AUTH_CACHE_SECONDS:',
    );
  });
});
