/*
 * feedback-board.js - 反馈看板 (permission feedback.read): a column per
 * step of a complaint ticket (已收到 … 已关闭) with the counts of
 * GET /feedback/board and the tickets of GET /feedback?tickets=true&status=
 * (20 a column, 加载更多 following next_cursor). Each card: store,
 * category, stars, the start of the text, owner and age; an overdue one is
 * red and says which deadline it missed. With tickets.manage a card moves
 * one step (下一步：已分析): a small form asks for exactly what that step
 * requires and shows the server's 400/409 next to the field. Filters
 * (store, category, overdue only) live in the address. Below: recent
 * feedback without a ticket (praise and remarks), and the guests' QR code
 * (顾客反馈二维码) for a store's public form /f/<code>.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, storeMap, currentUser } from '../api.js';
import { can } from '../perms.js';
import { dateTime } from '../format.js';
import { field } from '../forms.js';
import { forbiddenPanel } from './users.js';
import {
  STATUSES, CATEGORIES, statusText, categoryText, channelText, starsEl, ageText, overdueText,
  textStart, moveForm, moveButtons, statusLine,
} from './fb-words.js';

const PAGE = 20;

/* A ticket's card on the board (also used by the alerts of a store). */
export function ticketCard(fb, stores, { onMoved, movable }) {
  const tk = fb.ticket;
  const store = (fb.store && fb.store.name) || (stores.get(fb.store_id) || {}).name || '';
  const late = overdueText(tk);
  const slot = h('div', { class: 'fb-move-slot' });
  const actions = movable && tk ? h('div', { class: 'fb-card-actions' }, moveButtons(fb, `fb-card-${fb.id}`, (to) => {
    replace(slot, moveForm(fb, to, {
      idPrefix: `fbm-${fb.id}`,
      onDone: (r) => onMoved && onMoved(r, to),
      onCancel: () => replace(slot),
    }));
  })) : null;
  return h('article', {
    class: `fb-card${late ? ' overdue' : ''}${fb.complaint ? '' : ' praise'}`, id: `fb-card-${fb.id}`,
    dataset: { id: fb.id, status: tk ? tk.status : '' },
  },
  h('a', { href: `/feedback/${fb.id}`, 'data-link': '', class: 'fb-card-link', id: `fb-open-${fb.id}` },
    h('span', { class: 'fb-card-top' },
      h('span', { class: 'fb-card-store' }, store),
      h('span', { class: 'fb-cat' }, categoryText(fb.category)),
      starsEl(fb.rating)),
    h('span', { class: 'fb-card-text' }, fb.text ? textStart(fb.text, 60) : t('fb.no_text')),
    h('span', { class: 'fb-card-meta' },
      tk ? h('span', { class: 'fb-owner' }, tk.owner ? t('fb.owner_is', { name: tk.owner.name }) : t('fb.no_owner')) : h('span', {}, channelText(fb.channel)),
      h('span', { class: 'fb-age', title: dateTime(fb.received_at) }, ageText(fb.received_at))),
    late ? h('span', { class: 'fb-overdue', role: 'note' }, late) : null),
  actions, slot);
}

