/**
 * Every write is idempotent: a request sent again with the same `Idempotency-Key` (scoped to the
 * caller) is answered as the first one was, never applied twice; the same key with another request
 * is a 422. Two kinds of writes, one claim (store/counters.ts) behind both:
 *
 * - a write that creates an item under a new business id (`createOnce`): the claim holds the id
 *   allocated the first time, and a retry starts the same workflow id again, which finds the first
 *   start (its memo carries the claim's request id) — also after a crash between claim and start;
 * - an action on an item (`keyedUpdate`): the Update id is derived from the caller and the key, so the
 *   server (within a run) and the workflow (after continue-as-new, workflows/applied-updates.ts)
 *   answer a retry with the first outcome.
 *
 * Claims expire after HUIYIN_IDEMPOTENCY_RETENTION_DAYS (7 by default; a TTL index on MongoDB, the
 * worker's nightly sweep on FerretDB, store/expiry.ts): a key sent again later is a new request.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { WorkflowStartOptions } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type Workflow } from '@temporalio/common';
import { z } from 'zod';
import type { Caller } from '../domain/roles';
import {
  claimIdempotencyKey,
  findIdempotencyClaim,
  rebindIdempotencyKey,
  type IdempotencyClaim,
} from '../store/counters';
import type { AppDeps } from './deps';
import { HttpError } from './errors';

/** The `Idempotency-Key` request header of a write; `effect` says what the same key again gives. */
export const idempotencyHeaders = (effect: string) =>
  z.object({
    'idempotency-key': z
      .string()
      .regex(/^[\x21-\x7e]{1,200}$/, '应为 1–200 个可见 ASCII 字符')
      .optional()
      .describe(
        `Same key from the same caller → ${effect}, never applied twice. Another request under the key → 422 idempotencyKeyReused`,
      ),
  });

/** What each keyed endpoint documents besides its success. */
export const idempotencyResponses = {
  422: 'Idempotency-Key already used by this caller for another request',
};

/** A write as its key sees it: who sent it, the key (if any), and the request (endpoint and body). */
export interface Keyed {
  caller: Caller;
  key: string | undefined;
  /** Hashed into the claim: the same key with another request is refused. */
  request: unknown;
  /** The key's claim as `findClaim` read it already, alongside the request's other reads. */
  found?: IdempotencyClaim | null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const claimId = (caller: Caller, key: string) => `${caller.id}\n${key}`;

/** The claim an earlier request with this key made (null: none yet; undefined: no key), read by `_id`. */
export const findClaim = async (
  { store }: AppDeps,
  caller: Caller,
  key: string | undefined,
): Promise<IdempotencyClaim | null | undefined> =>
  key === undefined ? undefined : findIdempotencyClaim(store, claimId(caller, key));

// The requests under each key running in this process, by claim id.
const turns = new Map<string, Promise<unknown>>();

/**
 * Runs `work` after every other request of this process under the same caller and key: a retry sent
 * while the first request is still running (a double click, an impatient client) then reads the first
 * one's claim instead of drawing a number of its own that would go unused. Other processes may still
 * race, and lose only a number (the claim decides). Without a key, `work` runs at once.
 */
export async function inTurn<T>(caller: Caller, key: string | undefined, work: () => Promise<T>): Promise<T> {
  if (key === undefined) return work();
  const id = claimId(caller, key);
  for (let ahead = turns.get(id); ahead; ahead = turns.get(id)) await ahead.catch(() => undefined);
  const mine = work();
  turns.set(id, mine);
  try {
    return await mine;
  } finally {
    if (turns.get(id) === mine) turns.delete(id);
  }
}

/** The claim of a keyed request (`mine`: this request made it), allocating `resourceId` for a new claim. */
async function claimKey(
  { store }: AppDeps,
  { caller, key, request, found }: Keyed & { key: string },
  allocate?: () => Promise<string>,
): Promise<{ claim: IdempotencyClaim; mine: boolean }> {
  const _id = claimId(caller, key);
  const requestHash = sha256(JSON.stringify(request));
  let claim = found === undefined ? await findIdempotencyClaim(store, _id) : found;
  let mine = false;
  if (!claim) {
    const fresh = { _id, requestHash, requestId: randomUUID(), resourceId: await allocate?.() };
    claim = await claimIdempotencyKey(store, fresh);
    mine = claim.requestId === fresh.requestId;
  }
  if (claim.requestHash !== requestHash)
    throw new HttpError(422, 'idempotencyKeyReused', 'Idempotency-Key 已用于另一个内容不同的请求');
  return { claim, mine };
}

/**
 * The Update id of an action sent with a key, once the key is claimed for it: a hash of the caller
 * and the key (no personal data in Temporal). `first`: this request made the claim (a retry did not).
 * Without a key, the client draws a random id as before.
 */
export async function keyedUpdate(
  deps: AppDeps,
  keyed: Keyed,
): Promise<{ updateId: string | undefined; first: boolean }> {
  const { caller, key } = keyed;
  if (key === undefined) return { updateId: undefined, first: true };
  const { mine } = await claimKey(deps, { ...keyed, key });
  return { updateId: sha256(`${caller.id}\n${key}`), first: mine };
}

/** `existing`: this request (same requestId) started it before; `taken`: another request has the id. */
export type StartOutcome = 'started' | 'existing' | 'taken';

/**
 * Starts a workflow whose id is a business key. The id is never reused, even after it closed, so a
 * retry never starts a second one; the memo's requestId tells a retry of ours from an id taken meanwhile.
 */
export async function startOnce<T extends Workflow>(
  { temporal, temporalConfig }: AppDeps,
  workflowType: string,
  options: Omit<WorkflowStartOptions<T>, 'taskQueue'>,
  requestId: string,
): Promise<StartOutcome> {
  try {
    await temporal.workflow.start<T>(workflowType, {
      ...options,
      taskQueue: temporalConfig.TEMPORAL_TASK_QUEUE,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { ...options.memo, requestId },
    } as WorkflowStartOptions<T>);
    return 'started';
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const { memo } = await temporal.workflow.getHandle(options.workflowId).describe();
    return memo?.requestId === requestId ? 'existing' : 'taken';
  }
}

/**
 * Creates an item under a business id `allocate` draws, and starts its workflow with `start`, once
 * per key: the same key again gets the same id (`created` false). An id found taken by another
 * request is drawn again (the claim moves with it), unless it is the client's own (`taken` says the
 * conflict to answer).
 */
export async function createOnce(
  deps: AppDeps,
  keyed: Keyed,
  item: {
    allocate: () => Promise<string>;
    start: (id: string, requestId: string) => Promise<StartOutcome>;
    taken?: (id: string) => HttpError;
  },
): Promise<{ id: string; created: boolean }> {
  const { key } = keyed;
  const claim =
    key === undefined ? undefined : (await claimKey(deps, { ...keyed, key }, item.allocate)).claim;
  const requestId = claim?.requestId ?? randomUUID();
  let id = claim?.resourceId ?? (await item.allocate());
  for (let attempt = 0; attempt < 5; attempt++) {
    const outcome = await item.start(id, requestId);
    if (outcome !== 'taken') return { id, created: outcome === 'started' };
    if (item.taken) throw item.taken(id);
    const fresh = await item.allocate();
    id = claim ? await rebindIdempotencyKey(deps.store, claim._id, id, fresh) : fresh;
  }
  throw new HttpError(503, 'numberContention', '编号分配冲突，请稍后重试');
}
