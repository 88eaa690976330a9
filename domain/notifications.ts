/**
 * Who hears about a ladder step, on which channels, and what the message says (domain.md §5).
 * Pure rules: the activities load the directory, the preferences and the policy, and pass them in.
 */
import { z } from 'zod';
import { codeSchema } from './directory';
import {
  stepKindLabels,
  type Audience,
  type ClockSnapshot,
  type PlannedStep,
  type Responsible,
} from './ladder';
import { timeOfDaySchema } from './time';

export const channels = ['inbox', 'email', 'sms', 'webhook'] as const;
export type Channel = (typeof channels)[number];
export const channelLabels: Record<Channel, string> = {
  inbox: '站内信',
  email: '电子邮件',
  sms: '短信',
  webhook: '群机器人 / Webhook',
};

/** A generic JSON hook, or the group-robot message formats of WeCom (企业微信) and DingTalk (钉钉). */
export const webhookFormats = ['json', 'wecom', 'dingtalk'] as const;
export type WebhookFormat = (typeof webhookFormats)[number];
export const webhookFormatLabels: Record<WebhookFormat, string> = {
  json: '通用 JSON',
  wecom: '企业微信群机器人',
  dingtalk: '钉钉群机器人',
};

export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: '应为 http(s) 地址' }),
  format: z.enum(webhookFormats).default('json'),
});

/** The secret a DingTalk robot with the 加签 security setting shows (SEC, then letters and digits). */
export const dingtalkSecretSchema = z
  .string()
  .regex(/^SEC[0-9A-Za-z]{8,200}$/, '应为钉钉机器人“加签”的密钥（SEC 开头）');

const secretOnlyForDingtalk = {
  check: (hook: { format: WebhookFormat; secret?: string }) => !hook.secret || hook.format === 'dingtalk',
  params: { path: ['secret'], message: '只有钉钉机器人（format: dingtalk）使用加签密钥' },
};

/**
 * A person's webhook: a DingTalk robot may carry its 加签 secret. Secrets live only in preferences
 * (and the outbox rows made from them), never in the policy, which every workflow's history copies.
 */
export const signedWebhookSchema = webhookSchema
  .extend({ secret: dingtalkSecretSchema.optional() })
  .refine(secretOnlyForDingtalk.check, secretOnlyForDingtalk.params);
export type Webhook = z.output<typeof signedWebhookSchema>;

/** What the API shows instead of a saved secret; sent back unchanged, it keeps the saved one. */
export const redactedSecret = '******';

/** The same webhook with its secret, if any, replaced by `redactedSecret`. */
export const redactWebhook = (hook: Webhook): Webhook =>
  hook.secret ? { ...hook, secret: redactedSecret } : hook;

/** An outbox address as the API may show it: without a webhook secret. */
export const redactAddress = (address: Address): Address =>
  'webhook' in address ? { webhook: redactWebhook(address.webhook) } : address;

const distinctChannels = z
  .array(z.enum(channels))
  .refine((list) => new Set(list).size === list.length, '渠道重复');

/** Someone outside the directory, e.g. the government inspection office (督查室). */
export const contactSchema = z.strictObject({
  name: z.string().trim().min(1),
  email: z.email().optional(),
  phone: z
    .string()
    .regex(/^\+?[0-9][0-9 -]{4,19}$/)
    .optional(),
  webhook: webhookSchema.optional(),
});
export type Contact = z.output<typeof contactSchema>;

/** The policy's `notifications` section: office data, changed without a deploy. */
export const notificationPolicySchema = z.strictObject({
  /** Non-urgent messages go out between officeHours.time and this time on working days. */
  officeHoursEnd: timeOfDaySchema,
  /** Channels of a person who has not chosen any; the in-app inbox always gets a copy. */
  defaultChannels: distinctChannels,
  /** Optional government inspection office (督查室) copied on supervision escalations. */
  inspectionOffice: contactSchema.nullable(),
  /** Who receives public notices (通报): user ids. */
  reportList: z.array(codeSchema),
});
export type NotificationPolicy = z.output<typeof notificationPolicySchema>;

export const defaultNotificationPolicy: NotificationPolicy = {
  officeHoursEnd: '18:00',
  defaultChannels: ['inbox', 'email', 'sms'],
  inspectionOffice: null,
  reportList: [],
};

/** A person's own choice (stored per user); absent = the policy's defaults. */
export const preferencesSchema = z.strictObject({
  channels: distinctChannels,
  digest: z.boolean().default(true),
  /** Where `webhook` messages go, e.g. the group robot of the person's office chat. */
  webhook: signedWebhookSchema.optional(),
});
export type Preferences = z.output<typeof preferencesSchema>;

export const defaultPreferences = (policy: NotificationPolicy): Preferences => ({
  channels: policy.defaultChannels,
  digest: true,
});

/** What the directory says about the people around one clock; resolved by the activity. */
export interface AudienceFacts {
  responsible: Responsible;
  unit?: { kind: string; leaderId?: string; secretaryIds: string[] };
  group?: { leaderId: string; secretaryId?: string };
  /** Active people of the responsible unit with the role that answers for it (unit / department). */
  unitPeople: string[];
  /** Active users with role committee, leader, and secretaries serving no unit or group (committee office). */
  committee: string[];
  leaders: string[];
  committeeSecretaries: string[];
  /** Leader of a key proposal: supervision goes to them first (domain.md §2). */
  leaderId?: string;
  notifications: NotificationPolicy;
}

