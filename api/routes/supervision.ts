/**
 * Democratic supervision: postings of groups to departments (start, read, log activities, send
 * letters, end early), term reports, and the supervision figures of domain.md §7. A group sees its
 * own posting, a department the postings to it; committee, leaders and admins see all.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { codeSchema, groupSizeProblem } from '../../domain/directory';
import { followUpWorkflowId } from '../../domain/follow-up';
import { bodyWideRoles, type Caller, type Role } from '../../domain/roles';
import {
  activityShared,
  figuresBy,
  mayActOnPosting,
  maySeeActivity,
  maySeePosting,
  postingActionLabels,
  postingActionsFor,
  postingActivityKinds,
  postingWorkflowId,
  sharedByDefault,
  supervisionFigures,
  type PostingAction,
  type LetterFacts,
  type PostingCommand,
  type PostingView,
  type TermReport,
} from '../../domain/supervision';
import { dateOf, toIso } from '../../domain/time';
import { directory } from '../../store/directory';
import { currentPolicy } from '../../store/policy';
import { postingActUpdate, postingQuery, type supervisionPosting } from '../../workflows/supervision-posting';
import type { AppDeps } from '../deps';
import { forbidden, HttpError, invalidFields, notFound } from '../errors';
import { idempotencyHeaders, idempotencyResponses, keyedUpdate } from '../idempotency';
import { readFollowUps } from '../../store/follow-ups';
import { postingViews, readPostingActivities, termReportViews } from '../../store/supervision';
import { route, type Api } from '../route';
import { actionLink, actionLinksSchema, isoDate, text } from '../schemas';
import { runUpdate } from '../updates';

const tags = ['supervision'];
const readers: readonly Role[] = [...bodyWideRoles, 'supervisor', 'secretary', 'department'];

type PostingDoc = Omit<PostingView, 'postingId' | 'startedAt'> & { _id: string; startedAt: Date };

const fromPostingDoc = ({ _id, startedAt, ...rest }: PostingDoc): PostingView => ({
  ...rest,
  postingId: _id,
  startedAt: startedAt.getTime(),
});

/** Where each posting action is sent, below `/api/postings/:id/`. */
const actionPaths: Record<PostingAction, string> = {
  logActivity: 'activities',
  sendLetter: 'letters',
  endTerm: 'end',
};

const presentPosting = (posting: PostingView) => ({
  ...posting,
  workflowId: postingWorkflowId(posting.postingId),
  startedAt: toIso(posting.startedAt),
  letters: posting.letters.map((l) => ({ ...l, sentAt: toIso(l.sentAt) })),
  ended: posting.ended && { ...posting.ended, at: toIso(posting.ended.at) },
});

const postingSchema = z.object({
  postingId: z.string(),
  workflowId: z.string(),
  groupId: z.string(),
  departmentId: z.string(),
  policyVersion: z.number().int(),
  status: z.enum(['active', 'ended']),
  statusLabel: z.string(),
  startedAt: z.string(),
  termEnd: z.string().nullable().describe('Last day of the term (policy supervision.term)'),
  quarter: z.string().describe('Current quarter, e.g. 2027Q1'),
  letters: z.array(
    z.object({
      followUpId: z.string(),
      title: z.string(),
      quarter: z.string(),
      sentAt: z.string(),
      sentBy: z.string(),
    }),
  ),
  activityCount: z.number().int(),
  ended: z
    .object({
      at: z.string(),
      reason: z.enum(['termEnded', 'endedEarly']),
      by: z.string().optional(),
      note: z.string().optional(),
    })
    .nullable(),
  revision: z.number().int(),
});

const figuresSchema = z.object({
  letters: z.number().int(),
  replied: z.number().int(),
  repliedOnTime: z.number().int(),
  replyOnTimeRate: z.number().nullable().describe('repliedOnTime ÷ letters'),
  evaluated: z.number().int(),
  adopted: z.number().int(),
  adoptionRate: z
    .number()
    .nullable()
    .describe('adopted ÷ evaluated (adoption scale entries counting as adopted)'),
  implementing: z.number().int(),
  openCommitments: z.number().int(),
  open: z.number().int(),
});

