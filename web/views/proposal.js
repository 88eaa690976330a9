/** A proposal (提案): the detail of GET /api/proposals/:id, whose `actions` say what the caller may do. */
import { badge, facts, h, table } from '../dom.js';
import { actionPanel, optionSources } from '../forms.js';
import { proposalForms, withForms } from '../lib/actions.js';
import { formatTime } from '../lib/format.js';
import { deadlineTable, itemHeading, itemLink, prose, section, timelineList } from './parts.js';

const onTime = (ok) => badge(ok ? '按期' : '逾期', ok ? 'ok' : 'overdue');

function assignmentsTable(p) {
  return table(
    ['承办单位', '方式', '状态', '签收', '沟通', '答复'],
    p.assignments.map((a) => [
      a.unitName,
      a.roleLabel,
      a.stageLabel ? `${a.statusLabel}（${a.stageLabel}）` : a.statusLabel,
      formatTime(a.signedAt),
      a.contacts.length
        ? `${a.contacts.length} 次，${a.contacts.filter((c) => c.confirmation?.confirmed).length} 次已确认见面`
        : '',
      a.reply ? [a.reply.resultClassLabel, ' ', onTime(a.replies[0].onTime)] : '',
    ]),
    '尚未交办',
  );
}

const confirmation = (c) =>
  !c.confirmation
    ? badge('待提案者确认', 'soon')
    : c.confirmation.confirmed
      ? badge('已见面', 'ok')
      : [badge('有异议', 'overdue'), ' ', c.confirmation.note ?? ''];

const contactsTable = (p) =>
  table(
    ['承办单位', '序号', '环节', '方式', '日期', '参加人员', '情况', '提案者确认'],
    p.assignments.flatMap((a) =>
      a.contacts.map((c) => [
        a.unitName,
        String(c.no),
        c.stageLabel,
        c.methodLabel,
        c.date,
        c.participants ?? '',
        c.note ?? '',
        confirmation(c),
      ]),
    ),
  );

const replyCard = (a, r) =>
  h(
    'article',
    { class: 'card' },
    h('h3', {}, a.unitName, r.round > 0 ? '重新办理后的答复' : '的答复', `（${r.resultClassLabel}）`),
    h('p', { class: 'muted' }, formatTime(r.at), ' 签发：', r.signedOffBy, ' ', onTime(r.onTime)),
    prose(r.text),
    r.commitments && [h('h4', {}, '承诺事项'), prose(r.commitments)],
    r.targetDate && h('p', {}, '计划完成：', r.targetDate),
    (r.reclassifications ?? []).map((c) =>
      h('p', { class: 'muted' }, `类别由 ${c.from} 调整为 ${c.to}：${c.reason}`),
    ),
  );

/** A reply under review (domain.md §2.5): the detail carries it only for the unit and committee staff. */
const draftCard = (a, d) =>
  h(
    'article',
    { class: 'card' },
    h('h3', {}, a.unitName, '的答复稿（', d.resultClassLabel, '） ', badge(d.statusLabel, 'soon')),
    h(
      'p',
      { class: 'muted' },
      formatTime(d.at),
      ' 起草：',
      d.by,
      d.signedOffBy ? ['，签发：', d.signedOffBy, ' ', formatTime(d.signedOffAt)] : '',
    ),
    prose(d.text),
    d.commitments && [h('h4', {}, '承诺事项'), prose(d.commitments)],
    d.targetDate && h('p', {}, '计划完成：', d.targetDate),
    d.attachmentIds?.length ? h('p', {}, '附件：', d.attachmentIds.join('、')) : null,
    d.returns.map((r) =>
      h('p', { class: 'muted' }, `${r.stepLabel}退回（${formatTime(r.at)}，${r.by}）：${r.reason ?? ''}`),
    ),
  );

const replies = (p) =>
  p.assignments.flatMap((a) => [
    ...a.replies.map((r) => replyCard(a, r)),
    a.draft ? draftCard(a, a.draft) : null,
    a.followUpId ? h('p', {}, a.unitName, ' 落实跟踪：', itemLink(a.followUpId)) : null,
    a.opinion
      ? h(
          'article',
          { class: 'card' },
          h('h3', {}, a.unitName, '的会办意见'),
          h('p', { class: 'muted' }, formatTime(a.opinion.at)),
          prose(a.opinion.text),
        )
      : null,
  ]);

const feedbackTable = (p, unitNames) =>
  table(
    ['提案人', '评价的答复', '轮次', '评价', '意见', '时间'],
    p.feedback.map((f) => [
      f.proposerId,
      f.unitId ? (unitNames.get(f.unitId) ?? f.unitId) : '全部承办单位',
      f.round > 0 ? '重新办理' : '首次',
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
    p.assignments.some((a) => a.contacts.length > 0) && section('沟通记录', contactsTable(p)),
    p.feedback.length > 0 && section('征询意见', feedbackTable(p, unitNames)),
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
