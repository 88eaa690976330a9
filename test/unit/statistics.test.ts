import { defaultPolicy } from '../../domain/policy';
import {
  addClocks,
  addFlags,
  adoptedClass,
  emptyClockTally,
  emptyTally,
  figures,
  highestEscalation,
  rate,
  type UnitFlags,
} from '../../domain/statistics';

const row = (flags: Partial<UnitFlags>): UnitFlags => ({
  assigned: 1,
  replied: 0,
  repliedOnTime: 0,
  contactedBeforeReply: 0,
  commitmentDone: 0,
  feedbackReturned: 0,
  satisfied: 0,
  unsatisfied: 0,
  noFeedback: 0,
  ...flags,
});

describe('statistics (domain.md §7)', () => {
  test('the adopted class is the first class of the policy scheme', () => {
    expect(adoptedClass(defaultPolicy)).toBe('A');
    expect(adoptedClass({ resultClassScheme: [{ ...defaultPolicy.resultClassScheme[1], code: 'X' }] })).toBe(
      'X',
    );
  });

  test('rates divide by the right denominators and are null with nothing to divide by', () => {
    const rows: [UnitFlags, number][] = [
      // two class-A replies on time with a contact, each with one satisfied proposer, 10 days each
      [
        row({
          replied: 1,
          repliedOnTime: 1,
          contactedBeforeReply: 1,
          resultClass: 'A',
          daysToReply: 10,
          feedbackReturned: 1,
          satisfied: 1,
        }),
        2,
      ],
      // one late class-B reply without a prior contact: one unsatisfied, one silent proposer
      [
        row({
          replied: 1,
          resultClass: 'B',
          daysToReply: 40,
          feedbackReturned: 1,
          unsatisfied: 1,
          noFeedback: 1,
        }),
        1,
      ],
      // one not replied yet
      [row({}), 1],
    ];
    const tally = rows.reduce((t, [r, n]) => addFlags(t, r, n, 'A'), emptyTally());
    const f = figures(tally, emptyClockTally());
    expect(f).toMatchObject({
      assigned: 4,
      replied: 3,
      replyRate: 0.75,
      onTimeReplyRate: 0.5,
      meetingRate: 0.6667,
      satisfactionRate: 0.6667,
      unsatisfied: 1,
      noFeedback: 1,
      adopted: 2,
      adoptionRate: 0.6667,
      implementationRate: 0.6667,
      averageDaysToReply: 20,
      overdueNow: 0,
    });
    expect(figures(emptyTally(), null)).toMatchObject({
      replyRate: null,
      satisfactionRate: null,
      averageDaysToReply: null,
      overdueNow: null,
      escalations: null,
    });
  });

  test('a class-B commitment reported done counts towards 落实率, not 解决采纳率', () => {
    const tally = addFlags(emptyTally(), row({ replied: 1, resultClass: 'B', commitmentDone: 1 }), 1, 'A');
    expect(figures(tally, null)).toMatchObject({ adoptionRate: 0, implementationRate: 1 });
  });

  test('未反馈 is never counted as satisfied', () => {
    const tally = addFlags(emptyTally(), row({ replied: 1, noFeedback: 2 }), 1, 'A');
    expect(figures(tally, null)).toMatchObject({ satisfied: 0, noFeedback: 2, satisfactionRate: null });
  });

  test('clocks: overdue now while running; chase notices and escalations by the highest step reached', () => {
    const t = [
      [{ running: true, overdue: true, escalation: null }, 2],
      [{ running: true, overdue: true, escalation: 'chaseNotice' }, 1],
      [{ running: false, overdue: true, escalation: 'supervisionEscalation' }, 1],
      [{ running: false, overdue: false, escalation: 'publicNotice' }, 1],
      [{ running: true, overdue: false, escalation: 'reminder' }, 3],
    ] as const;
    const tally = t.reduce((acc, [r, n]) => addClocks(acc, r, n), emptyClockTally());
    expect(tally).toEqual({ overdueNow: 3, chaseNotices: 3, escalations: 2 });
  });

  test('the highest escalation fired ignores reminders', () => {
    expect(highestEscalation(['reminder', 'chaseNotice', 'supervisionEscalation'])).toBe(
      'supervisionEscalation',
    );
    expect(highestEscalation(['reminder'])).toBeNull();
    expect(highestEscalation([])).toBeNull();
  });

  test('rate rounds to four decimals', () => {
    expect(rate(1, 3)).toBe(0.3333);
    expect(rate(0, 0)).toBeNull();
  });
});
