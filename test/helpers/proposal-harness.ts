/**
 * Drives proposal workflows on the time-skipping server: start one on a given
 * morning, take actions as named people, and read refusals as their codes.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { defaultPolicy, type Policy } from '../../domain/policy';
import type { ActionArgs, ActionName, ProposalAction } from '../../domain/proposal-actions';
import { proposalWorkflowId, type ProposalDraft } from '../../domain/proposal';
import type { proposal, ProposalView } from '../../workflows/proposal';
import { recordingActivities } from './clock-activities';
import { createTestWorker, createTimeSkippingEnv, travelTo } from './time-skipping';

export const people = {
  lead: 'member-zhang',
  coSignerA: 'member-li',
  coSignerB: 'member-wang',
  committee: 'committee',
  leader: 'leader',
  housing: 'housing',
  housingLeader: 'housing-leader',
  education: 'education',
  educationLeader: 'education-leader',
};

export class ProposalHarness {
  env!: TestWorkflowEnvironment;
  recorder: ReturnType<typeof recordingActivities>;
  private worker!: Worker;
  private taskQueue!: string;
  private running!: Promise<void>;
  private seq = 0;

  /** `record` makes the mock activities: the clock and proposal ones, or a superset (follow-ups too). */
  constructor(private readonly record: () => ReturnType<typeof recordingActivities> = recordingActivities) {
    this.recorder = record();
  }

  async setUp() {
    this.recorder = this.record();
    this.seq = 0;
    this.env = await createTimeSkippingEnv();
    ({ worker: this.worker, taskQueue: this.taskQueue } = await createTestWorker(
      this.env,
      this.recorder.activities,
    ));
    this.running = this.worker.run();
  }

  async tearDown() {
    this.worker.shutdown();
    await this.running;
    await this.env.teardown();
  }

  travelTo = (iso: string) => travelTo(this.env, iso);

  /** Starts a proposal now (the server's current time) and returns its handle. */
  async start(draft: Partial<ProposalDraft> = {}, policy: Policy = defaultPolicy, historyLimit?: number) {
    const number = `2026-${String(++this.seq).padStart(4, '0')}`;
    const handle = await this.env.client.workflow.start<typeof proposal>('proposal', {
      workflowId: proposalWorkflowId(number),
      taskQueue: this.taskQueue,
      args: [
        {
          proposalId: number,
          sessionYear: 2026,
          number,
          policy,
          policyVersion: 1,
          historyLimit,
          draft: {
            title: '关于加快老旧小区加装电梯的建议',
            content: '建议简化审批流程……',
            type: 'interSession',
            leadProposerId: people.lead,
            coSignerIds: [],
            ...draft,
          },
        },
      ],
    });
    await this.settled(handle);
    return handle;
  }

  /** Waits until the proposal's first clock runs (its start is set up). */
  private async settled(handle: WorkflowHandle) {
    while (Object.keys((await this.view(handle)).clocks).length === 0)
      await new Promise((r) => setTimeout(r, 20));
  }

  act<A extends ActionName>(
    handle: WorkflowHandle,
    name: A,
    args: ActionArgs<A>,
    by: string,
  ): Promise<ProposalView> {
    return handle.executeUpdate<ProposalView, [ProposalAction]>('act', {
      args: [{ name, args, by } as ProposalAction],
    });
  }

  /** The refusal code of an action the workflow must refuse. */
  async refusal<A extends ActionName>(handle: WorkflowHandle, name: A, args: ActionArgs<A>, by: string) {
    const err = await this.act(handle, name, args, by).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof WorkflowUpdateFailedError))
      throw new Error(`${name} was not refused: ${String(err)}`);
    return (err.cause as { type?: string }).type;
  }

  view = (handle: WorkflowHandle) => handle.query<ProposalView>('view');

  /** Due date of a clock, from the live view. */
  async due(handle: WorkflowHandle, clockId: string) {
    return (await this.view(handle)).clocks[clockId]?.plan.deadline.due;
  }
}
