/**
 * Special supervision campaigns (专项民主监督, domain.md §3): a theme with many sites and teams; a
 * team's findings at a site become recommendation letters to the site's department, handled as
 * follow-up items like any other letter. Campaigns themselves are records the office keeps.
 */
import { z } from 'zod';
import { codeSchema } from '../../domain/directory';
import { followUpWorkflowId } from '../../domain/follow-up';
import { seesEverything, type Caller, type Role } from '../../domain/roles';
import { toIso } from '../../domain/time';
import { nextSequence, reserveSequence } from '../../store/counters';
import { isDuplicateKey } from '../../store/mongo';
import { currentPolicy } from '../../store/policy';
import type { AppDeps } from '../deps';
import { conflict, forbidden, invalidFields, notFound } from '../errors';
import { createOnce, idempotencyHeaders, idempotencyResponses } from '../idempotency';
import { route, type Api } from '../route';
import { text } from '../schemas';
import { partyIssues, startFollowUp } from './follow-ups';

const tags = ['supervision'];

/** Codes must be unique within their list: a duplicate would make letters ambiguous. */
const uniqueCodes = <T extends { code: string }>(items: T[], ctx: z.RefinementCtx) =>
  items.forEach((item, index) => {
    if (items.findIndex((other) => other.code === item.code) !== index)
      ctx.addIssue({ code: 'custom', path: [index, 'code'], message: `${item.code} 重复` });
  });

const siteSchema = z.object({ code: codeSchema, name: text(100), departmentId: codeSchema });
const teamSchema = z
  .object({
    code: codeSchema,
    name: text(100),
    leaderId: codeSchema,
    memberIds: z.array(codeSchema).min(1).max(50),
  })
  .refine((team) => team.memberIds.includes(team.leaderId), {
    message: '组长须是成员之一',
    path: ['leaderId'],
  });

const campaignBody = z.object({
  id: codeSchema,
  theme: text(200),
  description: z.string().trim().max(5_000).optional(),
  sites: z.array(siteSchema).min(1).max(1_000).superRefine(uniqueCodes),
  teams: z.array(teamSchema).min(1).max(200).superRefine(uniqueCodes),
});
type CampaignBody = z.infer<typeof campaignBody>;

const campaignSchema = campaignBody.extend({
  createdAt: z.string(),
  createdBy: z.string(),
  letters: z.number().int().describe('Letters numbered so far (the highest letter number)'),
});

interface CampaignDoc extends Omit<CampaignBody, 'id'> {
  _id: string;
  createdAt: Date;
  createdBy: string;
  /** Campaigns created before letters had their own counter numbered them here. */
  letterSeq?: number;
}

/**
 * Letters are numbered per campaign by a counter of their own (store/counters.ts: a number is claimed
 * by an insert, as FerretDB v1's `$inc` can hand one number to two concurrent letters).
 */
const letterCounter = (campaignId: string) => `campaign-${campaignId}-letters`;

/** Letters numbered so far, per campaign. */
async function letterCounts(store: AppDeps['store'], docs: CampaignDoc[]): Promise<Map<string, number>> {
  const counters = await store.counters
    .find({ _id: { $in: docs.map((doc) => letterCounter(doc._id)) } })
    .lean<{ _id: string; seq: number }[]>();
  const seqs = new Map(counters.map((c) => [c._id, c.seq]));
  return new Map(
    docs.map((doc) => [doc._id, Math.max(seqs.get(letterCounter(doc._id)) ?? 0, doc.letterSeq ?? 0)]),
  );
}

/** A campaign numbered by `letterSeq` hands its numbers to its counter, once. */
async function moveLetterSeq(store: AppDeps['store'], doc: CampaignDoc) {
  if (!doc.letterSeq) return;
  await reserveSequence(store, letterCounter(doc._id), doc.letterSeq);
  await store.campaigns.updateOne({ _id: doc._id }, { $unset: { letterSeq: 1 } });
}

const present = ({ _id, createdAt, letterSeq: _legacy, ...rest }: CampaignDoc, letters: number) => ({
  ...rest,
  id: _id,
  createdAt: toIso(createdAt.getTime()),
  letters,
});

/** Body-wide roles see every campaign; a supervisor the campaigns they are on a team of. */
const scope = (caller: Caller) => (seesEverything(caller) ? {} : { 'teams.memberIds': caller.id });

