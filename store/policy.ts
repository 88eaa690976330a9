/**
 * The policy in force, versioned: every save is a new version and none is overwritten, so a
 * workflow's snapshot can always be traced to the version it was taken from (domain.md §6).
 *
 * The inspection office's webhook URL carries its robot's access token: a version stores it sealed
 * (`secrets.officeWebhookUrl`, infra/secret-key.ts) and its document holds the URL masked
 * (`access_token=****`). So the policy every reader gets, and every workflow snapshots into its
 * history, never holds the token; only `inspectionOfficeWebhook` opens it, to send. Versions saved
 * before sealing hold the plain URL in their document: read masked, sent as they are, sealed by
 * `sealStoredPolicies`.
 */
import { isDeepStrictEqual } from 'node:util';
import { Schema, type Connection } from 'mongoose';
import type { Webhook } from '../domain/notifications';
import { defaultPolicy, parsePolicy, type Policy } from '../domain/policy';
import { maskUrl } from '../domain/secrets';
import { isSealed, secretBox, type SecretBox } from '../infra/secret-key';
import type { Store } from './index';
import { isDuplicateKey } from './mongo';
import { referenceData } from './reference';

const policyVersionSchema = new Schema(
  {
    /** The version number: the primary key makes two concurrent saves of one number impossible. */
    _id: { type: Number, required: true },
    // Stored as JSON text: policy keys (ladder names) are free text and may hold '.' or '$'.
    document: { type: String, required: true },
    savedAt: { type: Date, required: true },
    savedBy: { type: String, required: true },
    /** Sealed values the document holds masked. */
    secrets: { officeWebhookUrl: String },
  },
  { versionKey: false },
);

export const policyModel = (conn: Connection) => conn.model('PolicyVersion', policyVersionSchema, 'policies');

export interface PolicyVersionInfo {
  version: number;
  savedAt: Date;
  savedBy: string;
}

export interface PolicyVersion extends PolicyVersionInfo {
  policy: Policy;
}

interface StoredVersion {
  _id: number;
  document: string;
  savedAt: Date;
  savedBy: string;
  secrets?: { officeWebhookUrl?: string };
}

/** The office webhook of `policy`, if any. */
const officeHook = (policy: Policy): Webhook | undefined =>
  policy.notifications.inspectionOffice?.webhook ?? undefined;

/** `policy` with the office webhook's URL replaced by `url`. */
function withOfficeUrl(policy: Policy, url: string): Policy {
  const office = policy.notifications.inspectionOffice!;
  return {
    ...policy,
    notifications: {
      ...policy.notifications,
      inspectionOffice: { ...office, webhook: { ...office.webhook!, url } },
    },
  };
}

function toVersion({ _id, document, savedAt, savedBy }: StoredVersion): PolicyVersion {
  const parsed = parsePolicy(masked(JSON.parse(document) as Policy));
  if (!parsed.ok) {
    const first = parsed.errors[0];
    throw new Error(
      `stored policy version ${_id} no longer fits the schema: ${first.path}: ${first.message}`,
    );
  }
  return { version: _id, savedAt, savedBy, policy: parsed.policy };
}

/** A legacy document's plain office URL, masked (a sealed version's is masked already). */
function masked(document: Policy): Policy {
  const url = document.notifications?.inspectionOffice?.webhook?.url;
  return url ? withOfficeUrl(document, maskUrl(url)) : document;
}

/** Stores `policy` as version `version`, its office webhook URL masked and `sealedOfficeUrl` beside it. */
async function insertVersion(
  store: Store,
  version: number,
  policy: Policy,
  by: string,
  sealedOfficeUrl?: string,
) {
  const hook = officeHook(policy);
  const doc: StoredVersion = {
    _id: version,
    document: JSON.stringify(hook ? withOfficeUrl(policy, maskUrl(hook.url)) : policy),
    savedAt: new Date(),
    savedBy: by,
    ...(hook && sealedOfficeUrl && { secrets: { officeWebhookUrl: sealedOfficeUrl } }),
  };
  await store.policies.create(doc);
  await policyData.changed(store);
  return toVersion(doc);
}

const policyData = referenceData('policy', async (store) => {
  const doc = await store.policies.findOne().sort({ _id: -1 }).lean<StoredVersion>();
  return doc ? toVersion(doc) : undefined;
});

