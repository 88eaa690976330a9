/**
 * Views: what a user waits for, kept ready in documents addressed by `_id` alone — the one access
 * path FerretDB v1 serves from an index (docs/storage.md). A view is a scope of rows (say, session
 * year 2026's proposals with their clocks); the worker's projections put rows into it, the API reads
 * the whole scope and filters, sorts and counts in memory.
 *
 * A scope is stored as chunk documents (`<scope>/<chunk>`, rows as JSON strings under `rows.<id>`)
 * and a head (`<scope>`) holding a token per chunk that changes with every write to the chunk. A
 * reader fetches the head, then only the chunks whose token it has not seen: a process keeps each
 * scope it read in memory, so a list over 100,000 proposals reads one small document when nothing
 * changed. A single-chunk scope (an item's timeline and clocks) keeps its rows in the head itself.
 *
 * Writes: each row carries the revision it was projected from, and only a newer revision replaces
 * it (a retried activity cannot roll a view back; a row written at revision 0 is written once). A
 * write sets row paths (`$set rows.<id>`), atomic per document on MongoDB; FerretDB v1 applies updates
 * as read-then-write, so writes to one scope are serialized in this process (the worker is the only
 * writer of views), and the puts that queue up meanwhile are written together.
 */
import { randomBytes } from 'node:crypto';
import { Mutex } from 'async-mutex';
import type { Connection } from 'mongoose';
import { groupBy } from '../domain/group-by';
import { byNumber } from '../domain/proposal-number';

/** Where rows live: the scope's key, and for a large scope which chunk holds a row. */
export interface Scope {
  key: string;
  /** Absent: one document. Present: a chunk name per row id, e.g. a proposal number range. */
  chunkOf?: (rowId: string) => string;
}

/** One row as stored: its revision (`_r`) next to what the projection wrote. */
export type Row<T> = T & { _r: number };

/** A chunk as a reader has it: rows by id, replaced (a new object) whenever the chunk changes. */
export interface Chunk<T = unknown> {
  name: string;
  token: string;
  rows: Map<string, Row<T>>;
}

export interface RowChange {
  id: string;
  revision: number;
  /** `null` removes the row (a tombstone keeps its revision for a day, so a late retry cannot revive it). */
  value: object | null;
}

/** How long a removed row's revision is kept: far longer than any activity attempt can run. */
const TOMBSTONE_MS = 86_400_000;

/** What a write needs of a stored row: its revision, and when it was removed (a tombstone). */
interface Revision {
  _r: number;
  _gone?: number;
}

interface ViewDoc {
  _id: string;
  rows?: Record<string, string>;
  chunks?: Record<string, string>;
}

// Field names may not contain '.' or start with '$'; ids are codes, so this rarely changes anything.
export const encodeId = (id: string) => id.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
const decodeId = (field: string) =>
  field.replace(/%([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));

/** The lock of each key in use: made on first use, dropped when its last user is done. */
const locks = new Map<string, { mutex: Mutex; users: number }>();

/**
 * Runs `fn` alone among the callers holding `key` in this process. One lock per key (not a few shared
 * ones): a slow write to a busy scope never holds up writes to others.
 */
export async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const entry = locks.get(key) ?? { mutex: new Mutex(), users: 0 };
  locks.set(key, entry);
  entry.users++;
  try {
    return await entry.mutex.runExclusive(fn);
  } finally {
    if (--entry.users === 0) locks.delete(key);
  }
}

function parseRows<T>(rows: Record<string, string> | undefined): Map<string, Row<T>> {
  const out = new Map<string, Row<T>>();
  for (const [field, json] of Object.entries(rows ?? {})) {
    const row = JSON.parse(json) as Row<T> & { _gone?: number };
    if (row._gone === undefined) out.set(decodeId(field), row);
  }
  return out;
}

/** A chunk name per row id from a hash of its item id (`item` picks it from the row id): `count` chunks. */
export function hashChunks(count: number, item: (rowId: string) => string = (id) => id) {
  return (rowId: string) => {
    const id = item(rowId);
    let h = 0;
    for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
    return String((h >>> 0) % count);
  };
}

/** Orders chunk names numerically where they are numbers (proposal number ranges), else as text. */
const byName = (a: Chunk, b: Chunk) => byNumber(a.name, b.name);

