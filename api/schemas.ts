// Request and response schemas shared by several routes.
import { DateTime } from 'luxon';
import { z } from 'zod';

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => DateTime.fromISO(s).isValid, 'is not a real calendar date');

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
