/**
 * Bearer JWT identity (jose) that fails closed: an HS256 secret or the JWKS of a real identity
 * provider, the algorithms pinned per key type, `sub`, `iat` and `exp` required, a maximum age.
 * The token only names the person: roles, unit and group come from the directory on each request
 * (a few seconds' cache), and the token's `roles` claim can only narrow what the directory grants.
 */
import type { Request } from 'express';
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import { ConfigError, type AppConfig } from '../config';
import type { UserRecord } from '../domain/directory';
import type { Caller } from '../domain/roles';
import type { Store } from '../store';
import { directory, directoryWrites } from '../store/directory';
import { forbidden, HttpError, unauthorized } from './errors';

const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  /** Optional: an identity provider may know nothing of Huiyin's roles (the directory's then apply). */
  roles: z.array(z.string()).optional(),
});
type Claims = z.infer<typeof claimsSchema>;

export interface Auth {
  /** The caller of a request, or a 401 naming what is wrong with its token or its person. */
  authenticate(req: Request): Promise<Caller>;
  /** Issues an HS256 token naming `id` (with a JWKS the identity provider issues them). */
  issue(caller: Pick<Caller, 'id' | 'roles'>, ttlSeconds?: number): Promise<string>;
}

export function createAuth(config: AppConfig, store: Store): Auth {
  const verify = tokenVerifier(config);
  const people = directoryPeople(store, config.HUIYIN_AUTH_CACHE_SECONDS * 1000);
  return {
    async authenticate(req) {
      const payload = await verify(bearerToken(req)).catch((err: unknown) => {
        throw refusal(err, req);
      });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw unauthorized(`令牌声明无效：${claims.error.issues[0].path.join('.')}`);
      return callerOf(claims.data, await people.get(claims.data.sub));
    },
    issue: tokenIssuer(config),
  };
}

function bearerToken(req: Request): string {
  const token = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw unauthorized('需要登录：缺少 Authorization: Bearer 令牌');
  return token;
}

/** Verifies signature and claims with the one key type configured; no key at all is a start-up error. */
function tokenVerifier(config: AppConfig): (token: string) => Promise<JWTPayload> {
  const options: JWTVerifyOptions = {
    algorithms: config.JWT_JWKS_URL ? config.JWT_ALGORITHMS : ['HS256'],
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    requiredClaims: ['sub', 'iat', 'exp'],
    // Also refuses an `iat` in the future (beyond the tolerance).
    maxTokenAge: config.JWT_MAX_AGE,
    clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
  };
  if (config.JWT_JWKS_URL) {
    const jwks = createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
    return async (token) => (await jwtVerify(token, jwks, options)).payload;
  }
  if (!config.JWT_SECRET) throw new ConfigError('JWT_SECRET: no key to verify tokens with');
  const secret = new TextEncoder().encode(config.JWT_SECRET);
  return async (token) => (await jwtVerify(token, secret, options)).payload;
}

function tokenIssuer(config: AppConfig): Auth['issue'] {
  const secret =
    config.JWT_SECRET && !config.JWT_JWKS_URL ? new TextEncoder().encode(config.JWT_SECRET) : null;
  return async ({ id, roles }, ttlSeconds = config.JWT_MAX_AGE) => {
    if (!secret) throw new Error('tokens are issued by the identity provider when JWT_JWKS_URL is set');
    let jwt = new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(id);
    if (config.JWT_ISSUER) jwt = jwt.setIssuer(config.JWT_ISSUER);
    if (config.JWT_AUDIENCE) jwt = jwt.setAudience(config.JWT_AUDIENCE);
    return jwt.setIssuedAt().setExpirationTime(`${ttlSeconds}s`).sign(secret);
  };
}

/** A refused token as a 401 in Chinese, naming what is wrong; jose's own text goes nowhere near the caller. */
function refusal(err: unknown, req: Request): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof errors.JWTExpired)
    return unauthorized(
      err.claim === 'iat' ? '令牌签发已超过最长有效期，请重新登录' : '令牌已过期，请重新登录',
    );
  if (err instanceof errors.JWTClaimValidationFailed)
    return unauthorized(claimProblem(err.claim, err.reason));
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthorized('令牌的签名算法不被接受');
  if (err instanceof errors.JWSSignatureVerificationFailed) return unauthorized('令牌签名无效');
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized('令牌的签名密钥不在身份提供方的公钥中');
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported
  )
    return unauthorized('令牌格式无效');
  // The identity provider's keys could not be fetched or read: not the caller's fault.
  req.log?.warn({ err }, 'token not verifiable: JWKS unavailable');
  return new HttpError(503, 'auth_unavailable', '暂时无法验证令牌：取不到身份提供方的公钥，请稍后重试');
}

const claimLabels: Record<string, string> = {
  sub: '用户（sub）',
  iat: '签发时间（iat）',
  exp: '过期时间（exp）',
  nbf: '生效时间（nbf）',
  iss: '签发者（iss）',
  aud: '受众（aud）',
};

function claimProblem(claim: string, reason: string): string {
  const label = claimLabels[claim] ?? claim;
  if (reason === 'missing') return `令牌缺少${label}声明`;
  if (claim === 'iat' && reason === 'check_failed') return '令牌的签发时间（iat）在未来';
  if (claim === 'nbf' && reason === 'check_failed') return '令牌尚未生效（nbf）';
  if (claim === 'iss' || claim === 'aud') return `令牌的${label}不被接受`;
  return `令牌的${label}声明无效`;
}

/** The directory's record of a person, reused for `ttlMs` unless the directory was written meanwhile. */
function directoryPeople(store: Store, ttlMs: number) {
  const users = directory(store, 'users');
  const cache = new Map<string, { user: UserRecord | undefined; at: number; writes: number }>();
  const maxEntries = 10_000;
  return {
    async get(id: string): Promise<UserRecord | undefined> {
      const writes = directoryWrites(store); // read before the record, so a write meanwhile expires it
      const hit = cache.get(id);
      if (hit && hit.writes === writes && Date.now() - hit.at < ttlMs) return hit.user;
      const [user] = await users.some([id]);
      if (ttlMs > 0) {
        if (cache.size >= maxEntries) cache.clear();
        cache.set(id, { user, at: Date.now(), writes });
      }
      return user;
    },
  };
}

/** Who the caller is: the directory's person, with the token's roles as an upper bound. */
function callerOf({ sub, roles }: Claims, user: UserRecord | undefined): Caller {
  if (!user) throw unauthorized(`令牌的用户 ${sub} 不在用户目录中`);
  if (!user.active) throw unauthorized(`用户 ${sub} 已停用`);
  const granted = roles ? user.roles.filter((role) => roles.includes(role)) : user.roles;
  if (granted.length === 0) throw forbidden(`令牌所带角色均未在用户目录中授予用户 ${sub}`);
  return {
    id: user.id,
    roles: granted,
    ...(user.unitId ? { unitId: user.unitId } : {}),
    ...(user.groupId ? { groupId: user.groupId } : {}),
  };
}
