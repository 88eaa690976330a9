/** Request and response schemas of the proposal endpoints (validation and OpenAPI from one source). */
import { z } from 'zod';
import { codeSchema } from '../../../domain/directory';
import { actionNames } from '../../../domain/proposal-actions';
import { proposalNumberSchema, sessionYearSchema } from '../../../domain/proposal-number';
import { proposalStatusLabels, type ProposalStatus } from '../../../domain/proposal';
import { isoDateSchema } from '../../../domain/time';
import { actionLinksSchema } from '../../schemas';

export const proposalStatuses = Object.keys(proposalStatusLabels) as [ProposalStatus, ...ProposalStatus[]];

const text = (max: number) => z.string().trim().min(1, '不能为空').max(max);
const iso = z.string().describe('ISO-8601, +08:00');

export const idParams = z.object({
  id: proposalNumberSchema.describe('The proposal number, e.g. 2026-0001'),
});

export const createBodySchema = z.strictObject({
  title: text(200),
  content: text(50_000),
  type: z.enum(['plenary', 'interSession']).describe('plenary 大会提案 | interSession 平时提案'),
  topic: text(50).optional().describe('Subject area (分类), free text used by statistics'),
  coSignerIds: z
    .array(codeSchema)
    .max(50)
    .default([])
    .refine((ids) => new Set(ids).size === ids.length, '联名人重复')
    .describe('Co-signers (联名人): active members, each confirms within the co-signing window'),
  sessionYear: z.number().int().min(1949).max(2999).optional().describe('Default: this year, Asia/Shanghai'),
  leadProposerId: codeSchema
    .optional()
    .describe(
      'First proposer. Members and organizations file in their own name; committee staff must name one',
    ),
});
export type CreateBody = z.infer<typeof createBodySchema>;

/** `a,b` or repeated parameters: both arrive as a list. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v.flatMap((x) => String(x).split(',')) : v,
    z.array(item).min(1),
  );
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The filters shared by the list and the CSV export. */
export const filterShape = {
  status: list(z.enum(proposalStatuses)).optional().describe('One status or several, comma-separated'),
  unitId: codeSchema.optional().describe('Handled (now) by this unit'),
  sessionYear: sessionYearSchema.optional(),
  key: flag.optional().describe('Key proposals (重点提案) only, or none of them'),
  overdue: flag.optional().describe('Has a running clock past its due time (of unitId, when given)'),
  dueBefore: isoDateSchema.optional().describe('Has a running clock due by the end of this day'),
  proposerId: codeSchema.optional().describe('Answered to this proposer (lead, co-signer, merged)'),
  q: z.string().trim().min(1).max(100).optional().describe('Text in the title (case-insensitive)'),
};
export const filterQuery = z.strictObject(filterShape);
export type ProposalFilter = z.infer<typeof filterQuery>;

export const listQuery = z.strictObject({
  ...filterShape,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  order: z.enum(['asc', 'desc']).default('asc').describe('By number'),
});

export const summarySchema = z.object({
  id: z.string(),
  number: z.string(),
  sessionYear: z.number().int(),
  title: z.string(),
  type: z.string(),
  typeLabel: z.string(),
  topic: z.string().optional(),
  status: z.enum(proposalStatuses),
  statusLabel: z.string(),
  leadProposerId: z.string(),
  proposerIds: z.array(z.string()),
  organization: z.boolean(),
  key: z.boolean(),
  unitIds: z.array(z.string()),
  submittedAt: iso,
  overdue: z.boolean().describe('A running clock is past its due time'),
  nextDue: z.string().nullable().describe('Earliest due day of its running clocks'),
});

export const listResponse = z.object({
  items: z.array(summarySchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const deadlineSchema = z.object({
  clockId: z.string(),
  code: z.string(),
  label: z.string(),
  responsible: z.looseObject({}).describe('unitId, userIds or role that must act'),
  startedAt: iso,
  due: z.string().describe('Last day, YYYY-MM-DD (Asia/Shanghai)'),
  dueAt: iso,
  overdue: z.boolean(),
  escalation: z
    .string()
    .nullable()
    .describe('Highest ladder step fired: chaseNotice, supervisionEscalation …'),
  escalationLabel: z.string().nullable(),
  rule: z.looseObject({}).describe('The policy limit it was computed from'),
  explanation: z.array(z.string()).describe('How the deadline was computed (Chinese)'),
  calendarVersion: z.string(),
  uncertain: z.boolean(),
});

export const timelineEntrySchema = z.object({
  at: iso,
  kind: z.string(),
  label: z.string(),
  actor: z.string().optional(),
  data: z.looseObject({}).optional(),
});

export const detailSchema = z.object({
  proposal: z
    .looseObject({ proposalId: z.string(), status: z.enum(proposalStatuses), statusLabel: z.string() })
    .describe('The workflow state verbatim (times in epoch ms), with Chinese labels beside codes'),
  live: z.boolean().describe('The workflow runs and takes actions; false once final'),
  deadlines: z.array(deadlineSchema).describe('Every open deadline, earliest first'),
  timeline: z.array(timelineEntrySchema),
  actions: actionLinksSchema(actionNames),
});

export const importResponse = z.object({
  created: z.number().int(),
  advanced: z.number().int().describe('Existing proposals moved on to the status the CSV gives'),
  unchanged: z.number().int(),
  rows: z.array(z.object({ row: z.number().int(), number: z.string(), outcome: z.string() })),
  errors: z.array(
    z.object({
      row: z.number().int().describe('Spreadsheet row (the header is row 1)'),
      number: z.string().optional(),
      field: z.string().optional(),
      code: z.string(),
      message: z.string(),
    }),
  ),
});
