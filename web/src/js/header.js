/*
 * header.js - who is logged in, at which store, the language switch and
 * log out.
 */
import { h, replace } from './dom.js';
import { t, setLang, currentLang } from './i18n.js';
import { api, currentUser, clearSession, storeMap } from './api.js';
import { navigate } from './router.js';
import { can } from './perms.js';

const top = document.getElementById('top');

export function hideHeader() {
  top.hidden = true;
  top.replaceChildren();
}

/* rerender: called after the language changes, to redraw the page. */
export function renderHeader(rerender) {
  const user = currentUser();
  if (!user) return hideHeader();
  top.hidden = false;
  const store = h('span', { class: 'top-store', id: 'top-store' },
    user.store_id ? '' : t('header.all_stores'));
  if (user.store_id) {
    storeMap().then((m) => {
      const s = m.get(user.store_id);
      store.textContent = s ? s.name : '';
    }).catch(() => {});
  }
  const other = currentLang() === 'zh-CN' ? 'en' : 'zh-CN';
  replace(top,
    h('a', { href: '/', 'data-link': '', class: 'brand' }, t('app.brand')),
    h('nav', { class: 'top-nav' },
      /* each entry by the permission its page needs (docs/ROLES.md) */
      [
        ['guests.find', '/', 'nav-door', 'nav.door'],
        ['guests.write', '/guests/new', 'nav-new-guest', 'nav.new_guest'],
        ['feedback.read', '/feedback', 'nav-feedback', 'nav.feedback'],
        ['surveys.read', '/surveys', 'nav-surveys', 'nav.surveys'],
        ['alerts.read', '/alerts', 'nav-alerts', 'nav.alerts'],
        ['guests.merge', '/duplicates', 'nav-duplicates', 'nav.duplicates'],
        ['imports.run', '/import', 'nav-import', 'nav.import'],
        ['analytics.read', '/segments', 'nav-segments', 'nav.segments'],
        ['settings.read', '/settings/classification', 'nav-cls-settings', 'nav.cls_settings'],
        ['users.manage', '/users', 'nav-users', 'nav.users'],
        ['keys.manage', '/keys', 'nav-keys', 'nav.keys'],
        ['audit.read', '/audit', 'nav-audit', 'nav.audit'],
      ].map(([perm, href, id, key]) => (can(perm)
        ? h('a', {
          href, 'data-link': '', id, class: `top-link${location.pathname === href ? ' current' : ''}`,
          'aria-current': location.pathname === href ? 'page' : null,
        }, t(key))
        : null))),
    h('div', { class: 'top-user' },
      h('span', { class: 'top-name', id: 'top-name' }, user.display_name || user.username),
      h('span', { class: 'role-badge', id: 'top-role' }, t(`role.${user.role}`)),
      store),
    h('div', { class: 'top-actions' },
      h('button', {
        type: 'button', class: 'btn-ghost', id: 'lang-switch', lang: other,
        onclick: async () => {
          await setLang(other);
          rerender();
        },
      }, t('header.switch_lang')),
      h('button', {
        type: 'button', class: 'btn-ghost', id: 'logout',
        onclick: async () => {
          try {
            await api('POST', '/auth/logout', { noAuthRedirect: true });
          } catch {
            /* the session is dropped locally either way */
          }
          clearSession();
          navigate('/login');
        },
      }, t('header.logout'))));
}
