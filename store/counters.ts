/**
 * Sequences (proposal numbers per session year, letters per campaign) and Idempotency-Key claims, without transactions
 * (FerretDB has none) and without a projection on findOneAndUpdate (FerretDB refuses it).
 * FerretDB v1 applies an update as read-then-write, so `$inc` can hand one value to two callers under
 * contention. A value is therefore claimed by inserting it as a primary key (the one write FerretDB v1
 * makes atomic): of concurrent callers exactly one wins each value, and the others walk on to the next.
 */
import { Mutex } from 'async-mutex';
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

/** Callers in one process take turns, so they never walk over each other's claims. */
const turns = new Mutex();

/** The next value of counter `name` (1 for a new counter), unique even under contention. */
export function nextSequence(store: Store, name: string): Promise<number> {
  return turns.runExclusive(() => walk(store, name));
}

/** Claims values from the counter's last known value on until one is free (other processes may race). */
async function walk(store: Store, name: string): Promise<number> {
  const start = ((await store.counters.findById(name).lean<{ seq: number }>())?.seq ?? 0) + 1;
  let seq = start;
  while (!(await claim(store, name, seq))) seq++;
  // The counter only speeds up the next caller's walk; $max never moves it back.
  await retryDuplicate(() => store.counters.updateOne({ _id: name }, { $max: { seq } }, { upsert: true }));
  return seq;
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

/** Moves a claim from an id found taken to a fresh one; returns the id the claim now holds. */
export async function rebindIdempotencyKey(
  store: Store,
  id: string,
  from: string,
  to: string,
): Promise<string> {
  await store.idempotencyKeys.updateOne(
    { _id: id, $or: [{ resourceId: from }, { resourceId: { $exists: false }, proposalId: from }] },
    { $set: { resourceId: to } },
  );
  return (await findIdempotencyClaim(store, id))!.resourceId!;
}
