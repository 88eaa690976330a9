import type { WorkingCalendar } from './calendar';
import type { Policy } from './policy';
import { addDays, atTimeOfDay, dateOf } from './time';

/** Office hours of a working day, wall-clock 'HH:mm' in Asia/Shanghai. */
export interface OfficeHours {
  start: string;
  end: string;
}

/**
 * When a message fired at `firedAt` may be delivered (domain.md §5): at once inside office hours of
 * a working day or when urgent; otherwise at the start of the next working morning.
 */
export function deliveryTime(
  cal: WorkingCalendar,
  firedAt: number,
  hours: OfficeHours,
  urgent = false,
): number {
  if (urgent) return firedAt;
  const day = dateOf(firedAt);
  const working = cal.isWorkingDay(day);
  const opens = atTimeOfDay(day, hours.start);
  if (working && firedAt >= opens && firedAt < atTimeOfDay(day, hours.end)) return firedAt;
  const morning = working && firedAt < opens ? day : cal.nextWorkingDay(addDays(day, 1));
  return atTimeOfDay(morning, hours.start);
}

/** Office hours as the policy gives them: the reminder time to the notifications' end of day. */
export const officeHoursOf = (policy: Pick<Policy, 'officeHours' | 'notifications'>): OfficeHours => ({
  start: policy.officeHours.time,
  end: policy.notifications.officeHoursEnd,
});
