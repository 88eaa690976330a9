import fc from 'fast-check';
import { defaultPolicy } from '../../domain/policy';
import {
  addClocks,
  adoptedClass,
  assignmentRow,
  emptyClockTally,
  emptyTally,
  figures,
  highestEscalation,
  plus,
  proposalRow,
  rate,
  type RowContext,
  type Tally,
  type UnitFlags,
} from '../../domain/statistics';

const flags = (f: Partial<UnitFlags>): UnitFlags => ({
  assigned: 1,
  replied: 0,
  repliedOnTime: 0,
  contactedBeforeReply: 0,
  commitmentDone: 0,
  feedbackReturned: 0,
  satisfied: 0,
  unsatisfied: 0,
  noFeedback: 0,
  ...f,
});
const context = (c: Partial<RowContext> = {}): RowContext => ({
  adopted: 'A',
  followUpClasses: ['B'],
  commitmentReported: false,
  replyOverdue: false,
  ...c,
});
const row = (f: Partial<UnitFlags>, c?: Partial<RowContext>) => assignmentRow(flags(f), context(c));
const sum = (rows: Tally[]) => rows.reduce(plus, emptyTally());

describe('statistics (domain.md §7)', () => {
  test('the adopted class is the first class of the policy scheme', () => {
    expect(adoptedClass(defaultPolicy)).toBe('A');
    expect(adoptedClass({ resultClassScheme: [{ ...defaultPolicy.resultClassScheme[1], code: 'X' }] })).toBe(
      'X',
    );
  });

  test('rates divide by the right denominators and are null with nothing to divide by', () => {
    const onTimeA = {
      replied: 1,
      repliedOnTime: 1,
      contactedBeforeReply: 1,
      resultClass: 'A',
      daysToReply: 10,
    };
    const tally = sum([
      // two class-A replies on time after a confirmed meeting, each with one satisfied proposer, 10 days
      row({ ...onTimeA, feedbackReturned: 1, satisfied: 1 }),
      row({ ...onTimeA, feedbackReturned: 1, satisfied: 1 }),
      // one late class-B reply without a meeting: one unsatisfied, one silent proposer
      row({
        replied: 1,
        resultClass: 'B',
        daysToReply: 40,
        feedbackReturned: 1,
        unsatisfied: 1,
        noFeedback: 1,
      }),
      // one not replied, overdue now: late already, so in 按期办复率's denominator
      row({}, { replyOverdue: true }),
      // one not replied and still in time: not in that denominator
      row({}),
    ]);
    expect(figures(tally, emptyClockTally())).toMatchObject({
      assigned: 5,
      replied: 3,
      replyDue: 4,
      replyRate: 0.6,
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
      onTimeReplyRate: null,
      satisfactionRate: null,
      averageDaysToReply: null,
      overdueNow: null,
      escalations: null,
    });
  });

  test('a class-B commitment reported done counts towards 落实率, not 解决采纳率', () => {
    const tally = row({ replied: 1, resultClass: 'B' }, { commitmentReported: true });
    expect(figures(tally, null)).toMatchObject({ commitmentDone: 1, adoptionRate: 0, implementationRate: 1 });
  });

  test('a done commitment stops counting once the reply is reclassified to A: 落实 once, never above 100 %', () => {
    const tally = row({ replied: 1, resultClass: 'A' }, { commitmentReported: true });
    expect(figures(tally, null)).toMatchObject({ commitmentDone: 0, adopted: 1, implementationRate: 1 });
  });

  test('未反馈 is never counted as satisfied', () => {
    const tally = row({ replied: 1, noFeedback: 2 });
    expect(figures(tally, null)).toMatchObject({ satisfied: 0, noFeedback: 2, satisfactionRate: null });
  });

  test('per proposal (件): replied, on time, met, adopted when every unit is; late when any is', () => {
    const a = row({
      replied: 1,
      repliedOnTime: 1,
      contactedBeforeReply: 1,
      resultClass: 'A',
      daysToReply: 20,
    });
    const inTime = row({});
    const late = row({ replied: 1, resultClass: 'A', daysToReply: 90 });
    // One unit replied on time, the other still in time: the 件 is neither replied nor decided.
    expect(proposalRow([a, inTime])).toMatchObject({ replied: 0, replyDue: 0, repliedOnTime: 0 });
    // One replied late: the 件 is late even while the other is in time.
    expect(proposalRow([a, late])).toMatchObject({
      replied: 1,
      replyDue: 1,
      repliedOnTime: 0,
      contactedBeforeReply: 0,
      adopted: 1,
      daysToReply: 90,
    });
    expect(proposalRow([row({ assigned: 0 })])).toBeNull();
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

/** Any assignment the record can produce: flags consistent with each other (on time implies replied …). */
const anyUnit = fc
  .record({
    assigned: fc.boolean(),
    replied: fc.boolean(),
    onTime: fc.boolean(),
    met: fc.boolean(),
    resultClass: fc.constantFrom('A', 'B', 'C', 'D'),
    days: fc.integer({ min: 0, max: 200 }),
    satisfied: fc.nat(3),
    unsatisfied: fc.nat(3),
    noFeedback: fc.nat(3),
    commitmentReported: fc.boolean(),
    replyOverdue: fc.boolean(),
  })
  .map((u) => {
    const replied = u.assigned && u.replied;
    return row(
      {
        assigned: u.assigned ? 1 : 0,
        replied: replied ? 1 : 0,
        repliedOnTime: replied && u.onTime ? 1 : 0,
        contactedBeforeReply: replied && u.met ? 1 : 0,
        resultClass: replied ? u.resultClass : null,
        daysToReply: replied ? u.days : null,
        feedbackReturned: replied ? u.satisfied + u.unsatisfied : 0,
        satisfied: replied ? u.satisfied : 0,
        unsatisfied: replied ? u.unsatisfied : 0,
        noFeedback: replied ? u.noFeedback : 0,
      },
      { commitmentReported: u.commitmentReported, replyOverdue: u.assigned && !replied && u.replyOverdue },
    );
  });
const anyProposal = fc.array(anyUnit, { minLength: 1, maxLength: 4 });
const rates = [
  'replyRate',
  'onTimeReplyRate',
  'meetingRate',
  'satisfactionRate',
  'adoptionRate',
  'implementationRate',
] as const;

describe('statistics: properties (fast-check)', () => {
  test('every rate is within [0, 1], per assignment and per proposal', () => {
    fc.assert(
      fc.property(fc.array(anyProposal, { maxLength: 30 }), (proposals) => {
        const perUnit = figures(sum(proposals.flat()), null);
        const perProposal = figures(sum(proposals.flatMap((p) => proposalRow(p) ?? [])), null);
        for (const f of [perUnit, perProposal])
          for (const r of rates) expect(f[r] === null || (f[r]! >= 0 && f[r]! <= 1)).toBe(true);
      }),
    );
  });

  test('per-件 and per-unit totals agree where each proposal has one unit', () => {
    fc.assert(
      fc.property(fc.array(anyUnit, { maxLength: 30 }), (units) => {
        const perUnit = sum(units);
        const perProposal = sum(units.flatMap((u) => proposalRow([u]) ?? []));
        expect(perProposal).toEqual(perUnit);
      }),
    );
  });

  test('a late event never raises 按期办复率', () => {
    // The events that make a unit late: its reply clock falls overdue, or it replies after the deadline.
    const lateEvents: ((u: Tally) => Tally | null)[] = [
      (u) => (u.assigned && !u.replied && !u.replyDue ? { ...u, replyDue: 1 } : null),
      (u) => (u.assigned && !u.replied ? { ...u, replied: 1, replyDue: 1 } : null),
    ];
    fc.assert(
      fc.property(
        fc.array(anyProposal, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...lateEvents),
        (proposals, p, u, event) => {
          const target = proposals[p % proposals.length];
          const changed = event(target[u % target.length]);
          fc.pre(changed !== null);
          const after = proposals.map((x) =>
            x === target ? x.map((y, i) => (i === u % x.length ? changed! : y)) : x,
          );
          const onTime = (ps: Tally[][]) => [
            figures(sum(ps.flat()), null).onTimeReplyRate,
            figures(sum(ps.flatMap((x) => proposalRow(x) ?? [])), null).onTimeReplyRate,
          ];
          const [unitBefore, proposalBefore] = onTime(proposals);
          const [unitAfter, proposalAfter] = onTime(after);
          if (unitBefore !== null) expect(unitAfter!).toBeLessThanOrEqual(unitBefore);
          if (proposalBefore !== null) expect(proposalAfter ?? 0).toBeLessThanOrEqual(proposalBefore);
        },
      ),
    );
  });
});
