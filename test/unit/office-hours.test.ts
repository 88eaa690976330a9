import { seedCalendarYears, WorkingCalendar } from '../../domain/calendar';
import { deliveryTime } from '../../domain/office-hours';
import { toIso } from '../../domain/time';

// 2026 from chinese-days: National Day 10-01..10-07 off, Saturday 10-10 a make-up working day.
const cal = new WorkingCalendar(seedCalendarYears());
const hours = { start: '09:00', end: '18:00' };
const deliver = (firedAt: string, urgent = false) =>
  toIso(deliveryTime(cal, Date.parse(firedAt), hours, urgent));

describe('deliveryTime', () => {
  it('delivers at once inside office hours of a working day', () => {
    expect(deliver('2026-09-30T09:00:00+08:00')).toBe('2026-09-30T09:00:00.000+08:00');
    expect(deliver('2026-09-30T17:59:00+08:00')).toBe('2026-09-30T17:59:00.000+08:00');
  });

  it('holds an early-morning message until 09:00 the same working day', () => {
    expect(deliver('2026-09-30T06:30:00+08:00')).toBe('2026-09-30T09:00:00.000+08:00');
  });

  it('holds an evening message before National Day until the first working morning after it', () => {
    expect(deliver('2026-09-30T18:00:00+08:00')).toBe('2026-10-08T09:00:00.000+08:00');
    expect(deliver('2026-09-30T23:30:00+08:00')).toBe('2026-10-08T09:00:00.000+08:00');
  });

  it('holds a message fired during the holiday, even at noon', () => {
    expect(deliver('2026-10-01T12:00:00+08:00')).toBe('2026-10-08T09:00:00.000+08:00');
    expect(deliver('2026-10-07T20:00:00+08:00')).toBe('2026-10-08T09:00:00.000+08:00');
  });

  it('counts a make-up Saturday as a working day and a plain Sunday as not', () => {
    expect(deliver('2026-10-09T19:00:00+08:00')).toBe('2026-10-10T09:00:00.000+08:00');
    expect(deliver('2026-10-10T10:00:00+08:00')).toBe('2026-10-10T10:00:00.000+08:00');
    expect(deliver('2026-10-11T10:00:00+08:00')).toBe('2026-10-12T09:00:00.000+08:00');
  });

  it('sends an urgent message at once, whatever the hour or day', () => {
    expect(deliver('2026-10-03T02:00:00+08:00', true)).toBe('2026-10-03T02:00:00.000+08:00');
  });

  it('reads the time of day in Asia/Shanghai, not in UTC', () => {
    // 2026-09-30T02:00Z is 10:00 in Shanghai: inside office hours.
    expect(deliver('2026-09-30T02:00:00Z')).toBe('2026-09-30T10:00:00.000+08:00');
  });
});
