/*
 * guest-new.js - a new guest: name, phone, birthday, gender; then the
 * card, optionally straight into recording the visit.
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { showError, clearErrors, field } from '../forms.js';

export function newGuestPage(main) {
  const params = new URLSearchParams(location.search);
  const name = h('input', { id: 'new-name', 'data-field': 'name', autocomplete: 'off', value: params.get('name') || '' });
  const phone = h('input', {
    id: 'new-phone', 'data-field': 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'off',
    placeholder: t('new.phone_placeholder'), value: (params.get('phone') || '').replace(/^\+86/, ''),
  });
  const birthday = h('input', { id: 'new-birthday', 'data-field': 'birthday', autocomplete: 'off', placeholder: t('new.birthday_placeholder'), inputmode: 'numeric' });
  const gender = h('div', { class: 'chips', 'data-field': 'gender', role: 'radiogroup', 'aria-label': t('new.gender') },
    ['female', 'male', 'unknown'].map((g) => h('label', { class: 'chip chip-radio' },
      h('input', { type: 'radio', name: 'gender', value: g, checked: g === 'unknown' }),
      h('span', {}, t(`gender.${g}`)))));
  const existing = h('div', { class: 'existing', id: 'new-existing', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn-secondary btn-big', id: 'new-save', value: 'card' }, t('new.save'));
  const saveVisit = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'new-save-visit', value: 'visit' }, t('new.save_and_visit'));
  const form = h('form', { class: 'panel new-guest', id: 'new-guest', novalidate: true },
    h('h1', { class: 'panel-title' }, t('new.title')),
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'grid-2' },
      field(t('new.name'), name),
      field(t('new.phone'), phone),
      field(t('new.birthday'), birthday, t('new.birthday_hint')),
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('new.gender')), gender)),
    existing,
    h('div', { class: 'form-actions' }, saveVisit, save));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    existing.hidden = true;
    const then = e.submitter ? e.submitter.value : 'card';
    const body = { gender: form.querySelector('input[name=gender]:checked').value };
    if (name.value.trim()) body.name = name.value.trim();
    if (phone.value.trim()) body.phone = phone.value.trim();
    if (birthday.value.trim()) body.birthday = birthday.value.trim();
    save.disabled = saveVisit.disabled = true;
    try {
      const c = await api('POST', '/customers', { body });
      await navigate(`/guests/${c.id}`, { guest: c, openVisit: then === 'visit' });
    } catch (err) {
      showError(form, err);
      if (err.existingId) {
        existing.replaceChildren(h('a', { href: `/guests/${err.existingId}`, 'data-link': '', class: 'btn-secondary' }, t('new.open_existing')));
        existing.hidden = false;
      }
    } finally {
      save.disabled = saveVisit.disabled = false;
    }
  });
  main.append(form);
  name.focus();
}
