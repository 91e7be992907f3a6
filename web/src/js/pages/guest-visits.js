/*
 * guest-visits.js - a guest's visit history (paged with "load more") and
 * recording a visit by hand: store, dishes with quantities, party size.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, dishMap, storeMap, currentUser } from '../api.js';
import { money, dateTime } from '../format.js';
import { showError, showFieldMessage, clearErrors, field, errorText } from '../forms.js';

const PAGE = 10;

export function visitsSection(customerId) {
  let cursor = null;
  const list = h('div', { class: 'visit-list', id: 'visit-list' });
  const more = h('button', { type: 'button', class: 'btn-secondary', id: 'visits-more', hidden: true }, t('visit.load_more'));
  const status = h('div', { class: 'muted', 'aria-live': 'polite' });
  const box = h('section', { class: 'panel visits', id: 'visits' },
    h('h2', { class: 'panel-title' }, t('visit.history')), list, status, more);

  function visitRow(v, dishes, stores) {
    const store = stores.get(v.store_id);
    const items = v.items.map((it) => {
      const d = dishes.get(it.dish_id);
      return t('visit.item', { name: d ? d.name : `#${it.dish_id}`, qty: it.qty });
    });
    return h('article', { class: 'visit', dataset: { id: v.id } },
      h('div', { class: 'visit-head' },
        h('span', { class: 'visit-when' }, dateTime(v.visited_at)),
        h('span', { class: 'visit-store' }, store ? store.name : `#${v.store_id}`),
        h('span', { class: 'visit-party' }, t('visit.party', { n: v.party_size })),
        v.channel !== 'dine_in' ? h('span', { class: 'badge' }, t(`channel.${v.channel}`)) : null,
        h('span', { class: 'visit-amount' }, money(v.amount_fen))),
      items.length ? h('div', { class: 'visit-items' }, items.join(t('list.sep'))) : null);
  }

  async function load(first) {
    more.disabled = true;
    try {
      const [page, dishes, stores] = await Promise.all([
        api('GET', `/customers/${customerId}/visits`, { query: { limit: PAGE, cursor: first ? null : cursor } }),
        dishMap(), storeMap(),
      ]);
      if (first) replace(list);
      list.append(...page.items.map((v) => visitRow(v, dishes, stores)));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = list.children.length ? '' : t('visit.none');
    } catch (err) {
      status.textContent = errorText(err);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => load(false));
  return { box, reload: () => load(true) };
}

/* "2024-03-05T18:30" (a datetime-local value, Beijing time) -> RFC 3339 */
function localToRfc3339(v) {
  if (!v) return null;
  return `${v.length === 16 ? `${v}:00` : v}+08:00`;
}

/*
 * The form to record a visit by hand. onSaved(visit) runs after the
 * server accepted it.
 */
