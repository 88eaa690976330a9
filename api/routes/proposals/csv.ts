/**
 * CSV of proposals, for offices that keep a year in Excel: export with Chinese headers and a UTF-8 BOM;
 * import of an existing year by number. An imported row starts its workflow and is brought, through
 * the same actions a person would take, to the status the CSV gives — as far as that is sane:
 * 审查中 (submitted; listed co-signers confirmed), 待交办 (filed) or 办理中 (assigned to its units).
 * Re-importing converges: a proposal already there and as far along changes nothing.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { codeSchema } from '../../../domain/directory';
import { actionSchemas, type ActionArgs, type ActionName } from '../../../domain/proposal-actions';
import { proposalNumberSchema } from '../../../domain/proposal-number';
import {
  activeAssignments,
  currentReply,
  listedCoSigners,
  proposalStatusLabels,
  proposalTypeLabels,
  type ProposalState,
  type ProposalStatus,
  type UnitRole,
} from '../../../domain/proposal';
import type { Caller } from '../../../domain/roles';
import { dateOf } from '../../../domain/time';
import type { Store } from '../../../store';
import type { AppDeps } from '../../deps';
import { escapeCell, unescapeCell } from '../../csv-cells';
import { HttpError, invalidFields } from '../../errors';
import { actionNeeds, sendAction } from './act';
import { draftOf, startNumbered } from './create';
import { matchingProposals } from './list';
import { loadProposal } from './load';
import { resolveReferences } from './references';
import type { ProposalFilter } from './schemas';

// ---- export ---------------------------------------------------------------------------------------

const join = (ids: string[]) => ids.join('、');
const yesNo = (value: unknown) => (value ? '是' : '否');
const day = (ms?: number) => (ms === undefined ? '' : dateOf(ms));
const unitsAs = (s: ProposalState, role: UnitRole) =>
  join(
    activeAssignments(s)
      .filter((a) => a.role === role)
      .map((a) => a.unitId),
  );

/** Export columns in order; the import reads those it knows by the same headers. */
const exportColumns: [header: string, value: (s: ProposalState) => string | number][] = [
  ['编号', (s) => s.number],
  ['年度', (s) => s.sessionYear],
  ['类型', (s) => proposalTypeLabels[s.type]],
  ['标题', (s) => s.title],
  ['内容', (s) => s.content],
  ['分类', (s) => s.topic ?? ''],
  ['第一提案人', (s) => s.leadProposerId],
  // Confirmed co-signers only: one who declined or never confirmed is not a proposer (domain.md §2.0).
  ['联名人', (s) => join(listedCoSigners(s))],
  ['集体提案', (s) => yesNo(s.organization)],
  ['状态', (s) => proposalStatusLabels[s.status]],
  ['主办单位', (s) => unitsAs(s, 'lead')],
  ['会办单位', (s) => unitsAs(s, 'coHandler')],
  ['分办单位', (s) => unitsAs(s, 'parallel')],
  ['答复类别', (s) => join(activeAssignments(s).flatMap((a) => currentReply(a)?.resultClass ?? []))],
  ['重点提案', (s) => yesNo(s.key)],
  ['提交日期', (s) => day(s.submittedAt)],
  ['立案日期', (s) => day(s.filedAt)],
  ['交办日期', (s) => day(s.assignedAt)],
  ['办结日期', (s) => day(s.closedAt)],
];

/** Streams the proposals the caller may see that match `filter`, by number, with a BOM for Excel. */
export async function exportCsv(deps: AppDeps, caller: Caller, filter: ProposalFilter, res: Response) {
  const ids = (await matchingProposals(deps.store, caller, filter)).map((m) => m.summary.number);
  const name = `proposals${filter.sessionYear ? `-${filter.sessionYear}` : ''}.csv`;
  res.status(200).type('text/csv; charset=utf-8').attachment(name);
  res.write('\ufeff');
  const rows = Readable.from(
    (async function* () {
      for await (const state of statesOf(deps.store, ids))
        yield exportColumns.map(([, value]) => escapeCell(value(state)));
    })(),
  );
  await pipeline(rows, stringify({ header: true, columns: exportColumns.map(([header]) => header) }), res);
}

