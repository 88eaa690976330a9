import type { Model } from 'mongoose';

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
 * Writes `doc` as document `_id` unless a newer revision is stored already. The filter matches only
 * an older revision; when a newer one exists the upsert collides on _id and is dropped — so a
 * retried activity carrying an old snapshot can never roll the read model back.
 */
export async function upsertNewer(
  model: Model<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  _id: string,
  revision: number,
  doc: Record<string, unknown>,
): Promise<void> {
  try {
    await model.updateOne(
      { _id, revision: { $lt: revision } },
      { $set: { ...doc, revision } },
      { upsert: true },
    );
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}
