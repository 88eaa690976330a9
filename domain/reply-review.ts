/**
 * Reviewed replies (domain.md §2.5): a liaison drafts, the unit leader signs off, and — where the policy
 * says so — the committee checks the reply before it is released to the proposers. Small and free of
 * heavy imports: workflow code uses it.
 */
import type { ClockCode, Policy } from './policy';
import type { TimeLimit } from './time';

/**
 * The clocks of the review, added after the first release. Not fixed by domain.md: the unit leader's
 * sign-off of a drafted (or returned) reply, and the committee's check before release, get working-day
 * limits so no draft waits silently. Policies stored (or snapshotted into runs) before them get these.
 */
export const reviewClockDefaults: Record<'replySignOff' | 'replyCheck', ClockRule> = {
  replySignOff: { limit: { unit: 'workingDays', amount: 3 }, ladder: 'standard', label: '答复审签' },
  replyCheck: { limit: { unit: 'workingDays', amount: 5 }, ladder: 'standard', label: '答复审核' },
};

/** A clock's rule in the policy (`policy.clocks`), spelled out here so the policy schema can use the defaults. */
interface ClockRule {
  limit: TimeLimit;
  ladder: string;
  label: string;
}

/** The rule of clock `code`: the policy's, or the default of a clock added after the policy was saved. */
export const clockRuleOf = (policy: Policy, code: ClockCode): ClockRule =>
  policy.clocks[code] ?? (reviewClockDefaults as Partial<Record<ClockCode, ClockRule>>)[code]!;

export type CommitteeCheck = 'keyProposals' | 'all' | 'none';

/** Whether the committee checks a reply before release; a policy without the flag: key proposals only. */
export function committeeChecksReply(policy: Policy, keyProposal: boolean): boolean {
  const rule: CommitteeCheck = policy.flags.committeeChecksReplies ?? 'keyProposals';
  return rule === 'all' || (rule === 'keyProposals' && keyProposal);
}
