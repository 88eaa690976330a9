/**
 * Event notices (domain.md §10): who hears that something happened to a proposal or a follow-up item,
 * and what the message says. One pure rule over a timeline entry as the workflows record it (its kind
 * and data) and the item's state at that moment; the recording activities resolve the recipients
 * through the directory and write the messages into the ladder's outbox (activities/notify.ts).
 *
 * Each notice is keyed by its timeline entry (`event:<entry key>`, and a part when one entry tells
 * several units): the entry's key is stable across retries and replays, so its rows are written once.
 */
import type { FollowUpView } from './follow-up';
import type { Audience, Responsible } from './ladder';
import { itemLink, type Message } from './notifications';
import type { Policy } from './policy';
import {
  proposers,
  replyingAssignments,
  unitRoleLabels,
  type ProposalState,
  type UnitRole,
} from './proposal';

export const eventCodes = [
  'filed',
  'notFiled',
  'converted',
  'merged',
  'assigned',
  'returnRuled',
  'replyReleased',
  'replyAwaitsSignOff',
  'replyReturned',
  'rehandling',
  'letterDelivered',
  'evaluated',
] as const;
export type EventCode = (typeof eventCodes)[number];

export const eventLabels: Record<EventCode, string> = {
  filed: '立案通知',
  notFiled: '不予立案通知',
  converted: '转为意见建议通知',
  merged: '并案通知',
  assigned: '交办通知',
  returnRuled: '退回申请处理结果',
  replyReleased: '答复已送达，请评价',
  replyAwaitsSignOff: '答复稿待审签',
  replyReturned: '答复退回修改',
  rehandling: '重新办理通知',
  letterDelivered: '建议书送达通知',
  evaluated: '评价结果通知',
};

/**
 * The timeline entry kinds of a proposal that are told, and as which event. A reply is told once, when
 * it is released: the leader's direct reply (`replied`) or a reviewed one (`replyReleased`, domain.md
 * §2.5) — a run records exactly one of the two per reply. A draft tells the unit leader it awaits
 * sign-off; a returned reply tells the unit.
 */
export const proposalEvents: Readonly<Record<string, EventCode>> = {
  filed: 'filed',
  notFiled: 'notFiled',
  converted: 'converted',
  merged: 'merged',
  assigned: 'assigned',
  returnApproved: 'returnRuled',
  returnRejected: 'returnRuled',
  replyReleased: 'replyReleased',
  replied: 'replyReleased',
  replyDrafted: 'replyAwaitsSignOff',
  replyReturned: 'replyReturned',
  rehandlingOrdered: 'rehandling',
  feedback: 'evaluated',
};

/** The follow-up entry kinds that are told: a letter delivered, and the sender's rating of a response. */
export const followUpEvents: Readonly<Record<string, EventCode>> = {
  followUpOpened: 'letterDelivered',
  evaluated: 'evaluated',
  sentBack: 'evaluated',
};

/** A timeline entry as the recording activities receive it (activities/timeline.ts). */
export interface EventEntry {
  key: string;
  itemId: string;
  at: number;
  kind: string;
  label: string;
  data?: Record<string, unknown>;
}

/** The item the entry belongs to, as recorded with it. */
export type EventItem = { kind: 'proposal'; state: ProposalState } | { kind: 'followUp'; item: FollowUpView };

/** What the messages name besides the item: labels of the item's policy version, and unit names. */
export interface EventContext {
  policy: Pick<Policy, 'notFiledReasons' | 'resultClassScheme' | 'satisfactionScale'>;
  /** A unit's name from the directory (its id when it has none). */
  unitName: (unitId: string) => string;
}

/** One message of an event to one party: people by id, or a unit (its liaisons and secretaries). */
export interface EventNotice {
  /** `event:<entry key>`, then `#<unit>` when the entry tells several units. Rows: `<key>:<recipient>:<channel>`. */
  key: string;
  event: EventCode;
  itemId: string;
  /** The entry's time (workflow time): office hours are counted from it, the same on every retry. */
  at: number;
  to: Responsible;
  /** `responsible` = the named people or the unit's liaisons (as the ladder resolves it); plus `secretary`. */
  audiences: Audience[];
  subject: string;
  /** The message body before the link. */
  lines: string[];
}

