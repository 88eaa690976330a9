/**
 * Sequences (proposal numbers per session year, letters per campaign) and Idempotency-Key claims, without transactions
 * (FerretDB has none) and without a projection on findOneAndUpdate (FerretDB refuses it).
 * FerretDB v1 applies an update as read-then-write, so `$inc` can hand one value to two callers under
 * contention. A value is therefore claimed by inserting it as a primary key (the one write FerretDB v1
 * makes atomic): of concurrent callers exactly one wins each value, and the others walk on to the next.
 * Every write here is keyed by `_id` alone: FerretDB scans the whole collection for any other filter.
 */
import { Schema, type Connection } from 'mongoose';
import type { Store } from './index';
import { insertOnce, isDuplicateKey } from './mongo';

const counterSchema = new Schema(
  { _id: { type: String }, seq: { type: Number, required: true } },
  { versionKey: false },
);

const idempotencySchema = new Schema(
  {
    _id: { type: String }, // `${callerId}\n${key}`: a key is scoped to the caller who sent it
    /** Hash of the request (endpoint and body): another request under the same key is refused, not replayed. */
    requestHash: { type: String, required: true },
    /** Random id carried in the workflow memo, so a start can recognise its own workflow. */
    requestId: { type: String, required: true },
    /** The business id the request that made the claim allocated (proposal number, follow-up id); none for an action. */
    resourceId: { type: String },
    /** What claims made before resourceId had its name (proposals only) hold instead; read, never written. */
    proposalId: { type: String },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/** One document per value handed out: `${counter}:${seq}`. */
const sequenceClaimSchema = new Schema({ _id: { type: String } }, { versionKey: false });

export const counterModels = (conn: Connection) => ({
  counters: conn.model('Counter', counterSchema, 'counters'),
  sequenceClaims: conn.model('SequenceClaim', sequenceClaimSchema, 'sequence_claims'),
  idempotencyKeys: conn.model('IdempotencyKey', idempotencySchema, 'idempotency_keys'),
});

export interface IdempotencyClaim {
  _id: string;
  requestHash: string;
  requestId: string;
  resourceId?: string;
}

/** Two first-ever upserts of one counter race on its _id: the loser simply tries again. */
async function retryDuplicate<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

/** Claims value `seq` of counter `name`; false when another caller already has it. */
const claim = (store: Store, name: string, seq: number): Promise<boolean> =>
  insertOnce(store.sequenceClaims, { _id: `${name}:${seq}` });

/**
 * What this process knows of one counter: the next value to try, so that concurrent callers try
 * different values at once (no turns, no walking over each other's claims), and what it has told the
 * counter document, which only speeds other processes (and restarts) to the end of the sequence.
 */
interface Cursor {
  next: number;
  /** Values drawn here whose claim failed for another reason than being taken: drawn again first. */
  returned: number[];
  claimed: number;
  hinted: number;
  writing: boolean;
}

const cursors = new WeakMap<Store, Map<string, Cursor>>();

function cursorOf(store: Store, name: string): Cursor {
  const byName = cursors.get(store) ?? new Map<string, Cursor>();
  cursors.set(store, byName);
  const cursor = byName.get(name) ?? { next: 1, returned: [], claimed: 0, hinted: 0, writing: false };
  byName.set(name, cursor);
  return cursor;
}

// Reads of a counter in flight, by store and name.
const reads = new WeakMap<Store, Map<string, Promise<number>>>();

/**
 * The counter's stored value (0 for a new counter): where every process's next value starts at the
 * least. Callers that ask while a read is in flight share it: any recent value is a valid floor, the
 * claims decide.
 */
export function readCounter(store: Store, name: string): Promise<number> {
  const byName = reads.get(store) ?? new Map<string, Promise<number>>();
  reads.set(store, byName);
  const inFlight = byName.get(name);
  if (inFlight) return inFlight;
  const read = store.counters
    .findById(name)
    .lean<{ seq: number }>()
    .then((doc) => doc?.seq ?? 0);
  byName.set(name, read);
  const done = () => void byName.delete(name);
  read.then(done, done);
  return read;
}

/**
 * The next value of counter `name` (1 for a new counter), unique even under contention: one read of the
 * counter by `_id` (`stored`, when the caller read it alongside other reads) and one insert of the claim.
 * A value another process or an import holds already is skipped (the counter is read again: it may
 * have moved far on). The counter document follows in the background, one write at a time however
 * many values were drawn meanwhile: the claims decide.
 */
export async function nextSequence(store: Store, name: string, stored?: number): Promise<number> {
  const cursor = cursorOf(store, name);
  for (let known = stored ?? (await readCounter(store, name)); ; known = await readCounter(store, name)) {
    cursor.returned = cursor.returned.filter((seq) => seq > known).sort((a, b) => a - b);
    const seq = cursor.returned.shift() ?? Math.max(cursor.next, known + 1);
    cursor.next = Math.max(cursor.next, seq + 1);
    let won: boolean;
    try {
      won = await claim(store, name, seq);
    } catch (err) {
      cursor.returned.push(seq); // not lost to a failed write: the next caller tries it again
      throw err;
    }
    if (won) {
      cursor.claimed = Math.max(cursor.claimed, seq);
      follow(store, name, cursor);
      return seq;
    }
  }
}

/** Moves the counter document up to the highest value this process claimed; $max never moves it back. */
function follow(store: Store, name: string, cursor: Cursor): void {
  if (cursor.writing) return; // the running write loops until it has caught up
  cursor.writing = true;
  void (async () => {
    try {
      while (cursor.hinted < cursor.claimed) {
        const seq = cursor.claimed;
        await retryDuplicate(() =>
          store.counters.updateOne({ _id: name }, { $max: { seq } }, { upsert: true }),
        );
        cursor.hinted = Math.max(cursor.hinted, seq);
      }
    } catch {
      // A lost hint costs the next reader a few taken values, nothing more; the next value drawn writes it.
    } finally {
      cursor.writing = false;
    }
  })();
}

/** Makes sure counter `name` never hands out `seq` or below (numbers taken by an import). */
export async function reserveSequence(store: Store, name: string, seq: number): Promise<void> {
  await claim(store, name, seq); // taken already: the workflow id tells whose it is
  await retryDuplicate(() => store.counters.updateOne({ _id: name }, { $max: { seq } }, { upsert: true }));
}

/** Reads the claim of a key, if one was made (an old proposal claim's number is its resourceId). */
export async function findIdempotencyClaim(store: Store, id: string): Promise<IdempotencyClaim | null> {
  const doc = await store.idempotencyKeys.findById(id).lean<IdempotencyClaim & { proposalId?: string }>();
  if (!doc) return null;
  const { proposalId, ...claim } = doc;
  return { ...claim, resourceId: claim.resourceId ?? proposalId };
}

/**
 * Inserts `fresh` unless a claim of that key exists (then that one is returned): an insert on the
 * primary key is the one write FerretDB v1 makes atomic, so of two concurrent claims exactly one wins.
 */
export async function claimIdempotencyKey(store: Store, fresh: IdempotencyClaim): Promise<IdempotencyClaim> {
  if (await insertOnce(store.idempotencyKeys, { ...fresh, createdAt: new Date() })) return fresh;
  return (await findIdempotencyClaim(store, fresh._id))!;
}

/**
 * Moves a claim from an id found taken to a fresh one; returns the id the claim now holds. Concurrent
 * retries of one key may each find `from` taken and draw their own fresh id: the move is itself a claim
 * (`<key claim>\n<from>`, inserted once), so they all go where the first one went, and a later retry that
 * still reads `from` is sent there too. The key's claim is then updated by `_id` for the next reader.
 */
export async function rebindIdempotencyKey(
  store: Store,
  id: string,
  from: string,
  to: string,
): Promise<string> {
  const move = await claimIdempotencyKey(store, {
    _id: `${id}\n${from}`,
    requestHash: 'move',
    requestId: 'move',
    resourceId: to,
  });
  await store.idempotencyKeys.updateOne({ _id: id }, { $set: { resourceId: move.resourceId } });
  return move.resourceId!;
}
