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
import { isDuplicateKey } from '../../store/mongo';
import { currentPolicy } from '../../store/policy';
import type { AppDeps } from '../deps';
import { conflict, forbidden, invalidFields, notFound } from '../errors';
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
  letters: z.number().int().describe('Letters sent so far'),
});

interface CampaignDoc extends Omit<CampaignBody, 'id'> {
  _id: string;
  createdAt: Date;
  createdBy: string;
  letterSeq: number;
}

const present = ({ _id, createdAt, letterSeq, ...rest }: CampaignDoc) => ({
  ...rest,
  id: _id,
  createdAt: toIso(createdAt.getTime()),
  letters: letterSeq,
});

/** Body-wide roles see every campaign; a supervisor the campaigns they are on a team of. */
const scope = (caller: Caller) => (seesEverything(caller) ? {} : { 'teams.memberIds': caller.id });

export function campaignRoutes(deps: AppDeps, api: Api) {
  const { store } = deps;
  const readers: readonly Role[] = ['committee', 'leader', 'admin', 'supervisor'];
  const params = z.object({ id: codeSchema });

  async function visible(id: string, caller: Caller): Promise<CampaignDoc> {
    const doc = await store.campaigns.findOne({ $and: [{ _id: id }, scope(caller)] }).lean<CampaignDoc>();
    if (doc) return doc;
    throw (await store.campaigns.exists({ _id: id }))
      ? forbidden('只能查看本人参加的专项监督')
      : notFound(`专项监督 ${id}`);
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
      const doc: CampaignDoc = {
        _id: id,
        ...rest,
        createdAt: new Date(),
        createdBy: caller.id,
        letterSeq: 0,
      };
      try {
        await store.campaigns.create(doc);
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict(`专项监督 ${id} 已存在`, { id });
        throw err;
      }
      return present(doc);
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
      return { items: docs.map(present) };
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
    handler: async ({ params: { id }, caller }) => present(await visible(id, caller)),
  });

  route(api, {
    method: 'post',
    path: '/api/campaigns/:id/letters',
    summary: '监督组就某点位的发现发出建议书：成为该点位负责单位的跟踪事项，由本组成员评价答复',
    tags,
    roles: ['supervisor', 'committee', 'admin'],
    params,
    body: z.object({ siteCode: codeSchema, teamCode: codeSchema, title: text(200), content: text(20_000) }),
    status: 201,
    response: z.object({ followUpId: z.string(), workflowId: z.string() }),
    handler: async ({ params: { id }, body, caller }) => {
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
      // Letters are numbered per campaign; the counter only grows, so no two letters share an id.
      const numbered = await store.campaigns
        .findOneAndUpdate({ _id: id }, { $inc: { letterSeq: 1 } }, { new: true })
        .lean<CampaignDoc>();
      const followUpId = `${id}-${site!.code}-${numbered!.letterSeq}`;
      const { policy, version } = await currentPolicy(store);
      await startFollowUp(deps, {
        followUpId,
        kind: 'recommendationLetter',
        title: body.title,
        content: body.content,
        sender: { userIds: team!.memberIds },
        responder: { unitId: site!.departmentId },
        source: { campaignId: id },
        policy,
        policyVersion: version,
      });
      return { followUpId, workflowId: followUpWorkflowId(followUpId) };
    },
  });
}
