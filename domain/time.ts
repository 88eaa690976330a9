import { DateTime } from 'luxon';
import { z } from 'zod';

/** Every date in Huiyin is a date in this zone (domain.md §6). */
export const ZONE = 'Asia/Shanghai';

export type TimeUnit =
  'workingDays' | 'calendarDays' | 'months' | 'fixedDate' | 'hours' | 'minutes' | 'seconds';

/** Units that count whole days and so end at the end of a day; the others are exact drill offsets. */
export const dayUnits = ['workingDays', 'calendarDays', 'months'] as const;
export const subDayUnits = ['hours', 'minutes', 'seconds'] as const;
export type DayUnit = (typeof dayUnits)[number];
export type SubDayUnit = (typeof subDayUnits)[number];

export function isSubDayUnit(unit: string): unit is SubDayUnit {
  return (subDayUnits as readonly string[]).includes(unit);
}

export const subDayMillis: Record<SubDayUnit, number> = { hours: 3_600_000, minutes: 60_000, seconds: 1_000 };

export type TimeLimit =
  { unit: Exclude<TimeUnit, 'fixedDate'>; amount: number } | { unit: 'fixedDate'; date: string };

const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;
const monthDayPattern = /^\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD (rejects 2026-02-30). */
export function isIsoDate(value: string): boolean {
  return isoDatePattern.test(value) && DateTime.fromISO(value, { zone: ZONE }).isValid;
}

/** A month and day written MM-DD that occurs every year, so 02-29 is refused. */
export function isMonthDay(value: string): boolean {
  return monthDayPattern.test(value) && isIsoDate(`2001-${value}`);
}

// abort: later checks (weekday, year) may then assume a real date
export const isoDateSchema = z
  .string()
  .refine(isIsoDate, { message: 'expected a date YYYY-MM-DD', abort: true });
export const monthDaySchema = z
  .string()
  .refine(isMonthDay, { message: 'expected MM-DD (not 02-29)', abort: true });
export const timeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm');

export const timeLimitSchema: z.ZodType<TimeLimit> = z.discriminatedUnion('unit', [
  z.strictObject({
    unit: z.enum([...dayUnits, ...subDayUnits]),
    amount: z.number().int().nonnegative(),
  }),
  z.strictObject({
    unit: z.literal('fixedDate'),
    date: z.string().refine((d) => isMonthDay(d) || isIsoDate(d), 'expected MM-DD or YYYY-MM-DD'),
  }),
]);

/** Midnight of `date` in ZONE; throws on a malformed date rather than looping over an invalid one. */
function day(date: string): DateTime {
  if (!isIsoDate(date)) throw new RangeError(`not a date YYYY-MM-DD: ${date}`);
  return DateTime.fromISO(date, { zone: ZONE });
}

/** The date (YYYY-MM-DD) an instant falls on in ZONE. */
export function dateOf(epochMs: number): string {
  return DateTime.fromMillis(epochMs, { zone: ZONE }).toISODate()!;
}

/** ISO timestamp with the +08:00 offset, as people and logs read it. */
export function toIso(epochMs: number): string {
  return DateTime.fromMillis(epochMs, { zone: ZONE }).toISO()!;
}

export function addDays(date: string, days: number): string {
  return day(date).plus({ days }).toISODate()!;
}

/** Same date `months` later, clamped to the last day of a shorter month (luxon clamps). */
export function addMonths(date: string, months: number): string {
  return day(date).plus({ months }).toISODate()!;
}

/** 1 = Monday … 7 = Sunday. */
export function weekdayOf(date: string): number {
  return day(date).weekday;
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** A due date means the whole day: its last millisecond (民法典 203: 截止时间为二十四时). */
export function endOfDay(date: string): number {
  return day(date).endOf('day').toMillis();
}

/** The instant at wall-clock time 'HH:mm' on `date` in ZONE. */
export function atTimeOfDay(date: string, time: string): number {
  const [hour, minute] = time.split(':').map(Number);
  return day(date).set({ hour, minute }).toMillis();
}
