import { z } from 'zod';
import { userSchemas } from '../../domain/directory';
import { directory } from '../../store/directory';
import type { AppDeps } from '../deps';
import { unauthorized } from '../errors';
import { route, type Api } from '../route';

/**
 * Demo mode only: a token for any active directory user, by username alone. Not even declared
 * otherwise, so outside demo mode the path is an ordinary 404 and absent from the OpenAPI document.
 */
export function devLoginRoutes({ config, store }: AppDeps, api: Api) {
  if (!config.demo) return;
  route(api, {
    method: 'post',
    path: '/api/auth/dev-login',
    summary: '演示登录：凭用户名取得令牌（仅演示模式）',
    tags: ['auth'],
    roles: 'public',
    limit: 'devLogin',
    body: z.strictObject({ username: z.string().trim().min(1).max(64) }),
    response: z.object({ token: z.string(), user: userSchemas.record }),
    responses: { 401: 'No such user, or deactivated (unauthorized)' },
    handler: async ({ body }) => {
      const user = await directory(store, 'users').get(body.username);
      if (!user?.active) throw unauthorized(`用户 ${body.username} 不存在或已停用`);
      // Unit and group are not in the token: each request reads them from the directory (api/auth.ts).
      const token = await api.auth.issue({ id: user.id, roles: user.roles });
      return { token, user };
    },
  });
}
