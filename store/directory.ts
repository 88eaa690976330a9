/**
 * The directory collections. Each record's `_id` is its business code (`id` in the API), so a
 * repeated create meets the primary key and a PUT is a replace keyed by it: both idempotent.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type {
  DirectoryCollection,
  DirectoryRecords,
  GroupRecord,
  UnitRecord,
  UserRecord,
} from '../domain/directory';
import type { Role } from '../domain/roles';
import type { Store } from './index';
import { insertOnce } from './mongo';
import { referenceData } from './reference';

const code = { type: String, required: true };
const optionalCode = { type: String };
const options = { versionKey: false } as const;

const userSchema = new Schema(
  {
    _id: code,
    name: { type: String, required: true },
    roles: { type: [String], required: true },
    unitId: { ...optionalCode, index: true },
    groupId: { ...optionalCode, index: true },
    email: String,
    phone: String,
    active: { type: Boolean, required: true },
  },
  options,
);

const unitSchema = new Schema(
  {
    _id: code,
    name: { type: String, required: true },
    kind: { type: String, required: true },
    leaderId: optionalCode,
    secretaryIds: { type: [String], default: [] },
  },
  options,
);

const groupSchema = new Schema(
  {
    _id: code,
    name: { type: String, required: true },
    leaderId: code,
    memberIds: { type: [String], required: true },
    secretaryId: optionalCode,
    departmentId: { ...code, index: true },
  },
  options,
);

export function directoryModels(conn: Connection) {
  return {
    users: conn.model('User', userSchema, 'users'),
    units: conn.model('Unit', unitSchema, 'units'),
    groups: conn.model('SupervisionGroup', groupSchema, 'supervision_groups'),
  };
}

/** A MongoDB filter over one collection's stored documents (`_id` = the record id). */
export type DirectoryFilter = Record<string, unknown>;

/** Directory writes per store in this process: a cache of records (api/auth.ts) drops what it read before. */
const writes = new WeakMap<Store, number>();
export const directoryWrites = (store: Store): number => writes.get(store) ?? 0;
/** After every directory write: this process's caches and every process's snapshot load it again. */
export async function directoryChanged(store: Store): Promise<void> {
  writes.set(store, directoryWrites(store) + 1);
  await snapshot.changed(store);
}

/** The whole directory, as the worker's recipient rules read it (store/reference.ts). */
export interface DirectorySnapshot {
  users: Map<string, UserRecord>;
  units: Map<string, UnitRecord>;
  groups: Map<string, GroupRecord>;
}

const snapshot = referenceData('directory', async (store): Promise<DirectorySnapshot> => {
  const byId = async <C extends DirectoryCollection>(c: C) =>
    new Map((await directory(store, c).list()).map((r) => [r.id, r] as const));
  const [users, units, groups] = await Promise.all([byId('users'), byId('units'), byId('groups')]);
  return { users, units, groups };
});

export const directorySnapshot = (store: Store): Promise<DirectorySnapshot> => snapshot.read(store);

/** The active people of `snapshot` with `role`, and what else `where` asks of them. */
export const peopleWith = (
  { users }: DirectorySnapshot,
  role: Role,
  where: (user: UserRecord) => boolean = () => true,
): UserRecord[] => [...users.values()].filter((u) => u.active && u.roles.includes(role) && where(u));

/** Reads and writes one directory collection in the API's shape (`id`, not `_id`). */
export function directory<C extends DirectoryCollection>(store: Store, collection: C) {
  type R = DirectoryRecords[C];
  // The three models differ only in their fields; the records are validated by zod before they get here.
  const model = store[collection] as unknown as Model<Record<string, unknown>>;
  const toRecord = ({ _id, ...rest }: Record<string, unknown>) => ({ id: _id, ...rest }) as R;
  const toDoc = ({ id, ...rest }: R) => ({ _id: id, ...rest });

  return {
    async list(filter: DirectoryFilter = {}): Promise<R[]> {
      return (await model.find(filter).sort({ _id: 1 }).lean()).map(toRecord);
    },

    /** The record `id` if it also matches `filter` (e.g. what a caller may see). */
    async get(id: string, filter: DirectoryFilter = {}): Promise<R | undefined> {
      const doc = await model.findOne({ $and: [{ _id: id }, filter] }).lean();
      return doc ? toRecord(doc) : undefined;
    },

    async exists(id: string): Promise<boolean> {
      return (await model.exists({ _id: id })) !== null;
    },

    /** The records among `ids` that exist, each read by `_id` (FerretDB v1 scans for `$in`). */
    async some(ids: string[]): Promise<R[]> {
      const docs = await Promise.all([...new Set(ids)].map((id) => model.findById(id).lean()));
      return docs.filter((doc) => doc !== null).map(toRecord);
    },

    /** Inserts a new record; false when one with that id already exists. */
    async create(record: R): Promise<boolean> {
      const inserted = await insertOnce(model, toDoc(record));
      await directoryChanged(store);
      return inserted;
    },

    /** Creates or replaces the whole record. */
    async put(record: R): Promise<void> {
      await model.replaceOne({ _id: record.id }, toDoc(record), { upsert: true });
      await directoryChanged(store);
    },
  };
}
