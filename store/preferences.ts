/**
 * Each person's notification preferences, keyed by user id; absent = the policy's defaults.
 * The webhook URL (it carries the robot's access token) and a DingTalk robot's 加签 secret are stored
 * sealed (infra/secret-key.ts) beside the URL's masked form; reads return the masked form, and only
 * `webhookOf` (sending, and the API comparing a resubmitted URL) opens them. Documents written before
 * sealing keep their plain values, readable as they are, until `sealStoredPreferences` seals them.
 */
import { Schema, type Connection } from 'mongoose';
import type { Preferences, Webhook } from '../domain/notifications';
import { maskWebhook } from '../domain/secrets';
import { isSealed, secretBox, type SecretBox } from '../infra/secret-key';
import type { Store } from './index';

const preferencesSchema = new Schema(
  {
    _id: { type: String }, // user id
    channels: { type: [String], required: true },
    digest: { type: Boolean, required: true },
    // url and secret sealed; shown: the URL with its query masked (the API never shows more).
    webhook: { url: String, format: String, secret: String, shown: String },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const preferencesModel = (conn: Connection) =>
  conn.model('NotificationPreferences', preferencesSchema, 'notification_preferences');

type StoredWebhook = Webhook & { shown?: string };
type Stored = Omit<Preferences, 'webhook'> & { _id: string; webhook?: StoredWebhook };

/** The webhook as views show it, from the stored masked form (or a legacy plain URL, masked here). */
const shownWebhook = ({ url, format, secret, shown }: StoredWebhook): Webhook =>
  maskWebhook({ url: shown ?? (isSealed(url) ? '' : url), format, ...(secret && { secret }) });

const toPreferences = ({ channels, digest, webhook }: Stored): Preferences => ({
  channels,
  digest,
  ...(webhook?.url && { webhook: shownWebhook(webhook) }),
});

/** The stored preferences of each of `userIds` that has any, webhooks masked (URL query ****, secret ******). */
export async function preferencesOf(store: Store, userIds: string[]): Promise<Map<string, Preferences>> {
  if (userIds.length === 0) return new Map();
  const docs = await store.preferences.find({ _id: { $in: userIds } }).lean<Stored[]>();
  return new Map(docs.map((doc) => [doc._id, toPreferences(doc)]));
}

/** A person's saved webhook, opened: for sending it, never for showing it. */
export async function webhookOf(store: Store, box: SecretBox, userId: string): Promise<Webhook | undefined> {
  const doc = await store.preferences.findById(userId, { webhook: 1 }).lean<Pick<Stored, 'webhook'>>();
  const hook = doc?.webhook;
  if (!hook?.url) return undefined;
  return {
    url: box.open(hook.url),
    format: hook.format,
    ...(hook.secret && { secret: box.open(hook.secret) }),
  };
}

const sealWebhook = (box: SecretBox, hook: Webhook): StoredWebhook => ({
  url: box.sealOnce(hook.url),
  format: hook.format,
  ...(hook.secret && { secret: box.sealOnce(hook.secret) }),
  shown: maskWebhook(hook).url,
});

/** Replaces a person's preferences (a repeated PUT stores the same document); the webhook sealed. */
export async function savePreferences(
  store: Store,
  userId: string,
  prefs: Preferences,
  box: SecretBox = secretBox(),
): Promise<void> {
  const { webhook, ...rest } = prefs;
  await store.preferences.replaceOne(
    { _id: userId },
    { ...rest, ...(webhook && { webhook: sealWebhook(box, webhook) }), updatedAt: new Date() },
    { upsert: true },
  );
}

/**
 * Seals the webhooks still stored plain (saved before sealing); returns how many documents it changed.
 * Reads the whole collection (one document per person who saved preferences): for the daily sweep.
 */
export async function sealStoredPreferences(store: Store, box: SecretBox): Promise<number> {
  const docs = await store.preferences
    .find({ 'webhook.url': { $exists: true } }, { webhook: 1 })
    .lean<Pick<Stored, '_id' | 'webhook'>[]>();
  let sealed = 0;
  for (const { _id, webhook } of docs) {
    if (!webhook?.url || (isSealed(webhook.url) && (!webhook.secret || isSealed(webhook.secret)))) continue;
    const plain = {
      url: box.open(webhook.url),
      format: webhook.format,
      secret: webhook.secret && box.open(webhook.secret),
    };
    await store.preferences.updateOne({ _id }, { $set: { webhook: sealWebhook(box, plain) } });
    sealed++;
  }
  return sealed;
}
