import { z } from 'zod';
// Plain JSON data (no code), so the workflow bundle stays deterministic.
import chineseDays from 'chinese-days/dist/chinese-days.json';
import chineseDaysPackage from 'chinese-days/package.json';
import { addDays, isoDateSchema, weekdayOf, yearOf } from './time';

/** One year of the State Council's holiday arrangement, loaded as data (domain.md §6). */
export interface CalendarYear {
  year: number;
  /** Statutory days off, YYYY-MM-DD, including the weekend days inside a holiday period. */
  holidays: string[];
  /** Make-up working days (调休上班) that fall on a Saturday or Sunday. */
  workdays: string[];
  /** Where the list comes from, e.g. 'chinese-days@1.5.7' or the notice an admin loaded. */
  source: string;
}

export const calendarYearSchema: z.ZodType<CalendarYear> = z
  .strictObject({
    year: z.number().int().min(1949).max(9999),
    holidays: z.array(isoDateSchema),
    workdays: z.array(isoDateSchema),
    source: z.string().trim().min(1),
  })
  .superRefine((calendarYear, ctx) => {
    const issue = (list: 'holidays' | 'workdays', index: number, message: string) =>
      ctx.addIssue({ code: 'custom', path: [list, index], message });
    for (const list of ['holidays', 'workdays'] as const) {
      calendarYear[list].forEach((date, index) => {
        if (yearOf(date) !== calendarYear.year) issue(list, index, `${date} is not in ${calendarYear.year}`);
        if (calendarYear[list].indexOf(date) !== index) issue(list, index, `${date} is listed twice`);
      });
    }
    calendarYear.workdays.forEach((date, index) => {
      if (weekdayOf(date) < 6)
        issue('workdays', index, `${date} is a weekday already; list only weekend make-up days`);
      if (calendarYear.holidays.includes(date))
        issue('workdays', index, `${date} is also listed as a holiday`);
    });
  });

/** Every year chinese-days carries, grouped by the calendar year each date falls in. */
export function seedCalendarYears(): CalendarYear[] {
  const source = `chinese-days@${chineseDaysPackage.version}`;
  const years = new Map<number, CalendarYear>();
  const add = (list: 'holidays' | 'workdays', dates: Record<string, string>) => {
    for (const date of Object.keys(dates).sort()) {
      const year = yearOf(date);
      if (!years.has(year)) years.set(year, { year, holidays: [], workdays: [], source });
      years.get(year)![list].push(date);
    }
  };
  add('holidays', chineseDays.holidays);
  add('workdays', chineseDays.workdays);
  return [...years.values()].sort((a, b) => a.year - b.year);
}

interface YearData {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
  source: string;
}

/**
 * Working days = Monday–Friday minus statutory holidays plus make-up working days.
 * A year without data falls back to plain Monday–Friday; callers flag results in it as uncertain.
 */
export class WorkingCalendar {
  private readonly years = new Map<number, YearData>();

  /** Later entries for the same year replace earlier ones, so an admin-loaded year overrides the seed. */
  constructor(years: CalendarYear[]) {
    for (const { year, holidays, workdays, source } of years) {
      this.years.set(year, { holidays: new Set(holidays), workdays: new Set(workdays), source });
    }
  }

  isKnownYear(year: number): boolean {
    return this.years.has(year);
  }

  isWorkingDay(date: string): boolean {
    const data = this.years.get(yearOf(date));
    if (data?.workdays.has(date)) return true;
    if (data?.holidays.has(date)) return false;
    return weekdayOf(date) <= 5;
  }

  /** The n-th working day after `date` (before it when n < 0); `date` itself is not counted. */
  addWorkingDays(date: string, n: number): string {
    const step = Math.sign(n);
    let current = date;
    for (let left = Math.abs(n); left > 0;) {
      current = addDays(current, step);
      if (this.isWorkingDay(current)) left--;
    }
    return current;
  }

  /** `date` itself when it is a working day, else the first working day after it. */
  nextWorkingDay(date: string): string {
    let current = date;
    while (!this.isWorkingDay(current)) current = addDays(current, 1);
    return current;
  }

  /** Names the data used for `years` (default: all loaded), e.g. '2026:chinese-days@1.5.7,2027:weekdays-only'. */
  version(years: number[] = [...this.years.keys()]): string {
    return [...new Set(years)]
      .sort((a, b) => a - b)
      .map((year) => `${year}:${this.years.get(year)?.source ?? 'weekdays-only'}`)
      .join(',');
  }
}
