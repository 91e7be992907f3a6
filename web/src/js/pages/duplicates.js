/*
 * duplicates.js - 重复客人: likely duplicate guests, two by two, side by
 * side; merge into the left or the right guest (after a confirm step),
 * or mark them as two people. A merge can be undone from its result,
 * also after visiting the kept guest's card (recent merges are kept in
 * sessionStorage for this tab). Managers and admins only.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, currentUser, ApiError } from '../api.js';
import { money, date, phoneOf, birthdayText } from '../format.js';
import { errorText } from '../forms.js';

export const DUP_ROLES = ['admin', 'manager'];
/* Stop following the cursor once this many pairs are shown ... */
const WANT = 5;
const PAGE_LIMIT = 10;
/* ... or after this many pages (each examines up to 1,000 guests). */
const MAX_PAGES = 20;
const RECENT_MAX = 5;

export function mayMerge(user) {
  return !!user && DUP_ROLES.includes(user.role);
}

/* The reason codes of the API, in the staff's words. */
export function reasonText(code) {
  switch (code) {
    case 'phone_one_edit': return t('dup.reason.phone_one_edit');
    case 'same_name_birthday': return t('dup.reason.same_name_birthday');
    case 'same_name_store_no_phone': return t('dup.reason.same_name_store_no_phone');
    default: return code;
  }
}

