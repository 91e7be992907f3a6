/*
 * users.js - 员工账号: staff accounts (permission users.manage: admins and
 * support). The list from GET /users, a new account (POST /users) and a
 * change to one (PATCH /users/{id}: name, role, store or region, disabled,
 * a new password). Support may only manage waiter and support accounts, so
 * it is offered only those roles and the other accounts are read-only.
 * Errors go next to the field the server names (password, username, role).
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, currentUser, storeMap } from '../api.js';
import { can } from '../perms.js';
import { date, dateTime } from '../format.js';
import { errorText, showError, showFieldMessage, clearErrors, field } from '../forms.js';

export const ROLES = ['admin', 'manager', 'analyst', 'waiter', 'support'];
/* the accounts a support account may create and change */
const SUPPORT_ROLES = ['waiter', 'support'];

/* The roles this account may give and change (the server checks too). */
export function manageableRoles(user) {
  return user && user.role === 'support' ? SUPPORT_ROLES : ROLES;
}

/* The page of someone without the permission: what it is and whom to ask. */
export function forbiddenPanel(id, titleKey, textKey) {
  return h('section', { class: 'panel adm-forbidden', id, role: 'alert' },
    h('h1', { class: 'adm-title' }, t(titleKey)),
    h('p', { class: 'adm-forbidden-text' }, t(textKey)),
    h('a', { href: '/', 'data-link': '', class: 'btn-secondary' }, t('adm.home')));
}

/* <option>s for a store select: "no store" first, then "name (code)". */
export function storeOptions(stores, selected, noneKey) {
  return [h('option', { value: '', selected: !selected }, t(noneKey)),
    ...[...stores.values()].map((s) => h('option', { value: String(s.id), selected: s.id === selected },
      t('adm.store_option', { name: s.name, code: s.code })))];
}

/* "上海人民广场店" / "区域：华东" / "全部门店" */
export function scopeText(u, stores) {
  if (u.store_id) {
    const s = stores.get(u.store_id);
    return s ? s.name : t('adm.store_no', { id: u.store_id });
  }
  if (u.region) return t('users.region_is', { region: u.region });
  return t('header.all_stores');
}

/* Role chips (radio buttons) with data-field "role". */
function roleChips(name, roles, selected) {
  return h('div', { class: 'chips adm-roles', 'data-field': 'role', role: 'radiogroup', 'aria-label': t('users.role') },
    roles.map((r) => h('label', { class: 'chip chip-radio adm-role', dataset: { role: r } },
      h('input', { type: 'radio', name, value: r, checked: r === selected }),
      h('span', {}, t(`role.${r}`)))));
}

