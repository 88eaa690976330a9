/**
 * Attachments in the database: each file's bytes in GridFS (the MongoDB driver's GridFSBucket, so a
 * replica set holds and replicates them like any other document), and each item's list of files in
 * slot documents read by `_id`.
 *
 * Buckets (docs/storage.md): the driver reads a file's chunks with `find({files_id}).sort({n: 1})`.
 * MongoDB serves that from the bucket's `{files_id, n}` index, so there a bucket per item kind and
 * upload year (`att.proposal.2026`) keeps the collections few. FerretDB v1 decodes the whole chunks
 * collection for it (measured: 6.7–7.5 s for one 1 MB file among 300, 50 ms alone), so there each item
 * has a bucket of its own (`att.proposal.2026-0001`) and a download costs that item's files only. The
 * bucket a file went to is kept in its list entry, so a database moved from one to the other keeps
 * serving its files.
 *
 * The list: entry n of an item is document `<list key>#<n>` of `attachment_index`, written once by
 * an insert — the one write FerretDB v1 makes atomic, so two uploads to one item from any number of
 * processes never lose one another (a taken slot is a duplicate key: the next is tried). An entry is
 * written only after its file is complete; a file without an entry is never listed nor served.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mongoose, { type Connection } from 'mongoose';
import {
  attachmentPurposeLabels,
  type AttachableKind,
  type AttachmentPurpose,
  type AttachmentType,
} from '../domain/attachments';
import type { Store } from './index';
import type { TimelineRow } from './items';
import type { Row } from './views';
import { isDuplicateKey } from './mongo';

export interface AttachmentEntry {
  /** The GridFS file id, also the id in URLs. */
  id: string;
  bucket: string;
  kind: AttachableKind;
  itemId: string;
  purpose: AttachmentPurpose;
  /** The unit whose reply or response it is, where it is one. */
  unitId?: string;
  name: string;
  contentType: string;
  type: AttachmentType;
  size: number;
  /** Hex SHA-256 of the bytes, computed while they were received. */
  sha256: string;
  by: string;
  at: number;
}

type Bucket = InstanceType<typeof mongoose.mongo.GridFSBucket>;

/** GridFS' default chunk: 255 kB, each a document well below the 16 MB limit. */
const CHUNK_BYTES = 255 * 1024;
/** Slots read at once when listing: most items have a few files, so one round trip. */
const SLOT_BATCH = 8;

const index = (store: Store) =>
  store.conn.db!.collection<AttachmentEntry & { _id: string }>('attachment_index');
const slotId = (listKey: string, n: number) => `${listKey}#${n}`;

/**
 * An item's list key: its id, like its page (store/items.ts: the ids of proposals, follow-up items
 * and postings cannot meet); an activity's `activity:<id>` (':' is in no code).
 */
export const attachmentListKey = (kind: AttachableKind, itemId: string) =>
  kind === 'activity' ? `activity:${itemId}` : itemId;

/** The item's entries, oldest first: its slots, read by `_id` in batches until one is empty. */
export async function listAttachments(store: Store, listKey: string): Promise<AttachmentEntry[]> {
  const entries: AttachmentEntry[] = [];
  for (let from = 0; ; from += SLOT_BATCH) {
    const batch = await Promise.all(
      Array.from({ length: SLOT_BATCH }, (_, i) => index(store).findOne({ _id: slotId(listKey, from + i) })),
    );
    for (const doc of batch) {
      if (!doc) return entries;
      const { _id, ...entry } = doc; // eslint-disable-line @typescript-eslint/no-unused-vars
      entries.push(entry);
    }
  }
}

/**
 * Lists `entry` in the first free slot from `from` (the count the caller read); false when the item
 * holds `max` files already (another upload took the last slot meanwhile).
 */
