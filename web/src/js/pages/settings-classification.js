/*
 * settings-classification.js - 分类规则: the thresholds and windows the
 * nightly classification uses (GET /settings/classification with
 * settings.read; PUT with settings.write). Money is fen in the API and
 * yuan in the form; schedule.run_at_minute is a time of day (HH:MM,
 * Asia/Shanghai). Only what changed is sent; the server checks the whole
 * result and names a bad setting ("frequency.high"), whose message goes
 * next to that input. The rules are chain-wide: a store- or region-bound
 * manager reads them, and a save answers 403 out_of_scope with the
 * server's message.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, currentUser } from '../api.js';
import { can } from '../perms.js';
import { dateTime } from '../format.js';
import { errorText, showFieldMessage, clearErrors } from '../forms.js';
import { forbiddenPanel } from './users.js';
import { minuteText, nextRunText } from './cls-words.js';

/*
 * The settings by group, in the order shown, each with its kind:
 * days, count, yuan (fen in the API), pct, times (a real factor),
 * rating (a real 1-5), time (minutes after midnight as HH:MM).
 */
export const SETTING_GROUPS = [
  ['lifecycle', [['new_days', 'days'], ['active_days', 'days'], ['dormant_days', 'days']]],
  ['frequency', [['window_days', 'days'], ['high', 'count'], ['mid', 'count']]],
  ['spend', [['window_days', 'days'], ['high_fen', 'yuan'], ['mid_fen', 'yuan']]],
  ['vip', [['spend_fen', 'yuan']]],
  ['rhythm', [['min_visits', 'count'], ['factor', 'times'], ['min_days', 'days']]],
  ['grade', [['loyal_tenure_days', 'days'], ['loyal_min_rating', 'rating'], ['potential_per_visit_fen', 'yuan'],
    ['rising_window_days', 'days'], ['rising_min_visits', 'count']]],
  ['preference', [['seafood_min_pct', 'pct'], ['meat_min_pct', 'pct']]],
  ['schedule', [['run_at_minute', 'time']]],
];

/* Every setting name, "frequency.high" … */
export const SETTING_NAMES = SETTING_GROUPS.flatMap(([g, fields]) => fields.map(([k]) => `${g}.${k}`));

/* 300000 fen -> "3000", 12345 -> "123.45" */
export function fenToYuan(fen) {
  const n = Number(fen);
  if (!Number.isFinite(n)) return '';
  const yuan = Math.trunc(n / 100);
  const cents = Math.abs(n % 100);
  return cents ? `${yuan}.${String(cents).padStart(2, '0').replace(/0$/, '')}` : String(yuan);
}

/* "3000" / "3,000.5" / "¥800" -> fen, or null when it is not an amount */
export function yuanToFen(text) {
  const s = String(text).trim().replace(/^[¥￥]/, '').replace(/,/g, '');
  if (!/^\d{1,11}(\.\d{0,2})?$/.test(s)) return null;
  const [y, c = ''] = s.split('.');
  return Number(y) * 100 + Number(c.padEnd(2, '0') || 0);
}

/* "03:30" -> 210, or null */
export function timeToMinute(text) {
  const m = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(String(text).trim());
  if (!m) return null;
  const hh = Number(m[1]);
  const mm = Number(m[2]);
  if (hh > 23 || mm > 59) return null;
  return hh * 60 + mm;
}

/* The value as the input shows it. */
function shown(kind, v) {
  if (v === null || v === undefined) return '';
  if (kind === 'yuan') return fenToYuan(v);
  if (kind === 'time') return minuteText(v);
  return String(v);
}

/* The input's text as the API value, or {error: key}. */
function parsed(kind, text) {
  const s = String(text).trim();
  if (!s) return { error: 'adm.required' };
  if (kind === 'yuan') {
    const fen = yuanToFen(s);
    return fen === null ? { error: 'cls.set.bad_yuan' } : { value: fen };
  }
  if (kind === 'time') {
    const m = timeToMinute(s);
    return m === null ? { error: 'cls.set.bad_time' } : { value: m };
  }
  if (kind === 'times' || kind === 'rating') {
    const n = Number(s);
    return /^\d+(\.\d+)?$/.test(s) && Number.isFinite(n) ? { value: n } : { error: 'cls.set.bad_number' };
  }
  return /^\d{1,9}$/.test(s) ? { value: Number(s) } : { error: 'cls.set.bad_whole' };
}

