/** The board: the inbox, then the lists the caller works from (lib/board.js picks them per role). */
import { api } from '../api.js';
import { badge, h, mount, panel, table } from '../dom.js';
import { actionPanel, optionSources } from '../forms.js';
import { filingForms } from '../lib/actions.js';
import { boardSections } from '../lib/board.js';
import { formatTime } from '../lib/format.js';
import { inboxPanel } from './inbox.js';
import { itemLink } from './parts.js';
import { preferencesPanel } from './preferences.js';
import { statisticsPanel } from './statistics.js';

const pageSize = 20;

/** Previous / next page buttons for an offset-paged list. */
function pager(total, state, reload) {
  const go = (offset) => () => {
    state.offset = offset;
    return reload();
  };
  return h(
    'div',
    { class: 'toolbar' },
    `共 ${total} 件`,
    state.offset > 0 &&
      h('button', { type: 'button', class: 'secondary', onclick: go(state.offset - pageSize) }, '上一页'),
    state.offset + pageSize < total &&
      h('button', { type: 'button', class: 'secondary', onclick: go(state.offset + pageSize) }, '下一页'),
  );
}

/** Filters by status, overdue and title, kept in the address so a reload keeps them. */
function proposalFilters(ctx, state, reload) {
  const statuses = Object.entries(ctx.config.labels.proposalStatuses);
  const onsubmit = (event) => {
    event.preventDefault();
    const form = event.target;
    Object.assign(state, {
      status: form.elements.status.value,
      overdue: form.elements.overdue.checked,
      q: form.elements.q.value.trim(),
      offset: 0,
    });
    const query = new URLSearchParams(
      Object.entries({ status: state.status, overdue: state.overdue ? 'true' : '', q: state.q }).filter(
        ([, v]) => v,
      ),
    );
    history.replaceState(null, '', query.toString() ? `/?${query}` : '/');
    return reload();
  };
  return h(
    'form',
    { class: 'toolbar', onsubmit },
    h(
      'select',
      { name: 'status', 'aria-label': '状态' },
      h('option', { value: '' }, '全部状态'),
      statuses.map(([code, label]) => h('option', { value: code, selected: code === state.status }, label)),
    ),
    h('label', {}, h('input', { type: 'checkbox', name: 'overdue', checked: state.overdue }), '只看逾期'),
    h('input', { type: 'search', name: 'q', value: state.q, placeholder: '标题关键词' }),
    h('button', { type: 'submit' }, '筛选'),
  );
}

/** The filing form for those who file (lib/actions.js `filingForms`); the list reloads after. */
function filingPanel(ctx, reload) {
  const variants = filingForms(ctx.me);
  if (variants.length === 0) return undefined;
  const fileProposal = { label: '提交提案', path: '/api/proposals', variants };
  return actionPanel(ctx, [fileProposal], { sources: optionSources(ctx), done: () => reload() });
}

function proposalsPanel(ctx, { title, filters }) {
  const params = new URLSearchParams(location.search);
  const state = {
    status: params.get('status') ?? '',
    overdue: params.get('overdue') === 'true',
    q: params.get('q') ?? '',
    offset: 0,
  };
  return panel(title, async (reload) => {
    const query = { status: state.status, overdue: state.overdue || undefined, q: state.q };
    const res = await api('/api/proposals', {
      query: { ...query, limit: pageSize, offset: state.offset, order: 'desc' },
    });
    return [
      filingPanel(ctx, reload),
      filters && proposalFilters(ctx, state, reload),
      table(
        ['编号', '标题', '类型', '状态', '承办单位', '最近期限'],
        res.items.map((p) => [
          itemLink(p.id, p.number),
          p.title,
          p.typeLabel,
          [p.statusLabel, p.key && [' ', badge('重点', 'soon')]],
          p.unitIds.map(ctx.nameOf).join('、'),
          [p.nextDue ?? '', p.overdue && [' ', badge('逾期', 'overdue')]],
        ]),
        '没有符合条件的提案。',
      ),
      pager(res.total, state, reload),
    ];
  });
}

function followUpsPanel(ctx, { title }) {
  const state = { open: true, offset: 0 };
  return panel(title, async (reload) => {
    const res = await api('/api/follow-ups', {
      query: { open: state.open ? 'true' : undefined, limit: pageSize, skip: state.offset },
    });
    const toggle = () => {
      Object.assign(state, { open: !state.open, offset: 0 });
      return reload();
    };
    return [
      h(
        'div',
        { class: 'toolbar' },
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: toggle },
          state.open ? '含已办结' : '只看未办结',
        ),
      ),
      table(
        ['编号', '类别', '标题', '状态', '答复单位', '送达时间'],
        res.items.map((f) => [
          itemLink(f.followUpId),
          f.kindLabel,
          f.title,
          f.statusLabel,
          ctx.nameOf(f.responder.unitId),
          formatTime(f.createdAt),
        ]),
        '没有跟踪事项。',
      ),
      pager(res.total, state, reload),
    ];
  });
}

function postingsPanel(ctx, { title }) {
  return panel(title, async () =>
    table(
      ['编号', '监督小组', '被监督单位', '状态', '派驻期至', '建议书'],
      (await api('/api/postings')).items.map((p) => [
        itemLink(p.postingId),
        ctx.nameOf(p.groupId),
        ctx.nameOf(p.departmentId),
        p.statusLabel,
        p.termEnd ?? '',
        `${p.letters.length} 件`,
      ]),
      '没有派驻。',
    ),
  );
}

const panels = {
  proposals: proposalsPanel,
  followUps: followUpsPanel,
  postings: postingsPanel,
  statistics: statisticsPanel,
};

export function homeView(ctx) {
  document.title = '工作台 · 回音 Huiyin';
  const who = ctx.me.user?.name ?? ctx.me.id;
  mount(
    ctx.main,
    h('h1', {}, `${who}的工作台`),
    inboxPanel(ctx),
    boardSections(ctx.me).map((section) => panels[section.key](ctx, section)),
    preferencesPanel(ctx),
  );
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}
