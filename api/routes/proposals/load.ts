/**
 * One proposal's state: the workflow's own view while it runs (the truth, including its clock table
 * that the rules read), the read model once it is final (no worker needed to show a closed proposal).
 */
import type { Policy } from '../../../domain/policy';
import { isFinal } from '../../../domain/proposal-actions';
import type { ProposalState } from '../../../domain/proposal';
import type { Store } from '../../../store';
import { currentPolicy, policyVersion } from '../../../store/policy';
import type { ClockTable } from '../../../workflows/clocks';
import type { AppDeps } from '../../deps';
import { HttpError, notFound } from '../../errors';
import { queryView } from './workflow';

export interface LoadedProposal {
  state: ProposalState;
  /** The workflow's clock table; absent when read from the read model. */
  clocks?: ClockTable;
  /** The workflow still runs and takes actions. */
  live: boolean;
}

export const proposalNotFound = (id: string) => notFound(`提案 ${id}`);

export async function loadProposal(deps: AppDeps, id: string): Promise<LoadedProposal> {
  const doc = await deps.store.proposalStates.findById(id).lean<{ state: ProposalState }>();
  if (doc && isFinal(doc.state)) return { state: doc.state, live: false };
  let view: Awaited<ReturnType<typeof queryView>>;
  try {
    view = await queryView(deps, id);
  } catch (err) {
    // The worker did not answer in time (busy or down): show what the read model last recorded.
    if (doc) return { state: doc.state, live: false };
    throw new HttpError(503, 'notReady', `提案 ${id} 的办理进程暂未响应，请稍后重试`, {
      cause: err instanceof Error ? err.message : String(err),
    });
  }
  if (view) return { state: view.state, clocks: view.clocks, live: !isFinal(view.state) };
  if (doc) return { state: doc.state, live: false };
  throw proposalNotFound(id);
}

// Policy versions never change once saved, so each is parsed once per store.
const policyCache = new WeakMap<Store, Map<number, Policy>>();

/** The policy a proposal was started with (its snapshot's version); the current one if that is gone. */
export async function policyOf(store: Store, version: number): Promise<Policy> {
  const cache = policyCache.get(store) ?? new Map<number, Policy>();
  policyCache.set(store, cache);
  const cached = cache.get(version);
  if (cached) return cached;
  const policy = (await policyVersion(store, version))?.policy ?? (await currentPolicy(store)).policy;
  cache.set(version, policy);
  return policy;
}
