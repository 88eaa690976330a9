/**
 * Sign-in. In demo mode anyone may be any demo user (POST /api/auth/dev-login); otherwise, or as well,
 * a bearer token from the identity provider is pasted. The token lives in sessionStorage: closing the
 * tab signs out.
 */
import { api, session } from '../api.js';
import { errorBox, h, table } from '../dom.js';

/**
 * @param {{ config: { demo: boolean, demoUsers: { username: string, name: string, roles: string[], place: string | null }[],
 *   labels: { roles: Record<string, string> } } }} ctx
 * @param {() => Promise<void>} signedIn runs once a token is kept
 * @param {Error} [problem] why the last token was refused
 */
export function signInView({ config }, signedIn, problem) {
  document.title = '登录 · 回音 Huiyin';
  const status = h('div', {}, problem && errorBox(problem));
  const keep = async (token) => {
    session.signIn(token);
    await signedIn();
  };

  const asDemoUser = async (username) => {
    try {
      await keep((await api('/api/auth/dev-login', { method: 'POST', body: { username } })).token);
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  };
  const picker =
    config.demo &&
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, '演示登录'),
      h('p', { class: 'muted' }, '演示模式：选择一位演示用户，以其身份进入工作台。'),
      table(
        ['姓名', '角色', '单位 / 小组', ''],
        config.demoUsers.map((u) => [
          u.name,
          u.roles.map((role) => config.labels.roles[role] ?? role).join('、'),
          u.place ?? '',
          h('button', { type: 'button', onclick: () => asDemoUser(u.username) }, `以${u.name}登录`),
        ]),
      ),
    );

  const tokenField = h('textarea', { name: 'token', rows: 3, required: true, placeholder: 'eyJhbGciOi…' });
  const onsubmit = (event) => {
    event.preventDefault();
    return keep(tokenField.value.trim().replace(/^Bearer\s+/i, ''));
  };
  const tokenForm = h(
    'form',
    { class: 'panel', onsubmit },
    h('h2', {}, '使用令牌登录'),
    h('label', {}, '粘贴统一身份认证签发的访问令牌（Bearer JWT）：', tokenField),
    h('div', { class: 'form-buttons' }, h('button', { type: 'submit' }, '登录')),
  );

  return [
    h('h1', {}, '登录回音工作台'),
    status,
    picker,
    config.demo ? h('details', {}, h('summary', {}, '使用令牌登录'), tokenForm) : tokenForm,
  ];
}