export function visitForm(customerId, onSaved, onCancel) {
  const picked = new Map(); /* dish id -> qty */
  let dishes = new Map();

  const store = h('select', { id: 'visit-store', 'data-field': 'store_id' });
  const party = h('input', { id: 'visit-party', type: 'number', min: 1, max: 99, value: '2', inputmode: 'numeric', 'data-field': 'party_size' });
  const channel = h('select', { id: 'visit-channel', 'data-field': 'channel' },
    ['dine_in', 'takeout', 'delivery'].map((c) => h('option', { value: c }, t(`channel.${c}`))));
  const when = h('input', { id: 'visit-when', type: 'datetime-local', 'data-field': 'visited_at' });
  const amount = h('input', { id: 'visit-amount', type: 'text', inputmode: 'decimal', 'data-field': 'amount_fen', placeholder: t('visit.amount_auto') });
  const filter = h('input', { id: 'dish-filter', type: 'search', placeholder: t('visit.dish_filter'), autocomplete: 'off' });
  const menu = h('div', { class: 'dish-menu', id: 'dish-menu' });
  const chosen = h('div', { class: 'dish-chosen', id: 'dish-chosen', 'data-field': 'items' });
  const total = h('div', { class: 'dish-total', id: 'dish-total' });
  const save = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'visit-save' }, t('visit.save'));

  function renderMenu() {
    const q = filter.value.trim().toLowerCase();
    const items = [...dishes.values()].filter((d) => d.active && (!q || d.name.toLowerCase().includes(q)));
    replace(menu, items.map((d) => h('button', {
      type: 'button', class: 'dish', dataset: { id: d.id },
      onclick: () => {
        picked.set(d.id, (picked.get(d.id) || 0) + 1);
        renderChosen();
      },
    }, h('span', { class: 'dish-name' }, d.name), h('span', { class: 'dish-price' }, money(d.price_fen)))));
    if (!items.length) menu.append(h('div', { class: 'muted' }, t('visit.no_dish')));
  }

  function renderChosen() {
    let sum = 0;
    const rows = [...picked.entries()].map(([id, qty], i) => {
      const d = dishes.get(id);
      sum += d.price_fen * qty;
      const qtyInput = h('input', {
        type: 'number', class: 'qty', min: 1, max: 999, value: String(qty), inputmode: 'numeric',
        'aria-label': t('visit.qty'), 'data-field': `items[${i}].qty`,
        onchange: () => {
          const n = parseInt(qtyInput.value, 10);
          if (n > 0) picked.set(id, n);
          else picked.delete(id);
          renderChosen();
        },
      });
      return h('div', { class: 'chosen-row', dataset: { id } },
        h('span', { class: 'chosen-name' }, d.name),
        h('button', { type: 'button', class: 'qty-btn', 'aria-label': t('visit.less'), onclick: () => {
          if (qty > 1) picked.set(id, qty - 1);
          else picked.delete(id);
          renderChosen();
        } }, '−'),
        qtyInput,
        h('button', { type: 'button', class: 'qty-btn', 'aria-label': t('visit.more'), onclick: () => {
          picked.set(id, qty + 1);
          renderChosen();
        } }, '+'));
    });
    replace(chosen, rows.length ? rows : h('div', { class: 'muted' }, t('visit.no_items')));
    total.textContent = t('visit.estimate', { amount: money(sum) });
  }

  filter.addEventListener('input', renderMenu);

  const form = h('form', { class: 'panel visit-form', id: 'visit-form', novalidate: true },
    h('h2', { class: 'panel-title' }, t('visit.record')),
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'grid-2' },
      field(t('visit.store'), store),
      field(t('visit.party_size'), party),
      field(t('visit.channel'), channel),
      field(t('visit.when'), when, t('visit.when_hint'))),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('visit.dishes')), filter, menu),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('visit.chosen')), chosen, total),
    field(t('visit.amount'), amount, t('visit.amount_hint')),
    h('div', { class: 'form-actions' },
      save,
      h('button', { type: 'button', class: 'btn-secondary', id: 'visit-cancel', onclick: onCancel }, t('common.cancel'))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      customer_id: customerId,
      store_id: Number(store.value),
      party_size: Number(party.value),
      channel: channel.value,
      items: [...picked.entries()].map(([dish_id, qty]) => ({ dish_id, qty })),
    };
    const at = localToRfc3339(when.value);
    if (at) body.visited_at = at;
    const a = amount.value.trim().replace(/^¥/, '');
    if (a) {
      if (!/^\d+(\.\d{1,2})?$/.test(a)) {
        showFieldMessage(form, 'amount_fen', t('visit.amount_bad'));
        return;
      }
      const [y, f = ''] = a.split('.');
      body.amount_fen = Number(y) * 100 + Number(f.padEnd(2, '0'));
    }
    save.disabled = true;
    try {
      const v = await api('POST', '/visits', { body });
      picked.clear();
      renderChosen();
      onSaved(v);
    } catch (err) {
      showError(form, err);
    } finally {
      save.disabled = false;
    }
  });

  Promise.all([dishMap(), storeMap()]).then(([d, s]) => {
    dishes = d;
    const me = currentUser();
    replace(store, [...s.values()].map((st) => h('option', { value: st.id, selected: me && me.store_id === st.id }, st.name)));
    renderMenu();
    renderChosen();
  }).catch((err) => showError(form, err));

  return form;
}
