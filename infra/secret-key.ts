/**
 * The key that encrypts secrets at rest (webhook URLs, which carry access tokens, and DingTalk robot
 * secrets), from HUIYIN_SECRET_KEY: 32 bytes written as 64 hex digits or base64. Demo mode (`npm
 * start`) keeps one of its own in data/secret.key (mode 0600), made on first use; under NODE_ENV=test
 * without a key each process draws a random one; anywhere else the process refuses to start without it.
 *
 * A sealed value is AES-256-GCM (Node's crypto), written as
 * `enc:v1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`: a string, so it takes the place of the plain
 * value in any document. The key id (8 hex digits of the key's SHA-256) says which key sealed it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, loadEnv } from '../config';

const variable = 'HUIYIN_SECRET_KEY';
const keyFormat = 'must be 32 bytes written as 64 hex digits or as base64 (e.g. `openssl rand -base64 32`)';

/** The key's bytes from its text (hex or base64), or undefined when it is not 32 bytes. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

const keyText = z.string().transform((text, ctx) => {
  const key = parseSecretKey(text);
  if (key) return key;
  ctx.addIssue({ code: 'custom', message: keyFormat });
  return z.NEVER;
});

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const secretKeySchema = z.object({
  HUIYIN_SECRET_KEY: keyText.optional(),
  HUIYIN_DEMO: flag.optional(),
  NODE_ENV: z.string().optional(),
});

/** Where demo mode keeps its key: data/secret.key of the checkout. */
export const demoKeyPath = path.resolve(__dirname, '..', 'data', 'secret.key');

export interface SecretKey {
  key: Buffer;
  /** Where it came from: the environment, demo's data/secret.key, or drawn for this test process. */
  source: 'env' | 'demo-file' | 'test';
}

/**
 * The key of this process, from `env`; throws a ConfigError naming HUIYIN_SECRET_KEY when it is
 * malformed, or missing outside demo mode and tests.
 */
export function loadSecretKey(env: NodeJS.ProcessEnv = process.env, keyFile = demoKeyPath): SecretKey {
  const raw = loadEnv(secretKeySchema, env);
  if (raw.HUIYIN_SECRET_KEY) return { key: raw.HUIYIN_SECRET_KEY, source: 'env' };
  if (raw.HUIYIN_DEMO) return { key: demoKey(keyFile), source: 'demo-file' };
  if (raw.NODE_ENV === 'test') return { key: randomBytes(32), source: 'test' };
  throw new ConfigError(
    `Invalid configuration:\n  ${variable}: required outside demo mode; it encrypts webhook URLs and robot secrets at rest: ${keyFormat}`,
  );
}

/** Demo's key file, made (mode 0600) if absent; the worker and the API both read the same one. */
function demoKey(file: string): Buffer {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = parseSecretKey(readFileSync(file, 'utf8'));
  if (!key)
    throw new ConfigError(`Invalid configuration:\n  ${file}: ${keyFormat}; delete it to make a new one`);
  return key;
}

const prefix = 'enc:v1:';

/** A sealed value this key cannot open: sealed with another key, or altered. */
export class SealedValueError extends Error {
  override name = 'SealedValueError';
}

/** Whether `value` is a sealed string (anything else is a plain value stored before encryption). */
export const isSealed = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(prefix);

export interface SecretBox {
  /** Encrypts `plain` with a fresh IV. */
  seal(plain: string): string;
  /** Decrypts a sealed string; a plain (legacy) value comes back as it is. Throws on another key's value. */
  open(value: string): string;
  /** Seals a value unless it is sealed already. */
  sealOnce(value: string): string;
  keyId: string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error(`${variable}: expected 32 bytes, got ${key.length}`);
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  const seal = (plain: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${prefix}${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  };
  const open = (value: string) => {
    if (!isSealed(value)) return value;
    const [id, data] = value.slice(prefix.length).split(':');
    if (id !== keyId)
      throw new SealedValueError(
        `a value sealed with another ${variable} (key id ${id}, this key is ${keyId})`,
      );
    const bytes = Buffer.from(data ?? '', 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedValueError(`a sealed value that does not open with this ${variable} (key id ${keyId})`);
    }
  };
  return { seal, open, sealOnce: (value) => (isSealed(value) ? value : seal(value)), keyId };
}

let processBox: SecretBox | undefined;

/**
 * This process's box, from `env` the first time (then the same box). The API calls it when it builds
 * its routes (with its configuration's demo flag) and the worker when it has a webhook channel, so a
 * missing key stops the process at start.
 */
export function secretBox(env: NodeJS.ProcessEnv = process.env): SecretBox {
  processBox ??= createSecretBox(loadSecretKey(env).key);
  return processBox;
}

/** The environment of `secretBox` for a process configured with `config` (demo mode, NODE_ENV). */
export const secretKeyEnv = (config: { demo: boolean; NODE_ENV: string }): NodeJS.ProcessEnv => ({
  ...process.env,
  HUIYIN_DEMO: String(config.demo),
  NODE_ENV: config.NODE_ENV,
});
