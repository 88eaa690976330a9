/** Notification settings (通知设置): the caller's channels, the daily digest and a group robot. */
import { api } from '../api.js';
import { errorBox, h, panel } from '../dom.js';
import { preferencesBody } from '../lib/preferences.js';

const path = '/api/notifications/preferences';

export function preferencesPanel(ctx) {
  const { channels, webhookFormats } = ctx.config.labels;
  return panel(
    '通知设置',
    async (reload) => {
      const saved = await api(path);
      const status = h('div', { class: 'form-status' });
      const onsubmit = async (event) => {
        event.preventDefault();
        const els = event.target.elements;
        const body = preferencesBody({
          channels: Object.keys(channels).filter((code) => els[`channel-${code}`].checked),
          digest: els.digest.checked,
          webhookUrl: els.webhookUrl.value,
          webhookFormat: els.webhookFormat.value,
          webhookSecret: els.webhookSecret.value,
        });
        try {
          await api(path, { method: 'PUT', body });
          await reload();
        } catch (err) {
          status.replaceChildren(errorBox(err));
        }
      };
      const checkbox = (name, label, checked) =>
        h('label', {}, h('input', { type: 'checkbox', name, checked }), label);
      const hook = saved.webhook ?? { url: '', format: 'json' };
      return h(
        'form',
        { class: 'card', onsubmit },
        saved.isDefault && h('p', { class: 'muted' }, '尚未设置，按默认渠道发送。'),
        h(
          'div',
          { class: 'field' },
          '接收渠道：',
          Object.entries(channels).map(([code, label]) =>
            checkbox(`channel-${code}`, label, saved.channels.includes(code)),
          ),
        ),
        h('div', { class: 'field' }, checkbox('digest', '每个工作日接收期限摘要（秘书）', saved.digest)),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'webhookUrl' }, '群机器人地址', h('span', { class: 'muted' }, '（选填）')),
          h('input', { id: 'webhookUrl', name: 'webhookUrl', type: 'url', value: hook.url }),
          h(
            'select',
            { name: 'webhookFormat', 'aria-label': '机器人类型' },
            Object.entries(webhookFormats).map(([code, label]) =>
              h('option', { value: code, selected: code === hook.format }, label),
            ),
          ),
          h('input', {
            name: 'webhookSecret',
            value: hook.secret ?? '',
            placeholder: '钉钉“加签”密钥（SEC…，选填）',
            'aria-label': '加签密钥',
          }),
        ),
        h('div', { class: 'form-buttons' }, h('button', { type: 'submit' }, '保存设置')),
        status,
      );
    },
    { id: 'preferences' },
  );
}
