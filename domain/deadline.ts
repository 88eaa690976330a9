import type { WorkingCalendar } from './calendar';
import {
  addDays,
  addMonths,
  dateOf,
  endOfDay,
  isIsoDate,
  isSubDayUnit,
  subDayMillis,
  toIso,
  weekdayOf,
  yearOf,
  type DayUnit,
  type SubDayUnit,
  type TimeLimit,
} from './time';

/** A deadline as computed once when its clock starts, stored with how it was computed (domain.md §6). */
export interface Deadline {
  /** When the clock started, epoch ms. */
  start: number;
  rule: TimeLimit;
  /** Last day of the period, YYYY-MM-DD in ZONE. */
  due: string;
  /** End of `due` (or the exact instant for drills), epoch ms. */
  dueAt: number;
  dueAtIso: string;
  /** A year the period touches has no holiday data, so the result may move once it is loaded. */
  uncertain: boolean;
  calendarVersion: string;
  /** Chinese sentences explaining the computation to a person. */
  explanation: string[];
}

const weekdayNames = ['一', '二', '三', '四', '五', '六', '日'];
const subDayLabels: Record<SubDayUnit, string> = { hours: '小时', minutes: '分钟', seconds: '秒' };

interface DueDay {
  due: string;
  explanation: string[];
}

export function computeDeadline(cal: WorkingCalendar, start: number, rule: TimeLimit): Deadline {
  const startDate = dateOf(start);
  if (rule.unit === 'fixedDate') {
    // A fixed date is read off the calendar page, not counted, so no holiday data is involved.
    return dayDeadline(cal, start, rule, fixedDateDue(cal, startDate, rule.date), []);
  }
  const { unit, amount } = rule;
  if (isSubDayUnit(unit)) return drillDeadline(start, rule, unit, amount);
  const counted = countedDue(cal, startDate, unit, amount);
  return dayDeadline(cal, start, rule, counted, yearsBetween(startDate, counted.due));
}

/** Drills run on exact offsets so a whole ladder can be watched in minutes. */
function drillDeadline(start: number, rule: TimeLimit, unit: SubDayUnit, amount: number): Deadline {
  const dueAt = start + amount * subDayMillis[unit];
  const dueAtIso = toIso(dueAt);
  return {
    start,
    rule: { ...rule },
    due: dateOf(dueAt),
    dueAt,
    dueAtIso,
    uncertain: false,
    calendarVersion: '',
    explanation: [
      `演练时限 ${amount} ${subDayLabels[unit]}：自 ${toIso(start)} 起精确计时，不按日计算，截止于 ${dueAtIso}。`,
    ],
  };
}

/** A day-based deadline ends with its due day (民法典 203: 截止时间为二十四时). */
function dayDeadline(
  cal: WorkingCalendar,
  start: number,
  rule: TimeLimit,
  { due, explanation }: DueDay,
  years: number[],
): Deadline {
  const unknownYears = years.filter((year) => !cal.isKnownYear(year));
  const calendarVersion = cal.version(years);
  const dueAt = endOfDay(due);
  const dueAtIso = toIso(dueAt);
  const sentences = [...explanation, `截止时间为 ${due} 24 时（${dueAtIso}）。`];
  if (unknownYears.length > 0) {
    sentences.push(`${unknownYears.join('、')} 年的节假日安排尚无数据，暂按周一至周五推算，期限可能变化。`);
  } else if (years.length > 0) {
    sentences.push(`所用节假日数据：${calendarVersion}。`);
  }
  return {
    start,
    rule: { ...rule },
    due,
    dueAt,
    dueAtIso,
    uncertain: unknownYears.length > 0,
    calendarVersion,
    explanation: sentences,
  };
}

/** 民法典 201–203: start day not counted; months clamp to month end; a last day off rolls to a working day. */
function countedDue(cal: WorkingCalendar, startDate: string, unit: DayUnit, n: number): DueDay {
  const explanation = [`起算日 ${describeDay(cal, startDate)}当日不计入，自次日起算（民法典第二百零一条）。`];
  let lastDay: string;
  if (unit === 'workingDays') {
    lastDay = cal.addWorkingDays(startDate, n);
    explanation.push(
      `期限 ${n} 个工作日（跳过周末和法定节假日，调休上班日计入），第 ${n} 个工作日为 ${describeDay(cal, lastDay)}。`,
    );
  } else if (unit === 'calendarDays') {
    lastDay = addDays(startDate, n);
    explanation.push(`期限 ${n} 日，最后一日为 ${describeDay(cal, lastDay)}。`);
  } else {
    lastDay = addMonths(startDate, n);
    explanation.push(
      `期限 ${n} 个月，到期月的对应日为最后一日，没有对应日的取月末日（民法典第二百零二条），即 ${describeDay(cal, lastDay)}。`,
    );
  }
  const due = cal.nextWorkingDay(lastDay);
  if (due !== lastDay) {
    explanation.push(
      `依民法典第二百零三条，${lastDay} 不是工作日，期限顺延至其后第一个工作日 ${describeDay(cal, due)}。`,
    );
  }
  return { due, explanation };
}

/** 'YYYY-MM-DD' as given; 'MM-DD' is its next occurrence on or after the start day. Never rolled. */
function fixedDateDue(cal: WorkingCalendar, startDate: string, date: string): DueDay {
  const due = isIsoDate(date) ? date : nextOccurrence(startDate, date);
  return {
    due,
    explanation: [`起算日 ${startDate}，期限为固定日期 ${date}，即 ${describeDay(cal, due)}，不顺延。`],
  };
}

/**
 * The reply limit of a plenary proposal whose policy fixes a reply date (domain.md §2.5), as a fixed
 * date YYYY-MM-DD: the next occurrence of `monthDay` on or after `startDate`, but never after `capDue`
 * (the last day of the replyCap, 6 months from assignment by default).
 *
 * Why the cap: a plenary proposal assigned after its fixed date's month (date 06-30, assigned in
 * July) would otherwise be due on next year's 06-30, nearly a year away; and a fixed date more than
 * six months after the assignment (12-31 for a proposal assigned in March) would be too. §2.5 says the
 * reply is never due later than the cap "including every extension", so the fixed date can only bring
 * the deadline forward, never push it past the cap: the due day is min(fixed date, cap).
 */
export function plenaryReplyLimit(
  startDate: string,
  monthDay: string,
  capDue: string,
): { unit: 'fixedDate'; date: string } {
  const fixed = isIsoDate(monthDay) ? monthDay : nextOccurrence(startDate, monthDay);
  return { unit: 'fixedDate', date: fixed <= capDue ? fixed : capDue };
}

function nextOccurrence(startDate: string, monthDay: string): string {
  const year = yearOf(startDate);
  const thisYear = `${year}-${monthDay}`;
  return thisYear >= startDate ? thisYear : `${year + 1}-${monthDay}`;
}

function yearsBetween(from: string, to: string): number[] {
  const years: number[] = [];
  for (let year = yearOf(from); year <= yearOf(to); year++) years.push(year);
  return years;
}

/** '2026-10-10（周六，调休上班）': the weekday, and why a day is or is not worked when that is unusual. */
function describeDay(cal: WorkingCalendar, date: string): string {
  const weekday = weekdayOf(date);
  const working = cal.isWorkingDay(date);
  const note = working && weekday >= 6 ? '，调休上班' : !working && weekday <= 5 ? '，法定节假日' : '';
  return `${date}（周${weekdayNames[weekday - 1]}${note}）`;
}
