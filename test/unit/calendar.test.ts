import { isWorkday } from 'chinese-days';
import chineseDaysPackage from 'chinese-days/package.json';
import {
  calendarYearSchema,
  seedCalendarYears,
  WorkingCalendar,
  type CalendarYear,
} from '../../domain/calendar';
import { addDays } from '../../domain/time';

const seed = seedCalendarYears();
const cal = new WorkingCalendar(seed);
const source = `chinese-days@${chineseDaysPackage.version}`;

function datesOf(year: number): string[] {
  const dates: string[] = [];
  for (let date = `${year}-01-01`; date.startsWith(String(year)); date = addDays(date, 1)) dates.push(date);
  return dates;
}

describe('seedCalendarYears', () => {
  it('carries every year chinese-days has, named by package version', () => {
    const years = seed.map((y) => y.year);
    expect(years[0]).toBe(2004);
    expect(years).toContain(2026);
    expect(years).toEqual([...years].sort((a, b) => a - b));
    expect(new Set(seed.map((y) => y.source))).toEqual(new Set([source]));
  });

  it('produces documents an admin could also POST', () => {
    for (const year of seed) expect(calendarYearSchema.safeParse(year).success).toBe(true);
  });

  it('agrees with chinese-days itself on every day of 2025 and 2026', () => {
    for (const date of [...datesOf(2025), ...datesOf(2026)]) {
      expect([date, cal.isWorkingDay(date)]).toEqual([date, isWorkday(date)]);
    }
  });
});

describe('WorkingCalendar 2026', () => {
  it('takes National Day 10-01..10-07 off and works make-up Sunday 09-20 and Saturday 10-10', () => {
    for (const date of ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-07']) {
      expect(cal.isWorkingDay(date)).toBe(false);
    }
    expect(cal.isWorkingDay('2026-09-20')).toBe(true);
    expect(cal.isWorkingDay('2026-10-08')).toBe(true);
    expect(cal.isWorkingDay('2026-10-10')).toBe(true);
    expect(cal.isWorkingDay('2026-10-11')).toBe(false);
  });

  it('takes Spring Festival 02-15..02-23 off and works Saturdays 02-14 and 02-28', () => {
    expect(cal.isWorkingDay('2026-02-13')).toBe(true);
    expect(cal.isWorkingDay('2026-02-14')).toBe(true);
    for (const date of ['2026-02-16', '2026-02-20', '2026-02-23']) expect(cal.isWorkingDay(date)).toBe(false);
    expect(cal.isWorkingDay('2026-02-24')).toBe(true);
    expect(cal.isWorkingDay('2026-02-28')).toBe(true);
  });

  it('treats ordinary weekends as days off and weekdays as working', () => {
    expect(cal.isWorkingDay('2026-03-07')).toBe(false);
    expect(cal.isWorkingDay('2026-03-08')).toBe(false);
    expect(cal.isWorkingDay('2026-03-09')).toBe(true);
  });

  it('refuses a malformed date instead of guessing', () => {
    expect(() => cal.isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => cal.isWorkingDay('2026-9-1')).toThrow(RangeError);
  });
});

describe('addWorkingDays', () => {
  it('skips National Day and counts the make-up Saturday', () => {
    expect(cal.addWorkingDays('2026-09-28', 5)).toBe('2026-10-10');
    expect(cal.addWorkingDays('2026-09-30', 1)).toBe('2026-10-08');
  });

  it('counts backwards for negative n, start day not counted', () => {
    expect(cal.addWorkingDays('2026-10-08', -1)).toBe('2026-09-30');
    expect(cal.addWorkingDays('2026-10-12', -1)).toBe('2026-10-10');
    expect(cal.addWorkingDays('2026-10-10', -5)).toBe('2026-09-28');
  });

  it('returns the date itself for n = 0', () => {
    expect(cal.addWorkingDays('2026-10-03', 0)).toBe('2026-10-03');
  });

  it('crosses a year boundary', () => {
    expect(cal.addWorkingDays('2025-12-31', 1)).toBe('2026-01-04'); // a make-up Sunday
  });
});

describe('nextWorkingDay', () => {
  it('is the date itself when working, else the first working day after it', () => {
    expect(cal.nextWorkingDay('2026-10-09')).toBe('2026-10-09');
    expect(cal.nextWorkingDay('2026-10-10')).toBe('2026-10-10');
    expect(cal.nextWorkingDay('2026-10-01')).toBe('2026-10-08');
    expect(cal.nextWorkingDay('2026-10-11')).toBe('2026-10-12');
  });
});

describe('a year without data', () => {
  it('falls back to plain Monday–Friday and is not known', () => {
    expect(cal.isKnownYear(2099)).toBe(false);
    expect(cal.isKnownYear(2026)).toBe(true);
    expect(cal.isWorkingDay('2099-01-01')).toBe(true); // a Thursday; its New Year holiday is not loaded
    expect(cal.isWorkingDay('2099-01-03')).toBe(false); // Saturday
    expect(cal.addWorkingDays('2099-01-01', 2)).toBe('2099-01-05');
  });

  it('names its data as weekdays-only in the version', () => {
    expect(cal.version([2099, 2026, 2026])).toBe(`2026:${source},2099:weekdays-only`);
    expect(cal.version([])).toBe('');
    expect(cal.version()).toMatch(new RegExp(`^2004:${source},2005:`));
  });
});

describe('an admin-loaded year', () => {
  const loaded: CalendarYear = { year: 2026, holidays: [], workdays: [], source: '国办发明电〔2025〕7号' };

  it('replaces the seeded data of that year', () => {
    const adminCal = new WorkingCalendar([...seed, loaded]);
    expect(adminCal.isWorkingDay('2026-10-01')).toBe(true);
    expect(adminCal.isWorkingDay('2026-10-10')).toBe(false);
    expect(adminCal.version([2026])).toBe('2026:国办发明电〔2025〕7号');
  });
});

describe('calendarYearSchema', () => {
  const valid: CalendarYear = {
    year: 2027,
    holidays: ['2027-01-01', '2027-10-01'],
    workdays: ['2027-09-26'],
    source: 'admin',
  };
  const pathsOf = (doc: unknown) =>
    calendarYearSchema.safeParse(doc).error?.issues.map((issue) => issue.path.join('.')) ?? [];

  it('accepts a well-formed year', () => {
    expect(calendarYearSchema.safeParse(valid).success).toBe(true);
  });

  it('rejects dates of another year, malformed dates and unknown keys', () => {
    expect(pathsOf({ ...valid, holidays: ['2026-10-01'] })).toEqual(['holidays.0']);
    expect(pathsOf({ ...valid, holidays: ['2027-02-30'] })).toEqual(['holidays.0']);
    expect(pathsOf({ ...valid, holidays: ['2027-1-1'] })).toEqual(['holidays.0']);
    expect(pathsOf({ ...valid, note: 'x' })).toEqual(['']);
  });

  it('rejects a day in both lists, a duplicate and a weekday listed as make-up day', () => {
    expect(pathsOf({ ...valid, holidays: [...valid.holidays, '2027-09-26'] })).toEqual(['workdays.0']);
    expect(pathsOf({ ...valid, holidays: ['2027-01-01', '2027-01-01'] })).toEqual(['holidays.1']);
    expect(pathsOf({ ...valid, workdays: ['2027-09-27'] })).toEqual(['workdays.0']);
  });
});