export function usersPage(main) {
  if (!can('users.manage')) {
    main.append(forbiddenPanel('users-forbidden', 'users.title', 'users.forbidden'));
    return null;
  }
  const me = currentUser();
  const roles = manageableRoles(me);
  let alive = true;
  let stores = new Map();
  let users = [];

  const notice = h('div', { class: 'adm-notice', id: 'users-notice', role: 'status', hidden: true });
  const status = h('div', { class: 'adm-status', id: 'users-status', 'aria-live': 'polite' }, t('adm.loading'));
  const list = h('div', { class: 'adm-list', id: 'user-list' });
  const newBtn = h('button', { type: 'button', class: 'btn-primary btn-big', id: 'user-new', onclick: () => openNew() }, t('users.new'));
  const formSlot = h('div', { id: 'user-form-slot' });

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  /* ---- a new account ---- */
  function newForm() {
    const username = h('input', {
      id: 'user-username', 'data-field': 'username', autocomplete: 'off', autocapitalize: 'off',
      spellcheck: 'false', maxlength: 32,
    });
    const display = h('input', { id: 'user-display', 'data-field': 'display_name', autocomplete: 'off', maxlength: 64 });
    const store = h('select', { id: 'user-store', 'data-field': 'store_id' }, storeOptions(stores, null, 'users.store_none'));
    const region = h('input', { id: 'user-region', 'data-field': 'region', autocomplete: 'off', maxlength: 64, placeholder: t('users.region_placeholder') });
    const password = h('input', { id: 'user-password', type: 'password', 'data-field': 'password', autocomplete: 'new-password', maxlength: 128 });
    const chips = roleChips('new-role', roles, roles.includes('waiter') ? 'waiter' : roles[0]);
    const save = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'user-save' }, t('users.create'));
    const form = h('form', { class: 'panel adm-form', id: 'user-form', novalidate: true },
      h('h2', { class: 'panel-title' }, t('users.new_title')),
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      h('div', { class: 'grid-2' },
        field(t('users.username'), username, t('users.username_hint')),
        field(t('users.display_name'), display),
        h('div', { class: 'field adm-span' }, h('span', { class: 'field-label' }, t('users.role')), chips,
          me && me.role === 'support' ? h('span', { class: 'field-hint' }, t('users.support_roles')) : null),
        field(t('users.store'), store, t('users.store_hint')),
        field(t('users.region'), region, t('users.region_hint')),
        field(t('users.password'), password, t('users.password_hint'))),
      h('div', { class: 'form-actions' },
        save,
        h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'user-cancel', onclick: () => closeNew() }, t('common.cancel'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const body = {
        username: username.value.trim(),
        role: form.querySelector('input[name=new-role]:checked').value,
        password: password.value,
      };
      if (display.value.trim()) body.display_name = display.value.trim();
      if (store.value) body.store_id = Number(store.value);
      if (region.value.trim()) body.region = region.value.trim();
      if (!body.username) return showFieldMessage(form, 'username', t('adm.required'));
      if (!body.password) return showFieldMessage(form, 'password', t('adm.required'));
      save.disabled = true;
      try {
        const u = await api('POST', '/users', { body });
        if (!alive) return;
        closeNew();
        users = [u, ...users.filter((x) => x.id !== u.id)];
        render();
        showNotice(t('users.created', { name: u.display_name || u.username, username: u.username }));
        const row = list.querySelector(`#user-${u.id}`);
        if (row) row.classList.add('just-added');
      } catch (err) {
        if (!alive) return;
        showUserError(form, err);
      } finally {
        save.disabled = false;
      }
    });
    return form;
  }

  function openNew() {
    newBtn.hidden = true;
    showNotice('');
    const form = newForm();
    replace(formSlot, form);
    form.querySelector('#user-username').focus();
  }
  function closeNew() {
    replace(formSlot);
    newBtn.hidden = false;
  }

  /* ---- one account in the list ---- */
  function row(u) {
    const self = me && me.id === u.id;
    const mayEdit = roles.includes(u.role);
    const slot = h('div', { class: 'adm-edit-slot' });
    const edit = mayEdit ? h('button', {
      type: 'button', class: 'btn-secondary adm-row-edit', id: `user-edit-${u.id}`,
      onclick: () => openEdit(u, el, slot, edit),
    }, t('users.edit')) : null;
    const el = h('article', { class: `adm-row user-row${u.disabled ? ' disabled' : ''}`, id: `user-${u.id}`, dataset: { id: u.id, role: u.role } },
      h('div', { class: 'adm-row-main' },
        h('div', { class: 'adm-row-top' },
          h('span', { class: 'adm-row-name' }, u.display_name || u.username),
          h('span', { class: 'adm-row-sub' }, u.username),
          h('span', { class: `badge adm-role-badge role-${u.role}` }, t(`role.${u.role}`)),
          self ? h('span', { class: 'badge adm-self' }, t('users.you')) : null,
          u.disabled ? h('span', { class: 'badge adm-off' }, t('users.disabled')) : null),
        h('div', { class: 'adm-row-meta' },
          h('span', { class: 'adm-scope' }, scopeText(u, stores)),
          h('span', {}, t('users.created_at', { date: date(u.created_at) })),
          h('span', { class: 'adm-last-login' }, u.last_login_at ? t('users.last_login', { at: dateTime(u.last_login_at) }) : t('users.never_logged_in')))),
      h('div', { class: 'adm-row-actions' }, edit || h('span', { class: 'muted adm-readonly' }, t('users.admin_only'))),
      slot);
    return el;
  }

  function openEdit(u, el, slot, editBtn) {
    for (const open of list.querySelectorAll('.adm-edit')) open.dispatchEvent(new Event('close'));
    editBtn.hidden = true;
    el.classList.add('editing');
    const self = me && me.id === u.id;
    const display = h('input', { id: `edit-display-${u.id}`, 'data-field': 'display_name', value: u.display_name || '', autocomplete: 'off', maxlength: 64 });
    const store = h('select', { id: `edit-store-${u.id}`, 'data-field': 'store_id' }, storeOptions(stores, u.store_id, 'users.store_none'));
    const region = h('input', { id: `edit-region-${u.id}`, 'data-field': 'region', value: u.region || '', autocomplete: 'off', maxlength: 64, placeholder: t('users.region_placeholder') });
    const password = h('input', { id: `edit-password-${u.id}`, type: 'password', 'data-field': 'password', autocomplete: 'new-password', maxlength: 128, placeholder: t('users.password_keep') });
    const disabled = h('input', { type: 'checkbox', id: `edit-disabled-${u.id}`, 'data-field': 'disabled', checked: u.disabled });
    const chips = roleChips(`edit-role-${u.id}`, roles, u.role);
    const save = h('button', { type: 'submit', class: 'btn-primary btn-big adm-edit-save' }, t('users.save'));
    const form = h('form', { class: 'adm-edit', id: `user-edit-form-${u.id}`, novalidate: true },
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      h('div', { class: 'grid-2' },
        field(t('users.display_name'), display),
        field(t('users.password_new'), password, t('users.password_hint')),
        h('div', { class: 'field adm-span' }, h('span', { class: 'field-label' }, t('users.role')), chips,
          self ? h('span', { class: 'field-hint' }, t('users.self_hint')) : null),
        field(t('users.store'), store, t('users.store_hint')),
        field(t('users.region'), region, t('users.region_hint')),
        h('label', { class: 'field adm-check' }, disabled,
          h('span', {}, h('span', { class: 'field-label' }, t('users.disable')),
            h('span', { class: 'field-hint adm-check-hint' }, t('users.disable_hint'))))),
      h('div', { class: 'form-actions' },
        save,
        h('button', { type: 'button', class: 'btn-secondary btn-big adm-edit-cancel', onclick: () => close() }, t('common.cancel'))));
    function close() {
      replace(slot);
      el.classList.remove('editing');
      editBtn.hidden = false;
    }
    form.addEventListener('close', close);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      /* only what changed */
      const body = {};
      const name = display.value.trim();
      if (name !== (u.display_name || '')) body.display_name = name;
      const role = form.querySelector(`input[name=edit-role-${u.id}]:checked`).value;
      if (role !== u.role) body.role = role;
      const sid = store.value ? Number(store.value) : null;
      if (sid !== (u.store_id || null)) body.store_id = sid;
      const reg = region.value.trim() || null;
      if (reg !== (u.region || null)) body.region = reg;
      if (disabled.checked !== !!u.disabled) body.disabled = disabled.checked;
      if (password.value) body.password = password.value;
      if (!Object.keys(body).length) {
        close();
        return;
      }
      save.disabled = true;
      try {
        const nu = await api('PATCH', `/users/${u.id}`, { body });
        if (!alive) return;
        users = users.map((x) => (x.id === nu.id ? nu : x));
        render();
        showNotice(t('users.saved', { name: nu.display_name || nu.username }));
      } catch (err) {
        if (!alive) return;
        showUserError(form, err);
      } finally {
        save.disabled = false;
      }
    });
    replace(slot, form);
    display.focus();
  }

  function render() {
    replace(list, users.map(row));
    status.textContent = users.length ? t('users.count', { n: users.length }) : t('users.none');
  }

  async function load() {
    try {
      const [r, s] = await Promise.all([api('GET', '/users'), storeMap().catch(() => new Map())]);
      if (!alive) return;
      stores = s;
      users = r.items;
      render();
    } catch (err) {
      if (!alive) return;
      status.textContent = errorText(err);
      status.classList.add('adm-status-error');
    }
  }

  main.append(h('section', { class: 'adm', id: 'users' },
    h('div', { class: 'adm-head' },
      h('h1', { class: 'adm-title' }, t('users.title')),
      h('p', { class: 'adm-intro' }, t(me && me.role === 'support' ? 'users.intro_support' : 'users.intro'))),
    notice,
    h('div', { class: 'adm-toolbar' }, newBtn),
    formSlot,
    h('section', { class: 'panel adm-list-box' },
      h('h2', { class: 'panel-title' }, t('users.list_title')),
      status,
      list)));
  load();

  return {
    leave() {
      alive = false;
    },
  };
}

/* The server's error by the field it names; a refused role says which roles may be given. */
function showUserError(form, err) {
  if (err && err.code === 'forbidden' && err.field === 'role') showFieldMessage(form, 'role', t('users.role_forbidden'));
  else if (err && err.code === 'invalid_scope') showFieldMessage(form, err.field, t('users.invalid_scope'));
  else showError(form, err);
}
