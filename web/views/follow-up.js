/**
 * A follow-up item (跟踪事项): a recommendation letter, converted suggestion, class-B commitment …
 * The detail of GET /api/follow-ups/:id, whose `actions` say what the caller may do.
 */
import { badge, facts, h, table } from '../dom.js';
import { actionPanel, optionSources } from '../forms.js';
import { followUpForms, withForms } from '../lib/actions.js';
import { formatTime } from '../lib/format.js';
import { deadlineTable, itemHeading, itemLink, prose, section, timelineList } from './parts.js';

const verdictLabels = { accepted: '已评价', sentBack: '退回重新答复', lapsed: '未在期限内评价' };
const onTime = (ok) => badge(ok ? '按期' : '逾期', ok ? 'ok' : 'overdue');

function senderText(sender, nameOf) {
  return [sender.groupId, sender.unitId, ...(sender.userIds ?? [])].filter(Boolean).map(nameOf).join('、');
}

function sourceLink(source) {
  const id = source.proposalId ?? source.postingId;
  return id ? itemLink(id) : source.campaignId;
}

const responses = (item) =>
  item.responses.map((r) =>
    h(
      'article',
      { class: 'card' },
      h('h3', {}, `第 ${r.round} 轮答复 `, onTime(r.onTime)),
      h('p', { class: 'muted' }, formatTime(r.at), r.by && ` ${r.by}`),
      prose(r.content),
      r.commitments.length > 0 && [
        h('h4', {}, '承诺事项'),
        h(
          'ul',
          {},
          r.commitments.map((c) => h('li', {}, c)),
        ),
      ],
    ),
  );

function evaluationsTable(item) {
  const label = (scale, code) => scale?.find((entry) => entry.code === code)?.label ?? code ?? '';
  return table(
    ['轮次', '结论', '采纳情况', '满意度', '意见', '时间'],
    item.evaluations.map((e) => [
      e.round,
      verdictLabels[e.verdict] ?? e.verdict,
      label(item.scales?.adoption, e.adoption),
      label(item.scales?.satisfaction, e.satisfaction),
      e.comment ?? '',
      formatTime(e.at),
    ]),
  );
}

const checkInsTable = (item) =>
  table(
    ['次序', '落实进展', '时间', ''],
    item.checkIns.map((c) => [`第 ${c.seq} 次`, c.progress, formatTime(c.at), onTime(c.onTime)]),
  );

export function followUpPage(ctx, item, reload) {
  const { labels } = ctx.config;
  const actions = withForms(item.actions, followUpForms);
  // Ratings come from the item's own scales (the policy it runs on), not the policy in force.
  const scales = item.scales && {
    adoptionScale: async () => item.scales.adoption,
    satisfactionScale: async () => item.scales.satisfaction,
  };
  const deadlines = item.clocks
    .filter((c) => c.status === 'running')
    .map((c) => ({
      ...c,
      escalationLabel: c.escalation && (labels.stepKinds[c.escalation] ?? c.escalation),
    }));
  return [
    itemHeading('跟踪事项', item.followUpId, item.title, item.statusLabel, badge(item.kindLabel)),
    section(
      '基本情况',
      facts([
        ['来件方', senderText(item.sender, ctx.nameOf)],
        ['答复单位', ctx.nameOf(item.responder.unitId)],
        ['来源', sourceLink(item.source)],
        ['送达时间', formatTime(item.createdAt)],
        [
          '签收',
          item.acknowledgement && [
            formatTime(item.acknowledgement.at),
            ' ',
            onTime(item.acknowledgement.onTime),
          ],
        ],
        ['答复轮次', item.round > 1 && `第 ${item.round} 轮`],
        ['未落实承诺', item.openCommitments.join('；')],
        [
          '办结',
          item.outcome &&
            `${labels.followUpOutcomes[item.outcome.code] ?? item.outcome.code} ${formatTime(item.outcome.at)} ${item.outcome.note ?? ''}`,
        ],
      ]),
      prose(item.content),
    ),
    item.responses.length > 0 && section('答复', responses(item)),
    item.evaluations.length > 0 && section('评价', evaluationsTable(item)),
    item.checkIns.length > 0 && section('落实进展', checkInsTable(item)),
    section('未完成的期限', deadlineTable(ctx, deadlines)),
    section(
      '我可以办理',
      actionPanel(ctx, actions, { sources: optionSources(ctx, scales ?? {}), done: reload }),
    ),
    section('办理过程', timelineList(item.timeline)),
  ];
}
