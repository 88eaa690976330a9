/**
 * Filing a proposal: numbered per session year from a counter, started as workflow
 * `proposal-<number>` with the policy in force, once — an Idempotency-Key makes a retried request
 * return the same proposal, and a workflow id is never reused. A new proposal is answered from what
 * was started (its input is the state its workflow begins with), not read back from the workflow.
 */
import { actionLabels, availableActions } from '../../../domain/proposal-actions';
import {
  currentSessionYear,
  formatProposalNumber,
  parseProposalNumber,
  proposalCounter,
} from '../../../domain/proposal-number';
import type { ProposalDraft, ProposalInput } from '../../../domain/proposal';
import { hasRole, type Caller } from '../../../domain/roles';
import type { Store } from '../../../store';
import { nextSequence, readCounter, reserveSequence } from '../../../store/counters';
import { currentPolicy, type PolicyVersion } from '../../../store/policy';
import { initialState } from '../../../workflows/proposal';
import type { AppDeps } from '../../deps';
import { forbidden, invalidFields } from '../../errors';
import { createOnce, findClaim, inTurn } from '../../idempotency';
import { actionLink } from '../../schemas';
import { actionPath, presentState, type ProposalDetail } from './present';
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

/** Members and organizations file in the current session year; committee staff may choose another. */
function sessionYearOf(caller: Caller, body: CreateBody): number {
  const current = currentSessionYear();
  if (body.sessionYear === undefined || body.sessionYear === current) return current;
  if (!hasRole(caller, 'committee'))
    throw forbidden(`只有提案委员会办公室可以在其他年度（body.sessionYear）提交提案，本年度为 ${current}`);
  return body.sessionYear;
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

// The policy in force, parsed once per version (a version never changes once saved).
const parsedPolicies = new WeakMap<Store, PolicyVersion>();

/**
 * The policy in force. Its version number is read on every filing, so a version saved a moment ago
 * is the one the next proposal snapshots; the document is read and parsed only when that number moves.
 */
export async function policyInForce(store: Store): Promise<PolicyVersion> {
  const latest = await store.policies.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean<{ _id: number }>();
  const known = parsedPolicies.get(store);
  if (known && latest?._id === known.version) return known;
  const current = await currentPolicy(store);
  parsedPolicies.set(store, current);
  return current;
}

/** The input of a new proposal's workflow, with the policy in force as its snapshot. */
export async function proposalInput(
  deps: AppDeps,
  proposalId: string,
  sessionYear: number,
  draft: ProposalDraft,
  inForce?: PolicyVersion,
): Promise<ProposalInput> {
  const { version, policy } = inForce ?? (await policyInForce(deps.store));
  return {
    proposalId,
    sessionYear,
    number: proposalId,
    draft,
    policy,
    policyVersion: version,
    submittedAt: Date.now(),
  };
}

/**
 * The detail of a proposal just started, from its input alone: the state its workflow starts from,
 * presented as GET presents it. Nothing is recorded yet, so no deadlines (the first clock is planned
 * by an activity right after the start) and no timeline; the actions are those that state allows.
 */
export function presentFiled(input: ProposalInput, caller: Caller): ProposalDetail {
  const state = initialState(input);
  const actions = availableActions(state, caller, { policy: input.policy, clocks: {} });
  return {
    proposal: presentState(state, input.policy, new Map()),
    live: true,
    deadlines: [],
    timeline: [],
    actions: actions.map((name) => actionLink(name, actionLabels[name], actionPath(state.proposalId, name))),
  };
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

const nextNumber = async (deps: AppDeps, sessionYear: number, stored?: number) =>
  formatProposalNumber(sessionYear, await nextSequence(deps.store, proposalCounter(sessionYear), stored));

/**
 * Files a proposal; `created` is false when an earlier request with the same key already did, else
 * `input` is what its workflow was started with. Numbers are claimed (store/counters.ts); one whose
 * workflow exists without a claim is taken all the same: the workflow id decides, and a new one is drawn.
 * Round trips, in order: the reads side by side (directory, policy version, the key's claim, the
 * counter; all by `_id` but the first two), the number's claim, the key's claim, the start.
 */
export async function createProposal(
  deps: AppDeps,
  caller: Caller,
  body: CreateBody,
  idempotencyKey?: string,
): Promise<{ proposalId: string; created: boolean; input?: ProposalInput }> {
  const leadProposerId = leadOf(caller, body);
  const sessionYear = sessionYearOf(caller, body);
  return inTurn(caller, idempotencyKey, async () => {
    const [draft, inForce, found, stored] = await Promise.all([
      draftOf(deps, { ...body, leadProposerId }),
      policyInForce(deps.store),
      findClaim(deps, caller, idempotencyKey),
      readCounter(deps.store, proposalCounter(sessionYear)),
    ]);
    let started: ProposalInput | undefined;
    const { id, created } = await createOnce(
      deps,
      { caller, key: idempotencyKey, request: { draft, sessionYear }, found },
      {
        allocate: () => nextNumber(deps, sessionYear, stored),
        start: async (proposalId, requestId) => {
          started = await proposalInput(deps, proposalId, sessionYear, draft, inForce);
          return startProposalWorkflow(deps, started, requestId);
        },
      },
    );
    return created ? { proposalId: id, created, input: started } : { proposalId: id, created };
  });
}
