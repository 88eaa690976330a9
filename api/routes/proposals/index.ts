/**
 * The proposal endpoints (domain.md §2, §7). Static paths are declared before `/:id` so that
 * `statistics` and `export.csv` are never read as proposal numbers.
 */
import { z } from 'zod';
import {
  actionLabels,
  actionNames,
  actionRoles,
  actionSchemas,
  isFinal,
  type ActionArgs,
  type ActionName,
} from '../../../domain/proposal-actions';
import { proposalReaderRoles } from '../../../domain/roles';
import type { AppDeps } from '../../deps';
import { HttpError } from '../../errors';
import { idempotencyHeaders, idempotencyResponses } from '../../idempotency';
import { route, type Api } from '../../route';
import { checkVisible, sendAction, unitScoped } from './act';
import { createProposal, presentFiled } from './create';
import { exportCsv, importCsv } from './csv';
import { listProposals } from './list';
import { loadProposal } from './load';
import { presentDetail } from './present';
import {
  createBodySchema,
  detailSchema,
  filterQuery,
  idParams,
  importResponse,
  listQuery,
  listResponse,
} from './schemas';
import { proposalStatistics, statisticsCsv, statisticsQuery, statisticsResponse } from './statistics';

const tags = ['proposals'];
const notFound = { 404: 'No such proposal' };

function actionRoute<A extends ActionName>(deps: AppDeps, api: Api, name: A) {
  const scope = unitScoped(name)
    ? ' body.unitId must be the caller’s own unit.'
    : name === 'cosign' || name === 'withdraw' || name === 'consent' || name === 'feedback'
      ? ' Acts as the caller (a proposer of this proposal).'
      : '';
  route(api, {
    method: 'post',
    path: `/api/proposals/:id/actions/${name}`,
    summary: `${actionLabels[name]}（${name}）.${scope} Refused by the workflow → 409 with its code.`,
    tags: ['proposal actions'],
    roles: actionRoles[name],
    params: idParams,
    headers: idempotencyHeaders('the first answer (the action is applied once)'),
    body: actionSchemas[name] as (typeof actionSchemas)[A],
    response: detailSchema,
    responses: {
      ...notFound,
      409: 'Refused: { error: { code, message } }, code from the workflow',
      ...idempotencyResponses,
    },
    handler: async ({ params, body, headers, caller }) => {
      const key = headers['idempotency-key'];
      const view = await sendAction(deps, caller, params.id, name, body as ActionArgs<A>, key);
      return presentDetail(deps, { ...view, live: !isFinal(view.state) }, caller);
    },
  });
}

export function proposalRoutes(deps: AppDeps, api: Api) {
  route(api, {
    method: 'get',
    path: '/api/proposals',
    summary: '提案列表：按状态、承办单位、年度、重点、逾期、期限、提案人、标题筛选，按编号排序',
    tags,
    roles: proposalReaderRoles,
    query: listQuery,
    response: listResponse,
    handler: ({ query, caller }) => listProposals(deps.store, caller, query),
  });

  route(api, {
    method: 'get',
    path: '/api/proposals/statistics',
    summary: '办理统计（办复率、按期办复率、见面率、满意率、解决采纳率、落实率…），按单位、提案者类型或分类',
    tags,
    roles: ['committee', 'leader', 'admin', 'unit', 'unitLeader', 'secretary'],
    limit: 'statistics',
    query: statisticsQuery,
    response: statisticsResponse,
    handler: ({ query, caller }) => proposalStatistics(deps.store, caller, query),
  });

  route(api, {
    method: 'get',
    path: '/api/proposals/statistics.csv',
    summary: '办理统计 CSV（中文表头，UTF-8 BOM）：每组按件次、按件各一行，另有两种口径的合计',
    tags,
    roles: ['committee', 'leader', 'admin', 'unit', 'unitLeader', 'secretary'],
    limit: 'statistics',
    query: statisticsQuery,
    responseType: 'text/csv',
    response: z.string(),
    handler: async ({ query, caller }, _req, res) => {
      const stats = await proposalStatistics(deps.store, caller, query);
      res.status(200).type('text/csv; charset=utf-8').attachment(`statistics-${stats.sessionYear}.csv`);
      res.send(statisticsCsv(stats));
    },
  });

  route(api, {
    method: 'get',
    path: '/api/proposals/export.csv',
    summary: '导出提案 CSV（中文表头，UTF-8 BOM，可直接用 Excel 打开）；筛选条件同列表',
    tags,
    roles: proposalReaderRoles,
    limit: 'export',
    query: filterQuery,
    responseType: 'text/csv',
    response: z.string(),
    handler: ({ query, caller }, _req, res) => exportCsv(deps, caller, query, res),
  });

  route(api, {
    method: 'post',
    path: '/api/proposals/import',
    summary: '导入往年提案 CSV（按编号幂等；逐行报告错误，不中断）',
    tags,
    roles: ['committee', 'admin'],
    bodyType: 'text/csv',
    body: z.string({ error: '请求体应为 text/csv' }).min(1, 'CSV 为空'),
    response: importResponse,
    handler: ({ body, caller }, req) => importCsv(deps, caller, body, req.log),
  });

  route(api, {
    method: 'post',
    path: '/api/proposals',
    summary: '提交提案（委员、集体；提案委员会办公室可代为提交）。支持 Idempotency-Key',
    tags,
    roles: ['member', 'organization', 'committee'],
    headers: idempotencyHeaders('the same proposal (201 first, 200 after)'),
    body: createBodySchema,
    status: 201,
    response: detailSchema,
    responses: {
      200: 'Same Idempotency-Key again: the proposal filed the first time',
      202: 'Same Idempotency-Key again, and its workflow has not answered yet — read it at the Location',
      ...idempotencyResponses,
    },
    handler: async ({ body, headers, caller }, _req, res) => {
      const filed = await createProposal(deps, caller, body, headers['idempotency-key']);
      const { proposalId } = filed;
      res.location(`/api/proposals/${proposalId}`);
      // Just started: answered from its input, without waiting for the workflow's first task.
      if (filed.input) return void res.status(201).json(presentFiled(filed.input, caller));
      // The same key again: the proposal as it is now.
      const loaded = await loadProposal(deps, proposalId).catch((err: unknown) => {
        if (err instanceof HttpError && err.code === 'notReady') return undefined;
        throw err;
      });
      // Filed, but the new workflow has not answered yet: 202 with where to read it (never a 5xx).
      if (!loaded) return void res.status(202).json({ proposalId, status: 'accepted' });
      res.status(200).json(await presentDetail(deps, loaded, caller));
    },
  });

  route(api, {
    method: 'get',
    path: '/api/proposals/:id',
    summary: '提案详情：状态、全部未完成期限（含计算依据）、时间线、当前可执行的操作',
    tags,
    roles: proposalReaderRoles,
    params: idParams,
    response: detailSchema,
    responses: notFound,
    handler: async ({ params, caller }) => {
      const loaded = await loadProposal(deps, params.id);
      checkVisible(loaded.state, caller);
      return presentDetail(deps, loaded, caller);
    },
  });

  for (const name of actionNames) actionRoute(deps, api, name);
}