export function campaignRoutes(deps: AppDeps, api: Api) {
  const { store } = deps;
  const readers: readonly Role[] = ['committee', 'leader', 'admin', 'supervisor'];
  const params = z.object({ id: codeSchema });

  async function visible(id: string, caller: Caller): Promise<CampaignDoc> {
    const doc = await store.campaigns.findOne({ $and: [{ _id: id }, scope(caller)] }).lean<CampaignDoc>();
    // Not visible answers as not existing.
    if (doc) return doc;
    throw notFound(`专项监督 ${id}`);
  }

  route(api, {
    method: 'post',
    path: '/api/campaigns',
    summary: '新建专项民主监督：主题、监督点位（各由一个被监督单位负责）、监督组',
    tags,
    roles: ['committee', 'admin'],
    body: campaignBody,
    status: 201,
    response: campaignSchema,
    handler: async ({ body, caller }) => {
      await partyIssues(deps, [
        ...body.sites.map((s, i) => ({
          field: `body.sites.${i}.departmentId`,
          collection: 'units' as const,
          id: s.departmentId,
        })),
        ...body.teams.flatMap((t, i) =>
          t.memberIds.map((m, j) => ({
            field: `body.teams.${i}.memberIds.${j}`,
            collection: 'users' as const,
            id: m,
          })),
        ),
      ]);
      const { id, ...rest } = body;
      const doc: CampaignDoc = { _id: id, ...rest, createdAt: new Date(), createdBy: caller.id };
      try {
        await store.campaigns.create(doc);
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict(`专项监督 ${id} 已存在`, { id });
        throw err;
      }
      return present(doc, 0);
    },
  });

  route(api, {
    method: 'get',
    path: '/api/campaigns',
    summary: '专项民主监督列表（监督员只见本人参加的）',
    tags,
    roles: readers,
    response: z.object({ items: z.array(campaignSchema) }),
    handler: async ({ caller }) => {
      const docs = await store.campaigns.find(scope(caller)).sort({ createdAt: -1 }).lean<CampaignDoc[]>();
      const letters = await letterCounts(store, docs);
      return { items: docs.map((doc) => present(doc, letters.get(doc._id)!)) };
    },
  });

  route(api, {
    method: 'get',
    path: '/api/campaigns/:id',
    summary: '查看专项民主监督',
    tags,
    roles: readers,
    params,
    response: campaignSchema,
    handler: async ({ params: { id }, caller }) => {
      const doc = await visible(id, caller);
      return present(doc, (await letterCounts(store, [doc])).get(id)!);
    },
  });

  route(api, {
    method: 'post',
    path: '/api/campaigns/:id/letters',
    summary:
      '监督组就某点位的发现发出建议书：成为该点位负责单位的跟踪事项，由本组成员评价答复。支持 Idempotency-Key',
    tags,
    roles: ['supervisor', 'committee', 'admin'],
    params,
    headers: idempotencyHeaders('the same letter (201 first, 200 after)'),
    body: z.object({ siteCode: codeSchema, teamCode: codeSchema, title: text(200), content: text(20_000) }),
    status: 201,
    response: z.object({ followUpId: z.string(), workflowId: z.string() }),
    responses: { 200: 'Same Idempotency-Key again: the letter sent the first time', ...idempotencyResponses },
    handler: async ({ params: { id }, body, headers, caller }, _req, res) => {
      const campaign = await visible(id, caller);
      const site = campaign.sites.find((s) => s.code === body.siteCode);
      const team = campaign.teams.find((t) => t.code === body.teamCode);
      const issues = [
        !site && { field: 'body.siteCode', message: `专项监督 ${id} 没有点位 ${body.siteCode}` },
        !team && { field: 'body.teamCode', message: `专项监督 ${id} 没有监督组 ${body.teamCode}` },
      ].filter((issue) => issue !== false);
      if (issues.length > 0) throw invalidFields(issues);
      if (!seesEverything(caller) && !team!.memberIds.includes(caller.id))
        throw forbidden(`只有监督组 ${team!.code} 的成员可以以该组名义发出建议书`);
      await moveLetterSeq(store, campaign);
      const { policy, version } = await currentPolicy(store);
      const { id: followUpId, created } = await createOnce(
        deps,
        {
          caller,
          key: headers['idempotency-key'],
          request: { at: `POST /api/campaigns/${id}/letters`, body },
        },
        {
          allocate: async () => `${id}-${site!.code}-${await nextSequence(store, letterCounter(id))}`,
          start: (letterId, requestId) =>
            startFollowUp(
              deps,
              {
                followUpId: letterId,
                kind: 'recommendationLetter',
                title: body.title,
                content: body.content,
                sender: { userIds: team!.memberIds },
                responder: { unitId: site!.departmentId },
                source: { campaignId: id },
                policy,
                policyVersion: version,
              },
              requestId,
            ),
        },
      );
      res.status(created ? 201 : 200).json({ followUpId, workflowId: followUpWorkflowId(followUpId) });
    },
  });
}
