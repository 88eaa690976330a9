/** A few DOM helpers. Text always goes in as text (never innerHTML), so data cannot become markup. */

/**
 * An element with attributes (`on<event>` adds a listener) and children (strings, nodes, lists;
 * null, undefined and false are skipped).
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...unknown} children
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  el.append(...nodes(children));
  return el;
}

const nodes = (children) =>
  children
    .flat(Infinity)
    .filter((c) => c !== undefined && c !== null && c !== false)
    .map((c) => (c instanceof Node ? c : String(c)));

/** Replaces an element's children (skipping null, undefined and false, like `h`). */
export const mount = (el, ...children) => el.replaceChildren(...nodes(children));

/** A message for a failed request; after a 401 it offers to sign in again. */
export function errorBox(err) {
  const signIn =
    err?.status === 401 && h('button', { type: 'button', onclick: () => location.reload() }, '重新登录');
  return h('p', { class: 'error', role: 'alert' }, err?.message ?? String(err), ' ', signIn);
}

/**
 * A titled panel whose body `load` fills in; `load` may run again through the returned `reload`.
 * @param {string} title
 * @param {(reload: () => Promise<void>) => Promise<unknown>} load answers the body's children
 * @param {Record<string, unknown>} [attrs]
 */
export function panel(title, load, attrs = {}) {
  const body = h('div', { class: 'panel-body' }, h('p', { class: 'muted' }, '加载中…'));
  const reload = async () => {
    try {
      body.replaceChildren(...nodes([await load(reload)]));
    } catch (err) {
      body.replaceChildren(errorBox(err));
    }
  };
  void reload();
  return h('section', { class: 'panel', ...attrs }, h('h2', {}, title), body);
}

/** A definition list of label/value pairs; pairs with an empty value are left out. */
export const facts = (pairs) =>
  h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, value]) => value !== undefined && value !== null && value !== '' && value !== false)
      .map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]),
  );

/** A table with a header row; `rows` are lists of cells. */
export const table = (headers, rows, empty = '暂无') =>
  rows.length === 0
    ? h('p', { class: 'muted' }, empty)
    : h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            headers.map((title) => h('th', {}, title)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((cells) =>
            h(
              'tr',
              {},
              cells.map((cell) => h('td', {}, cell)),
            ),
          ),
        ),
      );

/** A status word with a colour by tone (ok, soon, today, overdue, done). */
export const badge = (text, tone = '') => h('span', { class: `badge ${tone}` }, text);
