/**
 * A clock drill: one clock awaiting one answer, on the real ladder mechanism.
 * Offices use it with minute or second limits to watch reminders and escalations
 * arrive; the workflow tests use it to pin the ladder's behaviour down.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClockCode, Policy } from '../domain/policy';
import type { TimeLimit } from '../domain/time';
import { Clocks, type ClockState, type ClockTable } from './clocks';
import { historyFull, quiesce } from './lifecycle';

export interface ClockDrillInput {
  policy: Policy;
  clock: ClockCode;
  /** Default: the policy's limit for `clock`. */
  limit?: TimeLimit;
  /** Carried through continue-as-new. */
  table?: ClockTable;
  historyLimit?: number;
}

const DRILL = 'drill';

export const answerUpdate = defineUpdate<ClockState>('answer');
export const extendUpdate = defineUpdate<ClockState, [TimeLimit]>('extend');
export const clocksQuery = defineQuery<ClockTable>('clocks');

export async function clockDrill(input: ClockDrillInput): Promise<ClockState> {
  const clocks = new Clocks(
    { itemId: workflowInfo().workflowId, itemKind: 'drill', policy: input.policy },
    input.table,
  );
  void clocks.run();

  // An update may arrive before the clock's plan is computed: handlers wait for it.
  const started = () => DRILL in clocks.table;
  setHandler(clocksQuery, () => clocks.table);
  setHandler(answerUpdate, async () => {
    await condition(started);
    await clocks.stop(DRILL, 'met');
    return clocks.table[DRILL];
  });
  setHandler(extendUpdate, async (limit) => {
    await condition(started);
    return clocks.reschedule(DRILL, limit);
  });

  if (!input.table) await clocks.start(DRILL, input.clock, { limit: input.limit });

  await condition(() => !clocks.isRunning(DRILL) || historyFull(input.historyLimit));
  await condition(allHandlersFinished);
  await quiesce(clocks); // nothing in flight when the run completes or rolls over
  if (clocks.isRunning(DRILL)) return continueAsNew<typeof clockDrill>({ ...input, table: clocks.table });
  return clocks.table[DRILL];
}
