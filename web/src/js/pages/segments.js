/*
 * segments.js - 客户分群 (permission analytics.read): how many guests the
 * last classification run put in each value of each dimension
 * (GET /segments?store=&region=&from=&to=), as CSS bars with the change
 * against the run compared with, and per dimension who moved (from → to,
 * count). Tapping a value lists those guests (GET /customers?<dim>=<value>
 * &store=, 20 at a time following next_cursor, each linking to the card);
 * the 客户分类表 downloads as CSV or XLSX with the same filters
 * (GET /exports/classification). The filters and the value opened live in
 * the address, so a reload keeps them. With classification.run a button
 * starts a run now (POST /classification/run; 409 run_in_progress in words).
 */
import { h, replace } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { api, token, storeMap, ApiError } from '../api.js';
import { can } from '../perms.js';
import { date, dateTime, phoneOf } from '../format.js';
import { errorText, clearErrors, field, showFieldMessage } from '../forms.js';
import { forbiddenPanel } from './users.js';
import { DIMENSIONS, VALUES, valueText, dimText } from './cls-words.js';

const PAGE = 20;
const FILTERS = ['store', 'region', 'from', 'to'];

/* Values in reading order: the known ones first, then any the server adds. */
function ordered(dim, rows) {
  const known = VALUES[dim] || [];
  const by = new Map(rows.map((r) => [String(r.value), r]));
  const out = known.filter((v) => by.has(v)).map((v) => by.get(v));
  for (const r of rows) if (!known.includes(String(r.value))) out.push(r);
  return out;
}

