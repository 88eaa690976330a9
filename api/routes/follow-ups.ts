/**
 * Follow-up items (件件有回音): list and read what the caller may see, start an item, and the human
 * actions — each an Update the workflow validates again. The API checks who may act (role and own
 * unit, group or person); the workflow refuses what is out of turn (409 with its stable code).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { codeSchema } from '../../domain/directory';
import {
  followUpActionLabels,
  followUpActionParty,
  followUpActionsFor,
  followUpStatuses,
  followUpIdProblem,
  followUpWorkflowId,
  maySee,
  mayAct,
  responderRoles,
  type FollowUpAction,
  type FollowUpCommand,
  type FollowUpInput,
  type FollowUpView,
} from '../../domain/follow-up';
import { followUpKindCodes } from '../../domain/policy';
import { bodyWideRoles, type Caller, type Role } from '../../domain/roles';
import { dateOf, toIso } from '../../domain/time';
import { directory } from '../../store/directory';
import { fromFollowUpDoc, readFollowUps, type FollowUpDoc } from '../../store/follow-ups';
import { currentPolicy } from '../../store/policy';
import { followUpActUpdate, followUpQuery, type followUpItem } from '../../workflows/follow-up';
import type { AppDeps } from '../deps';
import { conflict, forbidden, HttpError, invalidFields, notFound } from '../errors';
import {
  createOnce,
  idempotencyHeaders,
  idempotencyResponses,
  keyedUpdate,
  startOnce,
  type StartOutcome,
} from '../idempotency';
import { readItem } from '../../store/items';
import { route, type Api } from '../route';
import { actionLink, actionLinksSchema, text } from '../schemas';
import { runUpdate } from '../updates';

const tags = ['follow-ups'];
/** Everyone who may be owed an answer: supervisors for their group, members, leaders, units. */
const senderRoles: readonly Role[] = [
  'supervisor',
  'member',
  'organization',
  'leader',
  'committee',
  ...responderRoles,
];
const readers: readonly Role[] = [...new Set<Role>([...bodyWideRoles, ...senderRoles, 'secretary'])];
const partyRoles: Record<'responder' | 'sender' | 'committee', readonly Role[]> = {
  responder: responderRoles,
  sender: senderRoles,
  committee: ['committee', 'admin'],
};

// ---- reading ---------------------------------------------------------------------------------