/** The states of the proposals `ids`, in order, read by `_id` a batch at a time. */
async function* statesOf(store: Store, ids: string[], batchSize = 32) {
  for (let i = 0; i < ids.length; i += batchSize) {
    const docs = await Promise.all(
      ids
        .slice(i, i + batchSize)
        .map((id) => store.proposalStates.findById(id).lean<{ state: ProposalState }>()),
    );
    for (const doc of docs) if (doc) yield doc.state;
  }
}

// ---- import ---------------------------------------------------------------------------------------

const importableStatuses = ['underReview', 'awaitingAssignment', 'handling'] as const;
type ImportStatus = (typeof importableStatuses)[number];
/** Words an office may write in 状态 for each importable status. */
const statusWords: Record<ImportStatus, string[]> = {
  underReview: ['underReview', 'submitted', '审查中', '已提交'],
  awaitingAssignment: ['awaitingAssignment', 'filed', '待交办', '已立案'],
  handling: ['handling', 'assigned', '办理中', '已交办'],
};
const typeWords = { plenary: ['plenary', '大会提案'], interSession: ['interSession', '平时提案'] };

const wordOf = <K extends string>(words: Record<K, string[]>, expected: string) =>
  z.string().transform((value, ctx) => {
    const found = (Object.keys(words) as K[]).find((k) => words[k].includes(value));
    if (found) return found;
    ctx.addIssue({ code: 'custom', message: `应为 ${expected}` });
    return z.NEVER;
  });

const idList = z
  .string()
  .transform((cell) => cell.split(/[、,，;；\s]+/).filter(Boolean))
  .pipe(z.array(codeSchema));
const optionalText = z.string().transform((v) => v || undefined);

/** Import columns: header → field. Missing optional columns read as empty cells. */
const importColumns = {
  编号: 'number',
  类型: 'type',
  标题: 'title',
  内容: 'content',
  分类: 'topic',
  第一提案人: 'leadProposerId',
  联名人: 'coSignerIds',
  状态: 'status',
  主办单位: 'leadUnitId',
  会办单位: 'coHandlerUnitIds',
  分办单位: 'parallelUnitIds',
} as const;
const requiredHeaders = ['编号', '类型', '标题', '内容', '第一提案人'] as const;
const headerOf = Object.fromEntries(Object.entries(importColumns).map(([h, f]) => [f, h])) as Record<
  string,
  string
>;

const rowSchema = z.object({
  number: proposalNumberSchema,
  type: wordOf(typeWords, '大会提案 或 平时提案'),
  title: z.string().min(1, '不能为空').max(200),
  content: z.string().min(1, '不能为空').max(50_000),
  topic: optionalText,
  leadProposerId: codeSchema,
  coSignerIds: idList,
  status: z
    .string()
    .transform((v) => v || 'underReview')
    .pipe(wordOf(statusWords, '审查中、待交办 或 办理中（其余状态不能导入）')),
  leadUnitId: optionalText.pipe(codeSchema.optional()),
  coHandlerUnitIds: idList,
  parallelUnitIds: idList,
});
type ImportRow = z.infer<typeof rowSchema>;

/** A row that cannot be imported: the column (Chinese header) and what is wrong. */
class RowError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Field names of API checks (body.x.0) back to the column a person can find. */
const columnOf = (field: string) => headerOf[field.replace(/^body\./, '').split('.')[0]] ?? field;

function rowError(err: unknown): RowError {
  if (err instanceof RowError) return err;
  if (err instanceof HttpError) {
    const issue = (err.details as { issues?: { field: string }[] } | undefined)?.issues?.[0];
    return new RowError(err.code, err.message, issue && columnOf(issue.field));
  }
  // Not the row's fault (e.g. Temporal unreachable): reported without internal text (that goes to the
  // log), and the rest still tried.
  return new RowError('unavailable', '暂时无法导入此行，请稍后重试');
}

function parseRow(cells: Record<string, string>): ImportRow {
  const parsed = rowSchema.safeParse(cells);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const column = headerOf[String(issue.path[0])];
  throw new RowError('invalidRow', `${column}：${issue.message}`, column);
}

