import { z } from 'zod';
import { parsePolicy, policyAsSeenBy, policySchema, policyViewSchema } from '../../domain/policy';
import { hasRole, type Role } from '../../domain/roles';
import { maskedValue } from '../../domain/secrets';
import { toIso } from '../../domain/time';
import { webhookUrlProblem } from '../../domain/webhooks';
import { secretBox, secretKeyEnv } from '../../infra/secret-key';
import {
  currentPolicy,
  policyVersion,
  policyVersions,
  savePolicy,
  type PolicyVersionInfo,
} from '../../store/policy';
import type { AppDeps } from '../deps';
import { invalidFields, notFound } from '../errors';
import { route, type Api } from '../route';

/** Everyone who works clocks may read the numbers they are held to. */
const staff: readonly Role[] = ['committee', 'leader', 'admin', 'unit', 'unitLeader', 'secretary'];

const versionInfoSchema = z.object({
  version: z.number().int(),
  savedAt: z.string().describe('ISO-8601, +08:00'),
  savedBy: z.string().describe("User id of the admin who saved it; 'system' for the defaults"),
});
const policyVersionSchema = versionInfoSchema.extend({ policy: policySchema });
const policyViewVersionSchema = versionInfoSchema.extend({ policy: policyViewSchema });

const presentInfo = ({ version, savedAt, savedBy }: PolicyVersionInfo) => ({
  version,
  savedAt: toIso(savedAt.getTime()),
  savedBy,
});

export function policyRoutes({ config, store }: AppDeps, api: Api) {
  const tags = ['policy'];
  // The office webhook is stored sealed: without HUIYIN_SECRET_KEY (outside demo) the API does not start.
  const box = secretBox(secretKeyEnv(config));

  route(api, {
    method: 'get',
    path: '/api/policy',
    summary: '现行办理规则（期限、提醒与督办阶梯、答复分类等）；督查室联系方式仅管理员可见',
    tags,
    roles: staff,
    response: policyViewVersionSchema,
    handler: async ({ caller }) => {
      const current = await currentPolicy(store);
      return { ...presentInfo(current), policy: policyAsSeenBy(current.policy, hasRole(caller, 'admin')) };
    },
  });

  route(api, {
    method: 'get',
    path: '/api/policy/versions',
    summary: '办理规则的历史版本（新的在前）',
    tags,
    roles: ['admin'],
    response: z.object({ items: z.array(versionInfoSchema) }),
    handler: async () => {
      await currentPolicy(store); // so a fresh database lists the defaults as version 1
      return { items: (await policyVersions(store)).map(presentInfo) };
    },
  });

  route(api, {
    method: 'get',
    path: '/api/policy/versions/:version',
    summary: '查看某一版本的办理规则',
    tags,
    roles: ['admin'],
    params: z.object({ version: z.coerce.number().int().min(1) }),
    response: policyVersionSchema,
    handler: async ({ params }) => {
      const found = await policyVersion(store, params.version);
      if (!found) throw notFound(`办理规则第 ${params.version} 版`);
      return { ...presentInfo(found), policy: found.policy };
    },
  });

  route(api, {
    method: 'put',
    path: '/api/policy',
    summary: '保存新版办理规则（整份文档；与现行相同则不生成新版本）。只影响此后启动的期限',
    tags,
    roles: ['admin'],
    // Checked below with parsePolicy, whose field paths point into the document itself.
    body: z.looseObject({}).describe('The whole policy document, as GET /api/policy returns it in `policy`'),
    response: policyVersionSchema.extend({
      created: z.boolean().describe('false when the document equals the version in force'),
    }),
    handler: async ({ body, caller }) => {
      const parsed = parsePolicy(body);
      if (!parsed.ok)
        throw invalidFields(parsed.errors.map(({ path, message }) => ({ field: path || 'body', message })));
      // The worker would refuse a webhook off the allow-list; say so now, not at the first escalation.
      const hook = parsed.policy.notifications.inspectionOffice?.webhook;
      const field = 'notifications.inspectionOffice.webhook.url';
      const problem = hook && webhookUrlProblem(hook.url, config.WEBHOOK_ALLOWED_HOSTS);
      if (problem) throw invalidFields([{ field, message: problem }]);
      // The masked URL GET shows keeps the saved one; masked values in any other URL would be sent as they are.
      const shown = (await currentPolicy(store)).policy.notifications.inspectionOffice?.webhook?.url;
      if (hook && hook.url !== shown && hook.url.includes(maskedValue))
        throw invalidFields([
          {
            field,
            message: `地址中含有被遮盖的值（${maskedValue}），请填写完整的机器人地址，或原样保留已保存的地址`,
          },
        ]);
      const saved = await savePolicy(store, parsed.policy, caller.id, box);
      return { ...presentInfo(saved), policy: saved.policy, created: saved.created };
    },
  });
}