/** A user of the directory, or the policy's inspection-office contact (id `@inspectionOffice`). */
export type Recipient =
  { id: string; audience: Audience; userId: string } | { id: string; audience: Audience; contact: Contact };

export const inspectionOfficeId = '@inspectionOffice';

/** Who each audience of a step means for this clock (domain.md §5). */
const audienceMembers: Record<Audience, (f: AudienceFacts) => string[]> = {
  responsible: (f) => {
    if (f.responsible.userIds?.length) return f.responsible.userIds;
    if (f.group) return [f.group.leaderId];
    if (f.responsible.unitId) return f.unitPeople;
    return f.committee; // the committee's own clocks (review, assignment, rulings)
  },
  secretary: (f) => {
    if (f.unit || f.group) return [...(f.unit?.secretaryIds ?? []), ...optional(f.group?.secretaryId)];
    return f.committeeSecretaries;
  },
  unitLeader: (f) => optional(f.unit?.leaderId ?? f.group?.leaderId),
  committee: (f) => f.committee,
  leader: (f) => (f.leaderId ? [f.leaderId] : f.leaders),
  inspectionOffice: () => [],
  reportList: (f) => f.notifications.reportList,
};

const optional = (id: string | undefined) => (id ? [id] : []);

/** The recipients of a step's audiences, each once (under the first audience that names them). */
export function resolveRecipients(to: Audience[], facts: AudienceFacts): Recipient[] {
  const seen = new Set<string>();
  const recipients: Recipient[] = [];
  const add = (recipient: Recipient) => {
    if (seen.has(recipient.id)) return;
    seen.add(recipient.id);
    recipients.push(recipient);
  };
  for (const audience of to) {
    for (const userId of audienceMembers[audience](facts)) add({ id: userId, audience, userId });
    const office = facts.notifications.inspectionOffice;
    if (audience === 'inspectionOffice' && office) add({ id: inspectionOfficeId, audience, contact: office });
  }
  return recipients;
}

/** Addresses a recipient has, to match against the channels they want. */
export interface Reachable {
  email?: string;
  phone?: string;
  webhook?: Webhook;
  /** Directory users have an inbox; outside contacts do not. */
  inbox: boolean;
}

export type Address = { email: string } | { phone: string } | { webhook: Webhook } | { userId: string };

/**
 * The channels a message goes out on, with their addresses: the wanted channels the recipient can be
 * reached on and the deployment can send on; the inbox always, for directory users.
 */
export function deliveries(
  wanted: readonly Channel[],
  reach: Reachable & { userId?: string },
  available: ReadonlySet<Channel>,
): { channel: Channel; address: Address }[] {
  const address: Record<Channel, Address | undefined> = {
    inbox: reach.inbox && reach.userId ? { userId: reach.userId } : undefined,
    email: reach.email ? { email: reach.email } : undefined,
    sms: reach.phone ? { phone: reach.phone } : undefined,
    webhook: reach.webhook ? { webhook: reach.webhook } : undefined,
  };
  const chosen = new Set<Channel>(reach.inbox ? ['inbox', ...wanted] : wanted);
  return channels
    .filter((channel) => chosen.has(channel) && available.has(channel) && address[channel])
    .map((channel) => ({ channel, address: address[channel]! }));
}

export interface Message {
  subject: string;
  text: string;
  link: string;
}

const audiencePhrases: Partial<Record<Audience, string>> = {
  secretary: '（抄送：秘书）',
  committee: '（抄送：提案委员会办公室）',
  inspectionOffice: '（抄送：督查室）',
};

/** Where a person opens the item: the item page under PUBLIC_URL. */
export const itemLink = (publicUrl: string, itemId: string) =>
  `${publicUrl.replace(/\/$/, '')}/items/${encodeURIComponent(itemId)}`;

/** The message of one ladder step to one audience, in Chinese: item, clock, deadline, link. */
export function stepMessage(
  notice: { step: PlannedStep; clock: ClockSnapshot },
  audience: Audience,
  publicUrl: string,
): Message {
  const { step, clock } = notice;
  const kind = stepKindLabels[step.kind];
  const title = `${clock.label}（${clock.itemId}）`;
  const link = itemLink(publicUrl, clock.itemId);
  const state = step.kind === 'reminder' ? '即将到期，请按时办理' : '已逾期未办，请尽快办理并反馈';
  return {
    subject: `【回音】${kind}：${title}，期限 ${clock.plan.deadline.due}`,
    text: [
      `${kind}${audiencePhrases[audience] ?? ''}`,
      `事项：${clock.itemId}`,
      `环节：${clock.label}`,
      `期限：${clock.plan.deadline.due}（北京时间当日 24 时）`,
      `状态：${state}`,
      `查看与办理：${link}`,
      '',
      '此消息由回音（Huiyin）提案办理系统自动发送。',
    ].join('\n'),
    link,
  };
}

/** Delivery retries: a doubling delay from `firstDelayMs`, capped, until `maxAttempts` attempts failed. */
export interface RetryRule {
  maxAttempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryRule: RetryRule = { maxAttempts: 6, firstDelayMs: 60_000, maxDelayMs: 3_600_000 };

/** After `attempts` failed attempts: when to try again, or undefined when the row is finally failed. */
export function nextAttemptDelay(attempts: number, rule: RetryRule): number | undefined {
  if (attempts >= rule.maxAttempts) return undefined;
  return Math.min(rule.firstDelayMs * 2 ** (attempts - 1), rule.maxDelayMs);
}
