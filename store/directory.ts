/**
 * The directory collections. Each record's `_id` is its business code (`id` in the API), so a
 * repeated create meets the primary key and a PUT is a replace keyed by it: both idempotent.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { DirectoryCollection, DirectoryRecords } from '../domain/directory';
import type { Store } from './index';
import { insertOnce } from './mongo';

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
const wrote = (store: Store) => writes.set(store, directoryWrites(store) + 1);

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
      wrote(store);
      return inserted;
    },

    /** Creates or replaces the whole record. */
    async put(record: R): Promise<void> {
      await model.replaceOne({ _id: record.id }, toDoc(record), { upsert: true });
      wrote(store);
    },
  };
}
