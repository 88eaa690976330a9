import { DateTime } from 'luxon';
import { z } from 'zod';
import { computeDeadline, type Deadline } from '../../domain/deadline';
import { ZONE } from '../../domain/time';
import { loadCalendar } from '../../store/calendar';
import type { AppDeps } from '../deps';
import { route, type Api } from '../route';
import { deadlineSchema, isoDate } from '../schemas';

const deadlineQuery = z.object({
  start: isoDate,
  amount: z.coerce.number().int().min(0).max(10_000),
  unit: z.enum(['workingDays', 'calendarDays', 'months']),
});

/** The public face of a Deadline: the due day, its end as local ISO time, and how it was counted. */
export const presentDeadline = (d: Deadline) => ({
  due: d.due,
  dueAt: d.dueAtIso,
  uncertain: d.uncertain,
  explanation: d.explanation,
  calendarVersion: d.calendarVersion,
});

export function calendarRoutes({ store }: AppDeps, api: Api) {
  route(api, {
    method: 'get',
    path: '/api/calendar/deadline',
    summary: '期限计算器：起算日 + 期限 → 到期日（不计起算日，节假日顺延，调休计入）',
    tags: ['calendar'],
    roles: 'public',
    query: deadlineQuery,
    response: deadlineSchema,
    handler: async ({ query }) => {
      const start = DateTime.fromISO(query.start, { zone: ZONE }).toMillis();
      const deadline = computeDeadline(await loadCalendar(store), start, {
        unit: query.unit,
        amount: query.amount,
      });
      return presentDeadline(deadline);
    },
  });
}
