/**
 * The web workspace: one page for `/` (the board) and `/items/<id>` (the link in every notification).
 * Signs in, learns who the caller is (GET /api/me), then shows the page the address names.
 */
import { api, session } from './api.js';
import { badge, errorBox, h, mount } from './dom.js';
import { itemIdFromPath } from './lib/items.js';
import { directoryNames } from './names.js';
import { homeView } from './views/home.js';
import { itemView } from './views/item.js';
import { signInView } from './views/signin.js';

const main = document.getElementById('main');
const nav = document.getElementById('session');
let config;

/** Name, roles and unit or group of the caller, unread messages, and signing out. */
function sessionBar(me) {
  const unread = badge('…', 'soon');
  const setUnread = (count) => {
    unread.textContent = String(count);
    unread.hidden = count === 0;
  };
  const signOut = () => {
    session.signOut();
    location.assign('/');
  };
  mount(
    nav,
    h('span', {}, me.user?.name ?? me.id),
    h('span', { class: 'muted' }, me.roles.map((role) => config.labels.roles[role] ?? role).join('、')),
    (me.unit ?? me.group) && h('span', { class: 'muted' }, (me.unit ?? me.group).name),
    h('a', { href: '/#inbox' }, '站内信 ', unread),
    h('button', { type: 'button', class: 'secondary', onclick: signOut }, '退出'),
  );
  api('/api/notifications/inbox/unread-count').then(
    (res) => setUnread(res.unread),
    () => setUnread(0),
  );
  return setUnread;
}

async function start() {
  config ??= await api('/web/config.json');
  mount(nav);
  if (!session.token)
    return mount(
      main,
      signInView({ config }, () => start()),
    );
  let me;
  try {
    me = await api('/api/me');
  } catch (err) {
    if (err.status !== 401) throw err;
    session.signOut();
    return mount(
      main,
      signInView({ config }, () => start(), err),
    );
  }
  const ctx = { config, me, main, setUnread: sessionBar(me), nameOf: await directoryNames(me) };
  const id = itemIdFromPath(location.pathname);
  return id === undefined ? homeView(ctx) : itemView(ctx, id);
}

start().catch((err) => mount(main, errorBox(err)));
