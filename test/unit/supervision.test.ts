import {
  figuresBy,
  initialPostingState,
  maySeePosting,
  nextQuarter,
  postingActionsFor,
  postingRefusal,
  quarterOf,
  quartersBetween,
  supervisionFigures,
  termReport,
  type LetterFacts,
  type PostingState,
} from '../../domain/supervision';
import { defaultPolicy } from '../../domain/policy';
import type { Role } from '../../domain/roles';

describe('quarters', () => {
  it('are calendar quarters, named by year', () => {
    expect(quarterOf('2027-01-04')).toEqual({ code: '2027Q1', start: '2027-01-01', end: '2027-03-31' });
    expect(quarterOf('2027-06-30')).toEqual({ code: '2027Q2', start: '2027-04-01', end: '2027-06-30' });
    expect(nextQuarter(quarterOf('2027-11-15'))).toEqual({
      code: '2028Q1',
      start: '2028-01-01',
      end: '2028-03-31',
    });
    expect(quartersBetween('2027-02-10', '2028-01-04').map((q) => q.code)).toEqual([
      '2027Q1',
      '2027Q2',
      '2027Q3',
      '2027Q4',
      '2028Q1',
    ]);
  });
});

const letter = (patch: Partial<LetterFacts>): LetterFacts => ({
  followUpId: 'L',
  title: 't',
  status: 'awaitingAcknowledgement',
  respondedOnTime: null,
  adopted: null,
  openCommitments: [],
  ...patch,
});

