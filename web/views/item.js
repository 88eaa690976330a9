/**
 * `/items/<id>`: whatever the id names — a proposal, a follow-up item or a posting (lib/items.js says
 * which to ask first) — with its state, open deadlines, timeline and the caller's actions.
 */
import { api } from '../api.js';
import { errorBox, h, mount } from '../dom.js';
import { itemApiPath, itemKinds } from '../lib/items.js';
import { followUpPage } from './follow-up.js';
import { postingPage } from './posting.js';
import { proposalPage } from './proposal.js';

const pages = { proposal: proposalPage, followUp: followUpPage, posting: postingPage };

/** The kind and API view of an item, or undefined when no kind knows the id. */
async function resolveItem(id) {
  for (const kind of itemKinds(id)) {
    try {
      return { kind, data: await api(itemApiPath(kind, id)) };
    } catch (err) {
      // 404: not this kind; 400: not even shaped like one. Anything else (403 …) is the answer.
      if (err.status !== 404 && err.status !== 400) throw err;
    }
  }
  return undefined;
}

/** Renders the item page; after an action it runs again with a line saying what was done. */
export async function itemView(ctx, id, flash) {
  document.title = `${id} · 回音 Huiyin`;
  const home = h('p', {}, h('a', { href: '/' }, '‹ 返回工作台'));
  mount(ctx.main, h('p', { class: 'muted' }, `正在打开 ${id}…`));
  let found;
  try {
    found = await resolveItem(id);
  } catch (err) {
    return mount(ctx.main, home, errorBox(err));
  }
  if (!found)
    return mount(
      ctx.main,
      home,
      h('h1', {}, '未找到事项'),
      h('p', {}, `没有编号为 ${id} 的提案、跟踪事项或民主监督派驻（刚创建的事项可能需要稍候片刻）。`),
    );
  const reload = (message) => itemView(ctx, id, message);
  mount(
    ctx.main,
    flash && h('p', { class: 'flash', role: 'status' }, flash),
    pages[found.kind](ctx, found.data, reload),
  );
}
