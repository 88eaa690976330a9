/**
 * The proposal workflow as the API reaches it: start (idempotent by workflow id), query, and the `act`
 * Update, whose refusals become HTTP 409 with the workflow's own code and Chinese message.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { ProposalAction } from '../../../domain/proposal-actions';
import { proposalWorkflowId, type ProposalInput } from '../../../domain/proposal';
import { actUpdate, viewQuery, type proposal, type ProposalView } from '../../../workflows/proposal';
import { HuiyinKind, HuiyinStatus, Overdue, SessionYear } from '../../../workflows/search-attributes';
import type { AppDeps } from '../../deps';
import { HttpError } from '../../errors';
import { runUpdate } from '../../updates';

export type { ProposalView };

export const proposalHandle = ({ temporal }: AppDeps, proposalId: string) =>
  temporal.workflow.getHandle<typeof proposal>(proposalWorkflowId(proposalId));

/** `existing`: this request (same requestId) started it before; `taken`: another proposal has the number. */
export type StartOutcome = 'started' | 'existing' | 'taken';

/**
 * Starts the workflow of `input`. A workflow id is never reused, even after it closed, so a retry can
 * never start a proposal twice; the memo's requestId tells a retry of ours from a number taken meanwhile.
 */
export async function startProposalWorkflow(
  deps: AppDeps,
  input: ProposalInput,
  requestId: string,
): Promise<StartOutcome> {
  try {
    await deps.temporal.workflow.start<typeof proposal>('proposal', {
      workflowId: proposalWorkflowId(input.proposalId),
      taskQueue: deps.temporalConfig.TEMPORAL_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { requestId },
      // Codes and numbers only: search attributes are stored unencrypted.
      typedSearchAttributes: [
        { key: HuiyinKind, value: 'proposal' },
        { key: HuiyinStatus, value: input.draft.coSignerIds.length > 0 ? 'cosigning' : 'underReview' },
        { key: SessionYear, value: input.sessionYear },
        { key: Overdue, value: false },
      ],
    });
    return 'started';
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const { memo } = await proposalHandle(deps, input.proposalId).describe();
    return memo?.requestId === requestId ? 'existing' : 'taken';
  }
}

/** The live view, or undefined when no such workflow exists. */
export async function queryView(deps: AppDeps, proposalId: string): Promise<ProposalView | undefined> {
  try {
    return await proposalHandle(deps, proposalId).query(viewQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Sends one action; a refusal (validator or handler) is a 409 carrying the workflow's code. */
export const sendUpdate = (
  deps: AppDeps,
  proposalId: string,
  action: ProposalAction,
): Promise<ProposalView> =>
  runUpdate(
    () => proposalHandle(deps, proposalId).executeUpdate(actUpdate, { args: [action] }),
    () => new HttpError(409, 'notRunning', `提案 ${proposalId} 已不在办理中，不能再操作`),
  );
