import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Deadline } from '../../domain/deadline';
import { createTestWorker, createTimeSkippingEnv } from '../helpers/time-skipping';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

test('deadlineProbe computes through the activity and records the result once', async () => {
  const deadline = { due: '2026-10-10', uncertain: false } as Deadline;
  const recorded: unknown[] = [];
  const { worker, taskQueue } = await createTestWorker(env, {
    computeDeadline: async () => deadline,
    recordTimeline: async (entry: unknown) => void recorded.push(entry),
  });
  const result = await worker.runUntil(
    env.client.workflow.execute('deadlineProbe', {
      workflowId: 'probe-test',
      taskQueue,
      args: [{ start: Date.UTC(2026, 8, 27, 16), rule: { unit: 'workingDays', amount: 5 } }],
    }),
  );
  expect(result).toEqual(deadline);
  expect(recorded).toEqual([
    expect.objectContaining({
      key: 'probe-test:computed',
      kind: 'deadlineComputed',
      data: { due: '2026-10-10', uncertain: false },
    }),
  ]);
});