/* "12.5%" of a total */
function pct(n, total) {
  if (!total) return '0%';
  const p = (100 * n) / total;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)}%`;
}

/* The file name a download answer gives (RFC 5987 first), else fallback. */
export function fileNameOf(disposition, fallback) {
  if (disposition) {
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (star) {
      try {
        return decodeURIComponent(star[1].trim());
      } catch {
        /* a bad escape: the plain name below */
      }
    }
    const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
    if (plain) return plain[1].trim();
  }
  return fallback;
}

/* GET a file from the API with the staff token and save it. */
async function downloadFile(path, query, fallback) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') q.set(k, v);
  const res = await fetch(`/api/v1${path}?${q}`, { headers: { Authorization: `Bearer ${token()}` } });
  if (!res.ok) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    throw new ApiError(res.status, body);
  }
  const blob = await res.blob();
  const name = fileNameOf(res.headers.get('Content-Disposition'), fallback);
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

export function segmentsPage(main) {
  if (!can('analytics.read')) {
    main.append(forbiddenPanel('segments-forbidden', 'seg.title', 'seg.forbidden'));
    return null;
  }
  let alive = true;
  let gen = 0;
  let listGen = 0;
  let data = null;
  let drill = null; /* {dim, value} */
  let cursor = null;

  const q = new URLSearchParams(location.search);
  for (const d of DIMENSIONS) {
    if (q.get(d)) {
      drill = { dim: d, value: q.get(d) };
      break;
    }
  }

  /* ---- filters ---- */
  const store = h('select', { id: 'seg-store', 'data-field': 'store' }, h('option', { value: '' }, t('seg.all_stores')));
  const region = h('select', { id: 'seg-region', 'data-field': 'region' }, h('option', { value: '' }, t('seg.all_regions')));
  const from = h('input', { id: 'seg-from', type: 'date', 'data-field': 'from', value: q.get('from') || '' });
  const to = h('input', { id: 'seg-to', type: 'date', 'data-field': 'to', value: q.get('to') || '' });
  const keep = (sel, v) => {
    if (!v) return;
    if (![...sel.options].some((o) => o.value === v)) sel.append(h('option', { value: v }, v));
    sel.value = v;
  };
  keep(store, q.get('store'));
  keep(region, q.get('region'));
  const apply = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'seg-apply' }, t('seg.apply'));
  const reset = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'seg-reset' }, t('seg.reset'));
  const form = h('form', { class: 'panel seg-filters', id: 'seg-filters', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'seg-filter-grid' },
      field(t('seg.store'), store),
      field(t('seg.region'), region),
      field(t('seg.from'), from),
      field(t('seg.to'), to)),
    h('p', { class: 'field-hint seg-period-hint' }, t('seg.period_hint')),
    h('div', { class: 'form-actions' }, apply, reset));

  function filters() {
    return {
      store: store.value || null,
      region: region.value || null,
      from: from.value || null,
      to: to.value || null,
    };
  }

  /* ---- the run ---- */
  const runInfo = h('div', { class: 'seg-run-info', id: 'seg-run-info' }, t('adm.loading'));
  const runStatus = h('div', { class: 'seg-run-status', id: 'seg-run-status', role: 'status' });
  const runBtn = can('classification.run')
    ? h('button', { type: 'button', class: 'btn-primary btn-big', id: 'seg-run' }, t('seg.run_now'))
    : null;
  const runBox = h('section', { class: 'panel seg-run', id: 'seg-run-box' }, runInfo, runBtn ? h('div', { class: 'seg-run-actions' }, runBtn) : null, runStatus);

  if (runBtn) {
    runBtn.addEventListener('click', async () => {
      runBtn.disabled = true;
      runStatus.className = 'seg-run-status';
      runStatus.textContent = t('seg.running');
      try {
        const r = await api('POST', '/classification/run', { body: {} });
        if (!alive) return;
        const run = r.run || {};
        runStatus.textContent = t('seg.run_done', {
          guests: run.guests ?? 0, changed: run.changed ?? 0, seconds: run.seconds ?? 0,
        });
        runStatus.classList.add('seg-run-ok');
        await load();
        if (drill) openDrill(drill.dim, drill.value, false);
      } catch (err) {
        if (!alive) return;
        runStatus.textContent = errorText(err);
        runStatus.classList.add('seg-run-error');
      } finally {
        runBtn.disabled = false;
      }
    });
  }

  /* ---- export ---- */
  const format = h('select', { id: 'seg-format', 'aria-label': t('seg.format') },
    h('option', { value: 'xlsx' }, 'XLSX'), h('option', { value: 'csv' }, 'CSV'));
  const exportBtn = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'seg-export' }, t('seg.export'));
  const exportStatus = h('span', { class: 'seg-export-status', id: 'seg-export-status', role: 'status' });
  const exportBox = h('div', { class: 'seg-export', id: 'seg-export-box' },
    h('label', { class: 'seg-format' }, h('span', { class: 'field-label' }, t('seg.format')), format),
    exportBtn, exportStatus);
  exportBtn.addEventListener('click', async () => {
    exportBtn.disabled = true;
    exportStatus.className = 'seg-export-status';
    exportStatus.textContent = t('seg.exporting');
    const f = filters();
    const query = { format: format.value, store: f.store, lang: currentLang() === 'en' ? 'en' : 'zh' };
    if (drill) query[drill.dim] = drill.value;
    try {
      const name = await downloadFile('/exports/classification', query,
        `${t('seg.export_file')}-${date(new Date().toISOString())}.${format.value}`);
      if (!alive) return;
      exportStatus.textContent = t('seg.exported', { file: name });
    } catch (err) {
      if (!alive) return;
      exportStatus.textContent = errorText(err);
      exportStatus.classList.add('seg-export-error');
    } finally {
      exportBtn.disabled = false;
    }
  });

  /* ---- counts and movement ---- */
  const status = h('div', { class: 'adm-status', id: 'seg-status', 'aria-live': 'polite' });
  const dims = h('div', { class: 'seg-dims', id: 'seg-dims' });

  function deltaEl(r) {
    if (r.previous === null || r.previous === undefined || !data || !data.base_run) return null;
    const d = r.count - r.previous;
    const cls = d > 0 ? 'up' : d < 0 ? 'down' : 'same';
    const text = d > 0 ? `+${d}` : d < 0 ? `−${-d}` : '±0';
    return h('span', { class: `seg-delta ${cls}`, title: t('seg.previous', { n: r.previous }) }, text);
  }

  function bars(dim, rows, total) {
    const max = Math.max(1, ...rows.map((r) => r.count));
    return h('div', { class: 'seg-bars', role: 'list' }, rows.map((r) => {
      const v = String(r.value);
      const fill = h('span', { class: `seg-fill seg-fill-${dim}-${v}` });
      /* CSSOM, not a style attribute: the CSP allows it */
      fill.style.width = `${Math.max(r.count ? 1.5 : 0, (100 * r.count) / max)}%`;
      const open = drill && drill.dim === dim && drill.value === v;
      return h('button', {
        type: 'button', class: `seg-row${open ? ' open' : ''}`, role: 'listitem',
        id: `seg-${dim}-${v}`, dataset: { dim, value: v, count: r.count },
        'aria-pressed': open ? 'true' : 'false',
        onclick: () => openDrill(dim, v, true),
      },
      h('span', { class: 'seg-label' }, valueText(dim, v)),
      h('span', { class: 'seg-bar' }, fill),
      h('span', { class: 'seg-count' }, String(r.count)),
      h('span', { class: 'seg-pct muted' }, pct(r.count, total)),
      deltaEl(r));
    }));
  }

  function movement(dim) {
    const rows = ((data.movement && data.movement[dim]) || []).filter((m) => m.count > 0)
      .sort((a, b) => b.count - a.count);
    const title = h('h3', { class: 'seg-move-title' }, t('seg.movement'));
    if (!data.base_run) return h('div', { class: 'seg-move' }, title, h('p', { class: 'muted seg-move-none' }, t('seg.no_base')));
    if (!rows.length) return h('div', { class: 'seg-move' }, title, h('p', { class: 'muted seg-move-none' }, t('seg.no_movement')));
    return h('div', { class: 'seg-move' }, title,
      h('table', { class: 'seg-move-table', id: `seg-move-${dim}` },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('seg.move_from')),
          h('th', { scope: 'col' }, ''),
          h('th', { scope: 'col' }, t('seg.move_to')),
          h('th', { scope: 'col', class: 'seg-move-n' }, t('seg.move_count')))),
        h('tbody', {}, rows.map((m) => h('tr', { dataset: { from: String(m.from), to: String(m.to) } },
          h('td', {}, valueText(dim, m.from)),
          h('td', { class: 'seg-arrow', 'aria-hidden': 'true' }, '→'),
          h('td', {}, valueText(dim, m.to)),
          h('td', { class: 'seg-move-n' }, String(m.count)))))));
  }

  function renderDims() {
    const total = data.total || 0;
    replace(dims, DIMENSIONS.filter((d) => data.dimensions && data.dimensions[d]).map((dim) => h('section', {
      class: 'panel seg-dim', id: `seg-dim-${dim}`, dataset: { dim },
    },
    h('h2', { class: 'panel-title' }, dimText(dim)),
    bars(dim, ordered(dim, data.dimensions[dim]), total),
    movement(dim))));
  }

  function renderRun() {
    const run = data.run;
    if (!run) {
      replace(runInfo,
        h('p', { class: 'seg-no-run', id: 'seg-no-run' }, t('seg.no_run')),
        h('p', { class: 'muted' }, t(runBtn ? 'seg.no_run_hint_run' : 'seg.no_run_hint')));
      runBox.classList.add('seg-run-empty');
      return;
    }
    runBox.classList.remove('seg-run-empty');
    replace(runInfo,
      h('p', { class: 'seg-run-line', id: 'seg-run-line' },
        h('strong', {}, t('seg.last_run', { at: dateTime(run.computed_at) })),
        ' · ', t('seg.run_guests', { n: run.guests ?? 0 }),
        ' · ', t('seg.run_scored', { n: run.scored ?? 0 })),
      h('p', { class: 'muted seg-base-line', id: 'seg-base-line' },
        data.base_run ? t('seg.compared_with', { at: dateTime(data.base_run.computed_at) }) : t('seg.no_base')),
      h('p', { class: 'seg-total', id: 'seg-total' }, t('seg.total', { n: data.total ?? 0 })));
  }

  async function load() {
    const my = ++gen;
    status.textContent = t('adm.loading');
    status.classList.remove('adm-status-error');
    dims.setAttribute('aria-busy', 'true');
    try {
      const r = await api('GET', '/segments', { query: filters() });
      if (!alive || my !== gen) return;
      data = r;
      renderRun();
      if (r.run) {
        renderDims();
        status.textContent = '';
      } else {
        replace(dims);
        status.textContent = '';
      }
      exportBox.hidden = !r.run;
    } catch (err) {
      if (!alive || my !== gen) return;
      if (err && err.field && form.querySelector(`[data-field="${err.field}"]`)) {
        showFieldMessage(form, err.field, errorText(err));
        status.textContent = '';
      } else {
        status.textContent = errorText(err);
        status.classList.add('adm-status-error');
      }
      replace(runInfo);
    } finally {
      if (my === gen) dims.removeAttribute('aria-busy');
    }
  }

  /* ---- the guests of one value ---- */
  const drillTitle = h('h2', { class: 'panel-title', id: 'seg-drill-title' });
  const drillStatus = h('div', { class: 'adm-status', id: 'seg-drill-status', 'aria-live': 'polite' });
  const drillList = h('div', { class: 'seg-guests', id: 'seg-guests' });
  const drillMore = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'seg-guests-more', hidden: true }, t('seg.more'));
  const drillClose = h('button', { type: 'button', class: 'btn-secondary', id: 'seg-drill-close' }, t('seg.close'));
  const drillBox = h('section', { class: 'panel seg-drill', id: 'seg-drill', hidden: true },
    h('div', { class: 'seg-drill-head' }, drillTitle, drillClose),
    drillStatus, drillList, drillMore);

  function guestRow(c) {
    return h('a', { href: `/guests/${c.id}`, 'data-link': '', class: 'result seg-guest', id: `seg-guest-${c.id}`, dataset: { id: c.id } },
      h('span', { class: 'result-name' }, c.name || t('guest.no_name')),
      h('span', { class: 'result-phone' }, phoneOf(c)),
      h('span', { class: 'result-meta' },
        h('span', {}, t('door.visits', { n: c.visit_count ?? 0 })),
        h('span', {}, c.last_visit_at ? t('door.last_visit', { date: date(c.last_visit_at) }) : t('door.never'))));
  }

  async function loadGuests(first) {
    const my = first ? ++listGen : listGen;
    drillMore.disabled = true;
    if (first) {
      drillStatus.textContent = t('adm.loading');
      drillList.setAttribute('aria-busy', 'true');
    }
    drillStatus.classList.remove('adm-status-error');
    const query = { [drill.dim]: drill.value, store: filters().store, limit: PAGE, cursor: first ? null : cursor };
    try {
      const r = await api('GET', '/customers', { query });
      if (!alive || my !== listGen) return;
      if (first) replace(drillList);
      drillList.append(...r.items.map(guestRow));
      cursor = r.next_cursor ?? null;
      drillMore.hidden = !cursor;
      const n = drillList.children.length;
      drillStatus.textContent = n ? t(cursor ? 'seg.guests_more' : 'seg.guests', { n }) : t('seg.guests_none');
    } catch (err) {
      if (!alive || my !== listGen) return;
      drillStatus.textContent = errorText(err);
      drillStatus.classList.add('adm-status-error');
    } finally {
      if (my === listGen) {
        drillMore.disabled = false;
        drillList.removeAttribute('aria-busy');
      }
    }
  }

  function setAddress() {
    const f = filters();
    const qs = new URLSearchParams();
    for (const k of FILTERS) if (f[k]) qs.set(k, f[k]);
    if (drill) qs.set(drill.dim, drill.value);
    const s = qs.toString();
    history.replaceState(history.state, '', `/segments${s ? `?${s}` : ''}`);
  }

  function openDrill(dim, value, scroll) {
    drill = { dim, value };
    for (const el of dims.querySelectorAll('.seg-row')) {
      const on = el.dataset.dim === dim && el.dataset.value === value;
      el.classList.toggle('open', on);
      el.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    drillTitle.textContent = t('seg.guests_of', { dim: dimText(dim), value: valueText(dim, value) });
    drillBox.hidden = false;
    exportBtn.textContent = t('seg.export_these');
    setAddress();
    loadGuests(true);
    if (scroll) drillBox.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }

  function closeDrill() {
    drill = null;
    listGen += 1;
    drillBox.hidden = true;
    replace(drillList);
    exportBtn.textContent = t('seg.export');
    for (const el of dims.querySelectorAll('.seg-row.open')) {
      el.classList.remove('open');
      el.setAttribute('aria-pressed', 'false');
    }
    setAddress();
  }
  drillClose.addEventListener('click', closeDrill);
  drillMore.addEventListener('click', () => loadGuests(false));

  function run() {
    clearErrors(form);
    const f = filters();
    if (f.from && f.to && f.from > f.to) {
      showFieldMessage(form, 'to', t('seg.bad_range'));
      return;
    }
    setAddress();
    load();
    if (drill) openDrill(drill.dim, drill.value, false);
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  reset.addEventListener('click', () => {
    store.value = region.value = from.value = to.value = '';
    run();
  });

  main.append(h('section', { class: 'adm seg', id: 'segments' },
    h('div', { class: 'adm-head' },
      h('h1', { class: 'adm-title' }, t('seg.title')),
      h('p', { class: 'adm-intro' }, t('seg.intro'))),
    runBox,
    form,
    h('div', { class: 'seg-toolbar' }, exportBox),
    status,
    drillBox,
    dims));

  /* stores and regions for the filters */
  storeMap().then((m) => {
    if (!alive) return;
    const chosenStore = store.value;
    const chosenRegion = region.value;
    const list = [...m.values()];
    replace(store, h('option', { value: '' }, t('seg.all_stores')),
      list.map((s) => h('option', { value: s.code }, t('adm.store_option', { name: s.name, code: s.code }))));
    const regions = [...new Set(list.map((s) => s.region).filter(Boolean))].sort();
    replace(region, h('option', { value: '' }, t('seg.all_regions')), regions.map((r) => h('option', { value: r }, r)));
    keep(store, chosenStore);
    keep(region, chosenRegion);
  }).catch(() => {});

  exportBox.hidden = true;
  load();
  if (drill) openDrill(drill.dim, drill.value, false);

  return {
    leave() {
      alive = false;
      gen += 1;
      listGen += 1;
    },
  };
}
