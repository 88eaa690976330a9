/**
 * The deadline ladder on the real dev server and FerretDB, in seconds (a drill
 * policy: the policy is data), including continue-as-new in the middle of a ladder.
 */
import { defaultPolicy, type Policy } from '../../domain/policy';
import type { clockDrill } from '../../workflows/clock-drill';
import { readItem } from '../../store/items';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const seconds = (amount: number) => ({ amount, unit: 'seconds' as const });
const drillPolicy: Policy = {
  ...defaultPolicy,
  ladders: {
    ...defaultPolicy.ladders,
    standard: [
      { step: 'reminder', kind: 'reminder', offset: seconds(-3), to: ['responsible', 'secretary'] },
      { step: 'chaseNotice', kind: 'chaseNotice', offset: seconds(1), to: ['unitLeader', 'committee'] },
      { step: 'supervision', kind: 'supervisionEscalation', offset: seconds(2), to: ['leader'] },
      { step: 'publicNotice', kind: 'publicNotice', offset: seconds(3), to: ['reportList'] },
    ],
  },
};

const until = async (check: () => Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
};

test('every step fires once, in order, across continue-as-new, and is recorded once', async () => {
  const workflowId = `drill-can-${Date.now()}`;
  const handle = await stack.temporal.workflow.start<typeof clockDrill>('clockDrill', {
    workflowId,
    taskQueue: stack.taskQueue,
    args: [{ policy: drillPolicy, clock: 'signFor', limit: seconds(4), historyLimit: 15 }],
  });
  const firstRun = (await handle.describe()).runId;

  const steps = () =>
    readItem(stack.store, workflowId).then(({ timeline }) => timeline.filter((e) => e.data?.step));
  await until(async () => (await steps()).length === 4);
  await handle.executeUpdate('answer');
  const result = await handle.result();

  expect(result).toMatchObject({ status: 'met', overdue: true, generation: 1 });
  expect((await handle.describe()).runId).not.toBe(firstRun); // it did roll over mid-ladder
  const fired = await steps();
  expect(fired.map((e) => e.kind)).toEqual([
    'reminder',
    'chaseNotice',
    'supervisionEscalation',
    'publicNotice',
  ]);
  for (const entry of fired) {
    // Each fired at its planned instant (timer resolution and task latency aside), never early.
    const late = entry.at - (entry.data as { plannedAt: number }).plannedAt;
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(2_000);
  }
  // The read model holds the last state, whatever order retried snapshots arrived in.
  const [drill] = (await readItem(stack.store, workflowId)).clocks;
  expect(drill).toMatchObject({
    clockId: 'drill',
    code: 'signFor',
    status: 'met',
    overdue: true,
    escalation: 'publicNotice',
    fired: ['reminder', 'chaseNotice', 'supervision', 'publicNotice'],
    nextStepAt: null,
  });
  const kinds = (await readItem(stack.store, workflowId)).timeline.map((e) => e.kind).sort();
  expect(kinds).toEqual(
    [
      'chaseNotice',
      'clockMet',
      'clockOverdue',
      'clockStarted',
      'publicNotice',
      'reminder',
      'supervisionEscalation',
    ].sort(),
  );
});