export async function addAttachment(
  store: Store,
  listKey: string,
  entry: AttachmentEntry,
  from: number,
  max: number,
): Promise<boolean> {
  for (let n = from; n < max; n++) {
    try {
      await index(store).insertOne({ _id: slotId(listKey, n), ...entry });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  return false;
}

/** An item's files as entries of its timeline (`attachmentAdded`), keyed like the view's rows. */
export async function attachmentTimeline(
  store: Store,
  itemId: string,
): Promise<[string, Row<TimelineRow>][]> {
  const entries = await listAttachments(store, itemId);
  return entries.map((e) => {
    const data = { attachmentId: e.id, name: e.name, size: e.size, sha256: e.sha256, purpose: e.purpose };
    const row = {
      key: `attachment|${e.id}`,
      at: e.at,
      kind: 'attachmentAdded',
      label: `上传${attachmentPurposeLabels[e.purpose]}：${e.name}`,
      actor: e.by,
      data: e.unitId ? { ...data, unitId: e.unitId } : data,
      _r: 0,
    };
    return [`entry|attachment|${e.id}`, row];
  });
}

// ---- buckets -----------------------------------------------------------------------------------

const ferretdb = new WeakMap<Connection, Promise<boolean>>();

/** Whether the database is FerretDB (its buildInfo names its version). */
export function isFerretDB(conn: Connection): Promise<boolean> {
  let known = ferretdb.get(conn);
  if (!known) {
    known = conn
      .db!.admin()
      .command({ buildInfo: 1 })
      .then((info) => 'ferretdbVersion' in info);
    ferretdb.set(conn, known);
  }
  return known;
}

/** The bucket a new file of `kind` goes to (see the top of this file). */
export async function bucketFor(store: Store, kind: AttachableKind, itemId: string, year: number) {
  const part = (await isFerretDB(store.conn)) ? itemId.replace(/[^A-Za-z0-9._-]/g, '_') : String(year);
  return `att.${kind}.${part}`;
}

// One GridFSBucket per name and connection: a bucket checks its indexes on its first upload only.
const buckets = new WeakMap<Connection, Map<string, Bucket>>();
const BUCKETS_KEPT = 500;

function bucket(store: Store, name: string): Bucket {
  const byName = buckets.get(store.conn) ?? new Map<string, Bucket>();
  buckets.set(store.conn, byName);
  let found = byName.get(name);
  if (!found) {
    if (byName.size >= BUCKETS_KEPT) byName.delete(byName.keys().next().value!);
    found = new mongoose.mongo.GridFSBucket(store.conn.db!, {
      bucketName: name,
      chunkSizeBytes: CHUNK_BYTES,
    });
    byName.set(name, found);
  }
  return found;
}

// ---- upload and download -----------------------------------------------------------------------

/** What a `Measure` may refuse: each chunk as it comes (with the count so far), and the end. */
export interface MeasureChecks {
  chunk?: (chunk: Buffer, measure: Measure) => Error | undefined;
  end?: (measure: Measure) => Error | undefined;
}

/** Counts bytes and hashes them on their way through; a check's error ends the stream. */
export class Measure extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  private digest?: string;
  constructor(private readonly checks: MeasureChecks = {}) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.bytes += chunk.length;
    const refused = this.checks.chunk?.(chunk, this);
    if (refused) return done(refused);
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback) {
    done(this.checks.end?.(this));
  }
  /** The hex SHA-256 of every byte that went through (once the stream has ended). */
  sha256(): string {
    return (this.digest ??= this.hash.digest('hex'));
  }
}

/**
 * Stores what `source` sends as file `id` of `bucketName`, through `measure`. Whatever ends it early
 * (the client cut the connection, `measure` refused it, the database failed) leaves nothing: the
 * chunks written are deleted once the writes in flight have landed, and no file document is written.
 * `source` is unpiped, not destroyed, so a refusal can still be answered on its connection.
 */
export async function storeFile(
  store: Store,
  { bucketName, id, name, metadata }: { bucketName: string; id: string; name: string; metadata: object },
  source: Readable,
  measure: Measure,
): Promise<void> {
  const upload = bucket(store, bucketName).openUploadStreamWithId(id as never, name, { metadata });
  const cut = () => measure.destroy(Object.assign(new Error('upload interrupted'), { code: 'ECONNRESET' }));
  const onClose = () => {
    if (!source.readableEnded) cut();
  };
  source.once('error', cut);
  source.once('close', onClose);
  source.pipe(measure);
  try {
    await pipeline(measure, upload);
  } catch (err) {
    source.unpipe(measure);
    await discard(store, bucketName, id, upload);
    throw err;
  } finally {
    source.off('error', cut);
    source.off('close', onClose);
  }
}

async function discard(
  store: Store,
  bucketName: string,
  id: string,
  upload: { state: { outstandingRequests: number } },
) {
  // A chunk insert still in flight would land after the delete: wait for it (bounded).
  for (let waited = 0; upload.state.outstandingRequests > 0 && waited < 30_000; waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await deleteFile(store, bucketName, id);
}

/** Removes a file's chunks and file document (an upload that was not kept). */
export async function deleteFile(store: Store, bucketName: string, id: string) {
  const db = store.conn.db!;
  await db.collection(`${bucketName}.chunks`).deleteMany({ files_id: id });
  await db.collection(`${bucketName}.files`).deleteOne({ _id: id as never });
}

/** Whether the file's document is there (read by `_id`), and the file's bytes as a stream. */
export async function openFile(store: Store, entry: Pick<AttachmentEntry, 'bucket' | 'id'>) {
  const file = await store.conn.db!.collection(`${entry.bucket}.files`).findOne({ _id: entry.id as never });
  return file ? bucket(store, entry.bucket).openDownloadStream(entry.id as never) : undefined;
}
