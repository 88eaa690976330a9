import { checkGuarantee, type GuaranteeClock, type GuaranteeItem } from '../../domain/guarantee';

describe('the guarantee', () => {
  const item = (itemId: string, unitIds: string[], answered = false): GuaranteeItem => ({
    itemId,
    itemKind: 'followUp',
    unitIds,
    answered,
  });
  const clock = (itemId: string, patch: Partial<GuaranteeClock> = {}): GuaranteeClock => ({
    itemId,
    clockId: 'response-1',
    overdue: false,
    escalation: null,
    nextStepAt: 1,
    ...patch,
  });

  it('covers answered items and items whose running clocks will escalate or have', () => {
    const report = checkGuarantee(
      [item('answered', ['a'], true), item('waiting', ['a']), item('chased', ['b']), item('pending', ['b'])],
      [
        clock('waiting'),
        clock('chased', { overdue: true, escalation: 'publicNotice', nextStepAt: null }),
        clock('pending', { overdue: true, nextStepAt: 5 }),
      ],
    );
    expect(report.uncovered).toEqual([]);
    expect(report.ledger).toEqual([
      { unitId: 'a', open: 2, answered: 1, overdue: 0, escalated: 0 },
      { unitId: 'b', open: 2, answered: 0, overdue: 2, escalated: 1 },
    ]);
  });

  it('names open unanswered items without a running clock, or with an overdue clock gone silent', () => {
    const report = checkGuarantee(
      [item('lost', ['a']), item('silent', ['a', 'b'])],
      [
        clock('silent', { clockId: 'ok' }),
        clock('silent', { clockId: 'mute', overdue: true, nextStepAt: null }),
        clock('elsewhere'),
      ],
    );
    expect(report.uncovered).toEqual([
      { itemId: 'lost', itemKind: 'followUp', unitIds: ['a'], reason: 'noRunningClock', clockIds: [] },
      {
        itemId: 'silent',
        itemKind: 'followUp',
        unitIds: ['a', 'b'],
        reason: 'silentClock',
        clockIds: ['mute'],
      },
    ]);
    expect(report.ledger.map((row) => [row.unitId, row.open, row.overdue])).toEqual([
      ['a', 2, 1],
      ['b', 1, 1],
    ]);
  });
});
