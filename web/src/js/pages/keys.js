/*
 * keys.js - API 密钥: keys for the POS, the booking site and gateway
 * callbacks (permission keys.manage: admins and support). Create one with
 * a name, its scopes and optionally a store (POST /keys): the token comes
 * back once, shown in a box with a copy button and a warning that it will
 * not be shown again. The list (GET /keys) with prefix, scopes, store,
 * creator and last use; revoke after a confirm step (POST /keys/{id}/revoke).
 * Support may only grant catalog:read and visits:write.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, currentUser, storeMap } from '../api.js';
import { can } from '../perms.js';
import { date, dateTime } from '../format.js';
import { errorText, showError, showFieldMessage, clearErrors, field } from '../forms.js';
import { forbiddenPanel, storeOptions } from './users.js';

export const SCOPES = ['catalog:read', 'visits:write', 'customers:read', 'customers:write'];
const SUPPORT_SCOPES = ['catalog:read', 'visits:write'];

/* The scopes this account may grant (the server checks too). */
export function grantableScopes(user) {
  return user && user.role === 'support' ? SUPPORT_SCOPES : SCOPES;
}

/* "catalog:read" -> "keys.scope.catalog_read" */
function scopeKey(s) {
  return `keys.scope.${s.replace(/[^a-z]/g, '_')}`;
}
function scopeText(s) {
  const k = scopeKey(s);
  const v = t(k);
  return v === k ? s : v;
}