/* 顾客反馈二维码: the public form's link and QR code for one store. */
export function qrBlock(stores, defaultCode) {
  const select = h('select', { id: 'fb-qr-store', 'aria-label': t('fb.qr.store') });
  const link = h('input', { id: 'fb-qr-link', type: 'text', readonly: true, 'aria-label': t('fb.qr.link') });
  const open = h('a', { id: 'fb-qr-open', class: 'btn-secondary', target: '_blank', rel: 'noopener' }, t('fb.qr.open'));
  const copied = h('span', { class: 'key-copied', id: 'fb-qr-copied', role: 'status' });
  const copy = h('button', { type: 'button', class: 'btn-secondary', id: 'fb-qr-copy' }, t('fb.qr.copy'));
  const canvasBox = h('div', { class: 'fb-qr-code', id: 'fb-qr-code' });
  const save = h('a', { id: 'fb-qr-save', class: 'btn-secondary', hidden: true }, t('fb.qr.save'));
  const list = [...stores.values()];
  replace(select, list.map((s) => h('option', { value: s.code }, t('adm.store_option', { name: s.name, code: s.code }))));
  if (defaultCode) select.value = defaultCode;

  async function draw() {
    const code = select.value;
    if (!code) return;
    const url = `${location.origin}/f/${encodeURIComponent(code)}`;
    link.value = url;
    open.setAttribute('href', `/f/${encodeURIComponent(code)}`);
    copied.textContent = '';
    try {
      const QR = await import('/vendor/qrcode.mjs');
      const canvas = h('canvas', { id: 'fb-qr-canvas', 'aria-label': t('fb.qr.alt', { url }), role: 'img' });
      await QR.toCanvas(canvas, url, { width: 240, margin: 2, errorCorrectionLevel: 'M' });
      replace(canvasBox, canvas);
      save.setAttribute('href', canvas.toDataURL('image/png'));
      save.setAttribute('download', `feedback-qr-${code}.png`);
      save.hidden = false;
    } catch {
      replace(canvasBox, h('p', { class: 'muted', id: 'fb-qr-missing' }, t('fb.qr.missing')));
      save.hidden = true;
    }
  }
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(link.value);
    } catch {
      link.select();
      document.execCommand('copy');
    }
    copied.textContent = t('fb.qr.copied');
  });
  select.addEventListener('change', draw);
  const box = h('details', { class: 'panel fb-qr', id: 'fb-qr' },
    h('summary', { class: 'fb-qr-summary' }, t('fb.qr.title')),
    h('div', { class: 'fb-qr-body' },
      h('p', { class: 'muted fb-qr-intro' }, t('fb.qr.intro')),
      field(t('fb.qr.store'), select),
      h('div', { class: 'fb-qr-row' }, canvasBox,
        h('div', { class: 'fb-qr-side' },
          field(t('fb.qr.link'), link),
          h('div', { class: 'form-actions' }, copy, open, save),
          copied))));
  box.addEventListener('toggle', () => {
    if (box.open && !link.value) draw();
  });
  return box;
}

