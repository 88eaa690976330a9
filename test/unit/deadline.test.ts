import chineseDaysPackage from 'chinese-days/package.json';
import { seedCalendarYears, WorkingCalendar } from '../../domain/calendar';
import { computeDeadline, plenaryReplyLimit } from '../../domain/deadline';
import type { TimeLimit } from '../../domain/time';

const cal = new WorkingCalendar(seedCalendarYears());
const v2026 = `2026:chinese-days@${chineseDaysPackage.version}`;
const at = (iso: string) => Date.parse(iso);
const dueOf = (startIso: string, rule: TimeLimit, calendar = cal) =>
  computeDeadline(calendar, at(startIso), rule).due;

describe('working days', () => {
  it('2026-09-28 + 5 working days is 2026-10-10: National Day skipped, make-up Saturday counted', () => {
    const start = at('2026-09-28T10:00:00+08:00');
    const deadline = computeDeadline(cal, start, { unit: 'workingDays', amount: 5 });
    expect(deadline).toMatchObject({
      start,
      rule: { unit: 'workingDays', amount: 5 },
      due: '2026-10-10',
      dueAt: at('2026-10-10T23:59:59.999+08:00'),
      dueAtIso: '2026-10-10T23:59:59.999+08:00',
      uncertain: false,
      calendarVersion: v2026,
    });
    expect(deadline.explanation.join('\n')).toContain('起算日 2026-09-28（周一）当日不计入');
    expect(deadline.explanation.join('\n')).toContain('2026-10-10（周六，调休上班）');
  });

  it('reads the start day in Asia/Shanghai, not UTC', () => {
    // 00:30 in Beijing is still the previous day in UTC.
    expect(dueOf('2026-09-28T00:30:00+08:00', { unit: 'workingDays', amount: 5 })).toBe('2026-10-10');
    expect(dueOf('2026-09-27T23:30:00+08:00', { unit: 'workingDays', amount: 5 })).toBe('2026-10-09');
  });

  it('skips Spring Festival and counts its make-up Saturday', () => {
    expect(dueOf('2026-02-12T09:00:00+08:00', { unit: 'workingDays', amount: 3 })).toBe('2026-02-24');
  });

  it('ends a zero-day period started on a holiday on the next working day', () => {
    expect(dueOf('2026-10-01T09:00:00+08:00', { unit: 'workingDays', amount: 0 })).toBe('2026-10-08');
  });
});

describe('months', () => {
  it('2026-03-31 + 3 months is 2026-06-30', () => {
    const deadline = computeDeadline(cal, at('2026-03-31T15:00:00+08:00'), { unit: 'months', amount: 3 });
    expect(deadline.due).toBe('2026-06-30');
    expect(deadline.dueAtIso).toBe('2026-06-30T23:59:59.999+08:00');
    expect(deadline.explanation.join('\n')).toContain('民法典第二百零二条');
  });

  it('clamps to the last day of a shorter month, leap years included', () => {
    // 2026-02-28 is a Saturday, but a make-up working day: no roll.
    expect(dueOf('2026-01-31T09:00:00+08:00', { unit: 'months', amount: 1 })).toBe('2026-02-28');
    const leap = computeDeadline(cal, at('2028-01-31T09:00:00+08:00'), { unit: 'months', amount: 1 });
    expect(leap.due).toBe('2028-02-29');
    expect(leap.uncertain).toBe(true);
  });

  it('rolls a last day on a holiday forward to the next working day', () => {
    const deadline = computeDeadline(cal, at('2026-07-01T09:00:00+08:00'), { unit: 'months', amount: 3 });
    expect(deadline.due).toBe('2026-10-08');
    expect(deadline.explanation.join('\n')).toContain(
      '2026-10-01 不是工作日，期限顺延至其后第一个工作日 2026-10-08',
    );
  });
});

describe('calendar days', () => {
  it('rolls a last day in the National Day holiday forward to 10-08', () => {
    expect(dueOf('2026-09-28T09:00:00+08:00', { unit: 'calendarDays', amount: 5 })).toBe('2026-10-08');
  });

  it('rolls a last day on an ordinary Sunday to Monday, and keeps a working last day', () => {
    expect(dueOf('2026-03-02T09:00:00+08:00', { unit: 'calendarDays', amount: 6 })).toBe('2026-03-09');
    expect(dueOf('2026-03-02T09:00:00+08:00', { unit: 'calendarDays', amount: 4 })).toBe('2026-03-06');
  });
});