function recentKey() {
  const u = currentUser();
  return `laoke.merges.${u ? u.id : 0}`;
}
function loadRecent() {
  try {
    const v = JSON.parse(sessionStorage.getItem(recentKey()) || '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}
function saveRecent(list) {
  try {
    sessionStorage.setItem(recentKey(), JSON.stringify(list.slice(0, RECENT_MAX)));
  } catch {
    /* storage full or off: the result stays on screen until the page changes */
  }
}
function dropRecent(mergeId) {
  saveRecent(loadRecent().filter((m) => m.merge_id !== mergeId));
}

/* A phone with the digits that differ from the other guest's marked. */
function phoneDiff(mine, theirs) {
  if (mine.length !== theirs.length || mine === theirs) return mine;
  let diffs = 0;
  for (let i = 0; i < mine.length; i++) if (mine[i] !== theirs[i]) diffs += 1;
  /* a digit mistyped or two swapped; other phones are simply different */
  if (diffs > 2) return mine;
  const out = document.createDocumentFragment();
  let run = '';
  for (let i = 0; i < mine.length; i++) {
    if (mine[i] === theirs[i]) {
      run += mine[i];
      continue;
    }
    if (run) out.append(run);
    run = '';
    out.append(h('mark', { class: 'dup-digit' }, mine[i]));
  }
  if (run) out.append(run);
  return h('span', {}, out);
}

/* A phone that does not break across lines inside a sentence. */
function nbsp(s) {
  return s.replace(/ /g, '\u00a0');
}

function nameOf(c) {
  return c.name || t('guest.no_name');
}

export function duplicatesPage(main) {
  const user = currentUser();
  if (!mayMerge(user)) {
    main.append(h('section', { class: 'panel dup-forbidden', id: 'dup-forbidden', role: 'alert' },
      h('h1', { class: 'dup-title' }, t('dup.title')),
      h('p', { class: 'dup-forbidden-text' }, t('dup.forbidden')),
      h('a', { href: '/', 'data-link': '', class: 'btn-secondary' }, t('guest.back'))));
    return null;
  }

  let alive = true;
  let cursor = null;
  let ended = false;
  let loading = false;
  let gen = 0; /* a reload starts a new generation; older loads stop */
  let shown = 0;
  const seen = new Set();
  const allergyCache = new Map();

  const notice = h('div', { class: 'dup-notice', id: 'dup-notice', role: 'status', hidden: true });
  const pageError = h('div', { class: 'form-error', id: 'dup-error', role: 'alert', hidden: true });
  const recentBox = h('section', { class: 'dup-recent', id: 'dup-recent' });
  const list = h('div', { class: 'dup-list', id: 'dup-list' });
  const status = h('div', { class: 'dup-status', id: 'dup-status', 'aria-live': 'polite' });
  const moreBtn = h('button', {
    type: 'button', class: 'btn-secondary btn-big', id: 'dup-more', hidden: true,
    onclick: () => loadMore(),
  }, t('dup.more'));

  main.append(h('div', { class: 'dup', id: 'duplicates' },
    h('div', { class: 'dup-head' },
      h('h1', { class: 'dup-title' }, t('dup.title')),
      h('p', { class: 'dup-intro muted' }, t('dup.intro'))),
    notice, pageError, recentBox, list, status, moreBtn));

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }
  function showPageError(err) {
    const text = err ? errorText(err) : '';
    pageError.textContent = text;
    pageError.hidden = !text;
  }

  function allergiesOf(id) {
    if (!allergyCache.has(id)) {
      const p = api('GET', `/customers/${id}/facts`)
        .then((r) => r.items.filter((f) => f.kind === 'allergy').map((f) => f.value));
      p.catch(() => allergyCache.delete(id));
      allergyCache.set(id, p);
    }
    return allergyCache.get(id);
  }

  /* One guest's column: the fields staff compare. */
  function sideView(c, other, pos, more) {
    const allergy = h('span', { class: 'v dup-allergy loading' }, t('dup.allergy_loading'));
    allergiesOf(c.id).then((vals) => {
      allergy.classList.remove('loading');
      allergy.classList.toggle('has', vals.length > 0);
      allergy.textContent = vals.length ? vals.join(t('list.sep')) : t('fact.no_allergy');
    }).catch((err) => {
      allergy.classList.remove('loading');
      allergy.textContent = errorText(err);
    });
    const row = (key, value, otherValue, cls) => h('div', {
      class: `dup-kv${(typeof value === 'string' ? value : value.textContent) !== otherValue ? ' differs' : ''}${cls ? ` ${cls}` : ''}`,
    }, h('span', { class: 'k' }, t(key)), h('span', { class: 'v' }, value));
    return h('div', { class: `dup-side dup-side-${pos}`, dataset: { id: c.id } },
      h('div', { class: 'dup-side-top' },
        h('span', { class: 'dup-pos' }, t(pos === 'left' ? 'dup.left' : 'dup.right')),
        more ? h('span', { class: 'badge dup-more-visits' }, t('dup.more_visits')) : null),
      h('a', { href: `/guests/${c.id}`, 'data-link': '', class: 'dup-name' }, nameOf(c)),
      h('div', { class: 'dup-id muted' }, t('dup.guest_no', { id: c.id })),
      row('dup.phone', phoneDiff(phoneOf(c), phoneOf(other)), phoneOf(other), 'dup-phone'),
      row('guest.birthday', birthdayText(c.birthday), birthdayText(other.birthday)),
      row('guest.visit_count', String(c.visit_count), String(other.visit_count), 'dup-visits'),
      row('guest.total_spend', money(c.total_spend_fen), money(other.total_spend_fen)),
      row('guest.last_visit', date(c.last_visit_at), date(other.last_visit_at)),
      h('div', { class: 'dup-kv' }, h('span', { class: 'k' }, t('fact.kind.allergy')), allergy));
  }

  function pairView(p) {
    const { a, b } = p;
    const el = h('article', { class: 'panel dup-pair', id: `pair-${a.id}-${b.id}`, dataset: { a: a.id, b: b.id } });
    const err = h('div', { class: 'form-error dup-pair-error', role: 'alert', hidden: true });
    const actions = h('div', { class: 'dup-actions' });
    const sides = h('div', { class: 'dup-sides' },
      sideView(a, b, 'left', a.visit_count > b.visit_count),
      sideView(b, a, 'right', b.visit_count > a.visit_count));

    function setError(e) {
      const text = e ? errorText(e) : '';
      err.textContent = text;
      err.hidden = !text;
    }

    function mark(keep) {
      sides.querySelectorAll('.dup-side').forEach((s) => {
        s.classList.toggle('keep', keep !== null && Number(s.dataset.id) === keep.id);
        s.classList.toggle('gone', keep !== null && Number(s.dataset.id) !== keep.id);
      });
    }

    function buttons() {
      mark(null);
      replace(actions,
        h('button', { type: 'button', class: 'btn-primary dup-keep-left', onclick: () => confirmMerge(a, b) }, t('dup.keep_left')),
        h('button', { type: 'button', class: 'btn-secondary dup-dismiss', onclick: () => confirmDismiss() }, t('dup.dismiss')),
        h('button', { type: 'button', class: 'btn-primary dup-keep-right', onclick: () => confirmMerge(b, a) }, t('dup.keep_right')));
    }

    function confirmBox(text, okLabel, okClass, run) {
      const ok = h('button', { type: 'button', class: `btn-primary btn-big ${okClass}` }, okLabel);
      const cancel = h('button', { type: 'button', class: 'btn-secondary btn-big dup-cancel', onclick: () => { setError(null); buttons(); } }, t('common.cancel'));
      ok.addEventListener('click', async () => {
        ok.disabled = true;
        cancel.disabled = true;
        setError(null);
        try {
          await run();
        } catch (e) {
          if (!alive) return;
          setError(e);
          ok.disabled = false;
          cancel.disabled = false;
        }
      });
      replace(actions, h('div', { class: 'dup-confirm', role: 'group' },
        h('p', { class: 'dup-confirm-text' }, text),
        h('div', { class: 'dup-confirm-buttons' }, ok, cancel)));
      ok.focus();
    }

    function confirmMerge(keep, drop) {
      mark(keep);
      confirmBox(t('dup.confirm_merge', {
        side: t(keep === a ? 'dup.left' : 'dup.right'), other: t(keep === a ? 'dup.right' : 'dup.left'),
        keep: nameOf(keep), drop: nameOf(drop), keep_phone: nbsp(phoneOf(keep)), drop_phone: nbsp(phoneOf(drop)),
      }), t('dup.confirm_merge_ok'), 'dup-confirm-merge', async () => {
        const res = await api('POST', `/customers/${keep.id}/merge`, { body: { from: [drop.id], version: keep.version } });
        const entry = {
          merge_id: res.merge_id,
          kept: { id: res.customer.id, name: res.customer.name, phone: nbsp(phoneOf(res.customer)) },
          merged: [{ id: drop.id, name: drop.name, phone: nbsp(phoneOf(drop)) }],
          visit_count: res.customer.visit_count,
          total_spend_fen: res.customer.total_spend_fen,
        };
        saveRecent([entry, ...loadRecent().filter((m) => m.merge_id !== entry.merge_id)]);
        if (!alive) return;
        el.replaceWith(mergedView(entry));
        shown -= 1;
        /* other pairs with the merged guest are gone with it */
        for (const other of list.querySelectorAll('.dup-pair')) {
          if (Number(other.dataset.a) === drop.id || Number(other.dataset.b) === drop.id) {
            other.remove();
            shown -= 1;
          }
        }
        updateStatus();
      });
    }

    function confirmDismiss() {
      mark(null);
      confirmBox(t('dup.confirm_dismiss', { a: nameOf(a), b: nameOf(b) }), t('dup.confirm_dismiss_ok'), 'dup-confirm-dismiss', async () => {
        await api('POST', '/customers/duplicates/dismiss', { body: { a: a.id, b: b.id } });
        if (!alive) return;
        el.remove();
        shown -= 1;
        showNotice(t('dup.dismissed', { a: nameOf(a), b: nameOf(b) }));
        updateStatus();
      });
    }

    buttons();
    append(el,
      h('div', { class: 'dup-pair-head' },
        h('div', { class: 'dup-reasons' }, p.reasons.map((r) => h('span', { class: 'dup-reason', dataset: { reason: r } }, reasonText(r)))),
        h('span', { class: 'dup-score', title: t('dup.score_hint') }, t('dup.score', { n: p.score }))),
      sides, err, actions);
    return el;
  }

  /* A merge's result, with the undo button. */
  function mergedView(m) {
    const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const undo = h('button', { type: 'button', class: 'btn-secondary btn-big dup-undo', id: `undo-${m.merge_id}` }, t('dup.undo'));
    const el = h('section', { class: 'panel dup-done', id: `merge-${m.merge_id}`, role: 'status' },
      h('p', { class: 'dup-done-title' }, t('dup.merged', {
        keep: t('dup.who', { name: m.kept.name || t('guest.no_name'), phone: m.kept.phone || '—' }),
        drop: m.merged.map((g) => t('dup.who', { name: g.name || t('guest.no_name'), phone: g.phone || '—' })).join(t('list.sep')),
      })),
      h('p', { class: 'dup-done-stats' }, t('dup.merged_stats', { n: m.visit_count, amount: money(m.total_spend_fen) })),
      err,
      h('div', { class: 'dup-done-actions' },
        h('a', { href: `/guests/${m.kept.id}`, 'data-link': '', class: 'btn-primary btn-big dup-open', id: `open-${m.kept.id}` },
          t('dup.open_card', { name: m.kept.name || t('guest.no_name') })),
        undo,
        h('button', {
          type: 'button', class: 'btn-ghost dup-done-close', 'aria-label': t('dup.close'),
          onclick: () => {
            dropRecent(m.merge_id);
            el.remove();
          },
        }, t('dup.close'))));
    undo.addEventListener('click', async () => {
      undo.disabled = true;
      err.hidden = true;
      try {
        await api('POST', `/merges/${m.merge_id}/undo`);
        dropRecent(m.merge_id);
        if (!alive) return;
        el.remove();
        showNotice(t('dup.undone', { names: [m.kept, ...m.merged].map((g) => g.name || t('guest.no_name')).join(t('list.sep')) }));
        reload();
      } catch (e) {
        if (!alive) return;
        /* an undone merge stays undone: nothing more to do here */
        if (e instanceof ApiError && (e.code === 'already_undone' || e.status === 404)) dropRecent(m.merge_id);
        err.textContent = errorText(e);
        err.hidden = false;
        undo.disabled = e instanceof ApiError && ['already_undone', 'guests_changed', 'not_found'].includes(e.code);
      }
    });
    return el;
  }

  function updateStatus() {
    if (loading) return;
    if (shown > 0) status.textContent = ended ? t('dup.count_all', { n: shown }) : t('dup.count', { n: shown });
    else status.textContent = ended ? t('dup.none') : t('dup.none_yet');
    moreBtn.hidden = ended;
  }

  /* Follow next_cursor until a few pairs are shown or the guests end. */
  async function loadMore() {
    if (loading || ended) return;
    loading = true;
    const my = gen;
    moreBtn.hidden = true;
    list.setAttribute('aria-busy', 'true');
    showPageError(null);
    const start = shown;
    try {
      for (let pages = 0; pages < MAX_PAGES && shown - start < WANT && !ended; pages++) {
        status.textContent = cursor ? t('dup.searching_from', { id: cursor }) : t('dup.searching');
        const r = await api('GET', '/customers/duplicates', { query: { limit: PAGE_LIMIT, cursor } });
        if (!alive || my !== gen) return;
        for (const p of r.items) {
          const key = `${p.a.id}-${p.b.id}`;
          if (seen.has(key)) continue;
          seen.add(key);
          list.append(pairView(p));
          shown += 1;
        }
        cursor = r.next_cursor ?? null;
        if (cursor === null) ended = true;
      }
    } catch (e) {
      if (!alive || my !== gen) return;
      showPageError(e);
    } finally {
      if (my === gen) loading = false;
      if (my === gen) list.removeAttribute('aria-busy');
      if (alive && my === gen) updateStatus();
    }
  }

  function reload() {
    gen += 1;
    loading = false;
    cursor = null;
    ended = false;
    shown = 0;
    seen.clear();
    allergyCache.clear();
    replace(list);
    return loadMore();
  }

  for (const m of loadRecent()) recentBox.append(mergedView(m));
  loadMore();

  return {
    leave() {
      alive = false;
    },
  };
}

function append(el, ...children) {
  for (const c of children) el.append(c);
  return el;
}
