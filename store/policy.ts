/**
 * The policy in force, versioned: every save is a new version and none is overwritten, so a
 * workflow's snapshot can always be traced to the version it was taken from (domain.md §6).
 */
import { isDeepStrictEqual } from 'node:util';
import { Schema, type Connection } from 'mongoose';
import { defaultPolicy, parsePolicy, type Policy } from '../domain/policy';
import type { Store } from './index';
import { isDuplicateKey } from './mongo';

const policyVersionSchema = new Schema(
  {
    /** The version number: the primary key makes two concurrent saves of one number impossible. */
    _id: { type: Number, required: true },
    // Stored as JSON text: policy keys (ladder names) are free text and may hold '.' or '$'.
    document: { type: String, required: true },
    savedAt: { type: Date, required: true },
    savedBy: { type: String, required: true },
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
}

function toVersion({ _id, document, savedAt, savedBy }: StoredVersion): PolicyVersion {
  const parsed = parsePolicy(JSON.parse(document));
  if (!parsed.ok) {
    const first = parsed.errors[0];
    throw new Error(
      `stored policy version ${_id} no longer fits the schema: ${first.path}: ${first.message}`,
    );
  }
  return { version: _id, savedAt, savedBy, policy: parsed.policy };
}

async function insertVersion(store: Store, version: number, policy: Policy, by: string) {
  const doc = { _id: version, document: JSON.stringify(policy), savedAt: new Date(), savedBy: by };
  await store.policies.create(doc);
  return toVersion(doc);
}

async function latest(store: Store): Promise<PolicyVersion | undefined> {
  const doc = await store.policies.findOne().sort({ _id: -1 }).lean<StoredVersion>();
  return doc ? toVersion(doc) : undefined;
}

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
 * which is then returned unchanged (so saving twice is harmless).
 */
export async function savePolicy(
  store: Store,
  policy: Policy,
  by: string,
): Promise<PolicyVersion & { created: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await currentPolicy(store);
    if (isDeepStrictEqual(current.policy, policy)) return { ...current, created: false };
    try {
      return { ...(await insertVersion(store, current.version + 1, policy, by)), created: true };
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