export function createViews(conn: Connection) {
  const collection = () => conn.db!.collection<ViewDoc>('views');
  /** Chunks this process has read, per scope: fetched again only when their token changed. */
  const cache = new Map<string, Map<string, Chunk>>();

  const docId = (scope: Scope, chunk: string | null) =>
    chunk === null ? scope.key : `${scope.key}/${chunk}`;

  /** Changes waiting for their scope's next write, with the promise of that write. */
  const waiting = new Map<string, { changes: RowChange[]; written: Promise<void> }>();

  /**
   * Puts rows into a scope; a change older than the stored row is dropped. Puts that arrive while the
   * scope is being written join one batch, written next as one update per chunk (group commit): a busy
   * scope costs a write per round, not per projection.
   */
  function put(scope: Scope, changes: RowChange[]): Promise<void> {
    let batch = waiting.get(scope.key);
    if (!batch) {
      const changes: RowChange[] = [];
      const written = withLock(scope.key, () => {
        waiting.delete(scope.key); // from here on, puts start the next batch
        return write(scope, changes);
      });
      batch = { changes, written };
      waiting.set(scope.key, batch);
    }
    batch.changes.push(...changes);
    return batch.written;
  }

  /**
   * The revisions of the rows of each chunk this process wrote, under the token it gave the chunk: while
   * the head still shows that token, nobody else wrote the chunk (a repair bumps it), and the next write
   * needs not read the chunk back — on FerretDB a read of a large chunk costs as much as its update.
   */
  const written = new Map<string, { token: string; rows: Map<string, Revision> }>();

  async function storedRevisions(_id: string, token: string | undefined): Promise<Map<string, Revision>> {
    const known = written.get(_id);
    if (token !== undefined && known?.token === token) return known.rows;
    const stored = (await collection().findOne({ _id }, { projection: { rows: 1 } }))?.rows ?? {};
    return new Map(
      Object.entries(stored).map(([field, json]) => {
        const { _r, _gone } = JSON.parse(json) as Revision;
        return [field, _gone === undefined ? { _r } : { _r, _gone }];
      }),
    );
  }

  /**
   * Writes `changes` into one document (newer revisions only), a chunk the head knows by `token` if any.
   * Returns the revisions the document holds now, undefined when nothing changed.
   */
  async function writeChunk(
    _id: string,
    changes: RowChange[],
    token: string | undefined,
  ): Promise<Map<string, Revision> | undefined> {
    const rows = new Map(await storedRevisions(_id, token));
    const $set: Record<string, string> = {};
    const $unset: Record<string, ''> = {};
    for (const { id, revision, value } of changes) {
      const field = encodeId(id);
      if ((rows.get(field)?._r ?? -1) >= revision) continue;
      const row: Revision = value ? { _r: revision } : { _r: revision, _gone: Date.now() };
      rows.set(field, row);
      $set[`rows.${field}`] = JSON.stringify(value ? { ...value, ...row } : row);
    }
    for (const [field, { _gone }] of rows)
      if (_gone !== undefined && _gone < Date.now() - TOMBSTONE_MS) {
        rows.delete(field);
        $unset[`rows.${field}`] = '';
      }
    if (!Object.keys($set).length && !Object.keys($unset).length) return undefined;
    const update = {
      ...(Object.keys($set).length ? { $set } : {}),
      ...(Object.keys($unset).length ? { $unset } : {}),
    };
    written.delete(_id); // until the update is known to have landed
    await collection().updateOne({ _id }, update, { upsert: true });
    return rows;
  }

  async function write(scope: Scope, changes: RowChange[]): Promise<void> {
    const byChunk = groupBy(changes, (change) => (scope.chunkOf ? scope.chunkOf(change.id) : null));
    const head = scope.chunkOf
      ? await collection().findOne({ _id: scope.key }, { projection: { chunks: 1 } })
      : null;
    const tokens: Record<string, string> = {};
    // Chunks are documents of their own: written at once.
    await Promise.all(
      [...byChunk].map(async ([chunk, list]) => {
        const _id = docId(scope, chunk);
        const rows = await writeChunk(_id, list, chunk === null ? undefined : head?.chunks?.[chunk]);
        if (!rows || chunk === null) return; // a scope of one document has no head to tell
        const token = randomBytes(6).toString('base64url'); // small: read per request
        written.set(_id, { token, rows });
        tokens[`chunks.${chunk}`] = token;
      }),
    );
    // The head changes after its chunks: a reader that saw the new token reads the new chunk.
    if (Object.keys(tokens).length)
      await collection().updateOne({ _id: scope.key }, { $set: tokens }, { upsert: true });
  }

  /** Every chunk of a scope, in chunk order, fetching only what changed since this process last read it. */
  async function read<T>(scope: Scope): Promise<Chunk<T>[]> {
    const head = await collection().findOne({ _id: scope.key });
    if (!scope.chunkOf) return [{ name: '', token: '', rows: parseRows<T>(head?.rows) }];
    const known = cache.get(scope.key) ?? new Map<string, Chunk>();
    const tokens = head?.chunks ?? {};
    const stale = Object.entries(tokens).filter(([name, token]) => known.get(name)?.token !== token);
    const fetched = await Promise.all(
      stale.map(async ([name, token]) => {
        const doc = await collection().findOne({ _id: docId(scope, name) });
        return { name, token, rows: parseRows(doc?.rows) };
      }),
    );
    const next = new Map([...known].filter(([name]) => name in tokens));
    for (const chunk of fetched) next.set(chunk.name, chunk);
    cache.set(scope.key, next);
    return ([...next.values()] as Chunk<T>[]).sort(byName);
  }

  /** Every row of a scope (a small one: an item's rows). */
  async function rows<T>(scope: Scope): Promise<Map<string, Row<T>>> {
    const chunks = await read<T>(scope);
    return chunks.length === 1 ? chunks[0].rows : new Map(chunks.flatMap((c) => [...c.rows]));
  }

  /** Removes a scope: its chunks, then its head (a reader meanwhile finds fewer rows, never stale ones). */
  async function drop(scope: Scope): Promise<void> {
    const head = await collection().findOne({ _id: scope.key });
    // One `_id` at a time: FerretDB v1 serves `_id` equality from the index, `$in` by a scan.
    for (const chunk of Object.keys(head?.chunks ?? {})) {
      written.delete(docId(scope, chunk));
      await collection().deleteOne({ _id: docId(scope, chunk) });
    }
    await collection().deleteOne({ _id: scope.key });
    cache.delete(scope.key);
  }

  return { put, read, rows, drop };
}