const assignmentOf = (row: ImportRow) => {
  const parsed = actionSchemas.assign.safeParse(row);
  if (!parsed.success)
    throw new RowError(
      'invalidRow',
      `办理中的提案须写明主办单位或分办单位：${parsed.error.issues[0].message}`,
      '主办单位',
    );
  return parsed.data;
};

const rank = (status: ProposalStatus) => importableStatuses.indexOf(status as ImportStatus);

/**
 * Moves the proposal on to `row.status` with the actions a person would take, each as the importing
 * staff member: the co-signers' paper signatures recorded for them, then filing and assignment. Steps already taken are skipped.
 */
async function advance(deps: AppDeps, caller: Caller, row: ImportRow): Promise<boolean> {
  let { state } = await loadProposal(deps, row.number);
  let changed = false;
  const step = async <A extends ActionName>(who: Caller, name: A, args: ActionArgs<A>) => {
    state = (await sendAction(deps, who, row.number, name, args)).state;
    changed = true;
  };
  if (state.status === 'cosigning') {
    const answered = [...state.confirmedCoSignerIds, ...state.declinedCoSignerIds];
    for (const id of state.coSignerIds.filter((c) => !answered.includes(c)))
      await step(caller, 'cosign', { accept: true, coSignerId: id });
  }
  if (rank(row.status) >= rank('awaitingAssignment') && state.status === 'underReview')
    await step(caller, 'review', { decision: 'file', note: 'CSV 导入' });
  if (row.status === 'handling' && state.status === 'awaitingAssignment')
    await step(caller, 'assign', assignmentOf(row));
  return changed;
}

type Outcome = 'created' | 'advanced' | 'unchanged';

async function importRow(deps: AppDeps, caller: Caller, row: ImportRow): Promise<Outcome> {
  if (row.status === 'handling') await resolveReferences(deps.store, actionNeeds.assign!(assignmentOf(row)));
  const started = await startNumbered(deps, row.number, await draftOf(deps, row), `import:${row.number}`);
  if (started === 'taken') throw new RowError('numberTaken', `编号 ${row.number} 已被另一件提案使用`, '编号');
  const changed = await advance(deps, caller, row);
  return started === 'started' ? 'created' : changed ? 'advanced' : 'unchanged';
}

/** The header row mapped to fields; a missing required column refuses the whole file. */
function columnsOf(header: string[]): (string | undefined)[] {
  const missing = requiredHeaders.filter((h) => !header.includes(h));
  if (missing.length > 0)
    throw invalidFields(missing.map((h) => ({ field: `body.${h}`, message: `缺少必填列「${h}」` })));
  return header.map((h) => importColumns[h as keyof typeof importColumns]);
}

function parseCsv(text: string): string[][] {
  try {
    return parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (err) {
    throw invalidFields([{ field: 'body', message: `CSV 格式错误：${(err as Error).message}` }]);
  }
}

export async function importCsv(deps: AppDeps, caller: Caller, text: string, log: Logger = deps.logger) {
  const [header = [], ...records] = parseCsv(text);
  const fields = columnsOf(header);
  const report = { created: 0, advanced: 0, unchanged: 0, rows: [] as object[], errors: [] as object[] };
  const seen = new Set<string>();
  for (const [index, cells] of records.entries()) {
    const row = index + 2; // the header is row 1, as a spreadsheet shows it
    const raw = Object.fromEntries(
      Object.keys(headerOf).map((f) => [f, unescapeCell(cells[fields.indexOf(f)] ?? '')]),
    );
    try {
      const parsed = parseRow(raw);
      if (seen.has(parsed.number))
        throw new RowError('duplicateNumber', `编号 ${parsed.number} 在本文件中重复`, '编号');
      seen.add(parsed.number);
      const outcome = await importRow(deps, caller, parsed);
      report[outcome]++;
      report.rows.push({ row, number: parsed.number, outcome });
    } catch (err) {
      const { code, message, field } = rowError(err);
      if (code === 'unavailable') log.error({ err, row }, 'csv import: row failed');
      report.errors.push({
        row,
        ...(raw.number ? { number: raw.number } : {}),
        ...(field ? { field } : {}),
        code,
        message,
      });
    }
  }
  return report;
}
