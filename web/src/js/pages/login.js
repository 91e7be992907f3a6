/*
 * login.js - staff log in with username and password.
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api, saveSession } from '../api.js';
import { navigate } from '../router.js';
import { showError, clearErrors, field } from '../forms.js';
import { setLang, currentLang } from '../i18n.js';

export function loginPage(main, params, state) {
  const user = h('input', {
    id: 'login-username', name: 'username', autocomplete: 'username', required: true,
    autocapitalize: 'off', spellcheck: 'false', 'data-field': 'username',
  });
  const pass = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password',
    required: true, 'data-field': 'password',
  });
  const submit = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'login-submit' }, t('login.submit'));
  const form = h('form', { class: 'card login-card', id: 'login-form', novalidate: true },
    h('h1', { class: 'login-title' }, t('app.brand')),
    h('p', { class: 'login-sub' }, t('login.subtitle')),
    h('div', { class: 'form-error', role: 'alert', id: 'login-error', hidden: true }),
    field(t('login.username'), user),
    field(t('login.password'), pass),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const res = await api('POST', '/auth/login', {
        body: { username: user.value.trim(), password: pass.value },
        noAuthRedirect: true,
      });
      saveSession(res.token, res.user);
      const next = state && state.next && state.next !== '/login' ? state.next : '/';
      await navigate(next, null, true);
    } catch (err) {
      showError(form, err);
      pass.select();
    } finally {
      submit.disabled = false;
    }
  });
  const other = currentLang() === 'zh-CN' ? 'en' : 'zh-CN';
  const lang = h('button', {
    type: 'button', class: 'btn-ghost login-lang', id: 'lang-switch', lang: other,
    onclick: async () => {
      await setLang(other);
      main.replaceChildren();
      loginPage(main, params, state);
    },
  }, t('header.switch_lang'));
  main.append(h('div', { class: 'login-wrap' }, form, lang));
  user.focus();
}