describe('supervision figures (domain.md §7)', () => {
  const letters = [
    letter({ followUpId: 'L1', status: 'closed', respondedOnTime: true, adopted: true }),
    letter({
      followUpId: 'L2',
      status: 'implementing',
      respondedOnTime: false,
      adopted: true,
      openCommitments: ['a', 'b'],
    }),
    letter({ followUpId: 'L3', status: 'closed', respondedOnTime: true, adopted: false }),
    letter({ followUpId: 'L4', status: 'awaitingEvaluation', respondedOnTime: true }),
  ];

  it('counts replies on time against letters and adoption against rated letters', () => {
    expect(supervisionFigures(letters)).toEqual({
      letters: 4,
      replied: 4,
      repliedOnTime: 3,
      replyOnTimeRate: 0.75,
      evaluated: 3,
      adopted: 2,
      adoptionRate: 0.6667,
      implementing: 1,
      openCommitments: 2,
      open: 2,
    });
  });

  it('gives no rate where there is nothing to divide', () => {
    expect(supervisionFigures([])).toMatchObject({ replyOnTimeRate: null, adoptionRate: null });
  });

  it('groups by any key, skipping letters without one', () => {
    const byFirst = figuresBy(letters, (l) =>
      l.followUpId === 'L4' ? undefined : l.followUpId < 'L3' ? 'a' : 'b',
    );
    expect(byFirst.map(({ key, figures }) => [key, figures.letters])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });
});

describe('a posting', () => {
  const started = Date.parse('2027-01-04T10:00:00+08:00');
  const posting: PostingState = initialPostingState(started);
  const log = {
    action: 'logActivity',
    by: 'he',
    kind: 'visit',
    summary: 's',
    participants: [] as string[],
  } as const;

  it('logs activities of its term up to today', () => {
    expect(postingRefusal(posting, { ...log, date: '2027-01-04' }, '2027-01-10')).toBeUndefined();
    expect(postingRefusal(posting, { ...log, date: '2027-01-11' }, '2027-01-10')?.code).toBe(
      'activity_in_future',
    );
    expect(postingRefusal(posting, { ...log, date: '2027-01-03' }, '2027-01-10')?.code).toBe(
      'activity_before_posting',
    );
  });

  it('is seen by its group, its department and body-wide roles', () => {
    const where = { groupId: 'group-ecology', departmentId: 'dept-ecology' };
    const caller = (roles: Role[], patch: object = {}) => ({ id: 'u', roles, ...patch });
    expect(maySeePosting(caller(['secretary'], { groupId: 'group-ecology' }), where)).toBe(true);
    expect(maySeePosting(caller(['department'], { unitId: 'dept-ecology' }), where)).toBe(true);
    expect(maySeePosting(caller(['leader']), where)).toBe(true);
    expect(maySeePosting(caller(['supervisor'], { groupId: 'group-other' }), where)).toBe(false);
    expect(maySeePosting(caller(['unit'], { unitId: 'unit-housing' }), where)).toBe(false);
  });

  it('lets its group log and write, its secretary log, committee staff log and end it', () => {
    const where = { groupId: 'group-ecology', status: 'active' as const };
    const caller = (roles: Role[], patch: object = {}) => ({ id: 'u', roles, ...patch });
    const ours = { groupId: 'group-ecology' };
    expect(postingActionsFor(caller(['supervisor'], ours), where)).toEqual(['logActivity', 'sendLetter']);
    expect(postingActionsFor(caller(['secretary'], ours), where)).toEqual(['logActivity']);
    expect(postingActionsFor(caller(['committee']), where)).toEqual(['logActivity', 'endTerm']);
    expect(postingActionsFor(caller(['supervisor'], { groupId: 'group-other' }), where)).toEqual([]);
    expect(postingActionsFor(caller(['department'], { unitId: 'dept-ecology' }), where)).toEqual([]);
    expect(postingActionsFor(caller(['committee']), { ...where, status: 'ended' })).toEqual([]);
  });

  it('takes no command once ended', () => {
    const ended: PostingState = { ...posting, status: 'ended' };
    expect(postingRefusal(ended, { action: 'endTerm', by: 'c', note: 'n' }, '2027-02-01')).toEqual({
      code: 'posting_ended',
      message: '派驻期已结束，不能结束派驻',
    });
  });

  it('reports its term: letters per quarter, short quarters, activities, open letters', () => {
    const sent = (followUpId: string, quarter: string) => ({
      followUpId,
      title: followUpId,
      quarter,
      sentAt: 0,
      sentBy: 'he',
    });
    const report = termReport(
      {
        input: { postingId: 'P', groupId: 'g', departmentId: 'd' },
        state: {
          startedAt: started,
          letters: [sent('P-L1', '2027Q1'), sent('P-L2', '2027Q1'), sent('P-L3', '2027Q3')],
          ended: { at: Date.parse('2027-10-08T12:00:00+08:00'), reason: 'endedEarly' },
          termEnd: '2028-01-04',
        },
        lettersPerQuarter: defaultPolicy.supervision.lettersPerQuarter,
      },
      // L3 is not in the read model yet: it counts as awaiting sign-for.
      [
        letter({ followUpId: 'P-L1', status: 'closed', respondedOnTime: true, adopted: true }),
        letter({
          followUpId: 'P-L2',
          status: 'implementing',
          respondedOnTime: true,
          adopted: false,
          openCommitments: ['c'],
        }),
        letter({ followUpId: 'other', status: 'closed' }),
      ],
      ['visit', 'inspection', 'inspection'],
    );
    expect(report).toMatchObject({
      term: { start: '2027-01-04', end: '2027-10-08' },
      figures: { letters: 3, repliedOnTime: 2, adopted: 1, evaluated: 2, openCommitments: 1, open: 2 },
      quarters: [
        { quarter: '2027Q1', letters: 2 },
        { quarter: '2027Q2', letters: 0 },
        { quarter: '2027Q3', letters: 1 },
        { quarter: '2027Q4', letters: 0 },
      ],
      quartersShort: ['2027Q2', '2027Q4'],
      activities: { visit: 1, inspection: 2, meeting: 0 },
      openLetters: [
        { followUpId: 'P-L2', status: 'implementing' },
        { followUpId: 'P-L3', status: 'awaitingAcknowledgement' },
      ],
    });
  });

  it('ends a term that ran out on its last day, not on the day its timer fired', () => {
    const report = termReport(
      {
        input: { postingId: 'P', groupId: 'g', departmentId: 'd' },
        state: {
          startedAt: started,
          letters: [],
          ended: { at: Date.parse('2028-01-05T00:00:00.010+08:00'), reason: 'termEnded' },
          termEnd: '2028-01-04',
        },
        lettersPerQuarter: 1,
      },
      [],
      [],
    );
    expect(report.term).toEqual({ start: '2027-01-04', end: '2028-01-04' });
  });
});
