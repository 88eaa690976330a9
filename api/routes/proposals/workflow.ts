/**
 * The proposal workflow as the API reaches it: start (idempotent by workflow id), query, and the `act`
 * Update, whose refusals become HTTP 409 with the workflow's own code and Chinese message.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ProposalAction } from '../../../domain/proposal-actions';
import { proposalWorkflowId, type ProposalInput } from '../../../domain/proposal';
import { actUpdate, viewQuery, type proposal, type ProposalView } from '../../../workflows/proposal';
import { HuiyinKind, HuiyinStatus, Overdue, SessionYear } from '../../../workflows/search-attributes';
import type { AppDeps } from '../../deps';
import { HttpError } from '../../errors';
import { startOnce, type StartOutcome } from '../../idempotency';
import { runUpdate } from '../../updates';

export type { ProposalView };

export const proposalHandle = ({ temporal }: AppDeps, proposalId: string) =>
  temporal.workflow.getHandle<typeof proposal>(proposalWorkflowId(proposalId));

/** Starts the workflow of `input` (idempotent by workflow id and request id, see startOnce). */
export const startProposalWorkflow = (
  deps: AppDeps,
  input: ProposalInput,
  requestId: string,
): Promise<StartOutcome> =>
  startOnce<typeof proposal>(
    deps,
    'proposal',
    {
      workflowId: proposalWorkflowId(input.proposalId),
      args: [input],
      // Codes and numbers only: search attributes are stored unencrypted.
      typedSearchAttributes: [
        { key: HuiyinKind, value: 'proposal' },
        { key: HuiyinStatus, value: input.draft.coSignerIds.length > 0 ? 'cosigning' : 'underReview' },
        { key: SessionYear, value: input.sessionYear },
        { key: Overdue, value: false },
      ],
    },
    requestId,
  );

/** The live view, or undefined when no such workflow exists. */
export async function queryView(deps: AppDeps, proposalId: string): Promise<ProposalView | undefined> {
  try {
    return await proposalHandle(deps, proposalId).query(viewQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Whether the proposal's workflow still runs; undefined when there is no such workflow. */
export async function isRunning(deps: AppDeps, proposalId: string): Promise<boolean | undefined> {
  try {
    return (await proposalHandle(deps, proposalId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Sends one action (as Update `updateId`, when the request carried a key); a refusal (validator or
 * handler) is a 409 carrying the workflow's code.
 */
export const sendUpdate = (
  deps: AppDeps,
  proposalId: string,
  action: ProposalAction,
  updateId?: string,
): Promise<ProposalView> =>
  runUpdate(
    () => proposalHandle(deps, proposalId).executeUpdate(actUpdate, { args: [action], updateId }),
    () => new HttpError(409, 'notRunning', `提案 ${proposalId} 已不在办理中，不能再操作`),
  );
