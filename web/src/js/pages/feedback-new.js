/*
 * feedback-new.js - 记录反馈 (/feedback/new, permission feedback.write;
 * waiters at the door too): what a guest said in the restaurant, on the
 * phone or in an online review. Store (the account's own by default),
 * channel and category as big chips, a rating as stars, the text, a dish
 * from the menu, the staff member named, "this is a complaint", when the
 * guest said it (empty = now), and the guest when opened from a card
 * (?customer_id=). POST /feedback; a complaint opens a ticket, and the
 * answer says so (with a link to it for feedback.read).
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, currentUser, storeMap, cached } from '../api.js';
import { can } from '../perms.js';
import { showError, clearErrors, field } from '../forms.js';
import { forbiddenPanel } from './users.js';
import { CHANNELS, CATEGORIES, channelText, categoryText, starInput, chipGroup, statusText } from './fb-words.js';

/* "2024-03-05T18:30" (datetime-local, Beijing time) -> RFC 3339 */
export function localToRfc3339(v) {
  if (!v) return null;
  return `${v.length === 16 ? `${v}:00` : v}+08:00`;
}

export function feedbackNewPage(main) {
  if (!can('feedback.write')) {
    main.append(forbiddenPanel('feedback-forbidden', 'fb.new.title', 'fb.new.forbidden'));
    return null;
  }
  let alive = true;
  const me = currentUser() || {};
  const q = new URLSearchParams(location.search);
  const customerId = /^[1-9][0-9]*$/.test(q.get('customer_id') || '') ? Number(q.get('customer_id')) : null;

  const done = h('section', { class: 'panel fbn-done', id: 'fbn-done', role: 'status', hidden: true });
  const store = h('select', { id: 'fbn-store', 'data-field': 'store_id' });
  const channel = chipGroup({ id: 'fbn-channel', name: 'fbn-channel', fieldName: 'channel', values: CHANNELS.filter((c) => c !== 'survey'), textOf: channelText, selected: 'in_store', labelKey: 'fb.channel' });
  const category = chipGroup({ id: 'fbn-category', name: 'fbn-category', fieldName: 'category', values: CATEGORIES, textOf: categoryText, selected: null, labelKey: 'fb.category' });
  const complaint = h('input', { type: 'checkbox', id: 'fbn-complaint', 'data-field': 'complaint' });
  const ratingHint = h('span', { class: 'field-hint fbn-rating-hint', id: 'fbn-rating-hint' });
  const rating = starInput({
    id: 'fbn-rating', fieldName: 'rating',
    onChange: (n) => {
      ratingHint.textContent = n && n <= 2 ? t('fb.new.low_rating') : '';
    },
  });
  const text = h('textarea', { id: 'fbn-text', 'data-field': 'text', rows: 4, maxlength: 2000 });
  const dish = h('select', { id: 'fbn-dish', 'data-field': 'dish_id' }, h('option', { value: '' }, t('fb.new.no_dish')));
  const staff = h('input', { id: 'fbn-staff', type: 'text', 'data-field': 'staff_name', autocomplete: 'off', maxlength: 40 });
  const when = h('input', { id: 'fbn-when', type: 'datetime-local', 'data-field': 'received_at' });
  const guest = h('div', { class: 'fbn-guest', id: 'fbn-guest', hidden: !customerId });
  const submit = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'fbn-submit' }, t('fb.new.submit'));

  const form = h('form', { class: 'panel adm-form fbn-form', id: 'fbn-form', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    guest,
    h('div', { class: 'grid-2' },
      field(t('fb.store'), store),
      field(t('fb.received_at'), when, t('fb.new.when_hint'))),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('fb.channel')), channel.el),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('fb.category_required')), category.el),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('fb.rating')), rating.el, ratingHint),
    field(t('fb.text'), text, t('fb.new.text_hint')),
    h('div', { class: 'grid-2' },
      field(t('fb.dish'), dish),
      field(t('fb.staff'), staff, t('fb.new.staff_hint'))),
    h('label', { class: 'adm-check field fbn-complaint', for: 'fbn-complaint' }, complaint,
      h('span', {}, h('strong', {}, t('fb.new.complaint')), h('span', { class: 'field-hint adm-check-hint' }, t('fb.new.complaint_hint')))),
    h('div', { class: 'form-actions' }, submit));

  function showDone(r) {
    const tk = r.ticket;
    replace(done,
      h('p', { class: 'fbn-done-title', id: 'fbn-done-title' }, t('fb.new.saved', { id: r.id })),
      tk ? h('p', { class: 'fbn-done-ticket', id: 'fbn-done-ticket' },
        t('fb.new.ticket_opened', { step: statusText(tk.status), owner: tk.owner ? tk.owner.name : t('fb.no_owner') })) : h('p', { id: 'fbn-done-praise' }, t('fb.new.no_ticket')),
      h('div', { class: 'form-actions' },
        can('feedback.read') ? h('a', { href: `/feedback/${r.id}`, 'data-link': '', class: 'btn-secondary', id: 'fbn-open' }, t('fb.new.open')) : null,
        customerId ? h('a', { href: `/guests/${customerId}`, 'data-link': '', class: 'btn-secondary', id: 'fbn-back-guest' }, t('fb.new.back_guest')) : null));
    done.hidden = false;
    done.scrollIntoView({ block: 'start' });
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      store_id: Number(store.value) || null,
      channel: channel.value,
      category: category.value,
    };
    if (rating.value) body.rating = rating.value;
    if (text.value.trim()) body.text = text.value.trim();
    if (dish.value) body.dish_id = Number(dish.value);
    if (staff.value.trim()) body.staff_name = staff.value.trim();
    if (complaint.checked) body.complaint = true;
    if (when.value) body.received_at = localToRfc3339(when.value);
    if (customerId) body.customer_id = customerId;
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    submit.disabled = true;
    try {
      const r = await api('POST', '/feedback', { body });
      if (!alive) return;
      showDone(r);
      category.set(null);
      rating.set(0);
      text.value = '';
      dish.value = '';
      staff.value = '';
      complaint.checked = false;
      when.value = '';
    } catch (err) {
      if (!alive) return;
      done.hidden = true;
      showError(form, err);
    } finally {
      submit.disabled = false;
    }
  });

  main.append(h('section', { class: 'adm fbn', id: 'feedback-new' },
    can('feedback.read') ? h('a', { href: '/feedback', 'data-link': '', class: 'back', id: 'fbn-back' }, t('fb.back')) : null,
    h('div', { class: 'adm-head' },
      h('h1', { class: 'adm-title' }, t('fb.new.title')),
      h('p', { class: 'adm-intro' }, t('fb.new.intro'))),
    done, form));

  storeMap().then((m) => {
    if (!alive) return;
    replace(store, [...m.values()].map((s) => h('option', { value: String(s.id), selected: s.id === me.store_id },
      t('adm.store_option', { name: s.name, code: s.code }))));
  }).catch(() => {});
  cached('/dishes').then((r) => {
    if (!alive) return;
    dish.append(...r.items.filter((d) => d.active !== false).map((d) => h('option', { value: String(d.id) }, d.name)));
  }).catch(() => {});
  if (customerId) {
    api('GET', `/customers/${customerId}`).then((c) => {
      if (!alive) return;
      replace(guest, h('span', { class: 'field-label' }, t('fb.guest')), ' ',
        h('a', { href: `/guests/${customerId}`, 'data-link': '', id: 'fbn-guest-link' }, c.name || t('guest.no_name')));
    }).catch(() => {
      replace(guest, h('span', { class: 'field-label' }, t('fb.guest')), ` #${customerId}`);
    });
  }
  return {
    leave() {
      alive = false;
    },
  };
}
