/*
 * forms.js - showing an API error next to the input it names
 * (error.field), or at the top of the form when it names none.
 */
import { h } from './dom.js';
import { t, has } from './i18n.js';
import { ApiError } from './api.js';

/* The message for staff: translated by error code when we can. */
export function errorText(err) {
  if (err instanceof ApiError) {
    if (has(`error.${err.code}`)) return t(`error.${err.code}`);
    return err.message;
  }
  if (err && err.name === 'AbortError') return '';
  return t('error.network');
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('.has-error')) {
    el.classList.remove('has-error');
    el.removeAttribute('aria-invalid');
  }
  const top = form.querySelector('.form-error');
  if (top) {
    top.textContent = '';
    top.hidden = true;
  }
}

/*
 * Find the input for a field such as "phone", "items[0].qty" or
 * "family[1].birthday": the exact data-field first, then its prefix.
 */
function fieldElement(form, field) {
  if (!field) return null;
  const candidates = [field, field.replace(/\.[^.]*$/, ''), field.replace(/\[.*$/, '')];
  for (const f of candidates) {
    const el = form.querySelector(`[data-field="${CSS.escape(f)}"]`);
    if (el) return el;
  }
  return null;
}

export function showError(form, err) {
  const text = errorText(err);
  showFieldMessage(form, err instanceof ApiError ? err.field : null, text);
}

/* text next to the input for field, or at the top when none matches. */
export function showFieldMessage(form, fieldName, text) {
  clearErrors(form);
  if (!text) return;
  const target = fieldElement(form, fieldName);
  if (target) {
    target.classList.add('has-error');
    target.setAttribute('aria-invalid', 'true');
    const wrap = target.closest('.field') || target;
    wrap.append(h('div', { class: 'field-error', role: 'alert' }, text));
    const input = target.matches('input,select,textarea') ? target : target.querySelector('input,select,textarea');
    if (input) input.focus();
    return;
  }
  const top = form.querySelector('.form-error');
  if (top) {
    top.textContent = text;
    top.hidden = false;
  }
}

/* A message of our own at the top of the form. */
export function showMessage(form, text) {
  showFieldMessage(form, null, text);
}

/* A labelled input wrapped in .field; the input carries data-field. */
export function field(label, input, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'field-label' }, label),
    input,
    hint ? h('span', { class: 'field-hint' }, hint) : null);
}
