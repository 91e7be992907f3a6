/*
 * fb-words.js - what the feedback pages share (客户反馈处理): the words of
 * feedback (channels, categories, a ticket's steps, what each step needs),
 * star ratings to show and to tap, how old a piece of feedback is, the
 * form that moves a ticket one step (asking for exactly the field that
 * step requires and showing the server's 400/409 next to it), and calls
 * to the public endpoints that carry no staff token.
 */
import { h, replace } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { errorText, showFieldMessage, clearErrors, field } from '../forms.js';

export const CHANNELS = ['in_store', 'phone', 'online_review', 'form', 'survey'];
export const CATEGORIES = ['dish', 'service', 'waiting', 'hygiene', 'environment', 'price', 'other'];
export const STATUSES = ['received', 'analysed', 'planned', 'implemented', 'evaluated', 'called_back', 'closed'];

/* The field a move to each step requires ("" when none). */
export const NEEDS = {
  received: 'note', /* reopening: the reason */
  analysed: 'root_cause',
  planned: 'solution',
  implemented: '',
  evaluated: 'result',
  called_back: 'satisfaction',
  closed: '',
};

export const statusText = (s) => t(`fb.status.${s}`);
export const categoryText = (c) => t(`fb.cat.${c}`);
export const channelText = (c) => t(`fb.channel.${c}`);

/* "★★★☆☆" with the number for screen readers; null without a rating. */
export function starsEl(rating, cls = '') {
  if (!rating) return null;
  const n = Math.max(0, Math.min(5, Number(rating)));
  return h('span', { class: `fb-stars ${cls}`, title: t('fb.rating_n', { n }), 'aria-label': t('fb.rating_n', { n }), dataset: { rating: n } },
    h('span', { class: 'fb-stars-on', 'aria-hidden': 'true' }, '★'.repeat(n)),
    h('span', { class: 'fb-stars-off', 'aria-hidden': 'true' }, '★'.repeat(5 - n)));
}

/*
 * Five big stars to tap (a radio group). Tapping the chosen star again
 * clears it when optional. data-field goes on the group, so a server
 * error naming the field lands under it.
 */
export function starInput({ id, fieldName, value = 0, optional = true, labelKey = 'fb.rating', onChange }) {
  let current = value;
  const words = h('span', { class: 'fb-star-words', id: `${id}-words`, 'aria-live': 'polite' });
  const buttons = [1, 2, 3, 4, 5].map((n) => h('button', {
    type: 'button', class: 'fb-star', id: `${id}-${n}`, role: 'radio', dataset: { n },
    'aria-label': t('fb.rating_n', { n }),
    onclick: () => set(optional && current === n ? 0 : n),
  }, '★'));
  const group = h('div', {
    class: 'fb-star-input', id, role: 'radiogroup', 'data-field': fieldName, tabindex: '-1',
    'aria-label': t(labelKey),
  }, buttons, words);
  function set(n) {
    current = n;
    buttons.forEach((b, i) => {
      b.classList.toggle('on', i < n);
      b.setAttribute('aria-checked', i + 1 === n ? 'true' : 'false');
    });
    words.textContent = n ? t(`fb.star_word.${n}`) : '';
    if (onChange) onChange(n);
  }
  set(value);
  return {
    el: group,
    get value() {
      return current;
    },
    set,
  };
}

/* Chips choosing one value (radio buttons styled as chips). */
export function chipGroup({ id, name, fieldName, values, textOf, selected, labelKey }) {
  const group = h('div', { class: 'chips fb-chips', id, role: 'radiogroup', 'data-field': fieldName, 'aria-label': labelKey ? t(labelKey) : null },
    values.map((v) => h('label', { class: 'chip chip-radio fb-chip', id: `${id}-${v}`, dataset: { value: v } },
      h('input', { type: 'radio', name, value: v, checked: v === selected }),
      h('span', {}, textOf(v)))));
  return {
    el: group,
    get value() {
      const c = group.querySelector('input:checked');
      return c ? c.value : null;
    },
    set(v) {
      for (const i of group.querySelectorAll('input')) i.checked = i.value === v;
    },
  };
}

/* "刚刚" / "3 小时前" / "2 天前" since an RFC 3339 time. */
export function ageText(iso, now = Date.now()) {
  if (!iso) return '';
  const mins = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60000));
  if (mins < 1) return t('fb.age.now');
  if (mins < 60) return t('fb.age.minutes', { n: mins });
  const hours = Math.floor(mins / 60);
  if (hours < 48) return t('fb.age.hours', { n: hours });
  return t('fb.age.days', { n: Math.floor(hours / 24) });
}

/* Which deadline a ticket missed, in words (null when none). */
export function overdueText(ticket) {
  if (!ticket || !ticket.overdue) return null;
  if (ticket.response_overdue && ticket.resolve_overdue) return t('fb.overdue.both');
  return ticket.response_overdue ? t('fb.overdue.response') : t('fb.overdue.resolve');
}

/* The start of a text, cut on a character (not a UTF-16 unit). */
export function textStart(s, n = 60) {
  const chars = [...(s || '')];
  return chars.length > n ? `${chars.slice(0, n).join('')}…` : chars.join('');
}

/* An error on a ticket in words: someone else moved it meanwhile, or the API's. */
export function ticketErrorText(err) {
  if (err instanceof ApiError && err.code === 'version_conflict') return t('fb.version_conflict');
  return errorText(err);
}

/* Show a ticket error next to the field it names (or above the form). */
export function showTicketError(form, err) {
  showFieldMessage(form, err instanceof ApiError ? err.field : null, ticketErrorText(err));
}

