/** Each person's notification preferences, keyed by user id; absent = the policy's defaults. */
import { Schema, type Connection } from 'mongoose';
import type { Preferences } from '../domain/notifications';
import type { Store } from './index';

const preferencesSchema = new Schema(
  {
    _id: { type: String }, // user id
    channels: { type: [String], required: true },
    digest: { type: Boolean, required: true },
    // secret: a DingTalk robot's 加签 secret; the API never shows it (redactWebhook).
    webhook: { url: String, format: String, secret: String },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const preferencesModel = (conn: Connection) =>
  conn.model('NotificationPreferences', preferencesSchema, 'notification_preferences');

type Stored = Preferences & { _id: string };

const toPreferences = ({ channels, digest, webhook }: Stored): Preferences => ({
  channels,
  digest,
  ...(webhook?.url && { webhook }),
});

/** The stored preferences of each of `userIds` that has any. */
export async function preferencesOf(store: Store, userIds: string[]): Promise<Map<string, Preferences>> {
  if (userIds.length === 0) return new Map();
  const docs = await store.preferences.find({ _id: { $in: userIds } }).lean<Stored[]>();
  return new Map(docs.map((doc) => [doc._id, toPreferences(doc)]));
}

/** Replaces a person's preferences (a repeated PUT stores the same document). */
export async function savePreferences(store: Store, userId: string, prefs: Preferences): Promise<void> {
  await store.preferences.replaceOne({ _id: userId }, { ...prefs, updatedAt: new Date() }, { upsert: true });
}
