/**
 * Filing a proposal: numbered per session year from a counter, started as workflow
 * `proposal-<number>` with the policy in force, once — an Idempotency-Key makes a retried request
 * return the same proposal, and a workflow id is never reused.
 */
import {
  currentSessionYear,
  formatProposalNumber,
  parseProposalNumber,
  proposalCounter,
} from '../../../domain/proposal-number';
import type { ProposalDraft, ProposalInput } from '../../../domain/proposal';
import { hasRole, type Caller } from '../../../domain/roles';
import { nextSequence, reserveSequence } from '../../../store/counters';
import { currentPolicy } from '../../../store/policy';
import type { AppDeps } from '../../deps';
import { forbidden, invalidFields } from '../../errors';
import { createOnce } from '../../idempotency';
import { needsOf, resolveReferences } from './references';
import type { CreateBody } from './schemas';
import { startProposalWorkflow } from './workflow';

/** The first proposer: the caller, or whoever committee staff file for (代为提交). */
function leadOf(caller: Caller, body: CreateBody): string {
  const lead = body.leadProposerId ?? caller.id;
  if (lead !== caller.id && !hasRole(caller, 'committee'))
    throw forbidden('只有提案委员会办公室可以代为提交提案');
  if (!body.leadProposerId && !hasRole(caller, 'member', 'organization'))
    throw invalidFields([{ field: 'body.leadProposerId', message: '代为提交须指明第一提案人' }]);
  if (body.coSignerIds.includes(lead))
    throw invalidFields([{ field: 'body.coSignerIds', message: `第一提案人 ${lead} 不能同时是联名人` }]);
  return lead;
}

/** The draft, once every person it names is an active member (or organization, for the lead). */
export async function draftOf(
  deps: AppDeps,
  body: Omit<ProposalDraft, 'organization'>,
): Promise<ProposalDraft> {
  const users = await resolveReferences(deps.store, [
    { field: 'body.leadProposerId', id: body.leadProposerId, kind: 'proposer' },
    ...needsOf('body.coSignerIds', body.coSignerIds, 'member'),
  ]);
  const organization = users.get(body.leadProposerId)!.roles.includes('organization');
  const { title, content, type, topic, leadProposerId, coSignerIds } = body;
  return {
    title,
    content,
    type,
    topic,
    leadProposerId,
    coSignerIds,
    ...(organization ? { organization } : {}),
  };
}

/** The input of a new proposal's workflow, with the policy in force as its snapshot. */
export async function proposalInput(
  deps: AppDeps,
  proposalId: string,
  sessionYear: number,
  draft: ProposalDraft,
): Promise<ProposalInput> {
  const { version, policy } = await currentPolicy(deps.store);
  return { proposalId, sessionYear, number: proposalId, draft, policy, policyVersion: version };
}

/**
 * Starts a proposal under a number it already has (CSV import, demo), keeping the counter past it.
 * `requestId` is fixed per source and number, so running the source again finds its own workflow.
 */
export async function startNumbered(deps: AppDeps, number: string, draft: ProposalDraft, requestId: string) {
  const { sessionYear, seq } = parseProposalNumber(number)!;
  await reserveSequence(deps.store, proposalCounter(sessionYear), seq);
  return startProposalWorkflow(deps, await proposalInput(deps, number, sessionYear, draft), requestId);
}

const nextNumber = async (deps: AppDeps, sessionYear: number) =>
  formatProposalNumber(sessionYear, await nextSequence(deps.store, proposalCounter(sessionYear)));

/**
 * Files a proposal; `created` is false when an earlier request with the same key already did. A number
 * is taken when a concurrent request drew the same one (FerretDB's $inc is not atomic) or an import
 * started it: the workflow id decides, and the loser draws again.
 */
export async function createProposal(
  deps: AppDeps,
  caller: Caller,
  body: CreateBody,
  idempotencyKey?: string,
): Promise<{ proposalId: string; created: boolean }> {
  const leadProposerId = leadOf(caller, body);
  const sessionYear = body.sessionYear ?? currentSessionYear();
  const draft = await draftOf(deps, { ...body, leadProposerId });
  const { id, created } = await createOnce(
    deps,
    { caller, key: idempotencyKey, request: { draft, sessionYear } },
    {
      allocate: () => nextNumber(deps, sessionYear),
      start: async (proposalId, requestId) =>
        startProposalWorkflow(deps, await proposalInput(deps, proposalId, sessionYear, draft), requestId),
    },
  );
  return { proposalId: id, created };
}