/** The event an entry of this item is, if it is told at all. */
export function eventOf(item: EventItem, entry: Pick<EventEntry, 'kind'>): EventCode | undefined {
  if (item.kind === 'proposal') return proposalEvents[entry.kind];
  const event = followUpEvents[entry.kind];
  // Of the follow-up items, only a recommendation letter is announced on delivery (domain.md §3).
  if (event === 'letterDelivered' && item.item.kind !== 'recommendationLetter') return undefined;
  return event;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim() : undefined;

const labelOf = (scale: readonly { code: string; label: string }[], code: unknown) =>
  scale.find((e) => e.code === code)?.label ?? (typeof code === 'string' ? code : '');

const toUsers = (userIds: string[]) => ({ to: { userIds }, audiences: ['responsible'] as Audience[] });
const toUnit = (unitId: string) => ({
  to: { unitId },
  audiences: ['responsible', 'secretary'] as Audience[],
});

/** The notices of one timeline entry: none for an entry that is not an event (domain.md §10). */
export function eventNotices(item: EventItem, entry: EventEntry, ctx: EventContext): EventNotice[] {
  const event = eventOf(item, entry);
  if (!event) return [];
  const parts =
    item.kind === 'proposal'
      ? proposalParts(event, item.state, entry, ctx)
      : followUpParts(event, item.item, entry, ctx);
  const key = `event:${entry.key}`;
  return parts.map((part) => ({
    key: part.part ? `${key}#${part.part}` : key,
    event,
    itemId: entry.itemId,
    at: entry.at,
    to: part.to,
    audiences: part.audiences,
    subject: `【回音】${eventLabels[event]}：${part.name}`,
    lines: part.lines,
  }));
}

interface Part {
  /** Tells apart the notices of one entry (a unit id). */
  part?: string;
  to: Responsible;
  audiences: Audience[];
  name: string;
  lines: string[];
}

function proposalParts(event: EventCode, state: ProposalState, entry: EventEntry, ctx: EventContext): Part[] {
  const data = entry.data ?? {};
  const name = `提案 ${state.proposalId}《${state.title}》`;
  const unit = (id: unknown) => (typeof id === 'string' ? ctx.unitName(id) : '承办单位');
  const note = text(data.note);
  const toProposers = (...lines: string[]): Part[] => [{ ...toUsers(proposers(state)), name, lines }];
  /** One notice per unit, each keyed by its unit. */
  const toUnits = (unitIds: string[], lines: (unitId: string) => string[]): Part[] =>
    [...new Set(unitIds)].map((unitId) => ({ part: unitId, ...toUnit(unitId), name, lines: lines(unitId) }));
  switch (event) {
    case 'filed':
      return toProposers(`${name}已立案，将交承办单位办理。`, ...(note ? [`说明：${note}`] : []));
    case 'notFiled': {
      const reason = ctx.policy.notFiledReasons.find((r) => r.code === data.reason)?.label ?? entry.label;
      return toProposers(`${name}不予立案。`, `理由：${reason}`, ...(note ? [`说明：${note}`] : []));
    }
    case 'converted':
      return toProposers(
        `${name}已转为意见建议，交${unit(state.conversion?.unitId)}办理。`,
        '办理情况可在事项页查看。',
      );
    case 'merged':
      return toProposers(
        `${name}已并入提案 ${String(data.intoProposalId ?? state.mergedInto ?? '')} 办理。`,
        '两件提案一并办理，您仍将收到书面答复。',
      );
    case 'assigned': {
      const unitId = data.unitId as string;
      const role = unitRoleLabels[data.role as UnitRole] ?? '';
      return toUnits([unitId], () => [
        `${name}已交${unit(unitId)}办理${role ? `（${role}）` : ''}。`,
        '请及时签收；如认为不属本单位职责，可在期限内申请退回。',
      ]);
    }
    case 'returnRuled': {
      const from = data.unitId as string;
      const to = typeof data.toUnitId === 'string' ? data.toUnitId : undefined;
      const ruling =
        entry.kind === 'returnApproved'
          ? `${unit(from)}关于${name}的退回申请已获同意，改由${unit(to)}办理。`
          : `${unit(from)}关于${name}的退回申请未获同意，请继续办理。`;
      // A refusal's reason is only in the entry's label (a ruling's text for people, shown as it is).
      const refused = entry.kind === 'returnApproved' ? [] : [`委员会意见：${entry.label}`];
      return toUnits(to ? [from, to] : [from], (unitId) =>
        unitId === from
          ? [ruling, ...refused]
          : [`${name}经${unit(from)}申请退回，改由${unit(to)}办理。`, '请及时签收办理（交办通知另发）。'],
      );
    }
    case 'replyReleased': {
      const resultClass = labelOf(ctx.policy.resultClassScheme, data.resultClass);
      const scale = ctx.policy.satisfactionScale.map((s) => s.label).join('、');
      return toProposers(
        `${unit(data.unitId)}对${name}的书面答复已送达${resultClass ? `（${resultClass}）` : ''}。`,
        `请查看答复并在期限内评价（${scale}）。`,
      );
    }
    case 'replyAwaitsSignOff': {
      const resultClass = labelOf(ctx.policy.resultClassScheme, data.resultClass);
      return [
        {
          part: String(data.unitId),
          to: { unitId: String(data.unitId) },
          audiences: ['unitLeader'],
          name,
          lines: [
            `${unit(data.unitId)}关于${name}的答复稿已起草${resultClass ? `（${resultClass}）` : ''}，待您审签。`,
            '请审签后发出，或说明理由退回修改。',
          ],
        },
      ];
    }
    case 'replyReturned': {
      const by = data.step === 'check' ? '委员会审核' : '单位负责人审签';
      return toUnits([String(data.unitId)], () => [
        `${unit(data.unitId)}关于${name}的答复经${by}退回修改。`,
        ...(text(data.reason) ? [`理由：${text(data.reason)}`] : []),
        '请修改后重新报负责人审签。',
      ]);
    }
    case 'rehandling':
      // Every unit that owes a reply; only the entry's unit once re-handling is ordered per unit.
      return toUnits(
        typeof data.unitId === 'string' ? [data.unitId] : replyingAssignments(state).map((a) => a.unitId),
        () => [
          `${name}的答复提案者不满意，委员会决定重新办理。`,
          ...(text(data.reason) ? [`说明：${text(data.reason)}`] : []),
          '请在期限内重新答复。',
        ],
      );
    case 'evaluated': {
      const units =
        typeof data.unitId === 'string' ? [data.unitId] : replyingAssignments(state).map((a) => a.unitId);
      const rating = labelOf(ctx.policy.satisfactionScale, data.rating);
      return toUnits(units, (unitId) => [`提案者对${unit(unitId)}就${name}所作答复的评价：${rating}。`]);
    }
    default:
      return [];
  }
}

function followUpParts(event: EventCode, item: FollowUpView, entry: EventEntry, ctx: EventContext): Part[] {
  const data = entry.data ?? {};
  const name = `${item.kindLabel}《${item.title}》`;
  const unitId = item.responder.unitId;
  const to = { ...toUnit(unitId), name };
  switch (event) {
    case 'letterDelivered':
      return [
        {
          ...to,
          lines: [
            `${name}已送达${ctx.unitName(unitId)}（事项 ${item.followUpId}）。`,
            '请及时签收，并在期限内书面答复。',
          ],
        },
      ];
    case 'evaluated': {
      const adoption = labelOf(item.scales?.adoption ?? [], data.adoption);
      const satisfaction = labelOf(item.scales?.satisfaction ?? [], data.satisfaction);
      const rated = [adoption && `采纳情况：${adoption}`, satisfaction && `满意度：${satisfaction}`].filter(
        Boolean,
      );
      const lines = [`来件方对${ctx.unitName(unitId)}就${name}所作答复的评价：${rated.join('，')}。`];
      if (entry.kind === 'sentBack') lines.push('答复被退回，请在期限内重新答复。');
      return [{ ...to, lines }];
    }
    default:
      return [];
  }
}

const audiencePhrases: Partial<Record<Audience, string>> = { secretary: '（抄送：秘书）' };

/** The message of an event notice to one audience, in Chinese: what happened, and the item's link. */
export function eventMessage(
  notice: EventNotice,
  audience: Audience | undefined,
  publicUrl: string,
): Message {
  const link = itemLink(publicUrl, notice.itemId);
  return {
    subject: notice.subject,
    text: [
      `${eventLabels[notice.event]}${(audience && audiencePhrases[audience]) ?? ''}`,
      ...notice.lines,
      `查看：${link}`,
      '',
      '此消息由回音（Huiyin）提案办理系统自动发送。',
    ].join('\n'),
    link,
  };
}