const latest = (store: Store): Promise<PolicyVersion | undefined> => policyData.read(store);

/** The policy in force; the defaults become version 1 the first time anyone asks. */
export async function currentPolicy(store: Store): Promise<PolicyVersion> {
  const found = await latest(store);
  if (found) return found;
  try {
    return await insertVersion(store, 1, defaultPolicy, 'system');
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Another process stored version 1 first.
    return (await latest(store))!;
  }
}

/**
 * Stores `policy` as the next version; `created` is false when it equals the version in force,
 * which is then returned unchanged (so saving twice is harmless). An office webhook URL equal to the
 * masked one in force (the admin sent back what GET showed) keeps the saved URL; another is sealed.
 */
export async function savePolicy(
  store: Store,
  policy: Policy,
  by: string,
  box: SecretBox = secretBox(),
): Promise<PolicyVersion & { created: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await currentPolicy(store);
    if (isDeepStrictEqual(current.policy, policy)) return { ...current, created: false };
    const url = officeHook(policy)?.url;
    // The URL as GET showed it (masked): the one stored with the version in force.
    const keep = url !== undefined && url === officeHook(current.policy)?.url;
    const sealOffice = async () => {
      if (!keep) return box.seal(url!);
      const stored = await storedOfficeUrl(store, current.version);
      return stored ? box.sealOnce(stored) : box.seal(url!);
    };
    const sealed = url === undefined ? undefined : await sealOffice();
    try {
      const saved = await insertVersion(store, current.version + 1, policy, by, sealed);
      return { ...saved, created: true };
    } catch (err) {
      // Another admin saved in between: compare against their version and try the next number.
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new Error('the policy kept changing while saving; try again');
}

/** Every stored version, newest first, without the documents. */
export async function policyVersions(store: Store): Promise<PolicyVersionInfo[]> {
  const docs = await store.policies
    .find({}, { _id: 1, savedAt: 1, savedBy: 1 })
    .sort({ _id: -1 })
    .lean<Omit<StoredVersion, 'document'>[]>();
  return docs.map(({ _id, savedAt, savedBy }) => ({ version: _id, savedAt, savedBy }));
}

export async function policyVersion(store: Store, version: number): Promise<PolicyVersion | undefined> {
  const doc = await store.policies.findOne({ _id: version }).lean<StoredVersion>();
  return doc ? toVersion(doc) : undefined;
}

/** The office webhook URL stored with `version`: sealed, or a legacy version's plain URL. */
async function storedOfficeUrl(store: Store, version: number): Promise<string | undefined> {
  const doc = await store.policies.findOne({ _id: version }).lean<StoredVersion>();
  if (!doc) return undefined;
  if (doc.secrets?.officeWebhookUrl) return doc.secrets.officeWebhookUrl;
  const plain = (JSON.parse(doc.document) as Policy).notifications?.inspectionOffice?.webhook?.url;
  return plain && !plain.includes('****') ? plain : undefined;
}

/** The inspection office's webhook in the policy in force, opened: for sending it, never for showing it. */
export async function inspectionOfficeWebhook(store: Store, box: SecretBox): Promise<Webhook | undefined> {
  const { version, policy } = await currentPolicy(store);
  const hook = officeHook(policy);
  if (!hook) return undefined;
  const url = await storedOfficeUrl(store, version);
  return url ? { ...hook, url: box.open(url) } : undefined;
}

/**
 * Seals the office webhook URL of versions saved before sealing: the document keeps it masked.
 * Returns how many versions it changed. Reads every version (a handful): for the daily sweep.
 */
export async function sealStoredPolicies(store: Store, box: SecretBox): Promise<number> {
  const docs = await store.policies.find({ secrets: { $exists: false } }).lean<StoredVersion[]>();
  let sealed = 0;
  for (const doc of docs) {
    const document = JSON.parse(doc.document) as Policy;
    const url = document.notifications?.inspectionOffice?.webhook?.url;
    if (!url || url.includes('****') || isSealed(url)) continue;
    await store.policies.updateOne(
      { _id: doc._id },
      {
        $set: {
          document: JSON.stringify(withOfficeUrl(document, maskUrl(url))),
          secrets: { officeWebhookUrl: box.seal(url) },
        },
      },
    );
    sealed++;
  }
  if (sealed) await policyData.changed(store);
  return sealed;
}
