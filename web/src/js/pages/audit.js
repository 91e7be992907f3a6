/*
 * audit.js - 审计日志: who did what to which guest, when and from where
 * (permission audit.read: admins only). GET /audit with filters (dates,
 * an action or an action prefix such as "guest.", the staff account, the
 * target), 50 at a time following next_cursor. The filters live in the
 * address (/audit?target_type=customer&target_id=12), so a guest card
 * can link here and a reload keeps them. Failures are red; a customer
 * target links to the guest card.
 */
import { h, replace } from '../dom.js';
import { t, has } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../perms.js';
import { ZONE } from '../format.js';
import { errorText, clearErrors, field, showFieldMessage } from '../forms.js';
import { forbiddenPanel } from './users.js';

const PAGE = 50;
export const ACTIONS = ['auth.login', 'auth.logout', 'guest.view', 'guest.create', 'guest.update', 'guest.delete',
  'guest.consent', 'guest.export_data', 'guest.erase', 'guest.merge', 'guest.merge_undo', 'guest.duplicate_dismiss',
  'guest.phone_lookup', 'guest.fact_add', 'guest.fact_delete', 'visit.create', 'export.guests', 'export.visits',
  'import.start', 'user.create', 'user.update', 'key.create', 'key.revoke', 'key.use', 'access.denied',
  'store.create', 'dish.create', 'dish.update'];
export const PREFIXES = ['auth.', 'guest.', 'visit.', 'export.', 'import.', 'user.', 'key.'];
const TARGETS = ['customer', 'visit', 'user', 'key', 'store', 'dish', 'merge', 'import'];
const FILTERS = ['from', 'to', 'action', 'user_id', 'target_type', 'target_id'];
/* detail keys every entry has: shown apart, small */
const ROUTE_KEYS = ['method', 'path'];

/* "guest.view" -> "查看客人卡片"; unknown actions as they are */
export function actionText(a) {
  const k = `audit.action.${a}`;
  return has(k) ? t(k) : a;
}

function prefixText(p) {
  return t(`audit.prefix.${p.slice(0, -1)}`);
}

/* "2024-03-05 18:30:12" in Asia/Shanghai */
function when(iso) {
  if (!iso) return '—';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const g = (type) => parts.find((p) => p.type === type).value;
  return `${g('year')}-${g('month')}-${g('day')} ${g('hour')}:${g('minute')}:${g('second')}`;
}

