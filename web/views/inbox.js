/** The in-app inbox (站内信): reminders, chase notices and escalations sent to the caller, newest first. */
import { api } from '../api.js';
import { badge, h, panel } from '../dom.js';
import { formatTime } from '../lib/format.js';
import { itemPath } from '../lib/items.js';
import { prose } from './parts.js';

const markRead = (body) => api('/api/notifications/inbox/read', { method: 'POST', body });

export function inboxPanel(ctx) {
  const state = { unreadOnly: false };

  /** Opening a message's item marks it read first (a failure to mark does not stop the way there). */
  const open = async (event, row) => {
    event.preventDefault();
    if (!row.readAt) await markRead({ ids: [row.key] }).catch(() => undefined);
    location.assign(itemPath(row.itemId));
  };

  const message = (row, reload) =>
    h(
      'li',
      { class: row.readAt ? 'read' : 'unread' },
      h(
        'div',
        {},
        badge(row.readAt ? '已读' : '未读', row.readAt ? '' : 'soon'),
        ' ',
        row.itemId
          ? h('a', { href: itemPath(row.itemId), onclick: (event) => open(event, row) }, row.subject)
          : row.subject,
        ' ',
        h('time', { class: 'muted' }, formatTime(row.createdAt)),
      ),
      h('details', {}, h('summary', {}, '全文'), prose(row.text)),
      !row.readAt &&
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => markRead({ ids: [row.key] }).then(reload) },
          '标为已读',
        ),
    );

  return panel(
    '站内信',
    async (reload) => {
      const res = await api('/api/notifications/inbox', {
        query: { unread: state.unreadOnly ? 'true' : undefined, limit: 30 },
      });
      ctx.setUnread(res.unread);
      const toggle = () => {
        state.unreadOnly = !state.unreadOnly;
        return reload();
      };
      return [
        h(
          'div',
          { class: 'toolbar' },
          `未读 ${res.unread} 条 `,
          h(
            'button',
            { type: 'button', class: 'secondary', onclick: toggle },
            state.unreadOnly ? '显示全部' : '只看未读',
          ),
          res.unread > 0 &&
            h(
              'button',
              { type: 'button', onclick: () => markRead({ all: true }).then(reload) },
              '全部标为已读',
            ),
        ),
        res.items.length === 0
          ? h('p', { class: 'muted' }, '没有消息。')
          : h(
              'ul',
              { class: 'inbox' },
              res.items.map((row) => message(row, reload)),
            ),
      ];
    },
    { id: 'inbox' },
  );
}
