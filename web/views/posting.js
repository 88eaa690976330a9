/** A posting (民主监督派驻): a supervision group's term at a department, its letters and logged activities. */
import { api } from '../api.js';
import { badge, facts, panel, table } from '../dom.js';
import { actionPanel, optionSources } from '../forms.js';
import { postingForms, withForms } from '../lib/actions.js';
import { formatTime } from '../lib/format.js';
import { itemHeading, itemLink, section } from './parts.js';

export function postingPage(ctx, posting, reload) {
  const { labels } = ctx.config;
  const base = `/api/postings/${encodeURIComponent(posting.postingId)}`;
  const actions = withForms(posting.actions, postingForms);
  const activities = async () =>
    table(
      ['日期', '类型', '情况', '参加人员'],
      (await api(`${base}/activities`)).items.map((a) => [
        a.date,
        labels.postingActivities[a.kind] ?? a.kind,
        a.summary,
        (a.participants ?? []).join('、'),
      ]),
    );
  return [
    itemHeading(
      '民主监督派驻',
      posting.postingId,
      `${ctx.nameOf(posting.groupId)} → ${ctx.nameOf(posting.departmentId)}`,
      posting.statusLabel,
      badge(`本季度 ${posting.quarter}`),
    ),
    section(
      '基本情况',
      facts([
        ['监督小组', ctx.nameOf(posting.groupId)],
        ['被监督单位', ctx.nameOf(posting.departmentId)],
        ['派驻开始', formatTime(posting.startedAt)],
        ['派驻期至', posting.termEnd],
        ['履职活动', `${posting.activityCount} 次`],
        ['结束', posting.ended && `${formatTime(posting.ended.at)} ${posting.ended.note ?? ''}`],
      ]),
    ),
    section(
      '民主监督建议书',
      table(
        ['编号', '标题', '季度', '发出时间', '发出人'],
        posting.letters.map((l) => [
          itemLink(l.followUpId),
          l.title,
          l.quarter,
          formatTime(l.sentAt),
          l.sentBy,
        ]),
        '尚未发出建议书',
      ),
    ),
    panel('履职活动', activities),
    section('我可以办理', actionPanel(ctx, actions, { sources: optionSources(ctx), done: reload })),
  ];
}