/* The label of the button that moves a ticket to a step. */
export function moveLabel(from, to) {
  if (from === 'closed' && to === 'received') return t('fb.move.reopen');
  return t('fb.move.next', { step: statusText(to) });
}

/*
 * The form that moves ticket fb (a feedback with a ticket) to step `to`:
 * the one field the step requires (root cause, solution, result, the
 * guest's satisfaction as stars, a reopening's reason) and an optional
 * note. Nothing is checked before sending: the server says what is
 * missing, shown next to the field. onDone(updated feedback) after a move.
 */
export function moveForm(fb, to, { idPrefix = `move-${fb.id}`, onDone, onCancel }) {
  const need = NEEDS[to] || '';
  let stars = null;
  let needInput = null;
  const parts = [];
  if (need === 'satisfaction') {
    stars = starInput({ id: `${idPrefix}-satisfaction`, fieldName: 'satisfaction', optional: false, labelKey: 'fb.need.satisfaction' });
    parts.push(h('div', { class: 'field' },
      h('span', { class: 'field-label' }, t('fb.need.satisfaction')),
      stars.el,
      h('span', { class: 'field-hint' }, t('fb.need.satisfaction.hint'))));
  } else if (need) {
    needInput = h('textarea', { id: `${idPrefix}-${need}`, 'data-field': need, rows: 3, maxlength: 2000 });
    parts.push(field(t(`fb.need.${need}`), needInput, t(`fb.need.${need}.hint`)));
  }
  const note = need === 'note' ? null : h('input', { id: `${idPrefix}-note`, type: 'text', 'data-field': 'note', maxlength: 500, autocomplete: 'off' });
  if (note) parts.push(field(t('fb.need.note_optional'), note));
  const submit = h('button', { type: 'submit', class: 'btn-primary', id: `${idPrefix}-submit` }, moveLabel(fb.ticket.status, to));
  const cancel = h('button', { type: 'button', class: 'btn-secondary', id: `${idPrefix}-cancel` }, t('fb.cancel'));
  const form = h('form', { class: 'fb-move-form', id: `${idPrefix}-form`, novalidate: true, dataset: { to } },
    h('p', { class: 'fb-move-title' }, t('fb.move.title', { from: statusText(fb.ticket.status), to: statusText(to) })),
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    parts,
    h('div', { class: 'form-actions' }, submit, cancel));
  cancel.addEventListener('click', () => onCancel && onCancel());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { to, version: fb.ticket.version };
    if (needInput) body[need] = needInput.value.trim();
    if (stars && stars.value) body.satisfaction = stars.value;
    if (note && note.value.trim()) body.note = note.value.trim();
    submit.disabled = true;
    try {
      const r = await api('POST', `/feedback/${fb.id}/transitions`, { body });
      if (onDone) onDone(r);
    } catch (err) {
      showTicketError(form, err);
      /* the server's own words too: an illegal move names the allowed next steps */
      if (err instanceof ApiError && err.code === 'illegal_transition') {
        const top = form.querySelector('.form-error');
        if (top && !top.hidden && top.textContent !== err.message) top.append(h('span', { class: 'fb-server-msg' }, ` (${err.message})`));
      }
    } finally {
      submit.disabled = false;
    }
  });
  queueMicrotask(() => {
    const first = form.querySelector('textarea, .fb-star, input');
    if (first) first.focus();
  });
  return form;
}

/* The move buttons of a ticket (tickets.manage): one per allowed next step. */
export function moveButtons(fb, idPrefix, onPick) {
  const next = (fb.ticket && fb.ticket.next) || [];
  return next.map((to) => h('button', {
    type: 'button', class: `btn-secondary fb-move-btn${to === 'received' ? ' fb-reopen' : ''}`,
    id: `${idPrefix}-to-${to}`, dataset: { to },
    onclick: () => onPick(to),
  }, moveLabel(fb.ticket.status, to)));
}

/*
 * A call to a public endpoint (no staff token: a guest's phone has none,
 * and a staff token must not ride along). Errors are ApiError; a 429
 * carries retryAfter (seconds) from the body or the Retry-After header.
 */
export async function publicApi(method, path, { query, body } = {}) {
  let url = `/api/v1${path}`;
  if (query) url += `?${new URLSearchParams(query)}`;
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    const ra = (data && data.error && data.error.retry_after) || Number(res.headers.get('Retry-After')) || null;
    err.retryAfter = ra;
    throw err;
  }
  return data;
}

/* A public page's message for an error, in the page's language. */
export function publicErrorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 429) return err.retryAfter ? t('pub.rate_limited_in', { n: err.retryAfter }) : t('pub.rate_limited');
    if (err.status === 413) return t('pub.too_large');
  }
  return errorText(err);
}

/* The language switch of the public pages (zh-CN first). */
export function langToggle(setLang, rerender) {
  const other = currentLang() === 'zh-CN' ? 'en' : 'zh-CN';
  return h('button', {
    type: 'button', class: 'pub-lang', id: 'pub-lang', lang: other,
    onclick: async () => {
      await setLang(other);
      rerender();
    },
  }, t('header.switch_lang'));
}

/* A small "loading" / error line. */
export function statusLine(id) {
  const el = h('div', { class: 'adm-status', id, 'aria-live': 'polite' });
  return {
    el,
    loading() {
      el.classList.remove('adm-status-error');
      el.textContent = t('adm.loading');
    },
    ok(text = '') {
      el.classList.remove('adm-status-error');
      el.textContent = text;
    },
    error(err) {
      el.classList.add('adm-status-error');
      el.textContent = typeof err === 'string' ? err : errorText(err);
    },
    clear() {
      replace(el);
    },
  };
}
