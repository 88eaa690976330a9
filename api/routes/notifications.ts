/**
 * Notifications: the outbox (admins see all rows, everyone else their own), the in-app inbox, each
 * person's channel preferences, and a test message an admin sends to check a deployment's channels.
 */
import { z } from 'zod';
import { codeSchema } from '../../domain/directory';
import {
  channels,
  defaultPreferences,
  dingtalkSecretSchema,
  preferencesSchema,
  redactedSecret,
  webhookSchema,
  type Preferences,
} from '../../domain/notifications';
import { hasRole, roles } from '../../domain/roles';
import { isMaskedFormOf, maskWebhook, presentAddress } from '../../domain/secrets';
import { toIso } from '../../domain/time';
import { webhookUrlProblem } from '../../domain/webhooks';
import { directory } from '../../store/directory';
import { inbox, markRead, unreadCount } from '../../store/inbox';
import { listOutbox, outboxStatuses, type OutboxRow } from '../../store/outbox';
import { currentPolicy } from '../../store/policy';
import { secretBox, secretKeyEnv } from '../../infra/secret-key';
import { preferencesOf, savePreferences, webhookOf } from '../../store/preferences';
import type { testNotification } from '../../workflows/dispatch';
import type { AppDeps } from '../deps';
import { forbidden, invalidFields, notFound } from '../errors';
import { route, type Api } from '../route';

const anyone = roles;
const tags = ['notifications'];

const page = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  skip: z.coerce.number().int().min(0).default(0),
};
const iso = (date?: Date) => (date ? toIso(date.getTime()) : undefined);

const rowSchema = z.object({
  key: z
    .string()
    .describe('Outbox key: notice, recipient and channel; sent as Idempotency-Key / in Message-ID'),
  notice: z.string(),
  kind: z.string().describe('reminder, chaseNotice, supervisionEscalation, publicNotice, digest or test'),
  itemId: z.string().optional(),
  recipient: z.string(),
  recipientName: z.string(),
  channel: z.enum(channels),
  status: z.enum(outboxStatuses),
  attempts: z.number().int(),
  lastError: z.string().optional(),
  subject: z.string(),
  text: z.string(),
  link: z.string(),
  urgent: z.boolean(),
  deliverAt: z.string().describe('ISO-8601 +08:00: not before (office hours)'),
  nextAttemptAt: z.string().optional(),
  sentAt: z.string().optional(),
  readAt: z.string().optional(),
  createdAt: z.string(),
  address: z
    .unknown()
    .optional()
    .describe(
      "Admins only: where it was sent. A webhook is a reference to the saved one ({ webhook: { ref } }), or on older rows a copy with its URL's query values as **** and a secret as ******",
    ),
});

const presentRow = (row: OutboxRow, withAddress = false) => ({
  key: row._id,
  notice: row.notice,
  kind: row.kind,
  itemId: row.itemId,
  recipient: row.recipient,
  recipientName: row.recipientName,
  channel: row.channel,
  status: row.status,
  attempts: row.attempts,
  lastError: row.lastError,
  subject: row.subject,
  text: row.text,
  link: row.link,
  urgent: row.urgent,
  deliverAt: iso(row.deliverAt)!,
  nextAttemptAt: row.status === 'pending' ? iso(row.nextAttemptAt) : undefined,
  sentAt: iso(row.sentAt),
  readAt: iso(row.readAt),
  createdAt: iso(row.createdAt)!,
  ...(withAddress && { address: presentAddress(row.address) }),
});

const secretDescription =
  "DingTalk robot's 加签 secret (format dingtalk only). Shown as ******; sending ****** back keeps the saved one, leaving it out removes it";
const urlDescription =
  'The robot URL. Shown with every query value as **** (access_token=****); sending the shown URL back keeps the saved one';

const preferencesResponse = z.object({
  channels: z.array(z.enum(channels)),
  digest: z.boolean(),
  webhook: webhookSchema
    .extend({
      url: webhookSchema.shape.url.describe(urlDescription),
      secret: z.literal(redactedSecret).optional().describe(secretDescription),
    })
    .optional(),
  isDefault: z.boolean().describe("true while the person has not saved any: the policy's defaults apply"),
});

/** Preferences as the API shows them: the webhook URL's query masked, its secret redacted. */
const presentPreferences = (prefs: Preferences, isDefault: boolean) => ({
  ...prefs,
  ...(prefs.webhook && { webhook: maskWebhook(prefs.webhook) }),
  isDefault,
});

