/*
 * alerts.js - 预警 · complaint-spike alerts (/alerts, permission
 * alerts.read): GET /alerts?day=&store=&region=[&all=true] lists the
 * stores, regions and the chain whose complaints per 1,000 visits over the
 * last 7 days rose clearly above the same unit's previous 8 weeks, with
 * the figures that triggered it (complaints and visits in 7 days, the
 * rate against the baseline's, the expected count, the p-value of the
 * Poisson upper tail) and the server's message. 显示所有门店 (all=true)
 * lists every unit, the quiet ones greyed. Filters live in the address.
 * Also the compact block of the door page (alertsBlock) for accounts with
 * alerts.read: the alerts of today in a red box, or a quiet line.
 */
import { h, replace } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { api, storeMap } from '../api.js';
import { can } from '../perms.js';
import { errorText, showFieldMessage, clearErrors, field } from '../forms.js';
import { forbiddenPanel } from './users.js';

/* "0.0031" / "<0.0001" */
export function pText(p) {
  if (p === null || p === undefined) return '—';
  const n = Number(p);
  if (n < 0.0001) return '<0.0001';
  if (n < 0.01) return n.toFixed(4);
  return n.toFixed(3);
}

/* one decimal, or "—" */
function rate(v) {
  return v === null || v === undefined ? '—' : (Math.round(Number(v) * 10) / 10).toString();
}

/* Whether an item is an alert (all=true lists quiet units too). */
export function isAlert(it) {
  return it.alert === undefined ? true : !!it.alert;
}

/* Why a unit did or did not alert (core/spike.h's reasons), in words. */
export const REASONS = ['no_visits', 'no_baseline_visits', 'below_min_complaints', 'not_significant', 'rate_not_higher', 'significant_rise'];
function reasonText(it) {
  return it.reason && REASONS.includes(it.reason) ? t(`al.reason.${it.reason}`) : null;
}

function unitName(it) {
  if (it.level === 'store' && it.store) return it.store.name || it.store.code;
  if (it.level === 'region') return typeof it.region === 'string' ? it.region : (it.region && it.region.name) || '';
  return t('al.chain');
}

function messageOf(it) {
  const m = it.message || {};
  return (currentLang() === 'en' ? m.en : m.zh) || m.zh || m.en || '';
}

function alertRow(it, i) {
  const on = isAlert(it);
  const code = it.level === 'store' && it.store ? it.store.code : null;
  return h('article', {
    class: `panel al-item${on ? ' on' : ' quiet'}`, id: `al-item-${i}`,
    dataset: { level: it.level, store: code || '', alert: on ? 'true' : 'false' },
  },
  h('div', { class: 'al-head' },
    h('span', { class: `badge al-level al-level-${it.level}` }, t(`al.level.${it.level}`)),
    h('h2', { class: 'al-unit' }, unitName(it)),
    on ? h('span', { class: 'badge al-badge' }, t('al.alert')) : h('span', { class: 'badge' }, t('al.quiet'))),
  messageOf(it) ? h('p', { class: 'al-message' }, messageOf(it)) : null,
  !on && reasonText(it) ? h('p', { class: 'muted al-reason' }, reasonText(it)) : null,
  h('dl', { class: 'al-figs' },
    h('div', { class: 'al-fig al-fig-main' },
      h('dt', {}, t('al.complaints_7d')), h('dd', { class: 'al-complaints' }, String(it.complaints_7d ?? 0))),
    h('div', { class: 'al-fig' },
      h('dt', {}, t('al.visits_7d')), h('dd', {}, String(it.visits_7d ?? 0))),
    h('div', { class: 'al-fig al-fig-main' },
      h('dt', {}, t('al.rate')), h('dd', { class: 'al-rate' }, rate(it.rate_per_1000))),
    h('div', { class: 'al-fig' },
      h('dt', {}, t('al.base_rate')), h('dd', { class: 'al-base-rate' }, rate(it.baseline_rate_per_1000))),
    h('div', { class: 'al-fig' },
      h('dt', {}, t('al.baseline')), h('dd', {}, t('al.baseline_v', { c: it.baseline_complaints ?? 0, v: it.baseline_visits ?? 0 }))),
    h('div', { class: 'al-fig' },
      h('dt', {}, t('al.expected')), h('dd', { class: 'al-expected' }, it.expected === null || it.expected === undefined ? '—' : Number(it.expected).toFixed(2))),
    h('div', { class: 'al-fig' },
      h('dt', {}, t('al.p_value')), h('dd', { class: 'al-p' }, pText(it.p_value)))),
  code && can('feedback.read') ? h('a', { href: `/feedback?store=${encodeURIComponent(code)}`, 'data-link': '', class: 'btn-secondary al-open', id: `al-open-${i}` }, t('al.open_feedback')) : null);
}

