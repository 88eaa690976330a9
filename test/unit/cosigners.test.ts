/**
 * Co-signers (联名人, domain.md §2.0) who declined or never confirmed: they do not read the proposal
 * afterwards (the one visibility rule) and are not listed as its proposers (summary, detail, CSV,
 * feedback and notices, which all take `proposers`).
 */
import { listedCoSigners, pendingCoSigners, proposers, type ProposalState } from '../../domain/proposal';
import { summarize, visibleTo } from '../../domain/proposal-summary';
import type { Caller } from '../../domain/roles';

const state = (over: Partial<ProposalState> = {}): ProposalState => ({
  title: '关于加快老旧小区加装电梯的建议',
  content: '建议简化审批流程……',
  type: 'interSession',
  leadProposerId: 'member-zhang',
  coSignerIds: ['member-li', 'member-wang', 'member-zhao'],
  proposalId: '2026-0001',
  sessionYear: 2026,
  number: '2026-0001',
  status: 'cosigning',
  confirmedCoSignerIds: [],
  declinedCoSignerIds: [],
  mergedProposers: [],
  assignments: [],
  feedback: [],
  round: 0,
  submittedAt: Date.parse('2026-03-02T10:00:00+08:00'),
  policyVersion: 1,
  ...over,
});
const member = (id: string): Caller => ({ id, roles: ['member'] });
const sees = (s: ProposalState, id: string) => visibleTo(summarize(s), member(id));

describe('while the co-signing window is open', () => {
  // li confirmed, wang declined, zhao has not answered yet.
  const open = state({ confirmedCoSignerIds: ['member-li'], declinedCoSignerIds: ['member-wang'] });

  test('the lead, a confirmed co-signer and one still asked read it; a decliner never does', () => {
    expect(sees(open, 'member-zhang')).toBe(true);
    expect(sees(open, 'member-li')).toBe(true);
    expect(sees(open, 'member-zhao')).toBe(true);
    expect(sees(open, 'member-wang')).toBe(false);
  });

  test('only the lead and confirmed co-signers are listed as proposers', () => {
    expect(proposers(open)).toEqual(['member-zhang', 'member-li']);
    expect(listedCoSigners(open)).toEqual(['member-li']);
    expect(pendingCoSigners(open)).toEqual(['member-zhao']);
    expect(summarize(open)).toMatchObject({
      proposerIds: ['member-zhang', 'member-li'],
      readerIds: ['member-zhang', 'member-li', 'member-zhao'],
    });
  });
});

describe('once the window has closed', () => {
  const closed = state({
    status: 'underReview',
    confirmedCoSignerIds: ['member-li'],
    declinedCoSignerIds: ['member-wang'],
  });

  test('one who never confirmed no longer reads it, nor does the decliner', () => {
    expect(sees(closed, 'member-zhao')).toBe(false);
    expect(sees(closed, 'member-wang')).toBe(false);
    expect(sees(closed, 'member-li')).toBe(true);
  });

  test('neither is listed, in the summary or anywhere else', () => {
    expect(pendingCoSigners(closed)).toEqual([]);
    expect(listedCoSigners(closed)).toEqual(['member-li']);
    expect(summarize(closed)).toMatchObject({
      proposerIds: ['member-zhang', 'member-li'],
      readerIds: ['member-zhang', 'member-li'],
    });
  });

  test('listed co-signers keep the order of the invitation, not of the answers', () => {
    const both = state({ status: 'underReview', confirmedCoSignerIds: ['member-zhao', 'member-li'] });
    expect(listedCoSigners(both)).toEqual(['member-li', 'member-zhao']);
  });

  test('proposers of a merged proposal are listed with it', () => {
    const merged = state({
      ...closed,
      mergedProposers: [{ proposalId: '2026-0002', proposerIds: ['member-sun'] }],
    });
    expect(proposers(merged)).toEqual(['member-zhang', 'member-li', 'member-sun']);
    expect(sees(merged, 'member-sun')).toBe(true);
  });
});

test('a summary written before readerIds existed is read by its proposerIds', () => {
  const old = { ...summarize(state({ status: 'underReview' })), readerIds: undefined };
  expect(visibleTo(old, member('member-zhang'))).toBe(true);
  expect(visibleTo(old, member('member-li'))).toBe(false);
});
