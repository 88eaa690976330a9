/**
 * Bearer JWT identity (jose): an HS256 secret, or the JWKS of a real identity
 * provider. Claims: sub, roles, unitId, groupId.
 */
import type { Request } from 'express';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { AppConfig } from '../config';
import { roles, type Caller } from '../domain/roles';
import { unauthorized } from './errors';

const claimsSchema = z.object({
  sub: z.string().min(1),
  roles: z.array(z.enum(roles)).min(1),
  unitId: z.string().optional(),
  groupId: z.string().optional(),
});

export interface Auth {
  /** The caller of a request, or a 401 naming what is wrong with its token. */
  authenticate(req: Request): Promise<Caller>;
  /** Issues a token (HS256 only: with a JWKS the identity provider issues them). */
  issue(caller: Caller, ttl?: string): Promise<string>;
}

export function createAuth(config: AppConfig): Auth {
  const secret = config.JWT_SECRET ? new TextEncoder().encode(config.JWT_SECRET) : undefined;
  const options = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
  const jwks = config.JWT_JWKS_URL ? createRemoteJWKSet(new URL(config.JWT_JWKS_URL)) : undefined;
  const verify = (token: string) =>
    jwks ? jwtVerify(token, jwks, options) : jwtVerify(token, secret!, options);

  return {
    async authenticate(req) {
      const header = req.headers.authorization;
      const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
      if (!token) throw unauthorized('需要登录：缺少 Authorization: Bearer 令牌');
      let payload: unknown;
      try {
        ({ payload } = await verify(token));
      } catch (err) {
        throw unauthorized(`令牌无效：${err instanceof Error ? err.message : String(err)}`);
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw unauthorized(`令牌声明无效：${claims.error.issues[0].path.join('.')}`);
      const { sub, ...rest } = claims.data;
      return { id: sub, ...rest };
    },

    async issue(caller, ttl = '12h') {
      if (!secret) throw new Error('tokens are issued by the identity provider when JWT_JWKS_URL is set');
      const { id, ...claims } = caller;
      let jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject(id).setIssuedAt();
      if (config.JWT_ISSUER) jwt = jwt.setIssuer(config.JWT_ISSUER);
      if (config.JWT_AUDIENCE) jwt = jwt.setAudience(config.JWT_AUDIENCE);
      return jwt.setExpirationTime(ttl).sign(secret);
    },
  };
}
