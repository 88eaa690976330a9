/**
 * Action buttons and their forms (specs in lib/actions.js). One form is open at a time; a success
 * runs `done`, a refusal shows the API's message in the form.
 */
import { api } from './api.js';
import { errorBox, h } from './dom.js';
import { toBody } from './lib/actions.js';

/** @typedef {import('./lib/actions.js').Variant} Variant */
/** @typedef {import('./lib/actions.js').Field} Field */
/** @typedef {{ label: string, path: string, variants: Variant[] }} Action */
/** @typedef {Record<string, () => Promise<{ code: string, label: string }[]>>} Sources */

/** Loads a source once per page, however many forms ask. */
const once = (load) => {
  let promise;
  return () => (promise ??= load());
};
const asOptions = (entries) => entries.map(({ code, label }) => ({ code, label }));
const labelOptions = (labels) => () =>
  Promise.resolve(Object.entries(labels).map(([code, label]) => ({ code, label })));

/**
 * Where select fields get their options: the directory, the policy in force, the domain's labels, and
 * whatever the item itself adds (`extra`, e.g. its units or its rating scales).
 * @returns {Sources}
 */
export function optionSources(ctx, extra = {}) {
  const policy = once(async () => (await api('/api/policy')).policy);
  const fromPolicy = (key) => async () => asOptions((await policy())[key]);
  const directory = (collection, keep) =>
    once(async () =>
      (await api(`/api/${collection}`)).items.filter(keep).map((r) => ({ code: r.id, label: r.name })),
    );
  return {
    handlingUnits: directory('units', (unit) => unit.kind === 'handlingUnit'),
    leaders: directory('users', (user) => user.roles.includes('leader')),
    notFiledReasons: fromPolicy('notFiledReasons'),
    resultClasses: fromPolicy('resultClassScheme'),
    // The policy in force (/web/config.json): proposers rate, but only staff may read /api/policy.
    satisfactionScale: async () => ctx.config.ratingScales.satisfaction,
    adoptionScale: async () => ctx.config.ratingScales.adoption,
    contactMethods: labelOptions(ctx.config.labels.contactMethods),
    proposalTypes: labelOptions(ctx.config.labels.proposalTypes),
    postingActivities: labelOptions(ctx.config.labels.postingActivities),
    ...extra,
  };
}

/**
 * A button per action variant, and the slot its form opens in.
 * @param {{ me: object }} ctx
 * @param {Action[]} actions
 * @param {{ sources: Sources, done: (message: string) => Promise<void> }} options
 */
export function actionPanel(ctx, actions, { sources, done }) {
  if (actions.length === 0) return h('p', { class: 'muted' }, '您目前没有可执行的操作。');
  const slot = h('div', { class: 'action-form' });
  const buttons = actions.flatMap((action) =>
    action.variants.map((variant) => {
      const label = variant.label ?? action.label;
      const open = () => slot.replaceChildren(actionForm(ctx, action, variant, label, sources, done));
      return h('button', { type: 'button', onclick: open }, label);
    }),
  );
  return h('div', {}, h('div', { class: 'actions' }, buttons), slot);
}

function actionForm(ctx, action, variant, label, sources, done) {
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit' }, `提交：${label}`);
  const onsubmit = async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.replaceChildren(h('p', { class: 'muted' }, '提交中…'));
    try {
      const body = toBody(variant, readValues(form, variant), ctx.me);
      await api(action.path, { method: 'POST', body });
      await done(`已提交：${label}`);
    } catch (err) {
      status.replaceChildren(errorBox(err));
      submit.disabled = false;
    }
  };
  const inOwnUnit = variant.fields.some((field) => field.type === 'ownUnit');
  const form = h(
    'form',
    { class: 'card', onsubmit },
    h('h3', {}, label),
    inOwnUnit &&
      h('p', { class: 'muted' }, `以本单位（${ctx.me.unit?.name ?? ctx.me.unitId ?? '未设置'}）的名义`),
    variant.fields.filter((field) => field.type !== 'ownUnit').map((field) => fieldRow(field, sources)),
    h(
      'div',
      { class: 'form-buttons' },
      submit,
      h('button', { type: 'button', class: 'secondary', onclick: () => form.remove() }, '取消'),
    ),
    status,
  );
  return form;
}

/** @param {HTMLFormElement} form @param {Variant} variant */
function readValues(form, variant) {
  const values = {};
  for (const field of variant.fields) {
    const control = form.elements.namedItem(field.name);
    if (!control) continue;
    values[field.name] =
      control instanceof HTMLSelectElement && control.multiple
        ? [...control.selectedOptions].map((option) => option.value)
        : control.value;
  }
  return values;
}

/** @param {Field} field @param {Sources} sources */
function fieldRow(field, sources) {
  const id = `field-${field.name}`;
  const attrs = { id, name: field.name, required: !field.optional, placeholder: field.placeholder };
  const control =
    field.type === 'textarea' || field.type === 'lines'
      ? h('textarea', { ...attrs, rows: 4 })
      : field.type === 'select' || field.type === 'multi'
        ? optionsControl(field, attrs, sources)
        : h('input', { ...attrs, type: field.type === 'date' ? 'date' : 'text' });
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, field.label, field.optional && h('span', { class: 'muted' }, '（选填）')),
    control,
  );
}

/** A select filled from its source; when the source cannot be read, a text field for the code. */
function optionsControl(field, attrs, sources) {
  const multiple = field.type === 'multi';
  const select = h(
    'select',
    { ...attrs, multiple, required: attrs.required && !multiple },
    !multiple && h('option', { value: '' }, field.optional ? '（不选）' : '请选择…'),
  );
  const holder = h('div', {}, select);
  const load = Array.isArray(field.options)
    ? () => Promise.resolve(field.options)
    : (sources[field.options] ?? (() => Promise.reject(new Error(`没有选项来源 ${field.options}`))));
  load().then(
    (options) => select.append(...options.map((o) => h('option', { value: o.code }, o.label))),
    (err) =>
      holder.replaceChildren(
        h('input', { ...attrs, type: 'text', placeholder: '请输入代码' }),
        h('small', { class: 'muted', title: err.message }, '无法读取选项，请直接输入代码'),
      ),
  );
  return holder;
}
