/** Handling statistics (办理统计) per unit, proposer type or topic, and the year's proposals as CSV. */
import { api, download } from '../api.js';
import { errorBox, h, panel, table } from '../dom.js';
import { statisticsTable } from '../lib/statistics.js';

export function statisticsPanel(ctx, { title }) {
  const groupingLabels = ctx.config.labels.statisticsGroupings;
  /** No year at first: the API's default, this year in Asia/Shanghai. */
  const state = { sessionYear: undefined, groupBy: 'unit' };
  return panel(title, async (reload) => {
    const res = await api('/api/proposals/statistics', { query: state });
    const status = h('span', {});
    const onsubmit = (event) => {
      event.preventDefault();
      const els = event.target.elements;
      Object.assign(state, { sessionYear: Number(els.sessionYear.value), groupBy: els.groupBy.value });
      return reload();
    };
    const exportCsv = () =>
      download(
        '/api/proposals/export.csv',
        { sessionYear: res.sessionYear },
        `提案-${res.sessionYear}.csv`,
      ).catch((err) => status.replaceChildren(errorBox(err)));
    const { headers, rows } = statisticsTable(res, groupingLabels);
    return [
      h(
        'form',
        { class: 'toolbar', onsubmit },
        h('input', {
          type: 'number',
          name: 'sessionYear',
          value: res.sessionYear,
          min: 1949,
          max: 2999,
          'aria-label': '届次年度',
        }),
        h(
          'select',
          { name: 'groupBy', 'aria-label': '统计口径' },
          Object.entries(groupingLabels).map(([code, label]) =>
            h('option', { value: code, selected: code === res.groupBy }, `按${label}`),
          ),
        ),
        h('button', { type: 'submit' }, '统计'),
        h('button', { type: 'button', class: 'secondary', onclick: exportCsv }, '导出本年度提案（CSV）'),
        status,
      ),
      table(headers, rows),
      h('p', { class: 'muted' }, `“解决采纳”按 ${res.adoptedClass.label} 计。`),
    ];
  });
}