const termReportSchema = z.object({
  postingId: z.string(),
  groupId: z.string(),
  departmentId: z.string(),
  term: z.object({ start: z.string(), end: z.string() }),
  endReason: z.enum(['termEnded', 'endedEarly']),
  endedAt: z.string(),
  figures: figuresSchema,
  quarters: z.array(z.object({ quarter: z.string(), letters: z.number().int() })),
  quartersShort: z.array(z.string()).describe('Quarters with fewer letters than lettersPerQuarter'),
  activities: z.record(z.enum(postingActivityKinds), z.number().int()),
  openLetters: z.array(z.object({ followUpId: z.string(), title: z.string(), status: z.string() })),
});

const presentReport = (report: TermReport) => ({ ...report, endedAt: toIso(report.endedAt) });

const params = z.object({ id: codeSchema });

/** The read model's posting, else the workflow's own view (started a moment ago, not yet recorded). */
export async function loadPosting(
  { store, temporal }: AppDeps,
  id: string,
): Promise<PostingView | undefined> {
  const doc = await store.postings.findById(id).lean<PostingDoc>();
  if (doc) return fromPostingDoc(doc);
  try {
    return (await temporal.workflow.getHandle(postingWorkflowId(id)).query(postingQuery)).posting;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export function supervisionRoutes(deps: AppDeps, api: Api) {
  const { store, temporal, temporalConfig } = deps;

  async function visiblePosting(id: string, caller: Caller): Promise<PostingView> {
    const posting = await loadPosting(deps, id);
    // Not visible answers as not existing.
    if (!posting || !maySeePosting(caller, posting)) throw notFound(`派驻 ${id}`);
    return posting;
  }

  /**
   * Sends a command to a posting the caller's group holds (committee staff act on any), as the Update
   * its Idempotency-Key names, if any; `first` is false for a retry of a keyed request.
   */
  async function command(
    id: string,
    caller: Caller,
    cmd: PostingCommand,
    keyed: { key: string | undefined; at: string; body: unknown },
  ) {
    const posting = await visiblePosting(id, caller);
    if (!mayActOnPosting(caller, posting, cmd.action))
      throw forbidden(`只有本监督小组或委员会办公室可以在派驻中${postingActionLabels[cmd.action]}`);
    const { updateId, first } = await keyedUpdate(deps, {
      caller,
      key: keyed.key,
      request: { at: keyed.at, body: keyed.body },
    });
    const handle = temporal.workflow.getHandle<typeof supervisionPosting>(postingWorkflowId(id));
    const result = await runUpdate(
      () => handle.executeUpdate(postingActUpdate, { args: [cmd], updateId }),
      () => new HttpError(409, 'posting_ended', `派驻 ${id} 已结束`),
    );
    return { ...result, first };
  }

  /** What a command on a posting may answer besides success (found by the fuzzer: 409 was undocumented). */
  const commandResponses = {
    409: 'The posting has ended (posting_ended), or its state refuses the action',
    ...idempotencyResponses,
  };

  route(api, {
    method: 'post',
    path: '/api/postings',
    summary: '派驻监督小组：按现行规则的派驻期启动（同一小组同日只能派驻一次）',
    tags,
    roles: ['committee', 'admin'],
    body: z.object({ groupId: codeSchema }),
    status: 201,
    response: z.object({ postingId: z.string(), workflowId: z.string(), departmentId: z.string() }),
    responses: { 409: 'The group is posted already (posting_active; posting_exists the same day)' },
    handler: async ({ body: { groupId } }) => {
      const group = await directory(store, 'groups').get(groupId);
      if (!group) throw invalidFields([{ field: 'body.groupId', message: `监督小组 ${groupId} 不存在` }]);
      const { policy, version } = await currentPolicy(store);
      const size = groupSizeProblem(group.memberIds.length, policy.supervision.groupSize);
      if (size) throw invalidFields([{ field: 'body.groupId', message: size }]);
      const active = [...(await store.views.rows<PostingView>(postingViews)).values()].find(
        (p) => p.groupId === groupId && p.status === 'active',
      );
      if (active)
        throw new HttpError(409, 'posting_active', `监督小组 ${groupId} 正在派驻中（${active.postingId}）`);
      const postingId = `${groupId}-${dateOf(Date.now())}`;
      try {
        await temporal.workflow.start<typeof supervisionPosting>('supervisionPosting', {
          workflowId: postingWorkflowId(postingId),
          taskQueue: temporalConfig.TEMPORAL_TASK_QUEUE,
          args: [{ postingId, groupId, departmentId: group.departmentId, policy, policyVersion: version }],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new HttpError(409, 'posting_exists', `监督小组 ${groupId} 今天已派驻（${postingId}）`);
        throw err;
      }
      return { postingId, workflowId: postingWorkflowId(postingId), departmentId: group.departmentId };
    },
  });

  route(api, {
    method: 'get',
    path: '/api/postings',
    summary: '派驻列表（小组只见本组，被监督单位只见派驻本单位的）',
    tags,
    roles: readers,
    query: z.object({ status: z.enum(['active', 'ended']).optional(), groupId: codeSchema.optional() }),
    response: z.object({ items: z.array(postingSchema) }),
    handler: async ({ query, caller }) => {
      const postings = [...(await store.views.rows<PostingView>(postingViews)).values()];
      const items = postings
        .filter(
          (p) =>
            maySeePosting(caller, p) &&
            (!query.status || p.status === query.status) &&
            (!query.groupId || p.groupId === query.groupId),
        )
        .sort((a, b) => b.startedAt - a.startedAt);
      return { items: items.map(presentPosting) };
    },
  });

  route(api, {
    method: 'get',
    path: '/api/postings/:id',
    summary: '查看派驻：派驻期、本季度、已发建议书',
    tags,
    roles: readers,
    params,
    response: postingSchema.extend({ actions: actionLinksSchema(Object.keys(actionPaths)) }),
    handler: async ({ params: { id }, caller }) => {
      const posting = await visiblePosting(id, caller);
      return {
        ...presentPosting(posting),
        actions: postingActionsFor(caller, posting).map((action) =>
          actionLink(action, postingActionLabels[action], `/api/postings/${id}/${actionPaths[action]}`),
        ),
      };
    },
  });

  const activitySchema = z.object({
    id: z.string(),
    postingId: z.string(),
    kind: z.enum(postingActivityKinds),
    date: z.string(),
    summary: z.string(),
    participants: z.array(z.string()),
    shared: z.boolean().describe('Shown to the supervised department'),
    recordedBy: z.string(),
    recordedAt: z.string(),
  });

  route(api, {
    method: 'get',
    path: '/api/postings/:id/activities',
    summary: '派驻履职活动记录（走访调研、暗访、座谈会议）；被监督单位只见小组共享的记录',
    tags,
    roles: readers,
    params,
    response: z.object({ items: z.array(activitySchema) }),
    handler: async ({ params: { id }, caller }) => {
      const posting = await visiblePosting(id, caller);
      const activities = (await readPostingActivities(store, id)).filter((a) =>
        maySeeActivity(caller, posting, a),
      );
      return {
        items: activities.map((a) => ({ ...a, shared: activityShared(a), recordedAt: toIso(a.recordedAt) })),
      };
    },
  });

  route(api, {
    method: 'post',
    path: `/api/postings/:id/${actionPaths.logActivity}`,
    summary: '记录一次走访调研、暗访或座谈会议（本小组成员或秘书）',
    tags,
    roles: ['supervisor', 'secretary', 'committee', 'admin'],
    params,
    headers: idempotencyHeaders('the same activity (201 first, 200 after)'),
    body: z.object({
      kind: z.enum(postingActivityKinds),
      date: isoDate,
      summary: text(5_000),
      participants: z.array(codeSchema).max(50).default([]),
      shared: z
        .boolean()
        .optional()
        .describe('Show it to the supervised department; default: yes, except for 暗访 (inspection)'),
    }),
    status: 201,
    response: z.object({ id: z.string(), posting: postingSchema }),
    responses: {
      200: 'Same Idempotency-Key again: the activity logged the first time',
      ...commandResponses,
    },
    handler: async ({ params: { id }, body, headers, caller }, _req, res) => {
      const result = await command(
        id,
        caller,
        { action: 'logActivity', by: caller.id, ...body, shared: body.shared ?? sharedByDefault(body.kind) },
        { key: headers['idempotency-key'], at: `POST /api/postings/${id}/${actionPaths.logActivity}`, body },
      );
      res
        .status(result.first ? 201 : 200)
        .json({ id: result.created!, posting: presentPosting(result.posting) });
    },
  });

  route(api, {
    method: 'post',
    path: `/api/postings/:id/${actionPaths.sendLetter}`,
    summary: '发出民主监督建议书：成为被监督单位的跟踪事项（按现行规则签收、答复、评价）',
    tags,
    roles: ['supervisor'],
    params,
    headers: idempotencyHeaders('the same letter (201 first, 200 after)'),
    body: z.object({ title: text(200), content: text(20_000) }),
    status: 201,
    response: z.object({ followUpId: z.string(), workflowId: z.string() }),
    responses: { 200: 'Same Idempotency-Key again: the letter sent the first time', ...commandResponses },
    handler: async ({ params: { id }, body, headers, caller }, _req, res) => {
      const { policy, version } = await currentPolicy(store);
      const result = await command(
        id,
        caller,
        { action: 'sendLetter', by: caller.id, ...body, policy, policyVersion: version },
        { key: headers['idempotency-key'], at: `POST /api/postings/${id}/${actionPaths.sendLetter}`, body },
      );
      res
        .status(result.first ? 201 : 200)
        .json({ followUpId: result.created!, workflowId: followUpWorkflowId(result.created!) });
    },
  });

  route(api, {
    method: 'post',
    path: `/api/postings/:id/${actionPaths.endTerm}`,
    summary: '提前结束派驻：生成履职报告；未办结的建议书继续办理',
    tags,
    roles: ['committee', 'admin'],
    params,
    headers: idempotencyHeaders('the first answer (the term is ended once)'),
    body: z.object({ reason: text(1_000) }),
    response: postingSchema,
    responses: commandResponses,
    handler: async ({ params: { id }, body, headers, caller }) => {
      const result = await command(
        id,
        caller,
        { action: 'endTerm', by: caller.id, note: body.reason },
        { key: headers['idempotency-key'], at: `POST /api/postings/${id}/${actionPaths.endTerm}`, body },
      );
      return presentPosting(result.posting);
    },
  });

  route(api, {
    method: 'get',
    path: '/api/postings/:id/report',
    summary: '派驻的履职报告（派驻期满或提前结束时生成）',
    tags,
    roles: readers,
    params,
    response: termReportSchema,
    handler: async ({ params: { id }, caller }) => {
      await visiblePosting(id, caller);
      const report = (await store.views.rows<TermReport>(termReportViews)).get(id);
      if (!report) throw notFound(`派驻 ${id} 的履职报告（派驻结束时生成）`);
      return presentReport(report);
    },
  });

  route(api, {
    method: 'get',
    path: '/api/term-reports',
    summary: '履职报告列表',
    tags,
    roles: readers,
    response: z.object({ items: z.array(termReportSchema) }),
    handler: async ({ caller }) => {
      const reports = [...(await store.views.rows<TermReport>(termReportViews)).values()];
      return {
        items: reports
          .filter((r) => maySeePosting(caller, r))
          .sort((a, b) => b.endedAt - a.endedAt)
          .map(presentReport),
      };
    },
  });

  const groupFigures = figuresSchema.extend({ key: z.string() });
  route(api, {
    method: 'get',
    path: '/api/supervision/statistics',
    summary: '民主监督统计：各小组建议书数、按期答复率、采纳率、未落实承诺（按发出日期筛选）',
    tags,
    roles: bodyWideRoles,
    limit: 'statistics',
    query: z.object({ from: isoDate.optional(), to: isoDate.optional() }),
    response: z.object({
      total: figuresSchema,
      byGroup: z.array(groupFigures),
      byDepartment: z.array(groupFigures),
      byCampaign: z.array(groupFigures),
    }),
    handler: async ({ query: { from, to } }) => {
      if (from && to && from > to)
        throw invalidFields([{ field: 'query.to', message: `早于 from（${from}）` }]);
      const after = from ? Date.parse(`${from}T00:00:00+08:00`) : -Infinity;
      const before = to ? Date.parse(`${to}T23:59:59.999+08:00`) : Infinity;
      type Letter = LetterFacts & { groupId?: string; unitId?: string; campaignId?: string };
      const letters: Letter[] = (await readFollowUps(store))
        .filter((d) => d.kind === 'recommendationLetter' && d.createdAt >= after && d.createdAt <= before)
        .map((d) => ({
          ...d,
          groupId: d.sender.groupId,
          unitId: d.responder.unitId,
          campaignId: d.source.campaignId,
        }));
      const flat = (rows: ReturnType<typeof figuresBy>) =>
        rows.map(({ key, figures }) => ({ key, ...figures }));
      return {
        total: supervisionFigures(letters),
        byGroup: flat(figuresBy(letters, (l) => l.groupId)),
        byDepartment: flat(figuresBy(letters, (l) => l.unitId)),
        byCampaign: flat(figuresBy(letters, (l) => l.campaignId)),
      };
    },
  });
}