export function feedbackBoardPage(main) {
  if (!can('feedback.read')) {
    main.append(forbiddenPanel('feedback-forbidden', 'fb.board.title', 'fb.forbidden'));
    return null;
  }
  let alive = true;
  let gen = 0;
  let stores = new Map();
  const me = currentUser() || {};
  const movable = can('tickets.manage');
  const q = new URLSearchParams(location.search);

  /* ---- filters ---- */
  const store = h('select', { id: 'fb-f-store', 'data-field': 'store' }, h('option', { value: '' }, t('fb.all_stores')));
  const category = h('select', { id: 'fb-f-category', 'data-field': 'category' },
    h('option', { value: '' }, t('fb.all_categories')),
    CATEGORIES.map((c) => h('option', { value: c }, categoryText(c))));
  const overdue = h('input', { type: 'checkbox', id: 'fb-f-overdue', checked: q.get('overdue') === 'true' });
  if (q.get('store')) store.append(h('option', { value: q.get('store') }, q.get('store')));
  store.value = q.get('store') || '';
  category.value = CATEGORIES.includes(q.get('category')) ? q.get('category') : '';
  const form = h('form', { class: 'panel fb-filters', id: 'fb-filters', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'fb-filter-grid' },
      field(t('fb.store'), store),
      field(t('fb.category'), category),
      h('label', { class: 'fb-check', for: 'fb-f-overdue' }, overdue, h('span', {}, t('fb.overdue_only')))));

  function filters() {
    return {
      store: store.value || null,
      category: category.value || null,
      overdue: overdue.checked ? 'true' : null,
    };
  }
  function setAddress() {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(filters())) if (v) qs.set(k, v);
    const s = qs.toString();
    history.replaceState(history.state, '', `/feedback${s ? `?${s}` : ''}`);
  }
  for (const el of [store, category, overdue]) {
    el.addEventListener('change', () => {
      setAddress();
      load();
    });
  }
  form.addEventListener('submit', (e) => e.preventDefault());

  /* ---- the board ---- */
  const status = statusLine('fb-status');
  const notice = h('div', { class: 'adm-notice', id: 'fb-notice', role: 'status', hidden: true });
  const summary = h('div', { class: 'fb-summary', id: 'fb-summary' });
  const columns = new Map();
  const board = h('div', { class: 'fb-board', id: 'fb-board', tabindex: '0', 'aria-label': t('fb.board.title') },
    STATUSES.map((s) => {
      const count = h('span', { class: 'fb-col-count', id: `fb-count-${s}` }, '…');
      const list = h('div', { class: 'fb-col-list', id: `fb-list-${s}` });
      const more = h('button', { type: 'button', class: 'btn-secondary fb-col-more', id: `fb-more-${s}`, hidden: true }, t('fb.more'));
      const col = h('section', { class: `fb-col fb-col-${s}`, id: `fb-col-${s}`, dataset: { status: s } },
        h('h2', { class: 'fb-col-title' }, h('span', {}, statusText(s)), count),
        list, more);
      const c = { col, count, list, more, cursor: null };
      more.addEventListener('click', () => loadColumn(s, gen, false));
      columns.set(s, c);
      return col;
    }));

  function moved(r, to) {
    notice.textContent = t('fb.moved', { id: r.id, step: statusText(to) });
    notice.hidden = false;
    load();
  }

  async function loadColumn(s, my, first) {
    const c = columns.get(s);
    c.more.disabled = true;
    try {
      const r = await api('GET', '/feedback', {
        query: { ...filters(), tickets: 'true', status: s, limit: PAGE, cursor: first ? null : c.cursor },
      });
      if (!alive || my !== gen) return;
      if (first) replace(c.list);
      c.list.append(...r.items.map((fb) => ticketCard(fb, stores, { onMoved: moved, movable })));
      c.cursor = r.next_cursor ?? null;
      c.more.hidden = !c.cursor;
      if (!c.list.children.length) c.list.append(h('p', { class: 'muted fb-col-empty' }, t('fb.col_empty')));
    } catch (err) {
      if (!alive || my !== gen) return;
      status.error(err);
    } finally {
      c.more.disabled = false;
    }
  }

  /* ---- praise and remarks: feedback without a ticket ---- */
  const praiseList = h('div', { class: 'fb-praise-list', id: 'fb-praise-list' });
  const praise = h('section', { class: 'panel fb-praise', id: 'fb-praise' },
    h('h2', { class: 'panel-title' }, t('fb.praise.title')),
    h('p', { class: 'muted fb-praise-intro' }, t('fb.praise.intro')),
    praiseList);

  async function loadPraise(my) {
    try {
      const f = filters();
      const r = await api('GET', '/feedback', { query: { store: f.store, category: f.category, tickets: 'false', limit: 10 } });
      if (!alive || my !== gen) return;
      replace(praiseList, r.items.length
        ? r.items.map((fb) => ticketCard(fb, stores, { movable: false }))
        : h('p', { class: 'muted', id: 'fb-praise-none' }, t('fb.praise.none')));
    } catch (err) {
      if (!alive || my !== gen) return;
      status.error(err);
    }
  }

  async function load() {
    const my = ++gen;
    status.loading();
    board.setAttribute('aria-busy', 'true');
    try {
      const r = await api('GET', '/feedback/board', { query: filters() });
      if (!alive || my !== gen) return;
      let open = 0;
      for (const col of r.columns) {
        const c = columns.get(col.status);
        if (!c) continue;
        c.count.textContent = String(col.count);
        c.col.dataset.count = String(col.count);
        if (col.status !== 'closed') open += col.count;
      }
      replace(summary,
        h('span', { class: 'fb-sum-open', id: 'fb-sum-open' }, t('fb.sum.open', { n: open })),
        h('span', { class: `fb-sum-overdue${r.overdue ? ' on' : ''}`, id: 'fb-sum-overdue' }, t('fb.sum.overdue', { n: r.overdue })));
      status.ok();
      await Promise.all([...STATUSES.map((s) => loadColumn(s, my, true)), loadPraise(my)]);
    } catch (err) {
      if (!alive || my !== gen) return;
      status.error(err);
    } finally {
      if (my === gen) board.removeAttribute('aria-busy');
    }
  }

  const qrSlot = h('div', { id: 'fb-qr-slot' });
  main.append(h('section', { class: 'adm fb', id: 'feedback-board' },
    h('div', { class: 'adm-head fb-head' },
      h('h1', { class: 'adm-title' }, t('fb.board.title')),
      h('p', { class: 'adm-intro' }, t('fb.board.intro')),
      can('feedback.write') ? h('div', { class: 'adm-toolbar' },
        h('a', { href: '/feedback/new', 'data-link': '', class: 'btn-primary btn-big', id: 'fb-new' }, t('fb.new.button'))) : null),
    form, notice, summary, status.el, board, praise, qrSlot));

  storeMap().then((m) => {
    if (!alive) return;
    stores = m;
    const chosen = store.value;
    replace(store, h('option', { value: '' }, t('fb.all_stores')),
      [...m.values()].map((s) => h('option', { value: s.code }, t('adm.store_option', { name: s.name, code: s.code }))));
    store.value = chosen;
    const own = me.store_id && m.get(me.store_id);
    replace(qrSlot, qrBlock(m, own ? own.code : (chosen || null)));
  }).catch(() => {});

  load();
  return {
    leave() {
      alive = false;
      gen += 1;
    },
  };
}
