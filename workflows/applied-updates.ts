/**
 * Human actions applied at most once per Update id. The API derives the id of a request that
 * carries an Idempotency-Key from the caller and the key, so a retried request reaches the workflow
 * with the id of the first. Within a run the server already answers a repeated id with the first
 * outcome; a run that continued as new would not know it, so every lifecycle remembers the ids it
 * applied (the most recent `limit`) with what the action produced, and carries them to the next run.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { currentUpdateInfo, setHandler } from '@temporalio/workflow';

/** An applied Update as carried through continue-as-new: its id and what its action produced. */
export interface AppliedUpdate<K = unknown> {
  id: string;
  kept?: K;
}

/** Far more than the retries of any client; older ids give way, so the carried input stays small. */
export const APPLIED_UPDATES_LIMIT = 200;

/**
 * How a lifecycle remembers an action's reply `V`: `keep` takes the part that cannot be read from the
 * state later (the id of what the action created), `reply` builds the reply again from it and the
 * state as it is now. Whole replies are not kept: a proposal's view is far too large to carry 200 of.
 */
export interface ReplyMemo<V, K> {
  keep: (reply: V) => K;
  reply: (kept: K) => V;
}

export class AppliedUpdates<V, K = undefined> {
  private readonly applied: Map<string, K>;

  constructor(
    private readonly memo: ReplyMemo<V, K>,
    carried: AppliedUpdate<K>[] = [],
    private readonly limit = APPLIED_UPDATES_LIMIT,
  ) {
    this.applied = new Map(carried.map(({ id, kept }) => [id, kept as K]));
  }

  has(id: string | undefined): boolean {
    return id !== undefined && this.applied.has(id);
  }

  /**
   * Runs `act` for Update `id` unless that id was applied before, which gets its reply again. The
   * promise of `act` is returned as it is, so a first action takes exactly the steps it took before
   * this memory existed (replays of recorded histories see the same order of commands).
   */
  once(id: string | undefined, act: () => Promise<V>): Promise<V> {
    if (id !== undefined && this.applied.has(id))
      return Promise.resolve(this.memo.reply(this.applied.get(id)!));
    const reply = act();
    if (id !== undefined)
      reply.then(
        (value) => this.remember(id, this.memo.keep(value)),
        () => undefined, // a refusal is not remembered: a retry is checked again
      );
    return reply;
  }

  private remember(id: string, kept: K) {
    this.applied.set(id, kept);
    for (const oldest of this.applied.keys()) {
      if (this.applied.size <= this.limit) break;
      this.applied.delete(oldest);
    }
  }

  /** What the next run starts from (part of the continue-as-new input). */
  carry(): AppliedUpdate<K>[] {
    return [...this.applied].map(([id, kept]) => (kept === undefined ? { id } : { id, kept }));
  }
}

/**
 * Sets a lifecycle's `act` Update: `check` validates (a refusal throws), `act` re-checks and applies
 * the action inside `exclusive` (one action at a time). An id applied before skips both: the action is
 * no longer in turn, and it is answered, not applied again.
 */
export function setActHandler<A, V, K>(
  update: UpdateDefinition<V, [A]>,
  applied: AppliedUpdates<V, K>,
  lifecycle: {
    check: (action: A) => void;
    act: (action: A) => Promise<V>;
    exclusive: (change: () => Promise<V>) => Promise<V>;
  },
): void {
  const { check, act, exclusive } = lifecycle;
  setHandler(
    update,
    (action) => {
      const id = currentUpdateInfo()?.id;
      return exclusive(() => applied.once(id, () => act(action)));
    },
    {
      validator: (action) => {
        if (!applied.has(currentUpdateInfo()?.id)) check(action);
      },
    },
  );
}