/* A detail value on one line, not too long. */
function short(v) {
  let s;
  if (v === null || v === undefined) s = '—';
  else if (Array.isArray(v)) s = v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

function detailOf(d) {
  if (typeof d === 'string') {
    try {
      return JSON.parse(d) || {};
    } catch {
      return { text: d };
    }
  }
  return d && typeof d === 'object' ? d : {};
}

export function isFailure(status) {
  if (typeof status === 'number') return status >= 400;
  return !!status && !/^(ok|success|2\d\d)$/i.test(String(status));
}

export function auditPage(main) {
  if (!can('audit.read')) {
    main.append(forbiddenPanel('audit-forbidden', 'audit.title', 'audit.forbidden'));
    return null;
  }
  let alive = true;
  let cursor = null;
  let gen = 0;
  let people = new Map();

  const q = new URLSearchParams(location.search);
  const from = h('input', { id: 'audit-from', type: 'date', 'data-field': 'from', value: q.get('from') || '' });
  const to = h('input', { id: 'audit-to', type: 'date', 'data-field': 'to', value: q.get('to') || '' });
  const action = h('select', { id: 'audit-action', 'data-field': 'action' },
    h('option', { value: '' }, t('audit.any_action')),
    h('optgroup', { label: t('audit.groups') }, PREFIXES.map((p) => h('option', { value: p }, prefixText(p)))),
    h('optgroup', { label: t('audit.one_action') }, ACTIONS.map((a) => h('option', { value: a }, actionText(a)))));
  const user = h('select', { id: 'audit-user', 'data-field': 'user_id' }, h('option', { value: '' }, t('audit.any_user')));
  const ttype = h('select', { id: 'audit-target-type', 'data-field': 'target_type' },
    h('option', { value: '' }, t('audit.any_target')),
    TARGETS.map((x) => h('option', { value: x }, t(`audit.type.${x}`))));
  const tid = h('input', { id: 'audit-target-id', type: 'text', inputmode: 'numeric', 'data-field': 'target_id', autocomplete: 'off', value: q.get('target_id') || '', placeholder: t('audit.target_id_placeholder') });
  /* a value from the address that the lists do not offer is still kept */
  const keep = (sel, v) => {
    if (!v) return;
    if (![...sel.options].some((o) => o.value === v)) sel.append(h('option', { value: v }, v));
    sel.value = v;
  };
  keep(action, q.get('action'));
  keep(ttype, q.get('target_type'));
  const wantUser = q.get('user_id');
  keep(user, wantUser);

  const apply = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'audit-apply' }, t('audit.apply'));
  const reset = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'audit-reset' }, t('audit.reset'));
  const form = h('form', { class: 'panel audit-filters', id: 'audit-filters', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'audit-filter-grid' },
      field(t('audit.from'), from),
      field(t('audit.to'), to),
      field(t('audit.action'), action),
      field(t('audit.user'), user),
      field(t('audit.target_type'), ttype),
      field(t('audit.target_id'), tid)),
    h('div', { class: 'form-actions' }, apply, reset));

  const status = h('div', { class: 'adm-status', id: 'audit-status', 'aria-live': 'polite' });
  const list = h('div', { class: 'audit-list', id: 'audit-list', role: 'list' });
  const more = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'audit-more', hidden: true, onclick: () => load(false) }, t('audit.more'));

  function filters() {
    const f = {
      from: from.value || null,
      to: to.value || null,
      action: action.value || null,
      user_id: user.value || null,
      target_type: ttype.value || null,
      target_id: tid.value.trim() || null,
    };
    return f;
  }

  function who(e) {
    /* a staff account by its name when the list of accounts has it, with the login name */
    const u = !e.key_id && e.user_id ? people.get(e.user_id) : null;
    const name = (u && u.display_name) || e.username;
    const role = e.role && e.role !== 'api_key' ? h('span', { class: 'badge audit-role' }, has(`role.${e.role}`) ? t(`role.${e.role}`) : e.role) : null;
    return h('div', { class: 'audit-who' },
      e.key_id ? h('span', { class: 'audit-key' }, t('audit.via_key', { id: e.key_id })) : null,
      name ? h('span', { class: 'audit-user' }, name) : (e.key_id ? null : h('span', { class: 'muted' }, t('audit.nobody'))),
      name && e.username && name !== e.username ? h('span', { class: 'audit-login' }, e.username) : null,
      role);
  }

  function target(e) {
    if (!e.target_type) return h('span', { class: 'muted' }, '—');
    const k = `audit.type.${e.target_type}`;
    const kind = has(k) ? t(k) : e.target_type;
    const text = e.target_id ? t('audit.target', { kind, id: e.target_id }) : kind;
    if (e.target_type === 'customer' && e.target_id) {
      return h('a', { href: `/guests/${e.target_id}`, 'data-link': '', class: 'audit-target-link' }, text);
    }
    return h('span', {}, text);
  }

  function detail(e) {
    const d = detailOf(e.detail);
    const parts = Object.entries(d).filter(([k]) => !ROUTE_KEYS.includes(k))
      .map(([k, v]) => h('span', { class: 'audit-kv' }, h('span', { class: 'audit-k' }, k), ' ', h('span', { class: 'audit-v' }, short(v))));
    const route = d.method || d.path ? h('code', { class: 'audit-route' }, [d.method, d.path].filter(Boolean).join(' ')) : null;
    if (!parts.length && !route) return null;
    return h('div', { class: 'audit-detail' }, parts, route);
  }

  function row(e) {
    const failed = isFailure(e.status);
    return h('article', { class: `audit-row${failed ? ' failed' : ''}`, id: `audit-${e.id}`, role: 'listitem', dataset: { id: e.id, action: e.action } },
      h('div', { class: 'audit-when' }, when(e.at)),
      h('div', { class: 'audit-what' },
        h('span', { class: 'audit-action' }, actionText(e.action)),
        h('code', { class: 'audit-code' }, e.action)),
      h('div', { class: `audit-target${e.target_type ? '' : ' empty'}` }, target(e)),
      who(e),
      h('div', { class: 'audit-ip' }, e.ip || '—'),
      h('div', { class: 'audit-status' },
        h('span', { class: `badge ${failed ? 'audit-fail' : 'audit-ok'}`, title: String(e.status ?? '') },
          failed ? t('audit.failed', { status: e.status }) : t('audit.ok'))),
      detail(e));
  }

  async function load(first) {
    const my = first ? ++gen : gen;
    more.disabled = true;
    list.setAttribute('aria-busy', 'true');
    if (first) status.textContent = t('adm.loading');
    status.classList.remove('adm-status-error');
    try {
      const r = await api('GET', '/audit', { query: { ...filters(), limit: PAGE, cursor: first ? null : cursor } });
      if (!alive || my !== gen) return;
      if (first) replace(list);
      list.append(...r.items.map(row));
      cursor = r.next_cursor ?? null;
      more.hidden = !cursor;
      const n = list.children.length;
      status.textContent = n ? t(cursor ? 'audit.count_more' : 'audit.count', { n }) : t('audit.none');
    } catch (err) {
      if (!alive || my !== gen) return;
      if (err && err.field && form.querySelector(`[data-field="${err.field}"]`)) {
        showFieldMessage(form, err.field, errorText(err));
        status.textContent = '';
      } else {
        status.textContent = errorText(err);
        status.classList.add('adm-status-error');
      }
    } finally {
      if (my === gen) {
        more.disabled = false;
        list.removeAttribute('aria-busy');
      }
    }
  }

  /* the filters into the address, then the first page */
  function run() {
    clearErrors(form);
    const f = filters();
    if (f.target_id && !/^[1-9][0-9]*$/.test(f.target_id)) {
      showFieldMessage(form, 'target_id', t('audit.bad_id'));
      return;
    }
    if (f.from && f.to && f.from > f.to) {
      showFieldMessage(form, 'to', t('audit.bad_range'));
      return;
    }
    const qs = new URLSearchParams();
    for (const k of FILTERS) if (f[k]) qs.set(k, f[k]);
    const s = qs.toString();
    history.replaceState(history.state, '', `/audit${s ? `?${s}` : ''}`);
    load(true);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  reset.addEventListener('click', () => {
    from.value = to.value = tid.value = '';
    action.value = user.value = ttype.value = '';
    run();
  });

  main.append(h('section', { class: 'adm audit', id: 'audit' },
    h('div', { class: 'adm-head' },
      h('h1', { class: 'adm-title' }, t('audit.title')),
      h('p', { class: 'adm-intro' }, t('audit.intro'))),
    form,
    h('section', { class: 'panel adm-list-box' },
      status,
      h('div', { class: 'audit-head', 'aria-hidden': 'true' },
        h('span', {}, t('audit.col.when')),
        h('span', {}, t('audit.col.what')),
        h('span', {}, t('audit.col.target')),
        h('span', {}, t('audit.col.who')),
        h('span', {}, t('audit.col.ip')),
        h('span', {}, t('audit.col.status'))),
      list,
      more)));

  /* the staff accounts for the "who" filter and their names */
  const accounts = can('users.manage') ? api('GET', '/users') : Promise.reject(new Error('no users.manage'));
  accounts.then((r) => {
    if (!alive) return;
    people = new Map(r.items.map((u) => [u.id, u]));
    const chosen = user.value;
    replace(user, h('option', { value: '' }, t('audit.any_user')),
      r.items.map((u) => h('option', { value: String(u.id) }, t('audit.user_option', { name: u.display_name || u.username, username: u.username }))));
    keep(user, chosen);
  }).catch(() => {}).finally(() => {
    if (alive) load(true);
  });

  return {
    leave() {
      alive = false;
      gen += 1;
    },
  };
}
