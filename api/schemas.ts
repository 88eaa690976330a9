// Request and response schemas shared by several routes.
import { DateTime } from 'luxon';
import { z } from 'zod';

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '须为日期 YYYY-MM-DD')
  .refine((s) => DateTime.fromISO(s).isValid, '不是有效的日期');

export const deadlineSchema = z.object({
  due: isoDate,
  dueAt: z.string().describe('ISO-8601 with +08:00: the end of the due day in Asia/Shanghai'),
  uncertain: z
    .boolean()
    .describe('true when a year without official holiday data was counted as plain weekdays'),
  explanation: z.array(z.string()),
  calendarVersion: z.string(),
});

/** Free text a person writes: trimmed, not blank, bounded. */
export const text = (max: number) => z.string().trim().min(1, '不能为空').max(max);

/**
 * What the caller may do now, as item details list it: one link per action with its Chinese label and
 * where to POST it. The workspace shows these; the API checks each action again when it arrives.
 */
export const actionLinksSchema = (names: readonly string[]) =>
  z
    .array(
      z.object({
        name: z.enum(names as [string, ...string[]]),
        label: z.string(),
        method: z.literal('POST'),
        path: z.string(),
      }),
    )
    .describe('What the caller may do now');

export const actionLink = (name: string, label: string, path: string) => ({
  name,
  label,
  method: 'POST' as const,
  path,
});
