/**
 * What every actor of the simulation shares: simulated time, the Temporal client, the calendar, the
 * policy, and the tallies of what happened. Actors act like people: one Update per action, as the
 * API sends them (workflows/proposal.ts `act`, follow-up and posting `act`), by the user the API
 * would allow to take it.
 */
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { WorkingCalendar } from '../../domain/calendar';
import type { Policy } from '../../domain/policy';
import { addDays, atTimeOfDay, dateOf } from '../../domain/time';
import type { Rng } from './rng';
import type { Scheduler } from './scheduler';

export class Counter {
  readonly counts = new Map<string, number>();
  add(key: string, n = 1) {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
  get(key: string) {
    return this.counts.get(key) ?? 0;
  }
}

export interface World {
  sim: Scheduler;
  client: Client;
  taskQueue: string;
  cal: WorkingCalendar;
  policy: Policy;
  policyVersion: number;
  year: number;
  /** The report date: nothing is scheduled after it. */
  end: number;
  /** What happened, by path (e.g. `review.filed`). */
  paths: Counter;
  /** Refusals the actors met (and handled), by action and code. */
  refusals: Counter;
  /** Workflow ids of every item started, for the from-scratch fold. */
  started: { proposals: string[]; followUps: string[]; postings: string[] };
  /** Calls to the server in flight, with when they started (wall clock): what a stalled run waits for. */
  inFlight: Map<symbol, { what: string; since: number }>;
  /** The latest calls, newest last (printed when a run stalls). */
  trace: string[];
}

/** Runs `call`, listed in `world.inFlight` meanwhile. */
export async function tracked<T>(
  world: Pick<World, 'inFlight' | 'trace'>,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  const id = Symbol(what);
  world.inFlight.set(id, { what, since: performance.now() });
  const started = performance.now();
  try {
    return await call();
  } finally {
    world.inFlight.delete(id);
    world.trace.push(`${what} (${Math.round(performance.now() - started)} ms)`);
    if (world.trace.length > 300) world.trace.splice(0, 100);
  }
}

/** The outcome of an Update: the workflow's answer, or the code it was refused with. */
export type Outcome<V> = { ok: true; value: V } | { ok: false; code: string };

/**
 * Sends Update `act` with `command`; a refusal (Update failed) is returned as its code, a workflow that
 * has closed meanwhile as `notRunning` (as the API answers both), anything else thrown.
 */
export async function update<V>(
  world: World,
  handle: WorkflowHandle,
  command: unknown,
  label: string,
): Promise<Outcome<V>> {
  try {
    const value = await tracked(world, `${label} ${handle.workflowId}`, () =>
      handle.executeUpdate<V, [unknown]>('act', { args: [command] }),
    );
    return { ok: true, value };
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError) && !(err instanceof WorkflowNotFoundError)) throw err;
    const code =
      err instanceof WorkflowNotFoundError
        ? 'notRunning'
        : ((err.cause as { type?: string } | undefined)?.type ?? 'failed');
    world.refusals.add(`${label}:${code}`);
    return { ok: false, code };
  }
}

/** Office hours people act in (Asia/Shanghai): morning and afternoon slots, so actors batch up. */
export const slots = ['10:00', '15:00'] as const;

/** Working-day arithmetic on instants, for actors planning their next step. */
export function timeTools(world: Pick<World, 'cal'>, rng: Rng) {
  const { cal } = world;
  const at = (date: string, time?: string) => atTimeOfDay(date, time ?? rng.pick(slots));
  return {
    at,
    /** `n` working days after the date of `ms` (the same day's next slot when n = 0), in an office slot. */
    workingDaysAfter(ms: number, n: number, time?: string) {
      const date = n === 0 ? cal.nextWorkingDay(dateOf(ms)) : cal.addWorkingDays(dateOf(ms), n);
      const t = at(date, time);
      return t > ms ? t : at(cal.addWorkingDays(date, 1), time);
    },
    /** `n` working days after due date `due` (YYYY-MM-DD); n ≤ 0 means on or before it. */
    aroundDue(due: string, n: number, time?: string) {
      return at(n === 0 ? cal.nextWorkingDay(due) : cal.addWorkingDays(due, n), time);
    },
    dateOf,
    addDays,
  };
}
