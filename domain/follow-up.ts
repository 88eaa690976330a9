/**
 * Follow-up items (件件有回音, domain.md §4): anything that awaits an answer from
 * somebody. This is the contract other lifecycles start them with.
 */
import type { FollowUpKind, Policy } from './policy';

export interface FollowUpInput {
  followUpId: string;
  kind: FollowUpKind;
  title: string;
  content: string;
  /** Who is owed the answer and evaluates it. */
  sender: { userIds?: string[]; groupId?: string; unitId?: string };
  responder: { unitId: string };
  source?: { proposalId?: string; postingId?: string; campaignId?: string };
  policy: Policy;
  policyVersion: number;
}
