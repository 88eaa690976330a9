/**
 * One action on a proposal, whoever triggers it (an endpoint, the CSV import, the demo seed): the
 * caller must see the proposal, act for their own unit where the action is a unit's, and name ids
 * that exist; the workflow then applies the rules of domain/proposal-actions.ts.
 */
import {
  actionLabels,
  actionRoles,
  type ActionArgs,
  type ActionName,
  type ProposalAction,
} from '../../../domain/proposal-actions';
import { summarize, visibleTo } from '../../../domain/proposal-summary';
import { finalStatuses, type ProposalState, type ProposalStatus } from '../../../domain/proposal';
import { hasRole, type Caller, type Role } from '../../../domain/roles';
import type { AppDeps } from '../../deps';
import { forbidden, HttpError, invalidFields } from '../../errors';
import { keyedUpdate } from '../../idempotency';
import { loadProposal, proposalNotFound } from './load';
import { needsOf, resolveReferences, type Need } from './references';
import { isRunning, sendUpdate, type ProposalView } from './workflow';

const unitRoles: readonly Role[] = ['unit', 'unitLeader'];

/**
 * A unit's own action (sign-for, return request, contact, opinion, extension request, reply): only unit
 * roles may take it, so `args.unitId` must be the caller's unit. Committee rulings that name a unit
 * (ruleReturn, waiveOpinion, ruleExtension, reclassify) act body-wide and are not unit-scoped.
 */
export const unitScoped = (name: ActionName) => actionRoles[name].every((role) => unitRoles.includes(role));

/** Ids in an action's arguments that must exist in the directory. */
export const actionNeeds: { [A in ActionName]?: (args: ActionArgs<A>) => Need[] } = {
  review: (args) =>
    args.decision === 'convert' ? [{ field: 'body.unitId', id: args.unitId, kind: 'handlingUnit' }] : [],
  assign: (args) => [
    ...(args.leadUnitId
      ? [{ field: 'body.leadUnitId', id: args.leadUnitId, kind: 'handlingUnit' } as const]
      : []),
    ...needsOf('body.coHandlerUnitIds', args.coHandlerUnitIds, 'handlingUnit'),
    ...needsOf('body.parallelUnitIds', args.parallelUnitIds, 'handlingUnit'),
  ],
  ruleReturn: (args) =>
    args.toUnitId ? [{ field: 'body.toUnitId', id: args.toUnitId, kind: 'handlingUnit' }] : [],
  markKey: (args) => [{ field: 'body.leaderId', id: args.leaderId, kind: 'leader' }],
};

/** Not visible answers as not existing (404): a caller learns nothing of proposals they may not read. */
export function checkVisible(state: ProposalState, caller: Caller) {
  if (!visibleTo(summarize(state), caller)) throw proposalNotFound(state.proposalId);
}

/** A merge target must exist (else 400) and still be handled (else 409): the workflow signals it. */
async function checkMergeTarget(deps: AppDeps, intoProposalId: string) {
  const target = await deps.store.proposals
    .findById(intoProposalId, { status: 1 })
    .lean<{ status: ProposalStatus }>();
  // Filed a moment ago, the read model may not have it yet: its workflow is the proof it exists.
  const running = target ? undefined : await isRunning(deps, intoProposalId);
  if (!target && running === undefined)
    throw invalidFields([{ field: 'body.intoProposalId', message: `提案 ${intoProposalId} 不存在` }]);
  if (running === false || (target && finalStatuses.includes(target.status)))
    throw new HttpError(409, 'mergeTargetFinal', `提案 ${intoProposalId} 已办结或不再办理，不能并入`);
}

/**
 * Sends one action. With an Idempotency-Key, a retry is answered as the first request was — even when
 * that action closed the proposal (the server keeps an applied Update's outcome with its history).
 */
/** Members answer for themselves; committee staff record a named co-signer's answer given on paper. */
function checkCoSigner(caller: Caller, { coSignerId }: ActionArgs<'cosign'>) {
  const forAnother = coSignerId !== undefined && coSignerId !== caller.id;
  if (forAnother && !hasRole(caller, 'committee'))
    throw forbidden('只有提案委员会办公室可以代录联名人的书面确认（body.coSignerId）');
  if (!forAnother && !hasRole(caller, 'member', 'organization'))
    throw invalidFields([{ field: 'body.coSignerId', message: '代录联名确认须指明联名人' }]);
}

export async function sendAction<A extends ActionName>(
  deps: AppDeps,
  caller: Caller,
  proposalId: string,
  name: A,
  args: ActionArgs<A>,
  idempotencyKey?: string,
): Promise<ProposalView> {
  // The endpoint checks the role too; this check is for callers without one (the CSV import).
  if (!hasRole(caller, ...actionRoles[name]))
    throw forbidden(`${actionLabels[name]}需要角色 ${actionRoles[name].join('、')}`);
  if (name === 'cosign') checkCoSigner(caller, args as ActionArgs<'cosign'>);
  const loaded = await loadProposal(deps, proposalId);
  checkVisible(loaded.state, caller);
  if (!loaded.live && idempotencyKey === undefined)
    throw new HttpError(409, 'notRunning', `提案 ${proposalId} 已不在办理中，不能再操作`);
  const unitId = (args as { unitId?: string }).unitId;
  if (unitScoped(name) && unitId !== caller.unitId)
    throw forbidden(`只能以本单位（${caller.unitId ?? '未设置'}）的名义${actionLabels[name]}`);
  await resolveReferences(deps.store, actionNeeds[name]?.(args) ?? []);
  const review = args as ActionArgs<'review'>;
  if (name === 'review' && review.decision === 'merge') await checkMergeTarget(deps, review.intoProposalId);
  const { updateId } = await keyedUpdate(deps, {
    caller,
    key: idempotencyKey,
    request: { at: `POST /api/proposals/${proposalId}/actions/${name}`, args },
  });
  return sendUpdate(deps, proposalId, { name, args, by: caller.id } as ProposalAction, updateId);
}