export function keysPage(main) {
  if (!can('keys.manage')) {
    main.append(forbiddenPanel('keys-forbidden', 'keys.title', 'keys.forbidden'));
    return null;
  }
  const me = currentUser();
  const scopes = grantableScopes(me);
  let alive = true;
  let stores = new Map();
  let people = new Map();
  let keys = [];

  const notice = h('div', { class: 'adm-notice', id: 'keys-notice', role: 'status', hidden: true });
  const tokenSlot = h('div', { id: 'key-token-slot' });
  const status = h('div', { class: 'adm-status', id: 'keys-status', 'aria-live': 'polite' }, t('adm.loading'));
  const list = h('div', { class: 'adm-list', id: 'key-list' });

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  /* ---- a new key ---- */
  const name = h('input', { id: 'key-name', 'data-field': 'name', autocomplete: 'off', maxlength: 64, placeholder: t('keys.name_placeholder') });
  const store = h('select', { id: 'key-store', 'data-field': 'store_id' });
  const scopeBox = h('div', { class: 'adm-scopes', 'data-field': 'scopes', role: 'group', 'aria-label': t('keys.scopes') },
    scopes.map((s) => h('label', { class: 'adm-scope-opt', dataset: { scope: s } },
      h('input', { type: 'checkbox', name: 'scope', value: s, id: `scope-${s.replace(':', '-')}` }),
      h('span', { class: 'adm-scope-text' },
        h('span', { class: 'adm-scope-name' }, scopeText(s)),
        h('code', { class: 'adm-scope-code' }, s)))));
  const save = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'key-create' }, t('keys.create'));
  const form = h('form', { class: 'panel adm-form', id: 'key-form', novalidate: true },
    h('h2', { class: 'panel-title' }, t('keys.new_title')),
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'grid-2' },
      field(t('keys.name'), name, t('keys.name_hint')),
      field(t('keys.store'), store, t('keys.store_hint')),
      h('div', { class: 'field adm-span' }, h('span', { class: 'field-label' }, t('keys.scopes')), scopeBox,
        me && me.role === 'support' ? h('span', { class: 'field-hint' }, t('keys.support_scopes')) : null)),
    h('div', { class: 'form-actions' }, save));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    showNotice('');
    const body = {
      name: name.value.trim(),
      scopes: [...scopeBox.querySelectorAll('input:checked')].map((i) => i.value),
    };
    if (store.value) body.store_id = Number(store.value);
    if (!body.name) return showFieldMessage(form, 'name', t('adm.required'));
    if (!body.scopes.length) return showFieldMessage(form, 'scopes', t('keys.pick_scope'));
    save.disabled = true;
    try {
      const r = await api('POST', '/keys', { body });
      if (!alive) return;
      keys = [r.key, ...keys.filter((k) => k.id !== r.key.id)];
      render();
      showToken(r.key, r.token);
      name.value = '';
      for (const i of scopeBox.querySelectorAll('input')) i.checked = false;
      store.value = '';
    } catch (err) {
      if (!alive) return;
      showError(form, err);
    } finally {
      save.disabled = false;
    }
  });

  /* The token, once: a box with copy and a clear warning. */
  function showToken(key, tok) {
    const value = h('input', {
      id: 'key-token-value', class: 'key-token-value', readonly: true, value: tok,
      spellcheck: 'false', autocomplete: 'off', 'aria-label': t('keys.token_label'),
      onfocus: (e) => e.target.select(),
    });
    const copied = h('span', { class: 'key-copied', id: 'key-copied', role: 'status' });
    const copy = h('button', {
      type: 'button', class: 'btn-primary btn-big key-copy', id: 'key-copy',
      onclick: async () => {
        copied.textContent = (await copyText(value, tok)) ? t('keys.copied') : t('keys.copy_failed');
      },
    }, t('keys.copy'));
    const box = h('section', { class: 'panel key-token', id: 'key-token', role: 'alert' },
      h('h2', { class: 'key-token-title' }, t('keys.token_title', { name: key.name })),
      h('p', { class: 'key-token-warn' }, t('keys.token_warn')),
      h('div', { class: 'key-token-row' }, value, copy),
      copied,
      h('div', { class: 'form-actions' },
        h('button', {
          type: 'button', class: 'btn-secondary btn-big', id: 'key-token-done',
          onclick: () => {
            replace(tokenSlot);
            showNotice(t('keys.created', { name: key.name }));
          },
        }, t('keys.token_done'))));
    replace(tokenSlot, box);
    box.scrollIntoView({ block: 'start' });
    value.focus();
  }

  /* ---- one key in the list ---- */
  function who(id) {
    if (id === null || id === undefined) return '—';
    if (typeof id === 'string') return id;
    const u = people.get(id);
    return u ? (u.display_name || u.username) : t('adm.user_no', { id });
  }

  function row(k) {
    const revoked = !!k.revoked_at;
    const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const actions = h('div', { class: 'adm-row-actions' });
    const el = h('article', { class: `adm-row key-row${revoked ? ' disabled' : ''}`, id: `key-${k.id}`, dataset: { id: k.id } },
      h('div', { class: 'adm-row-main' },
        h('div', { class: 'adm-row-top' },
          h('span', { class: 'adm-row-name' }, k.name),
          h('code', { class: 'key-prefix' }, t('keys.prefix', { prefix: k.prefix })),
          revoked ? h('span', { class: 'badge adm-off' }, t('keys.revoked')) : h('span', { class: 'badge adm-on' }, t('keys.active'))),
        h('div', { class: 'key-scopes' }, (k.scopes || []).map((s) => h('span', { class: 'tag key-scope', dataset: { scope: s }, title: s }, scopeText(s)))),
        h('div', { class: 'adm-row-meta' },
          h('span', { class: 'adm-scope' }, k.store_id ? (stores.get(k.store_id) || { name: t('adm.store_no', { id: k.store_id }) }).name : t('keys.any_store')),
          h('span', {}, t('keys.created_by', { who: who(k.created_by), date: date(k.created_at) })),
          h('span', { class: 'key-last-used' }, k.last_used_at ? t('keys.last_used', { at: dateTime(k.last_used_at) }) : t('keys.never_used')),
          revoked ? h('span', { class: 'key-revoked-at' }, t('keys.revoked_at', { at: dateTime(k.revoked_at) })) : null)),
      actions,
      err);

    function buttons() {
      replace(actions, revoked ? null : h('button', {
        type: 'button', class: 'btn-secondary adm-danger key-revoke', id: `key-revoke-${k.id}`,
        onclick: () => confirmRevoke(),
      }, t('keys.revoke')));
    }
    function confirmRevoke() {
      const ok = h('button', { type: 'button', class: 'btn-primary btn-big adm-danger-fill key-revoke-ok', id: `key-revoke-ok-${k.id}` }, t('keys.revoke_ok'));
      const cancel = h('button', { type: 'button', class: 'btn-secondary btn-big key-revoke-cancel', onclick: () => { err.hidden = true; buttons(); } }, t('common.cancel'));
      ok.addEventListener('click', async () => {
        ok.disabled = cancel.disabled = true;
        err.hidden = true;
        try {
          const nk = await api('POST', `/keys/${k.id}/revoke`);
          if (!alive) return;
          keys = keys.map((x) => (x.id === k.id ? { ...x, ...nk } : x));
          render();
          showNotice(t('keys.revoked_notice', { name: k.name }));
        } catch (e) {
          if (!alive) return;
          err.textContent = errorText(e);
          err.hidden = false;
          ok.disabled = cancel.disabled = false;
        }
      });
      replace(actions, h('div', { class: 'adm-confirm', role: 'group' },
        h('p', { class: 'adm-confirm-text' }, t('keys.revoke_confirm', { name: k.name })),
        h('div', { class: 'adm-confirm-buttons' }, ok, cancel)));
      ok.focus();
    }
    buttons();
    return el;
  }

  function render() {
    replace(list, keys.map(row));
    const active = keys.filter((k) => !k.revoked_at).length;
    status.textContent = keys.length ? t('keys.count', { n: keys.length, active }) : t('keys.none');
  }

  async function load() {
    try {
      const [r, s, u] = await Promise.all([
        api('GET', '/keys'),
        storeMap().catch(() => new Map()),
        can('users.manage') ? api('GET', '/users').catch(() => ({ items: [] })) : { items: [] },
      ]);
      if (!alive) return;
      stores = s;
      people = new Map(u.items.map((x) => [x.id, x]));
      replace(store, storeOptions(stores, null, 'keys.store_none'));
      keys = r.items;
      render();
    } catch (err) {
      if (!alive) return;
      status.textContent = errorText(err);
      status.classList.add('adm-status-error');
    }
  }

  replace(store, storeOptions(stores, null, 'keys.store_none'));
  main.append(h('section', { class: 'adm', id: 'keys' },
    h('div', { class: 'adm-head' },
      h('h1', { class: 'adm-title' }, t('keys.title')),
      h('p', { class: 'adm-intro' }, t('keys.intro'))),
    notice,
    tokenSlot,
    form,
    h('section', { class: 'panel adm-list-box' },
      h('h2', { class: 'panel-title' }, t('keys.list_title')),
      status,
      list)));
  load();

  return {
    leave() {
      alive = false;
    },
  };
}

/* The clipboard API where the page may use it, else the selected input. */
async function copyText(input, text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.focus();
    input.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}