/** An item as the read model holds it, else as its workflow knows it (created a moment ago, not yet projected). */
export async function loadFollowUp(
  { store, temporal }: AppDeps,
  id: string,
): Promise<FollowUpView | undefined> {
  const doc = await store.followUps.findById(id).lean<FollowUpDoc>();
  if (doc) return fromFollowUpDoc(doc);
  try {
    return (await temporal.workflow.getHandle(followUpWorkflowId(id)).query(followUpQuery)).item;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

async function visibleItem(deps: AppDeps, id: string, caller: Caller): Promise<FollowUpView> {
  const item = await loadFollowUp(deps, id);
  // Not visible answers as not existing: a caller learns nothing of items they may not read.
  if (!item || !maySee(caller, item)) throw notFound(`跟踪事项 ${id}`);
  return item;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : toIso(ms));
const withIso = <T extends { at: number }>(entry: T) => ({ ...entry, at: toIso(entry.at) });

export function presentFollowUp(item: FollowUpView) {
  return {
    ...item,
    workflowId: followUpWorkflowId(item.followUpId),
    createdAt: toIso(item.createdAt),
    closedAt: iso(item.closedAt),
    acknowledgement: item.acknowledgement && withIso(item.acknowledgement),
    responses: item.responses.map(withIso),
    evaluations: item.evaluations.map(withIso),
    checkIns: item.checkIns.map(withIso),
    outcome: item.outcome && withIso(item.outcome),
  };
}

const party = z.object({
  userIds: z.array(codeSchema).optional(),
  groupId: codeSchema.optional(),
  unitId: codeSchema.optional(),
});
const stamped = z.object({ at: z.string().describe('ISO-8601, +08:00'), by: z.string().optional() });

export const followUpSchema = z.object({
  followUpId: z.string(),
  workflowId: z.string(),
  kind: z.enum(followUpKindCodes),
  kindLabel: z.string(),
  title: z.string(),
  content: z.string(),
  sender: party.describe('Who is owed the answer and rates it'),
  responder: z.object({ unitId: z.string() }),
  source: z.object({ proposalId: z.string(), postingId: z.string(), campaignId: z.string() }).partial(),
  policyVersion: z.number().int(),
  status: z.enum(followUpStatuses),
  statusLabel: z.string(),
  round: z.number().int().describe('Response round: 2 after a send-back'),
  sendBacksLeft: z.number().int(),
  acknowledgement: stamped.extend({ onTime: z.boolean() }).nullable(),
  responses: z.array(
    stamped.extend({
      round: z.number(),
      content: z.string(),
      commitments: z.array(z.string()),
      onTime: z.boolean(),
    }),
  ),
  evaluations: z.array(
    stamped.extend({
      round: z.number(),
      verdict: z.enum(['accepted', 'sentBack', 'lapsed']),
      adoption: z.string().optional(),
      satisfaction: z.string().optional(),
      comment: z.string().optional(),
    }),
  ),
  checkIns: z.array(stamped.extend({ seq: z.number(), progress: z.string(), onTime: z.boolean() })),
  outcome: stamped
    .extend({ code: z.enum(['answered', 'done', 'withdrawn']), note: z.string().optional() })
    .nullable(),
  answered: z.boolean(),
  respondedOnTime: z.boolean().nullable(),
  adoption: z.string().nullable(),
  adopted: z.boolean().nullable(),
  satisfaction: z.string().nullable(),
  openCommitments: z.array(z.string()),
  scales: z
    .object({
      adoption: z.array(z.object({ code: z.string(), label: z.string() })),
      satisfaction: z.array(z.object({ code: z.string(), label: z.string() })),
    })
    .nullable()
    .describe(
      'The scales the sender rates on (from the item’s policy); null when the kind has no evaluation',
    ),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  revision: z.number().int(),
});

const listQuery = z.object({
  kind: z.enum(followUpKindCodes).optional(),
  status: z.enum(followUpStatuses).optional(),
  open: z.enum(['true', 'false']).optional().describe('true: not closed; false: closed'),
  unitId: codeSchema.optional().describe('Responding unit'),
  groupId: codeSchema.optional().describe('Sending supervision group'),
  postingId: codeSchema.optional(),
  campaignId: codeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  skip: z.coerce.number().int().min(0).default(0),
});

/** Whether an item matches the list's filters. */
const matches =
  ({ kind, status, open, unitId, groupId, postingId, campaignId }: z.infer<typeof listQuery>) =>
  (item: FollowUpView) =>
    (!kind || item.kind === kind) &&
    (!status || item.status === status) &&
    (open === undefined || (item.status !== 'closed') === (open === 'true')) &&
    (!unitId || item.responder.unitId === unitId) &&
    (!groupId || item.sender.groupId === groupId) &&
    (!postingId || item.source.postingId === postingId) &&
    (!campaignId || item.source.campaignId === campaignId);

/** Newest first; the id settles ties. */
const newestFirst = (a: FollowUpView, b: FollowUpView) =>
  b.createdAt - a.createdAt || (a.followUpId < b.followUpId ? -1 : a.followUpId > b.followUpId ? 1 : 0);

// ---- starting --------------------------------------------------------------------------------

/** Starts an item's workflow under `requestId` (see startOnce): a workflow id is never used twice. */
export const startFollowUp = (
  deps: AppDeps,
  input: FollowUpInput,
  requestId: string,
): Promise<StartOutcome> =>
  startOnce<typeof followUpItem>(
    deps,
    'followUpItem',
    { workflowId: followUpWorkflowId(input.followUpId), args: [input] },
    requestId,
  );

/** The directory records a new item names must exist; the issues name the offending fields. */
export async function partyIssues(
  { store }: AppDeps,
  fields: { field: string; collection: 'users' | 'units' | 'groups'; id: string | undefined }[],
) {
  const issues = [];
  for (const { field, collection, id } of fields) {
    if (id !== undefined && !(await directory(store, collection).exists(id)))
      issues.push({ field, message: `${id} 不存在` });
  }
  if (issues.length > 0) throw invalidFields(issues);
}

/** An id another kind's item already holds (records older than the shape rule) is a conflict naming the field. */
async function checkIdFree({ store }: AppDeps, id: string) {
  const [proposal, posting] = await Promise.all([
    store.proposals.exists({ _id: id }),
    store.postings.exists({ _id: id }),
  ]);
  if (proposal || posting)
    throw conflict(`参数 body.followUpId 无效：${id} 已是${proposal ? '提案' : '派驻'}的编号`, {
      issues: [{ field: 'body.followUpId', message: `${id} 已被占用` }],
    });
}

const createBody = z
  .object({
    followUpId: codeSchema
      .superRefine((id, ctx) => {
        const problem = followUpIdProblem(id);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'Business key; default `<kind>-<date>-<random>`. Not shaped like a proposal number or a posting id',
      ),
    kind: z.enum(followUpKindCodes),
    title: text(200),
    content: text(20_000),
    responderUnitId: codeSchema.describe('The unit that owes the answer'),
    sender: party.describe('Who is owed the answer and rates it: people, a group or a unit'),
    source: z.object({ proposalId: codeSchema }).partial().optional(),
  })
  .refine((b) => b.sender.userIds?.length || b.sender.groupId || b.sender.unitId, {
    message: '须指明来件方：userIds、groupId 或 unitId',
    path: ['sender'],
  });

// ---- actions ---------------------------------------------------------------------------------

const rating = z.object({
  adoption: codeSchema.describe('A code of the item’s adoption scale (`scales.adoption`)'),
  satisfaction: codeSchema.describe('A code of the item’s satisfaction scale (`scales.satisfaction`)'),
  comment: z.string().trim().max(2_000).optional(),
});

/** Each action: its path segment, its body, and the command it becomes. */
const actionRoutes = {
  acknowledge: {
    path: 'acknowledge',
    body: z.object({}),
    command: (_b: object, by: string) => ({ action: 'acknowledge', by }),
  },
  respond: {
    path: 'respond',
    body: z.object({
      content: text(20_000),
      commitments: z
        .array(text(500))
        .max(50)
        .default([])
        .describe('承诺事项: check-ins follow them until done'),
    }),
    command: (b: { content: string; commitments: string[] }, by: string) => ({ action: 'respond', by, ...b }),
  },
  evaluate: {
    path: 'evaluate',
    body: rating,
    command: (b: z.infer<typeof rating>, by: string) => ({ action: 'evaluate', by, ...b }),
  },
  sendBack: {
    path: 'send-back',
    body: rating,
    command: (b: z.infer<typeof rating>, by: string) => ({ action: 'sendBack', by, ...b }),
  },
  checkIn: {
    path: 'check-ins',
    body: z.object({ progress: text(5_000) }),
    command: (b: { progress: string }, by: string) => ({ action: 'checkIn', by, ...b }),
  },
  reportDone: {
    path: 'done',
    body: z.object({ summary: text(5_000) }),
    command: (b: { summary: string }, by: string) => ({ action: 'reportDone', by, note: b.summary }),
  },
  withdraw: {
    path: 'withdraw',
    body: z.object({ reason: text(1_000) }),
    command: (b: { reason: string }, by: string) => ({ action: 'withdraw', by, note: b.reason }),
  },
} satisfies Record<
  FollowUpAction,
  { path: string; body: z.ZodType; command: (b: never, by: string) => FollowUpCommand }
>;

const partyLabels = { responder: '答复单位', sender: '来件方', committee: '委员会办公室' };

/** Rating codes must come from the item's own scales: a 400 naming the field, before the workflow is asked. */
function checkRating(item: FollowUpView, command: FollowUpCommand) {
  if ((command.action !== 'evaluate' && command.action !== 'sendBack') || !item.scales) return;
  const issues = (['adoption', 'satisfaction'] as const)
    .filter((field) => !item.scales![field].some((entry) => entry.code === command[field]))
    .map((field) => ({
      field: `body.${field}`,
      message: `应为 ${item.scales![field].map((e) => e.code).join('、')} 之一`,
    }));
  if (issues.length > 0) throw invalidFields(issues);
}

export function followUpRoutes(deps: AppDeps, api: Api) {
  const { store, temporal } = deps;
  const params = z.object({ id: codeSchema });

  route(api, {
    method: 'get',
    path: '/api/follow-ups',
    summary: '跟踪事项列表（单位只见本单位答复或发出的，小组只见本组的，委员本人的）',
    tags,
    roles: readers,
    query: listQuery,
    response: z.object({ items: z.array(followUpSchema), total: z.number().int() }),
    handler: async ({ query, caller }) => {
      const match = matches(query);
      const items = (await readFollowUps(store))
        .filter((item) => maySee(caller, item) && match(item))
        .sort(newestFirst);
      return {
        items: items.slice(query.skip, query.skip + query.limit).map(presentFollowUp),
        total: items.length,
      };
    },
  });

  route(api, {
    method: 'get',
    path: '/api/follow-ups/:id',
    summary: '查看跟踪事项：状态、答复、评价、落实进展、期限与时间线',
    tags,
    roles: readers,
    params,
    response: followUpSchema.extend({
      clocks: z.array(
        z.object({
          clockId: z.string(),
          label: z.string(),
          status: z.string(),
          due: z.string(),
          overdue: z.boolean(),
          escalation: z.string().nullable(),
        }),
      ),
      timeline: z.array(
        z.object({
          at: z.string(),
          kind: z.string(),
          label: z.string(),
          actor: z.string().optional(),
          data: z.looseObject({}).optional().describe('attachmentAdded: the file’s id, name, size, sha256'),
        }),
      ),
      actions: actionLinksSchema(Object.keys(actionRoutes)),
    }),
    handler: async ({ params: { id }, caller }) => {
      const item = await visibleItem(deps, id, caller);
      const { clocks, timeline } = await readItem(store, id);
      return {
        ...presentFollowUp(item),
        clocks: clocks
          .sort((a, b) => a.startedAt - b.startedAt)
          .map(({ clockId, label, status, overdue, escalation, deadline }) => ({
            clockId,
            label,
            status,
            due: deadline.due,
            overdue,
            escalation,
          })),
        // An attachment's entry carries its file's facts (store/attachments.ts).
        timeline: timeline.map(({ at, kind, label, actor, data }) => ({
          at: toIso(at),
          kind,
          label,
          actor,
          ...(kind === 'attachmentAdded' ? { data } : {}),
        })),
        actions: followUpActionsFor(caller, item).map((action) =>
          actionLink(
            action,
            followUpActionLabels[action],
            `/api/follow-ups/${id}/${actionRoutes[action].path}`,
          ),
        ),
      };
    },
  });

  route(api, {
    method: 'post',
    path: '/api/follow-ups',
    summary:
      '交办一个跟踪事项（如社情民意信息批示、协商成果），按现行规则启动其办理流程。支持 Idempotency-Key',
    tags,
    roles: bodyWideRoles,
    headers: idempotencyHeaders('the same item (201 first, 200 after)'),
    body: createBody,
    status: 201,
    response: z.object({ followUpId: z.string(), workflowId: z.string() }),
    responses: {
      200: 'Same Idempotency-Key again: the item started the first time',
      409: 'The followUpId given is taken',
      ...idempotencyResponses,
    },
    handler: async ({ body, headers, caller }, _req, res) => {
      await partyIssues(deps, [
        { field: 'body.responderUnitId', collection: 'units', id: body.responderUnitId },
        { field: 'body.sender.groupId', collection: 'groups', id: body.sender.groupId },
        { field: 'body.sender.unitId', collection: 'units', id: body.sender.unitId },
        ...(body.sender.userIds ?? []).map((id, i) => ({
          field: `body.sender.userIds.${i}`,
          collection: 'users' as const,
          id,
        })),
      ]);
      if (body.followUpId) await checkIdFree(deps, body.followUpId);
      const { policy, version } = await currentPolicy(store);
      const { id: followUpId, created } = await createOnce(
        deps,
        { caller, key: headers['idempotency-key'], request: { at: 'POST /api/follow-ups', body } },
        {
          allocate: async () =>
            body.followUpId ?? `${body.kind}-${dateOf(Date.now())}-${randomUUID().slice(0, 8)}`,
          start: (id, requestId) =>
            startFollowUp(
              deps,
              {
                followUpId: id,
                kind: body.kind,
                title: body.title,
                content: body.content,
                sender: body.sender,
                responder: { unitId: body.responderUnitId },
                source: body.source,
                policy,
                policyVersion: version,
              },
              requestId,
            ),
          // The client's own id: a second item under it is a conflict, not a reason to draw another.
          taken: body.followUpId ? (id) => conflict(`跟踪事项 ${id} 已存在`, { followUpId: id }) : undefined,
        },
      );
      res.status(created ? 201 : 200).json({ followUpId, workflowId: followUpWorkflowId(followUpId) });
    },
  });

  for (const action of Object.keys(actionRoutes) as FollowUpAction[]) {
    const spec = actionRoutes[action];
    const who = followUpActionParty[action];
    route(api, {
      method: 'post',
      path: `/api/follow-ups/:id/${spec.path}`,
      summary: `${followUpActionLabels[action]}（${partyLabels[who]}）`,
      tags,
      roles: partyRoles[who],
      params,
      headers: idempotencyHeaders('the first answer (the action is applied once)'),
      body: spec.body as z.ZodType<object>,
      response: followUpSchema,
      responses: {
        400: 'Bad input, naming the field',
        404: 'No such item',
        409: 'Refused: out of turn, with a stable code',
        ...idempotencyResponses,
      },
      handler: async ({ params: { id }, body, headers, caller }) => {
        const item = await visibleItem(deps, id, caller);
        if (!mayAct(caller, item, action))
          throw forbidden(`只有${partyLabels[who]}可以${followUpActionLabels[action]}`);
        const command = spec.command(body as never, caller.id) as FollowUpCommand;
        checkRating(item, command);
        const { updateId } = await keyedUpdate(deps, {
          caller,
          key: headers['idempotency-key'],
          request: { at: `POST /api/follow-ups/${id}/${spec.path}`, body },
        });
        const handle = temporal.workflow.getHandle(followUpWorkflowId(id));
        const view = await runUpdate(
          () => handle.executeUpdate(followUpActUpdate, { args: [command], updateId }),
          () =>
            new HttpError(
              409,
              'follow_up_closed',
              `跟踪事项 ${id} 已办结，不能${followUpActionLabels[action]}`,
            ),
        );
        return presentFollowUp(view);
      },
    });
  }
}
