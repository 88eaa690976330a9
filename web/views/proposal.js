/** A proposal (提案): the detail of GET /api/proposals/:id, whose `actions` say what the caller may do. */
import { badge, facts, h, table } from '../dom.js';
import { actionPanel, optionSources } from '../forms.js';
import { proposalForms, withForms } from '../lib/actions.js';
import { formatTime } from '../lib/format.js';
import { deadlineTable, itemHeading, itemLink, prose, section, timelineList } from './parts.js';

const onTime = (ok) => badge(ok ? '按期' : '逾期', ok ? 'ok' : 'overdue');

function assignmentsTable(p) {
  return table(
    ['承办单位', '方式', '状态', '签收', '办前沟通', '答复'],
    p.assignments.map((a) => [
      a.unitName,
      a.roleLabel,
      a.statusLabel,
      formatTime(a.signedAt),
      a.contact ? `${a.contact.methodLabel} ${formatTime(a.contact.at)}` : '',
      a.reply ? [a.reply.resultClassLabel, ' ', onTime(a.reply.onTime)] : '',
    ]),
    '尚未交办',
  );
}

const replies = (p) =>
  p.assignments
    .filter((a) => a.reply || a.opinion)
    .map((a) =>
      h(
        'article',
        { class: 'card' },
        h('h3', {}, a.unitName, a.reply ? `的答复（${a.reply.resultClassLabel}）` : '的会办意见'),
        a.reply
          ? [
              h('p', { class: 'muted' }, formatTime(a.reply.at), ' 签发：', a.reply.signedOffBy),
              prose(a.reply.text),
              a.reply.commitments && [h('h4', {}, '承诺事项'), prose(a.reply.commitments)],
              a.reply.targetDate && h('p', {}, '计划完成：', a.reply.targetDate),
              a.followUpId && h('p', {}, '落实跟踪：', itemLink(a.followUpId)),
            ]
          : [h('p', { class: 'muted' }, formatTime(a.opinion.at)), prose(a.opinion.text)],
      ),
    );

const feedbackTable = (p) =>
  table(
    ['提案人', '评价', '意见', '时间'],
    p.feedback.map((f) => [
      f.proposerId,
      f.noFeedback ? badge('未反馈', 'overdue') : (f.ratingLabel ?? '待评价'),
      f.comment ?? '',
      formatTime(f.at),
    ]),
  );

export function proposalPage(ctx, detail, reload) {
  const p = detail.proposal;
  const unitNames = new Map(p.assignments.map((a) => [a.unitId, a.unitName]));
  const cosigners = p.coSignerIds.map((id) =>
    p.confirmedCoSignerIds.includes(id)
      ? `${id}（已确认）`
      : p.declinedCoSignerIds.includes(id)
        ? `${id}（已谢绝）`
        : id,
  );
  const actions = withForms(detail.actions, proposalForms);
  const assignedUnits = async () =>
    p.assignments.map((a) => ({
      code: a.unitId,
      label: `${a.unitName}（${a.roleLabel}，${a.statusLabel}）`,
    }));
  return [
    itemHeading(
      '提案',
      p.number,
      p.title,
      p.statusLabel,
      badge(p.typeLabel),
      p.key && badge('重点提案', 'soon'),
      !detail.live && badge('流程已结束', 'done'),
    ),
    section(
      '基本情况',
      facts([
        ['第一提案人', p.leadProposerId],
        ['联名人', cosigners.join('、')],
        ['分类', p.topic],
        ['提交时间', formatTime(p.submittedAt)],
        ['立案时间', formatTime(p.filedAt)],
        ['交办时间', formatTime(p.assignedAt)],
        ['办结时间', formatTime(p.closedAt)],
        ['不予立案理由', p.notFiledReasonLabel],
        ['并入提案', p.mergedInto && itemLink(p.mergedInto)],
        ['转为意见建议', p.conversion?.followUpId && itemLink(p.conversion.followUpId)],
        ['领衔督办领导', p.key?.leaderId],
      ]),
      prose(p.content),
    ),
    section('承办单位', assignmentsTable(p), replies(p)),
    p.feedback.length > 0 && section('征询意见', feedbackTable(p)),
    section(
      '未完成的期限',
      deadlineTable(ctx, detail.deadlines, (id) => unitNames.get(id) ?? ctx.nameOf(id)),
    ),
    section(
      '我可以办理',
      actionPanel(ctx, actions, { sources: optionSources(ctx, { assignedUnits }), done: reload }),
    ),
    section('办理过程', timelineList(detail.timeline)),
  ];
}
