/**
 * 落实率 (domain.md §7): a class-B commitment reported done through its follow-up item counts for
 * the proposal unit that made it, and later writes of the proposal never undo that.
 */
import { createActivities } from '../../activities';
import { markCommitmentDone } from '../../activities/follow-ups';
import type { FollowUpView } from '../../domain/follow-up';
import type { ProposalState } from '../../domain/proposal';
import { findSummary } from '../../store/proposals';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const state = (revision: number): ProposalState =>
  ({
    proposalId: '2026-0900',
    number: '2026-0900',
    sessionYear: 2026,
    title: '关于增设公交线路的建议',
    content: '……',
    type: 'interSession',
    leadProposerId: 'member-zhang',
    coSignerIds: [],
    status: revision === 1 ? 'awaitingFeedback' : 'closed',
    confirmedCoSignerIds: [],
    declinedCoSignerIds: [],
    mergedProposers: [],
    assignments: [{ unitId: 'unit-housing', role: 'lead', status: 'replied', assignedAt: 0 }],
    feedback: [],
    round: 0,
    submittedAt: 0,
    policyVersion: 1,
  }) as ProposalState;

test('a commitment reported done counts as done, and the proposal’s later writes keep it', async () => {
  const activities = createActivities({ store: stack.store });
  await activities.recordProposal({ state: state(1), revision: 1 });
  // The report is a row of its own in the year's view, which the statistics join to the unit.
  const unit = async () => {
    const { summary, done } = (await findSummary(stack.store, '2026-0900'))!;
    return { status: summary.status, commitmentDone: done.has('2026-0900|unit-housing') ? 1 : 0 };
  };
  expect(await unit()).toMatchObject({ commitmentDone: 0 });

  const item = {
    followUpId: '2026-0900-commitment-unit-housing',
    kind: 'commitment',
    source: { proposalId: '2026-0900' },
    responder: { unitId: 'unit-housing' },
    outcome: { code: 'done', at: Date.now() },
  } as FollowUpView;
  await markCommitmentDone({ store: stack.store }, { ...item, outcome: null } as unknown as FollowUpView);
  expect(await unit()).toMatchObject({ commitmentDone: 0 }); // not done yet
  await markCommitmentDone({ store: stack.store }, item);
  expect(await unit()).toMatchObject({ commitmentDone: 1 });

  await activities.recordProposal({ state: state(2), revision: 2 });
  expect(await unit()).toMatchObject({ commitmentDone: 1, status: 'closed' });
});
