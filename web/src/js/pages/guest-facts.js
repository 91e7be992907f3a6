/*
 * guest-facts.js - a guest's observations: allergies first and in red,
 * then tastes and the rest; adding one is a tap on a kind, the value,
 * and save.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { showError, showMessage, clearErrors } from '../forms.js';

/* The chips, in the order staff reach for them. */
export const CHIP_KINDS = ['allergy', 'dislike', 'taste', 'spice_level', 'soup_base',
  'favorite_dish', 'special_need', 'preference'];
/* The card's order below the allergies. */
const SHOW_KINDS = ['taste', 'spice_level', 'soup_base', 'favorite_dish', 'dislike',
  'special_need', 'preference'];

export function factsSection(customerId) {
  let facts = [];
  let kind = null;
  let loaded = false;

  const allergyBox = h('section', { class: 'allergies empty', id: 'allergies', 'aria-live': 'polite' });
  const factsBox = h('section', { class: 'panel facts', id: 'facts' });

  function factChip(f, cls) {
    return h('span', {
      class: `fact ${cls}`, dataset: { id: f.id, kind: f.kind },
      title: t('fact.by', { source: t(`source.${f.source}`), who: f.created_by_name || '—' }),
    },
    h('span', { class: 'fact-value' }, f.value),
    h('button', {
      type: 'button', class: 'fact-del', 'aria-label': t('fact.delete', { value: f.value }),
      onclick: () => remove(f),
    }, '×'));
  }

  function render() {
    const allergies = facts.filter((f) => f.kind === 'allergy');
    allergyBox.classList.toggle('empty', loaded && allergies.length === 0);
    allergyBox.classList.toggle('loading', !loaded);
    if (!loaded) {
      replace(allergyBox, h('h2', { class: 'allergies-title' }, t('fact.loading')));
      replace(factsBox, h('h2', { class: 'panel-title' }, t('guest.habits')));
      return;
    }
    replace(allergyBox,
      h('h2', { class: 'allergies-title' },
        h('span', { class: 'allergies-icon', 'aria-hidden': 'true' }, '⚠'),
        allergies.length ? t('fact.kind.allergy') : t('fact.no_allergy')),
      allergies.length ? h('div', { class: 'allergy-list' }, allergies.map((f) => factChip(f, 'allergy'))) : null);
    const rows = SHOW_KINDS.map((k) => {
      const list = facts.filter((f) => f.kind === k);
      return h('div', { class: `fact-row${list.length ? '' : ' fact-row-empty'}`, dataset: { kind: k } },
        h('span', { class: 'fact-label' }, t(`fact.kind.${k}`)),
        h('span', { class: 'fact-values' }, list.length ? list.map((f) => factChip(f, `kind-${k}`)) : h('span', { class: 'muted' }, '—')));
    });
    replace(factsBox, h('h2', { class: 'panel-title' }, t('guest.habits')), rows);
  }

  async function remove(f) {
    if (!window.confirm(t('fact.confirm_delete', { value: f.value }))) return;
    try {
      await api('DELETE', `/customers/${customerId}/facts/${f.id}`);
      facts = facts.filter((x) => x.id !== f.id);
      render();
    } catch (err) {
      showError(form, err);
    }
  }

  /* the add-an-observation form */
  const valueInput = h('input', {
    id: 'fact-value', class: 'fact-input', 'data-field': 'value', autocomplete: 'off',
    placeholder: t('fact.pick_kind'), maxlength: 200, enterkeyhint: 'done',
  });
  const suggestions = h('div', { class: 'fact-suggest', id: 'fact-suggest' });
  const chips = h('div', { class: 'chips', 'data-field': 'kind', role: 'group', 'aria-label': t('fact.add_title') },
    CHIP_KINDS.map((k) => h('button', {
      type: 'button', class: `chip chip-${k}`, id: `chip-${k}`, dataset: { kind: k }, 'aria-pressed': 'false',
      onclick: () => pick(k),
    }, t(`fact.kind.${k}`))));
  const save = h('button', { type: 'submit', class: 'btn-primary', id: 'fact-save' }, t('fact.save'));
  const form = h('form', { class: 'panel add-fact', id: 'add-fact', novalidate: true },
    h('h2', { class: 'panel-title' }, t('fact.add_title')),
    chips,
    h('div', { class: 'field fact-entry' }, valueInput, save),
    suggestions,
    h('div', { class: 'form-error', role: 'alert', hidden: true }));

  function pick(k) {
    kind = k;
    for (const c of chips.children) c.setAttribute('aria-pressed', c.dataset.kind === k ? 'true' : 'false');
    valueInput.placeholder = t(`fact.placeholder.${k}`);
    const sugg = t(`fact.suggest.${k}`);
    replace(suggestions, sugg === `fact.suggest.${k}` ? null : sugg.split('|').map((v) => h('button', {
      type: 'button', class: 'chip chip-small', onclick: () => {
        valueInput.value = v;
        valueInput.focus();
      },
    }, v)));
    clearErrors(form);
    valueInput.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const value = valueInput.value.trim();
    if (!kind) {
      showMessage(form, t('fact.pick_kind'));
      return;
    }
    if (!value) {
      valueInput.focus();
      return;
    }
    save.disabled = true;
    const k = kind;
    try {
      const f = await api('POST', `/customers/${customerId}/facts`, { body: { kind: k, value } });
      facts = k === 'allergy' ? [f, ...facts] : [...facts, f];
      render();
      valueInput.value = '';
      kind = null;
      for (const c of chips.children) c.setAttribute('aria-pressed', 'false');
      valueInput.placeholder = t('fact.pick_kind');
      replace(suggestions);
      const saved = (k === 'allergy' ? allergyBox : factsBox).querySelector(`[data-id="${f.id}"]`);
      if (saved) saved.classList.add('just-added');
    } catch (err) {
      showError(form, err);
    } finally {
      save.disabled = false;
    }
  });

  render();
  return {
    allergyBox,
    factsBox,
    form,
    set(list) {
      facts = list;
      loaded = true;
      render();
    },
  };
}
