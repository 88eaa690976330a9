import { isDeepStrictEqual } from 'node:util';
import { WorkingCalendar, seedCalendarYears, type CalendarYear } from '../domain/calendar';
import type { Store } from './index';
import { referenceData } from './reference';

const calendarData = referenceData('calendar', async (store) => {
  const years = await store.calendarYears
    .find({}, { _id: 0, year: 1, holidays: 1, workdays: 1, source: 1 })
    .lean();
  return new WorkingCalendar(years as CalendarYear[]);
});

/** The working-day calendar as the database holds it now (admins load new years). */
export const loadCalendar = (store: Store): Promise<WorkingCalendar> => calendarData.read(store);

/** Upserts one year's holidays and make-up working days; returns whether it replaced one. */
export async function saveCalendarYear(store: Store, year: CalendarYear): Promise<{ replaced: boolean }> {
  const res = await store.calendarYears.updateOne(
    { year: year.year },
    { $set: { ...year, loadedAt: new Date() } },
    { upsert: true },
  );
  await calendarData.changed(store);
  return { replaced: res.matchedCount > 0 };
}

/** Inserts the years the chinese-days package carries that the database lacks; never overwrites an admin's load. */
export async function seedCalendar(store: Store): Promise<number> {
  const have = new Set((await store.calendarYears.find({}, { year: 1 }).lean()).map((y) => y.year));
  const missing = seedCalendarYears().filter((y) => !have.has(y.year));
  for (const year of missing) await saveCalendarYear(store, year);
  return missing.length;
}

export interface StoredCalendarYear extends CalendarYear {
  loadedAt: Date;
}

/** Every loaded year, oldest first. */
export async function calendarYears(store: Store): Promise<StoredCalendarYear[]> {
  return store.calendarYears.find({}, { _id: 0 }).sort({ year: 1 }).lean<StoredCalendarYear[]>();
}

export async function calendarYear(store: Store, year: number): Promise<StoredCalendarYear | undefined> {
  return (await store.calendarYears.findOne({ year }, { _id: 0 }).lean<StoredCalendarYear>()) ?? undefined;
}

/**
 * An admin's load of one year, lists sorted; loading the same lists again writes nothing (and keeps
 * `loadedAt`), so a repeated request is harmless.
 */
export async function loadCalendarYear(store: Store, year: CalendarYear): Promise<{ changed: boolean }> {
  const sorted = { ...year, holidays: [...year.holidays].sort(), workdays: [...year.workdays].sort() };
  const existing = await calendarYear(store, year.year);
  const same =
    existing?.source === sorted.source &&
    isDeepStrictEqual(existing.holidays, sorted.holidays) &&
    isDeepStrictEqual(existing.workdays, sorted.workdays);
  if (!same) await saveCalendarYear(store, sorted);
  return { changed: !same };
}