export function notificationRoutes({ config, store, temporal, temporalConfig }: AppDeps, api: Api) {
  // Webhooks are stored sealed: without HUIYIN_SECRET_KEY (outside demo) the API does not start.
  const box = secretBox(secretKeyEnv(config));
  // A saved secret may come back as ******; the URL must be on the deployment's allow-list.
  const preferencesBody = preferencesSchema
    .extend({
      webhook: webhookSchema
        .extend({
          secret: z
            .string()
            .refine(
              (secret) => secret === redactedSecret || dingtalkSecretSchema.safeParse(secret).success,
              '应为钉钉机器人“加签”的密钥（SEC 开头），或 ****** 保留已保存的密钥',
            )
            .optional()
            .describe(secretDescription),
        })
        .optional(),
    })
    .superRefine(({ webhook }, ctx) => {
      if (!webhook) return;
      const problem = webhookUrlProblem(webhook.url, config.WEBHOOK_ALLOWED_HOSTS);
      if (problem) ctx.addIssue({ code: 'custom', path: ['webhook', 'url'], message: problem });
      if (webhook.secret && webhook.format !== 'dingtalk')
        ctx.addIssue({
          code: 'custom',
          path: ['webhook', 'secret'],
          message: '只有钉钉机器人（format: dingtalk）使用加签密钥',
        });
    });

  route(api, {
    method: 'get',
    path: '/api/notifications/outbox',
    summary: '通知发件箱：管理员可查看全部（按状态等筛选），其他人只能查看发给自己的',
    tags,
    roles: anyone,
    query: z.object({
      status: z.enum(outboxStatuses).optional(),
      recipient: z
        .string()
        .min(1)
        .optional()
        .describe('A user id, or @inspectionOffice. Admins: anyone; others: only themselves'),
      channel: z.enum(channels).optional(),
      itemId: z.string().min(1).optional(),
      ...page,
    }),
    response: z.object({ items: z.array(rowSchema) }),
    handler: async ({ query, caller }) => {
      const admin = hasRole(caller, 'admin');
      if (!admin && query.recipient && query.recipient !== caller.id)
        throw forbidden('只能查看发给自己的通知（query.recipient）');
      const rows = await listOutbox(store, { ...query, recipient: admin ? query.recipient : caller.id });
      return { items: rows.map((row) => presentRow(row, admin)) };
    },
  });

  route(api, {
    method: 'get',
    path: '/api/notifications/inbox',
    summary: '我的站内信（新的在前）',
    tags,
    roles: anyone,
    query: z.object({
      unread: z
        .enum(['true', 'false'])
        .default('false')
        .transform((v) => v === 'true'),
      ...page,
    }),
    response: z.object({ items: z.array(rowSchema), unread: z.number().int() }),
    handler: async ({ query, caller }) => ({
      items: (await inbox(store, caller.id, query)).map((row) => presentRow(row)),
      unread: await unreadCount(store, caller.id),
    }),
  });

  route(api, {
    method: 'get',
    path: '/api/notifications/inbox/unread-count',
    summary: '我的未读站内信数量',
    tags,
    roles: anyone,
    response: z.object({ unread: z.number().int() }),
    handler: async ({ caller }) => ({ unread: await unreadCount(store, caller.id) }),
  });

  route(api, {
    method: 'post',
    path: '/api/notifications/inbox/read',
    summary: '标记站内信为已读（指定 ids，或 all: true 全部）；重复标记无副作用',
    tags,
    roles: anyone,
    body: z.union([
      z.strictObject({ ids: z.array(z.string().min(1)).min(1).max(500) }),
      z.strictObject({ all: z.literal(true) }),
    ]),
    response: z.object({ marked: z.number().int(), unread: z.number().int() }),
    handler: async ({ body, caller }) => ({
      marked: await markRead(store, caller.id, 'ids' in body ? body.ids : 'all'),
      unread: await unreadCount(store, caller.id),
    }),
  });

  route(api, {
    method: 'get',
    path: '/api/notifications/preferences',
    summary: '我的通知偏好（渠道、是否接收每日汇总、群机器人地址）',
    tags,
    roles: anyone,
    response: preferencesResponse,
    handler: async ({ caller }) => {
      const saved = (await preferencesOf(store, [caller.id])).get(caller.id);
      if (saved) return presentPreferences(saved, false);
      return presentPreferences(defaultPreferences((await currentPolicy(store)).policy.notifications), true);
    },
  });

  route(api, {
    method: 'put',
    path: '/api/notifications/preferences',
    summary: '保存我的通知偏好（整份替换）。站内信总会收到一份；群机器人地址须在允许的主机之列',
    tags,
    roles: anyone,
    body: preferencesBody,
    response: preferencesResponse,
    handler: async ({ body, caller }) => {
      const prefs: Preferences = { ...body, webhook: body.webhook && { ...body.webhook } };
      const saved = prefs.webhook && (await webhookOf(store, box, caller.id));
      // The URL as shown (query values ****) keeps the saved one.
      if (prefs.webhook && saved && isMaskedFormOf(prefs.webhook.url, saved.url))
        prefs.webhook.url = saved.url;
      if (prefs.webhook?.secret === redactedSecret) {
        // ****** keeps the secret saved for this very robot; a new URL needs its secret typed in.
        if (!saved?.secret || saved.url !== prefs.webhook.url)
          throw invalidFields([
            { field: 'body.webhook.secret', message: '此地址没有已保存的加签密钥，请填写密钥' },
          ]);
        prefs.webhook.secret = saved.secret;
      }
      if (!prefs.webhook) delete prefs.webhook;
      await savePreferences(store, caller.id, prefs, box);
      return presentPreferences(prefs, false);
    },
  });

  route(api, {
    method: 'post',
    path: '/api/notifications/test',
    summary: '向某用户的全部通知渠道发送一条测试消息并立即投递（自检）',
    tags,
    roles: ['admin'],
    body: z.strictObject({ userId: codeSchema }),
    status: 201,
    response: z.object({
      workflowId: z.string(),
      rows: z.number().int().describe('Outbox rows written (0 when this request was already handled)'),
      delivery: z.record(z.string(), z.number().int()),
    }),
    handler: async ({ body }, req) => {
      if (!(await directory(store, 'users').exists(body.userId))) throw notFound(`用户 ${body.userId}`);
      // Keyed by the request id: a client retrying with the same X-Request-Id writes no second message.
      const workflowId = `notification-test-${String(req.id)}`;
      const result = await temporal.workflow.execute<typeof testNotification>('testNotification', {
        workflowId,
        taskQueue: temporalConfig.TEMPORAL_TASK_QUEUE,
        args: [{ userId: body.userId }],
        workflowIdConflictPolicy: 'USE_EXISTING', // a repeat while the first still runs waits for it
        workflowExecutionTimeout: '2 minutes',
      });
      return { workflowId, ...result };
    },
  });
}
