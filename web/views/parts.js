/** Pieces every item page shows: its heading, open deadlines, timeline and actions. */
import { badge, h, table } from '../dom.js';
import { dueStatus, formatTime, responsibleText, todayInBeijing } from '../lib/format.js';
import { itemPath } from '../lib/items.js';

/** A link to an item's page. */
export const itemLink = (id, text = id) => h('a', { href: itemPath(id) }, text);

/** The page heading: kind, id, title, status and extra badges. */
export function itemHeading(kindLabel, id, title, status, ...badges) {
  return h(
    'header',
    { class: 'item-heading' },
    h('p', { class: 'muted' }, h('a', { href: '/' }, '工作台'), ' › ', `${kindLabel} ${id}`),
    h('h1', {}, title),
    h('p', {}, badge(status, 'status'), ' ', badges),
  );
}

/**
 * Open deadlines (clocks), earliest first: which step, who must act, the last day and how it stands today,
 * the highest escalation fired; with how the deadline was computed when the API says.
 * @param {{ label: string, due: string, overdue: boolean, responsible?: object, escalationLabel?: string | null,
 *   explanation?: string[] }[]} deadlines
 */
export function deadlineTable(ctx, deadlines, nameOf = ctx.nameOf) {
  const today = todayInBeijing();
  const withWho = deadlines.some((d) => d.responsible);
  const rows = [...deadlines]
    .sort((a, b) => a.due.localeCompare(b.due))
    .map((d) => {
      const status = dueStatus(d.due, d.overdue, today);
      return [
        d.explanation?.length
          ? h('details', {}, h('summary', {}, d.label), d.explanation.join('；'))
          : d.label,
        withWho && responsibleText(d.responsible, nameOf, ctx.config.labels.roles),
        `${d.due}（当日 24 时）`,
        badge(status.text, status.tone),
        d.escalationLabel ? badge(d.escalationLabel, 'overdue') : '',
      ].filter((cell) => cell !== false);
    });
  const headers = ['环节', withWho && '责任方', '期限', '状态', '已督办'].filter(Boolean);
  return table(headers, rows, '没有未完成的期限。');
}

/** @param {{ at: string, label: string, actor?: string }[]} entries */
export const timelineList = (entries) =>
  entries.length === 0
    ? h('p', { class: 'muted' }, '暂无记录')
    : h(
        'ol',
        { class: 'timeline' },
        entries.map((e) =>
          h(
            'li',
            {},
            h('time', {}, formatTime(e.at)),
            ' ',
            e.label,
            e.actor && h('span', { class: 'muted' }, `（${e.actor}）`),
          ),
        ),
      );

/** Long text with its line breaks. */
export const prose = (text) => h('div', { class: 'prose' }, text);

export const section = (title, ...children) => h('section', { class: 'panel' }, h('h2', {}, title), children);
