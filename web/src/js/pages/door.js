/*
 * door.js - 门口: find a guest by full phone, last four digits or name,
 * with results as the host types.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { date, phoneOf } from '../format.js';
import { errorText } from '../forms.js';
import { can } from '../perms.js';
import { alertsBlock } from './alerts.js';

const DEBOUNCE_MS = 150;

/*
 * What the host typed, as a search: exactly 4 digits -> phone_tail; a
 * full mainland mobile (11 digits, or with 86 / +86 / 0086, spaces and
 * dashes allowed) -> phone; other digits -> not yet searchable; anything
 * else -> a name (q).
 */
export function classify(raw) {
  const s = raw.trim();
  if (!s) return null;
  if (/^[+\d\s\-().]+$/.test(s)) {
    const d = s.replace(/\D/g, '');
    if (d.length === 4 && !s.includes('+')) return { phone_tail: d };
    let local = null;
    if (d.length === 11) local = d;
    else if (d.length === 13 && d.startsWith('86')) local = d.slice(2);
    else if (d.length === 15 && d.startsWith('0086')) local = d.slice(4);
    if (local && local[0] === '1') return { phone: `+86${local}` };
    return { incomplete: true };
  }
  return { q: s };
}

export function doorPage(main, params, state) {
  let timer = null;
  let ctrl = null;
  let results = [];
  let active = -1;
  let seq = 0;
  let openOnResult = false;

  const input = h('input', {
    id: 'door-search', class: 'door-input', type: 'search', inputmode: 'text',
    autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'search',
    placeholder: t('door.placeholder'), 'aria-label': t('door.placeholder'),
    role: 'combobox', 'aria-controls': 'door-results', 'aria-expanded': 'false',
    'aria-autocomplete': 'list',
  });
  const status = h('div', { class: 'door-status', id: 'door-status', 'aria-live': 'polite' }, t('door.hint'));
  const list = h('div', { class: 'door-results', id: 'door-results', role: 'listbox' });
  const newLink = h('a', { href: '/guests/new', 'data-link': '', class: 'btn-secondary door-new', id: 'door-new' }, t('door.new_guest'));

  function setActive(i) {
    active = i;
    const items = list.querySelectorAll('.result');
    items.forEach((el, k) => {
      el.classList.toggle('active', k === i);
      el.setAttribute('aria-selected', k === i ? 'true' : 'false');
    });
    if (items[i]) {
      input.setAttribute('aria-activedescendant', items[i].id);
      items[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function open(c) {
    navigate(`/guests/${c.id}`, { guest: c });
  }

  function renderResults(items, more) {
    results = items;
    replace(list, items.map((c, i) => h('a', {
      href: `/guests/${c.id}`, class: 'result', id: `result-${c.id}`, role: 'option',
      dataset: { id: c.id },
      onclick: (e) => {
        e.preventDefault();
        open(c);
      },
    },
    h('span', { class: 'result-name' }, c.name || t('guest.no_name')),
    h('span', { class: 'result-phone' }, phoneOf(c)),
    h('span', { class: 'result-meta' },
      h('span', { class: 'result-visits' }, t('door.visits', { n: c.visit_count })),
      h('span', { class: 'result-last' }, c.last_visit_at ? t('door.last_visit', { date: date(c.last_visit_at) }) : t('door.never'))),
    (c.allergies && c.allergies.length)
      ? h('span', { class: 'result-allergy' }, t('door.allergies', { list: c.allergies.join(t('list.sep')) }))
      : null)));
    input.setAttribute('aria-expanded', items.length ? 'true' : 'false');
    setActive(items.length ? 0 : -1);
    if (!items.length) status.textContent = t('door.none');
    else status.textContent = more ? t('door.count_more', { n: items.length }) : t('door.count', { n: items.length });
    if (openOnResult && items.length === 1) open(items[0]);
    openOnResult = false;
  }

  async function search(value) {
    const mine = ++seq;
    if (ctrl) ctrl.abort();
    ctrl = null;
    const query = classify(value);
    updateNewLink(query);
    if (!query) {
      replace(list);
      results = [];
      status.textContent = t('door.hint');
      return;
    }
    if (query.incomplete) {
      replace(list);
      results = [];
      status.textContent = t('door.incomplete');
      return;
    }
    ctrl = new AbortController();
    status.textContent = t('door.searching');
    list.setAttribute('aria-busy', 'true');
    try {
      const res = await api('GET', '/customers', { query: { ...query, limit: 20 }, signal: ctrl.signal });
      if (mine !== seq) return;
      renderResults(res.items, !!res.next_cursor);
    } catch (err) {
      if (err.name === 'AbortError' || mine !== seq) return;
      replace(list);
      results = [];
      status.textContent = errorText(err);
    } finally {
      if (mine === seq) list.removeAttribute('aria-busy');
    }
  }

  function updateNewLink(query) {
    let href = '/guests/new';
    if (query && query.phone) href += `?phone=${encodeURIComponent(query.phone)}`;
    else if (query && query.q) href += `?name=${encodeURIComponent(query.q)}`;
    newLink.setAttribute('href', href);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const value = input.value;
    history.replaceState({ q: value }, '', location.pathname);
    openOnResult = false;
    timer = setTimeout(() => {
      timer = null;
      search(value);
    }, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (results.length) setActive(Math.min(active + 1, results.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (results.length) setActive(Math.max(active - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (timer !== null || list.hasAttribute('aria-busy')) {
        /* typed faster than the search: open the guest if only one matches */
        openOnResult = true;
        if (timer !== null) {
          clearTimeout(timer);
          timer = null;
          search(input.value);
        }
      } else if (results[active]) {
        open(results[active]);
      }
    } else if (e.key === 'Escape') {
      input.value = '';
      input.dispatchEvent(new Event('input'));
    }
  });

  main.append(h('section', { class: 'door' },
    h('h1', { class: 'door-title' }, t('door.title')),
    h('div', { class: 'door-box' }, input),
    status,
    list,
    h('div', { class: 'door-actions' }, newLink,
      can('feedback.write') ? h('a', { href: '/feedback/new', 'data-link': '', class: 'btn-secondary door-feedback', id: 'door-feedback' }, t('fb.new.button')) : null),
    can('alerts.read') ? alertsBlock() : null));

  if (state && state.q) {
    input.value = state.q;
    search(state.q);
  }
  input.focus();

  return {
    leave() {
      clearTimeout(timer);
      seq++;
      if (ctrl) ctrl.abort();
    },
  };
}
