/*
 * guest-classification.js - the guest card's 客户分类 block (permission
 * classification.read): compact chips for grade, VIP, lifecycle, churn
 * risk, frequency, spend, preference and RFM segment from
 * GET /customers/{id}/classification, each with the server's explanation
 * in the current language (hover a chip, or tap it: the list of reasons
 * opens at that line), and 以前 → 现在 for what the last run changed.
 * Before the first run: 尚未分类 and when the nightly run comes (from the
 * rules when this account may read them).
 */
import { h, replace } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../perms.js';
import { dateTime } from '../format.js';
import { errorText } from '../forms.js';
import { valueText, dimText, nextRunText } from './cls-words.js';

/* The chips in the order shown: [key of explanations, the value's field] */
const CHIPS = ['grade', 'vip', 'lifecycle', 'at_risk', 'frequency_tier', 'spend_tier', 'preference', 'rfm'];

/* The explanation of one field in the current language. */
function explain(c, key) {
  const e = c.explanations && c.explanations[key];
  if (!e) return '';
  if (typeof e === 'string') return e;
  return (currentLang() === 'en' ? e.en : e.zh) || e.zh || e.en || '';
}

/* a field's value in a classification (or its previous run) */
function valueOf(c, key) {
  if (!c) return null;
  if (key === 'rfm') return c.rfm ? c.rfm.segment ?? null : (c.rfm_segment ?? null);
  return c[key] ?? null;
}

/* "忠诚" / "VIP" / "有流失风险": the chip's text */
function chipText(key, v) {
  if (key === 'vip') return v ? t('cls.chip.vip') : t('cls.chip.not_vip');
  if (key === 'at_risk') return v ? t('cls.chip.at_risk') : t('cls.chip.no_risk');
  if (key === 'rfm') return v ? t('cls.chip.rfm', { v: valueText('rfm', v) }) : t('cls.chip.rfm_none');
  return t(`cls.chip.${key}`, { v: valueText(key, v) });
}

/* a value for the 以前 → 现在 line */
function changeText(key, v) {
  if (v === null || v === undefined) return t('cls.none');
  if (key === 'vip' || key === 'at_risk') return chipText(key, v);
  return valueText(key, v);
}

/* the chip's colour class */
function tone(key, v) {
  if (key === 'at_risk') return v ? 'cls-risk' : 'cls-quiet';
  if (key === 'vip') return v ? 'cls-vip' : 'cls-quiet';
  if (key === 'lifecycle') return `cls-life-${v}`;
  if (key === 'grade') return `cls-grade-${v}`;
  return '';
}

/* the keys a run changed, as chip keys */
function changedKeys(c) {
  const out = new Set();
  for (const k of c.changed || []) out.add(k === 'rfm_segment' ? 'rfm' : k);
  return out;
}

export function classificationSection(customerId) {
  const box = h('section', { class: 'panel cls-card', id: 'classification', 'aria-live': 'polite' },
    h('div', { class: 'cls-card-head' },
      h('h2', { class: 'panel-title' }, t('cls.card.title'))),
    h('div', { class: 'cls-body', id: 'cls-body' }, h('span', { class: 'muted' }, t('cls.card.loading'))));
  const head = box.firstChild;
  const body = box.lastChild;

  function unclassified(c, runAt) {
    const next = nextRunText(runAt);
    replace(body,
      h('p', { class: 'cls-unclassified', id: 'cls-unclassified' },
        h('span', { class: 'badge cls-pending' }, t('cls.card.unclassified')),
        ' ',
        h('span', { class: 'muted', id: 'cls-next-run' }, next ? t('cls.card.next_run', { at: next }) : t('cls.card.next_run_nightly'))));
  }

  function render(c) {
    const changed = changedKeys(c);
    const prev = c.previous || null;
    const when = h('span', { class: 'cls-when muted', id: 'cls-when' }, c.computed_at ? t('cls.card.computed', { at: dateTime(c.computed_at) }) : '');
    replace(head, h('h2', { class: 'panel-title' }, t('cls.card.title')), when);

    const why = h('details', { class: 'cls-why', id: 'cls-why' },
      h('summary', { class: 'cls-why-summary' }, t('cls.card.why')));
    const list = h('dl', { class: 'cls-why-list' });
    why.append(list);

    const chips = [];
    for (const key of CHIPS) {
      const v = valueOf(c, key);
      /* VIP and risk only as chips when they are so; their reasons are always listed */
      const quiet = (key === 'vip' || key === 'at_risk') && !v;
      const text = chipText(key, v);
      const reason = explain(c, key);
      const itemId = `cls-why-${key}`;
      if (!quiet) {
        chips.push(h('button', {
          type: 'button',
          class: `cls-chip ${tone(key, v)}${changed.has(key) ? ' cls-changed' : ''}`,
          id: `cls-chip-${key}`,
          title: reason || null,
          'aria-controls': itemId,
          dataset: { key, value: String(v) },
          onclick: () => {
            why.open = true;
            for (const el of list.querySelectorAll('.cls-why-item.on')) el.classList.remove('on');
            const item = list.querySelector(`#${itemId}`);
            if (item) {
              item.classList.add('on');
              item.scrollIntoView({ block: 'nearest' });
            }
          },
        }, text, key === 'preference' && c.preference_by_staff ? h('span', { class: 'cls-by-staff' }, t('cls.card.by_staff')) : null));
      }
      const before = prev && changed.has(key) ? valueOf(prev, key) : undefined;
      list.append(h('div', { class: `cls-why-item${changed.has(key) ? ' cls-item-changed' : ''}`, id: itemId, dataset: { key } },
        h('dt', {}, dimText(key), h('span', { class: 'cls-why-value' }, chipText(key, v))),
        h('dd', {},
          reason || h('span', { class: 'muted' }, t('cls.card.no_reason')),
          key === 'rfm' && c.rfm && c.rfm.r ? h('span', { class: 'cls-rfm-scores muted' }, t('cls.card.rfm_scores', { r: c.rfm.r, f: c.rfm.f, m: c.rfm.m })) : null,
          before !== undefined ? h('span', { class: 'cls-was' }, t('cls.card.change', { before: changeText(key, before), now: changeText(key, v) })) : null)));
    }

    const changes = [...changed].filter((k) => CHIPS.includes(k)).map((key) => h('li', { class: 'cls-change', dataset: { key } },
      h('span', { class: 'cls-change-dim' }, dimText(key)),
      ' ',
      t('cls.card.change', { before: changeText(key, prev ? valueOf(prev, key) : null), now: changeText(key, valueOf(c, key)) })));

    replace(body,
      h('div', { class: 'cls-chips', id: 'cls-chips' }, chips),
      changes.length ? h('ul', { class: 'cls-changes', id: 'cls-changes' }, changes) : null,
      why);
  }

  async function load() {
    try {
      const c = await api('GET', `/customers/${customerId}/classification`);
      if (c.classified === false) {
        let runAt = null;
        if (can('settings.read')) {
          try {
            const s = await api('GET', '/settings/classification');
            runAt = s.settings && s.settings.schedule ? s.settings.schedule.run_at_minute : null;
          } catch {
            runAt = null;
          }
        }
        unclassified(c, runAt);
      } else {
        render(c);
      }
    } catch (err) {
      replace(body, h('p', { class: 'muted cls-error' }, errorText(err)));
    }
  }

  load();
  return { box, reload: load };
}