function inputFor(name, kind, disabled) {
  const id = `set-${name.replace('.', '-').replace(/_/g, '-')}`;
  const common = { id, 'data-field': name, 'data-kind': kind, disabled, autocomplete: 'off' };
  if (kind === 'time') return h('input', { ...common, type: 'time', step: 60, class: 'set-input set-time' });
  if (kind === 'yuan' || kind === 'times' || kind === 'rating') {
    return h('input', { ...common, type: 'text', inputmode: 'decimal', class: 'set-input' });
  }
  return h('input', { ...common, type: 'text', inputmode: 'numeric', pattern: '[0-9]*', class: 'set-input' });
}

export function classificationSettingsPage(main) {
  if (!can('settings.read')) {
    main.append(forbiddenPanel('settings-forbidden', 'cls.set.title', 'cls.set.forbidden'));
    return null;
  }
  const me = currentUser();
  const writable = can('settings.write');
  const bound = !!(me && (me.store_id || me.region));
  let alive = true;
  let current = null;
  let defaults = null;

  const inputs = new Map(); /* name -> input */
  const defaultHints = new Map(); /* name -> span */
  const notice = h('div', { class: 'adm-notice', id: 'set-notice', role: 'status', hidden: true });
  const status = h('div', { class: 'adm-status', id: 'set-status', 'aria-live': 'polite' }, t('adm.loading'));
  const meta = h('p', { class: 'set-meta muted', id: 'set-meta' });
  const save = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'set-save', disabled: !writable }, t('cls.set.save'));
  const useDefaults = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'set-defaults', disabled: !writable }, t('cls.set.use_defaults'));
  const undo = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'set-undo', disabled: !writable }, t('cls.set.undo'));

  const groups = SETTING_GROUPS.map(([g, fields]) => h('fieldset', { class: 'panel set-group', id: `set-group-${g}` },
    h('legend', { class: 'set-legend' }, t(`cls.g.${g}`)),
    h('p', { class: 'set-group-text' }, t(`cls.g.${g}.text`)),
    h('div', { class: 'set-fields' }, fields.map(([k, kind]) => {
      const name = `${g}.${k}`;
      const input = inputFor(name, kind, !writable);
      inputs.set(name, input);
      const def = h('span', { class: 'set-default' });
      defaultHints.set(name, def);
      return h('label', { class: 'field set-field', dataset: { setting: name } },
        h('span', { class: 'field-label' }, t(`cls.f.${name}`)),
        h('span', { class: 'set-input-row' }, input, h('span', { class: 'set-unit' }, t(`cls.unit.${kind}`))),
        h('span', { class: 'field-hint' }, t(`cls.f.${name}.hint`), ' ', def));
    }))));

  const form = h('form', { class: 'set-form', id: 'set-form', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    groups,
    writable ? h('div', { class: 'form-actions set-actions' }, save, undo, useDefaults) : null);

  function fill(values) {
    for (const [g, fields] of SETTING_GROUPS) {
      for (const [k, kind] of fields) {
        const v = values && values[g] ? values[g][k] : undefined;
        inputs.get(`${g}.${k}`).value = shown(kind, v);
      }
    }
  }

  function showMeta(r) {
    const parts = [];
    const run = current && current.schedule ? current.schedule.run_at_minute : null;
    const next = nextRunText(run);
    if (next) parts.push(t('cls.set.next_run', { at: next }));
    if (r.updated_at) {
      parts.push(t('cls.set.updated', { at: dateTime(r.updated_at) })
        + (r.updated_by ? ` · ${t('adm.user_no', { id: r.updated_by })}` : ''));
    } else {
      parts.push(t('cls.set.never_changed'));
    }
    meta.textContent = parts.join(' · ');
  }

  function showDefaults() {
    for (const [g, fields] of SETTING_GROUPS) {
      for (const [k, kind] of fields) {
        const v = defaults && defaults[g] ? defaults[g][k] : undefined;
        const el = defaultHints.get(`${g}.${k}`);
        el.textContent = v === undefined ? '' : t('cls.set.default_is', { value: shown(kind, v), unit: t(`cls.unit.${kind}`) });
      }
    }
  }

  function show(r) {
    current = r.settings || {};
    defaults = r.defaults || null;
    fill(current);
    showDefaults();
    showMeta(r);
  }

  /* {frequency: {high: 10}} of what differs from the rules in force, or {error} */
  function changes() {
    const body = {};
    for (const [g, fields] of SETTING_GROUPS) {
      for (const [k, kind] of fields) {
        const name = `${g}.${k}`;
        const input = inputs.get(name);
        const p = parsed(kind, input.value);
        if (p.error) return { error: p.error, field: name };
        const old = current && current[g] ? current[g][k] : undefined;
        if (old === p.value) continue;
        if (!body[g]) body[g] = {};
        body[g][k] = p.value;
      }
    }
    return { body };
  }

  function changedList(body) {
    return Object.entries(body).flatMap(([g, o]) => Object.keys(o).map((k) => t(`cls.f.${g}.${k}`)));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!writable) return;
    clearErrors(form);
    notice.hidden = true;
    const c = changes();
    if (c.error) {
      showFieldMessage(form, c.field, t(c.error));
      return;
    }
    if (!Object.keys(c.body).length) {
      notice.textContent = t('cls.set.nothing_changed');
      notice.hidden = false;
      return;
    }
    save.disabled = true;
    try {
      const r = await api('PUT', '/settings/classification', { body: c.body });
      if (!alive) return;
      show(r);
      notice.textContent = t('cls.set.saved', { list: changedList(c.body).join(t('list.sep')) });
      notice.hidden = false;
    } catch (err) {
      if (!alive) return;
      showSettingError(form, err);
    } finally {
      save.disabled = false;
    }
  });
  undo.addEventListener('click', () => {
    clearErrors(form);
    notice.hidden = true;
    fill(current);
  });
  useDefaults.addEventListener('click', () => {
    clearErrors(form);
    fill(defaults);
    notice.textContent = t('cls.set.defaults_filled');
    notice.hidden = false;
  });

  async function load() {
    try {
      const r = await api('GET', '/settings/classification');
      if (!alive) return;
      show(r);
      status.textContent = '';
      status.hidden = true;
    } catch (err) {
      if (!alive) return;
      status.textContent = errorText(err);
      status.classList.add('adm-status-error');
    }
  }

  main.append(h('section', { class: 'adm set', id: 'cls-settings' },
    h('div', { class: 'adm-head' },
      h('h1', { class: 'adm-title' }, t('cls.set.title')),
      h('p', { class: 'adm-intro' }, t('cls.set.intro')),
      meta),
    !writable ? h('p', { class: 'set-readonly', id: 'set-readonly' }, t('cls.set.read_only')) : null,
    writable && bound ? h('p', { class: 'set-readonly', id: 'set-bound' }, t('cls.set.bound_note')) : null,
    notice,
    status,
    form));
  load();

  return {
    leave() {
      alive = false;
    },
  };
}

/*
 * A setting the server refused goes next to its input: our words for the
 * kind of error with the setting's rule; out_of_scope (a store- or
 * region-bound account) above the form with the server's own message.
 */
function showSettingError(form, err) {
  if (err && err.code === 'out_of_scope') {
    showFieldMessage(form, null, `${t('cls.set.chain_only')} ${err.message}`);
    const top = form.querySelector('.form-error');
    if (top) top.scrollIntoView({ block: 'center' });
    return;
  }
  if (err && err.field && SETTING_NAMES.includes(err.field)) {
    const rule = t(`cls.f.${err.field}.rule`);
    const lead = err.code === 'invalid_type' ? t('cls.set.bad_number') : t('cls.set.invalid');
    showFieldMessage(form, err.field, `${lead}${t('cls.set.rule_sep')}${rule}`);
    return;
  }
  showFieldMessage(form, err && err.field, errorText(err));
  const top = form.querySelector('.form-error:not([hidden])');
  if (top) top.scrollIntoView({ block: 'center' });
}
