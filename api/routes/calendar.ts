import { DateTime } from 'luxon';
import { z } from 'zod';
import { calendarYearSchema } from '../../domain/calendar';
import { computeDeadline, type Deadline } from '../../domain/deadline';
import { toIso, ZONE } from '../../domain/time';
import {
  calendarYear,
  calendarYears,
  loadCalendar,
  loadCalendarYear,
  type StoredCalendarYear,
} from '../../store/calendar';
import type { AppDeps } from '../deps';
import { invalidFields, invalidRequest, notFound } from '../errors';
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

const yearParams = z.object({ year: z.coerce.number().int().min(1949).max(9999) });

const yearSummarySchema = z.object({
  year: z.number().int(),
  source: z.string().describe("Where the list comes from, e.g. 'chinese-days@1.5.7' or the notice loaded"),
  holidayCount: z.number().int(),
  workdayCount: z.number().int().describe('Weekend make-up working days (调休上班)'),
  loadedAt: z.string().describe('ISO-8601, +08:00'),
});

const presentYear = ({ year, source, holidays, workdays, loadedAt }: StoredCalendarYear) => ({
  year,
  source,
  holidayCount: holidays.length,
  workdayCount: workdays.length,
  loadedAt: toIso(loadedAt.getTime()),
});

/** A year as the State Council publishes it; the domain schema checks each date against the year. */
const yearBody = z.strictObject({
  year: z.number().int().optional().describe('Optional; must equal the year in the path'),
  holidays: z
    .array(z.string())
    .describe('Statutory days off, YYYY-MM-DD, weekend days inside a holiday included'),
  workdays: z.array(z.string()).describe('Make-up working days on a Saturday or Sunday, YYYY-MM-DD'),
  source: z.string().describe('The notice, e.g. 国办发明电〔2026〕7号'),
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

  route(api, {
    method: 'get',
    path: '/api/calendar/years',
    summary: '已载入节假日安排的年份（未载入的年份按周一至周五计算，并标注为不确定）',
    tags: ['calendar'],
    roles: 'public',
    response: z.object({ items: z.array(yearSummarySchema) }),
    handler: async () => ({ items: (await calendarYears(store)).map(presentYear) }),
  });

  route(api, {
    method: 'get',
    path: '/api/calendar/years/:year',
    summary: '某一年的法定节假日与调休上班日',
    tags: ['calendar'],
    roles: 'public',
    params: yearParams,
    response: yearSummarySchema.extend({ holidays: z.array(z.string()), workdays: z.array(z.string()) }),
    handler: async ({ params }) => {
      const found = await calendarYear(store, params.year);
      if (!found) throw notFound(`${params.year} 年的节假日安排`);
      return { ...presentYear(found), holidays: found.holidays, workdays: found.workdays };
    },
  });

  route(api, {
    method: 'put',
    path: '/api/calendar/years/:year',
    summary: '载入或替换一年的节假日安排（国务院办公厅通知发布后）；只影响此后计算的期限',
    tags: ['calendar'],
    roles: ['admin'],
    params: yearParams,
    body: yearBody,
    response: yearSummarySchema.extend({
      changed: z.boolean().describe('false when the same lists were already loaded'),
    }),
    handler: async ({ params, body }) => {
      if (body.year !== undefined && body.year !== params.year)
        throw invalidFields([{ field: 'body.year', message: `与路径中的年份 ${params.year} 不一致` }]);
      const parsed = calendarYearSchema.safeParse({ ...body, year: params.year });
      if (!parsed.success) throw invalidRequest(parsed.error, 'body');
      const { changed } = await loadCalendarYear(store, parsed.data);
      return { ...presentYear((await calendarYear(store, params.year))!), changed };
    },
  });
}