export function alertsPage(main) {
  if (!can('alerts.read')) {
    main.append(forbiddenPanel('alerts-forbidden', 'al.title', 'al.forbidden'));
    return null;
  }
  let alive = true;
  let gen = 0;
  const q = new URLSearchParams(location.search);
  const day = h('input', { id: 'al-day', type: 'date', 'data-field': 'day', value: q.get('day') || '' });
  const store = h('select', { id: 'al-store', 'data-field': 'store' }, h('option', { value: '' }, t('fb.all_stores')));
  const region = h('select', { id: 'al-region', 'data-field': 'region' }, h('option', { value: '' }, t('seg.all_regions')));
  const all = h('input', { type: 'checkbox', id: 'al-all', checked: q.get('all') === 'true' });
  const keep = (sel, v) => {
    if (!v) return;
    if (![...sel.options].some((o) => o.value === v)) sel.append(h('option', { value: v }, v));
    sel.value = v;
  };
  keep(store, q.get('store'));
  keep(region, q.get('region'));
  const form = h('form', { class: 'panel seg-filters al-filters', id: 'al-filters', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'seg-filter-grid' },
      field(t('al.day'), day, t('al.day_hint')),
      field(t('seg.store'), store),
      field(t('seg.region'), region),
      h('label', { class: 'fb-check', for: 'al-all' }, all, h('span', {}, t('al.all')))));
  const head = h('p', { class: 'al-day-line', id: 'al-day-line' });
  const rule = h('p', { class: 'muted al-rule', id: 'al-rule' }, t('al.rule_default'));
  const period = h('p', { class: 'muted al-rule', id: 'al-period' });
  const status = h('div', { class: 'adm-status', id: 'al-status', 'aria-live': 'polite' });
  const list = h('div', { class: 'al-list', id: 'al-list' });

  function filters() {
    return { day: day.value || null, store: store.value || null, region: region.value || null, all: all.checked ? 'true' : null };
  }

  async function load() {
    const my = ++gen;
    clearErrors(form);
    const f = filters();
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) qs.set(k, v);
    history.replaceState(history.state, '', `/alerts${qs.toString() ? `?${qs}` : ''}`);
    status.classList.remove('adm-status-error');
    status.textContent = t('adm.loading');
    try {
      const r = await api('GET', '/alerts', { query: f });
      if (!alive || my !== gen) return;
      const items = r.items || [];
      const n = items.filter(isAlert).length;
      head.textContent = t('al.day_line', { day: r.day || '', n });
      head.classList.toggle('on', n > 0);
      if (r.threshold_p !== undefined && r.min_complaints !== undefined) rule.textContent = t('al.rule', { p: r.threshold_p, min: r.min_complaints });
      period.textContent = r.period && r.baseline
        ? t('al.period', { from: r.period.from, to: r.period.to, bfrom: r.baseline.from, bto: r.baseline.to }) : '';
      status.textContent = '';
      replace(list, items.length ? items.map(alertRow) : h('p', { class: 'panel al-none', id: 'al-none' }, t('al.none')));
    } catch (err) {
      if (!alive || my !== gen) return;
      replace(list);
      if (err.status === 404 && err.code === 'not_found' && !err.field) {
        status.textContent = t('al.unavailable');
      } else if (err.field && form.querySelector(`[data-field="${err.field}"]`)) {
        showFieldMessage(form, err.field, errorText(err));
        status.textContent = '';
      } else {
        status.textContent = errorText(err);
        status.classList.add('adm-status-error');
      }
    }
  }
  for (const el of [day, store, region, all]) el.addEventListener('change', load);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });

  main.append(h('section', { class: 'adm al', id: 'alerts' },
    h('div', { class: 'adm-head' },
      h('h1', { class: 'adm-title' }, t('al.title')),
      h('p', { class: 'adm-intro' }, t('al.intro'))),
    form, head, period, rule, status, list));

  storeMap().then((m) => {
    if (!alive) return;
    const s0 = store.value;
    const r0 = region.value;
    const stores = [...m.values()];
    replace(store, h('option', { value: '' }, t('fb.all_stores')),
      stores.map((s) => h('option', { value: s.code }, t('adm.store_option', { name: s.name, code: s.code }))));
    replace(region, h('option', { value: '' }, t('seg.all_regions')),
      [...new Set(stores.map((s) => s.region).filter(Boolean))].sort().map((r) => h('option', { value: r }, r)));
    keep(store, s0);
    keep(region, r0);
  }).catch(() => {});
  load();
  return {
    leave() {
      alive = false;
      gen += 1;
    },
  };
}

/*
 * The door page's block (alerts.read): today's alerts in a red box with
 * their messages (3 at most) and a link to the list, or one quiet line.
 * Nothing when the alerts cannot be read (an older server).
 */
export function alertsBlock() {
  const box = h('section', { class: 'al-door', id: 'door-alerts', hidden: true, 'aria-live': 'polite' });
  api('GET', '/alerts').then((r) => {
    const items = (r.items || []).filter(isAlert);
    if (!items.length) {
      replace(box, h('p', { class: 'al-door-quiet', id: 'door-alerts-none' }, t('al.door.none')),
        h('a', { href: '/alerts', 'data-link': '', class: 'al-door-link' }, t('al.door.open')));
      box.classList.remove('on');
    } else {
      replace(box,
        h('h2', { class: 'al-door-title' }, t('al.door.title', { n: items.length })),
        h('ul', { class: 'al-door-list' }, items.slice(0, 3).map((it, i) => h('li', { id: `door-alert-${i}` },
          messageOf(it) || unitName(it)))),
        h('a', { href: '/alerts', 'data-link': '', class: 'btn-secondary al-door-link', id: 'door-alerts-open' }, t('al.door.open')));
      box.classList.add('on');
    }
    box.hidden = false;
  }).catch(() => {
    box.hidden = true;
  });
  return box;
}