describe('fixed date', () => {
  it('takes the next occurrence of MM-DD on or after the start day', () => {
    expect(dueOf('2026-03-05T09:00:00+08:00', { unit: 'fixedDate', date: '06-30' })).toBe('2026-06-30');
    expect(dueOf('2026-06-30T18:00:00+08:00', { unit: 'fixedDate', date: '06-30' })).toBe('2026-06-30');
    expect(dueOf('2026-07-01T09:00:00+08:00', { unit: 'fixedDate', date: '06-30' })).toBe('2027-06-30');
  });

  it('never rolls, even onto a holiday, and consults no holiday data', () => {
    const deadline = computeDeadline(cal, at('2026-09-01T09:00:00+08:00'), {
      unit: 'fixedDate',
      date: '2026-10-01',
    });
    expect(deadline).toMatchObject({ due: '2026-10-01', uncertain: false, calendarVersion: '' });
    expect(deadline.dueAtIso).toBe('2026-10-01T23:59:59.999+08:00');
  });
});

describe('a plenary proposal’s fixed reply date, capped at 6 months from assignment (domain.md §2.5)', () => {
  const capOf = (startIso: string) => dueOf(startIso, { unit: 'months', amount: 6 });

  it('keeps a fixed date within the cap', () => {
    const start = '2026-03-05T09:00:00+08:00';
    expect(plenaryReplyLimit('2026-03-05', '06-30', capOf(start))).toEqual({
      unit: 'fixedDate',
      date: '2026-06-30',
    });
  });

  it('caps a fixed date set after its month: next year’s date would be nearly a year away', () => {
    // Assigned 2026-07-15, after June: 06-30 next occurs on 2027-06-30; the cap is 2027-01-15.
    const start = '2026-07-15T09:00:00+08:00';
    expect(capOf(start)).toBe('2027-01-15');
    const limit = plenaryReplyLimit('2026-07-15', '06-30', capOf(start));
    expect(limit).toEqual({ unit: 'fixedDate', date: '2027-01-15' });
    expect(computeDeadline(cal, at(start), limit).due).toBe('2027-01-15');
  });

  it('caps a fixed date later in the same year but beyond 6 months', () => {
    const start = '2026-03-05T09:00:00+08:00';
    expect(plenaryReplyLimit('2026-03-05', '12-31', capOf(start))).toEqual({
      unit: 'fixedDate',
      date: capOf(start),
    });
  });

  it('keeps the fixed date when it is the cap’s own day', () => {
    expect(plenaryReplyLimit('2026-07-15', '01-15', '2027-01-15').date).toBe('2027-01-15');
  });
});

describe('a year without holiday data', () => {
  it('is counted as plain weekdays and flagged uncertain', () => {
    const deadline = computeDeadline(cal, at('2099-01-05T09:00:00+08:00'), {
      unit: 'workingDays',
      amount: 5,
    });
    expect(deadline).toMatchObject({
      due: '2099-01-12',
      uncertain: true,
      calendarVersion: '2099:weekdays-only',
    });
    expect(deadline.explanation.join('\n')).toContain('2099 年的节假日安排尚无数据');
  });

  it('flags a period that runs from a known year into an unknown one', () => {
    const only2026 = new WorkingCalendar(seedCalendarYears().filter((year) => year.year === 2026));
    const deadline = computeDeadline(only2026, at('2026-12-20T09:00:00+08:00'), {
      unit: 'months',
      amount: 3,
    });
    expect(deadline.due).toBe('2027-03-22'); // 03-20 is a Saturday
    expect(deadline.uncertain).toBe(true);
    expect(deadline.calendarVersion).toBe(`${v2026},2027:weekdays-only`);
  });
});

describe('drills', () => {
  it('are exact offsets from the start, with no end of day and no roll', () => {
    const start = at('2026-10-01T23:50:00+08:00');
    expect(computeDeadline(cal, start, { unit: 'minutes', amount: 20 })).toMatchObject({
      due: '2026-10-02',
      dueAt: start + 20 * 60_000,
      dueAtIso: '2026-10-02T00:10:00.000+08:00',
      uncertain: false,
      calendarVersion: '',
    });
    expect(computeDeadline(cal, start, { unit: 'hours', amount: 2 }).dueAt).toBe(start + 2 * 3_600_000);
    expect(computeDeadline(cal, start, { unit: 'seconds', amount: 90 }).dueAt).toBe(start + 90_000);
  });
});

it('is plain JSON data, so it can be stored and recorded in workflow history', () => {
  const deadline = computeDeadline(cal, at('2026-09-28T10:00:00+08:00'), { unit: 'workingDays', amount: 5 });
  expect(JSON.parse(JSON.stringify(deadline))).toEqual(deadline);
});