/**
 * A family of scopes, one per year (`<prefix>/<year>`), and the scope listing the years that have rows
 * (`<prefix>`): an archive grows by years, and what users look at is mostly one of them.
 */
export function yearly(prefix: string, chunkOf: (rowId: string) => string) {
  const years: Scope = { key: prefix };
  /** The years each process has noted: noting is needed once, not at every write. */
  const noted = new WeakMap<Views, Set<number>>();
  return {
    of: (year: number): Scope => ({ key: `${prefix}/${year}`, chunkOf }),
    /** Puts rows into `year`'s scope, noting the year (written once: revision 0). */
    async put(views: Views, year: number, changes: RowChange[]) {
      await views.put({ key: `${prefix}/${year}`, chunkOf }, changes);
      const seen = noted.get(views) ?? new Set<number>();
      noted.set(views, seen);
      if (seen.has(year)) return;
      await views.put(years, [{ id: String(year), revision: 0, value: { year } }]);
      seen.add(year);
    },
    /** The chunks of `year`, or of every year, oldest year first. */
    async read<T>(views: Views, year?: number): Promise<Chunk<T>[]> {
      const list = year
        ? [year]
        : [...(await views.rows<{ year: number }>(years)).values()].map((r) => r.year).sort((a, b) => a - b);
      return (await Promise.all(list.map((y) => views.read<T>({ key: `${prefix}/${y}`, chunkOf })))).flat();
    },
  };
}

export type Views = ReturnType<typeof createViews>;

const memos = new WeakMap<object, Map<string, unknown>>();
/** Results kept per chunk version: the most recently used, so varied list filters cannot pile up. */
const MEMOS_PER_KEY = 16;

/**
 * What `derive` makes of one chunk (or of what was derived from it), computed once per chunk version:
 * a list or a statistic over a large scope recomputes only the chunks that changed since last time.
 */
export function memo<K extends object, R>(key: K, name: string, derive: (key: K) => R): R {
  const byName = memos.get(key) ?? new Map<string, unknown>();
  memos.set(key, byName);
  const value = byName.has(name) ? byName.get(name) : derive(key);
  byName.delete(name); // re-inserted last: the map's order is the order of use
  byName.set(name, value);
  if (byName.size > MEMOS_PER_KEY) byName.delete(byName.keys().next().value!);
  return value as R;
}
