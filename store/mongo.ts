import type { Model } from 'mongoose';
import { withLock } from './views';

/** A unique-index violation (E11000): the record is already there, e.g. another request won a race. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * Inserts `doc`; false when a document with one of its unique keys is there already. An insert is the
 * one write FerretDB v1 makes atomic, so claims and once-only records are inserts.
 */
export async function insertOnce(
  model: Model<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  doc: Record<string, unknown>,
): Promise<boolean> {
  try {
    await model.create(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * Writes `doc` as document `_id` unless a newer revision is stored already, so a retried activity
 * carrying an old snapshot can never roll the read model back. Both steps go by `_id` alone (the
 * only filter FerretDB v1 serves from an index) under this process's lock for the document.
 */
export async function upsertNewer(
  model: Model<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  _id: string,
  revision: number,
  doc: Record<string, unknown>,
): Promise<void> {
  await withLock(`${model.collection.collectionName}/${_id}`, async () => {
    const stored = await model.findById(_id, { revision: 1 }).lean<{ revision: number }>();
    if (stored && stored.revision >= revision) return;
    await model.updateOne({ _id }, { $set: { ...doc, revision } }, { upsert: true });
  });
}
