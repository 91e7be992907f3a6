/*
 * import.js - 导入数据: upload a CSV of guests, visits or dishes. The upload
 * goes with XMLHttpRequest so its own progress shows (xhr.upload.onprogress);
 * then the job is polled (GET /imports/{id}, every ~300 ms) for how far the
 * server got, and at the end its summary and the rejected rows. Below, the
 * recent imports (GET /imports). Managers and admins only.
 */
import { h, replace } from '../dom.js';
import { t, has } from '../i18n.js';
import { api, cached, token, currentUser, clearSession, ApiError } from '../api.js';
import { navigate } from '../router.js';
import { dateTime } from '../format.js';
import { errorText, showError, showFieldMessage, clearErrors, field } from '../forms.js';

export const IMPORT_ROLES = ['admin', 'manager'];
const POLL_MS = 300;
const MAX_BYTES = 32 * 1024 * 1024;
const KINDS = ['guests', 'visits', 'dishes'];

export function mayImport(user) {
  return !!user && IMPORT_ROLES.includes(user.role);
}

function kindText(kind) {
  switch (kind) {
    case 'guests': return t('imp.kind.guests');
    case 'visits': return t('imp.kind.visits');
    case 'dishes': return t('imp.kind.dishes');
    default: return kind;
  }
}

function statusText(status) {
  switch (status) {
    case 'running': return t('imp.status.running');
    case 'done': return t('imp.status.done');
    case 'failed': return t('imp.status.failed');
    default: return status;
  }
}

/* 1536 -> "1.5 KB" */
export function sizeText(n) {
  const b = Number(n) || 0;
  if (b < 1024) return t('imp.size_b', { n: b });
  if (b < 1024 * 1024) return t('imp.size_kb', { n: (b / 1024).toFixed(1) });
  return t('imp.size_mb', { n: (b / (1024 * 1024)).toFixed(1) });
}

function pct(done, total) {
  if (!total) return 0;
  return Math.max(0, Math.min(100, Math.floor((done * 100) / total)));
}

/* A failed job's error, in words (translated by code when we can). */
function jobErrorText(job) {
  const e = job.error || {};
  if (e.code && has(`error.${e.code}`)) return t(`error.${e.code}`);
  return e.message || t('imp.failed_unknown');
}

/*
 * Upload the file: resolves with the job (202), rejects with an ApiError
 * (status 0 when the connection failed). onUpload(sent, total) as it goes.
 */
function upload(query, file, onUpload) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/imports?${new URLSearchParams(query)}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', 'text/csv');
    const tok = token();
    if (tok) xhr.setRequestHeader('Authorization', `Bearer ${tok}`);
    xhr.upload.onprogress = (e) => onUpload(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status === 202 || xhr.status === 200) resolve(data);
      else reject(new ApiError(xhr.status, data));
    };
    xhr.onerror = () => reject(new TypeError('network'));
    xhr.onabort = () => reject(new TypeError('network'));
    xhr.send(file);
  });
}

export function importPage(main) {
  const user = currentUser();
  if (!mayImport(user)) {
    main.append(h('section', { class: 'panel imp-forbidden', id: 'imp-forbidden', role: 'alert' },
      h('h1', { class: 'imp-title' }, t('imp.title')),
      h('p', { class: 'imp-forbidden-text' }, t('imp.forbidden')),
      h('a', { href: '/', 'data-link': '', class: 'btn-secondary' }, t('guest.back'))));
    return null;
  }

  let alive = true;
  let busy = false;
  let pollTimer = null;

  /* the form */
  const kindBox = h('div', { class: 'imp-kinds', role: 'radiogroup', 'data-field': 'kind', 'aria-label': t('imp.kind') },
    KINDS.map((k) => h('label', { class: 'imp-kind', for: `imp-kind-${k}` },
      h('input', { type: 'radio', name: 'imp-kind', value: k, id: `imp-kind-${k}` }),
      h('span', { class: 'imp-kind-name' }, kindText(k)))));
  const storeSel = h('select', { id: 'imp-store', 'data-field': 'store' },
    h('option', { value: '' }, t('imp.store_none')));
  const encSel = h('select', { id: 'imp-encoding', 'data-field': 'encoding' },
    h('option', { value: 'auto' }, t('imp.enc.auto')),
    h('option', { value: 'utf-8' }, t('imp.enc.utf8')),
    h('option', { value: 'gb18030' }, t('imp.enc.gb18030')));
  const dateSel = h('select', { id: 'imp-date', 'data-field': 'date_format' },
    h('option', { value: 'ymd' }, t('imp.date.ymd')),
    h('option', { value: 'dmy' }, t('imp.date.dmy')),
    h('option', { value: 'mdy' }, t('imp.date.mdy')));
  const strict = h('input', { type: 'checkbox', id: 'imp-strict', 'data-field': 'strict' });
  /* the browser's own file button speaks the browser's language: ours speaks the console's */
  const fileInput = h('input', { type: 'file', id: 'imp-file', class: 'imp-file-input', accept: '.csv,text/csv', 'data-field': 'file' });
  const fileName = h('span', { class: 'imp-file-name', id: 'imp-file-name' }, t('imp.file_none'));
  const fileInfo = h('span', { class: 'field-hint', id: 'imp-file-info' }, t('imp.file_hint'));
  const startBtn = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'imp-start' }, t('imp.start'));

  const form = h('form', { class: 'panel imp-form', id: 'imp-form', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('fieldset', { class: 'imp-fieldset' },
      h('legend', { class: 'field-label' }, t('imp.kind')),
      kindBox),
    h('div', { class: 'grid-2' },
      field(t('imp.store'), storeSel, t('imp.store_hint')),
      field(t('imp.encoding'), encSel),
      field(t('imp.date_format'), dateSel, t('imp.date_hint'))),
    h('label', { class: 'field imp-check', for: 'imp-strict' }, strict,
      h('span', {}, h('strong', {}, t('imp.strict')), h('span', { class: 'field-hint imp-check-hint' }, t('imp.strict_hint')))),
    h('div', { class: 'field imp-file' },
      h('span', { class: 'field-label' }, t('imp.file')),
      h('div', { class: 'imp-file-row' },
        fileInput,
        h('label', { for: 'imp-file', class: 'btn-secondary imp-file-btn', id: 'imp-file-btn' }, t('imp.file_choose')),
        fileName),
      fileInfo),
    h('div', { class: 'form-actions' }, startBtn));

  const help = h('aside', { class: 'panel imp-help', id: 'imp-help' },
    h('h2', { class: 'imp-h2' }, t('imp.help.title')),
    h('p', {}, h('strong', {}, t('imp.kind.guests')), t('imp.help.sep'), t('imp.help.guests')),
    h('p', {}, h('strong', {}, t('imp.kind.visits')), t('imp.help.sep'), t('imp.help.visits')),
    h('p', {}, h('strong', {}, t('imp.kind.dishes')), t('imp.help.sep'), t('imp.help.dishes')),
    h('p', { class: 'imp-help-again' }, t('imp.help.again')),
    h('p', { class: 'muted' }, t('imp.help.encoding')));

  /* progress: the upload, then the server's own */
  const upBar = h('progress', { id: 'imp-upload-bar', class: 'imp-bar', max: 100, value: 0 });
  const upText = h('span', { class: 'imp-bar-text', id: 'imp-upload-text' });
  const jobBar = h('progress', { id: 'imp-job-bar', class: 'imp-bar', max: 100, value: 0 });
  const jobText = h('span', { class: 'imp-bar-text', id: 'imp-job-text' });
  const rowsText = h('span', { class: 'imp-rows', id: 'imp-rows' });
  const progressBox = h('section', { class: 'panel imp-progress', id: 'imp-progress', hidden: true, 'aria-live': 'polite' },
    h('div', { class: 'imp-step' },
      h('div', { class: 'imp-step-head' }, h('strong', {}, t('imp.upload')), upText),
      upBar),
    h('div', { class: 'imp-step' },
      h('div', { class: 'imp-step-head' }, h('strong', {}, t('imp.server')), jobText),
      jobBar,
      rowsText));
  const resultBox = h('section', { class: 'imp-result', id: 'imp-result', hidden: true });
  const recentList = h('div', { class: 'imp-recent-list', id: 'imp-recent-list' });
  const recentBox = h('section', { class: 'panel imp-recent', id: 'imp-recent' },
    h('div', { class: 'imp-recent-head' },
      h('h2', { class: 'imp-h2' }, t('imp.recent')),
      h('button', { type: 'button', class: 'btn-secondary', id: 'imp-recent-refresh', onclick: () => loadRecent() }, t('imp.refresh'))),
    recentList);

  /* a grid: the help beside the form when wide, after the result when narrow */
  main.append(h('div', { class: 'imp', id: 'import' },
    h('div', { class: 'imp-head' },
      h('h1', { class: 'imp-title' }, t('imp.title')),
      h('p', { class: 'imp-intro muted' }, t('imp.intro'))),
    form, help, progressBox, resultBox, recentBox));

  cached('/stores').then((r) => {
    if (!alive) return;
    for (const s of r.items) storeSel.append(h('option', { value: s.code }, t('imp.store_option', { name: s.name, code: s.code })));
  }).catch(() => {});

  fileInput.addEventListener('change', () => {
    const f = fileInput.files[0];
    fileName.textContent = f ? f.name : t('imp.file_none');
    fileName.classList.toggle('chosen', !!f);
    fileInfo.textContent = f ? t('imp.file_chosen', { size: sizeText(f.size) }) : t('imp.file_hint');
  });

  function setBusy(on) {
    busy = on;
    startBtn.disabled = on;
    startBtn.textContent = on ? t('imp.running') : t('imp.start');
  }

  function showUpload(sent, total) {
    upBar.max = total || 1;
    upBar.value = Math.min(sent, total || 1);
    upText.textContent = t('imp.upload_progress', { pct: pct(sent, total), sent: sizeText(sent), total: sizeText(total) });
  }

  function showJob(job) {
    const p = job.progress || {};
    if (job.status !== 'running') {
      jobBar.max = 1;
      jobBar.value = 1;
      jobText.textContent = statusText(job.status);
    } else if (p.phase === 'writing') {
      jobBar.max = p.orders_total || 1;
      jobBar.value = Math.min(p.orders_written || 0, p.orders_total || 1);
      jobText.textContent = t('imp.writing', { done: p.orders_written || 0, total: p.orders_total || 0 });
    } else {
      jobBar.max = p.bytes_total || 1;
      jobBar.value = Math.min(p.bytes_read || 0, p.bytes_total || 1);
      jobText.textContent = t('imp.reading', { pct: pct(p.bytes_read, p.bytes_total), read: sizeText(p.bytes_read), total: sizeText(p.bytes_total) });
    }
    rowsText.textContent = t('imp.rows', { n: p.rows || 0 });
  }

  function stat(key, label, value, cls) {
    return h('div', { class: `imp-stat${cls ? ` ${cls}` : ''}`, id: `imp-sum-${key}` },
      h('span', { class: 'v' }, String(value ?? 0)),
      h('span', { class: 'k' }, label));
  }

  function summaryView(job) {
    const s = job.summary || {};
    const title = t('imp.result_title', { id: job.id, kind: kindText(job.kind) });
    if (job.status === 'failed') {
      return h('div', { class: 'panel imp-failed', id: 'imp-failed', role: 'alert' },
        h('h2', { class: 'imp-h2' }, title),
        h('p', { class: 'imp-failed-text' }, t('imp.failed', { reason: jobErrorText(job) })),
        job.error && job.error.message && job.error.message !== jobErrorText(job)
          ? h('p', { class: 'imp-failed-detail' }, job.error.message) : null,
        job.error && job.error.field ? h('p', { class: 'muted' }, t('imp.failed_field', { field: job.error.field })) : null,
        h('p', { class: 'muted' }, t('imp.failed_nothing')));
    }
    const stats = [
      stat('read', t('imp.sum.read'), s.read),
      stat('inserted', t('imp.sum.inserted'), s.inserted, 'good'),
      stat('updated', t('imp.sum.updated'), s.updated),
      stat('unchanged', t('imp.sum.unchanged'), s.unchanged),
      stat('rejected', t('imp.sum.rejected'), s.rejected, s.rejected ? 'bad' : ''),
    ];
    if (job.kind === 'visits') {
      stats.push(stat('orders', t('imp.sum.orders'), s.orders));
      stats.push(stat('guests_created', t('imp.sum.guests_created'), s.guests_created));
    }
    let note = null;
    if (s.rolled_back) note = h('p', { class: 'imp-note imp-rolled-back', id: 'imp-rolled-back', role: 'alert' }, t('imp.rolled_back', { n: s.rejected }));
    else if (!s.rejected && !s.inserted && !s.updated && s.unchanged) note = h('p', { class: 'imp-note imp-same', id: 'imp-same' }, t('imp.nothing_changed'));
    else if (!s.rejected) note = h('p', { class: 'imp-note imp-ok', id: 'imp-ok' }, t('imp.all_ok'));
    else note = h('p', { class: 'imp-note imp-some-bad' }, t('imp.some_rejected', { n: s.rejected }));
    return h('div', { class: `panel imp-summary${s.rolled_back ? ' rolled' : ''}`, id: 'imp-summary', role: 'status' },
      h('h2', { class: 'imp-h2' }, title),
      h('div', { class: 'imp-stats' }, stats),
      note,
      rejectsView(job));
  }

  function rejectsView(job) {
    const rj = job.rejects || [];
    if (!rj.length) return null;
    const total = (job.summary && job.summary.rejected) || rj.length;
    return h('div', { class: 'imp-rejects-wrap' },
      h('h3', { class: 'imp-h3' }, t('imp.rejects_title')),
      h('table', { class: 'imp-rejects', id: 'imp-rejects' },
        h('thead', {}, h('tr', {},
          h('th', { class: 'imp-line' }, t('imp.rej.line')),
          h('th', { class: 'imp-col' }, t('imp.rej.column')),
          h('th', {}, t('imp.rej.reason')))),
        h('tbody', {}, rj.map((r) => h('tr', { class: 'imp-reject' },
          h('td', { class: 'imp-line' }, String(r.line)),
          h('td', { class: 'imp-col' }, r.column || '—'),
          h('td', { class: 'imp-reason' }, r.reason))))),
      job.rejects_truncated ? h('p', { class: 'imp-note imp-truncated', id: 'imp-truncated' }, t('imp.truncated', { shown: rj.length, total })) : null);
  }

  function showResult(job) {
    replace(resultBox, summaryView(job));
    resultBox.hidden = false;
  }

  function stopPolling() {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
  }

  /* Follow a job until it ends. */
  function watch(job) {
    stopPolling();
    progressBox.hidden = false;
    showJob(job);
    if (job.status !== 'running') {
      setBusy(false);
      showResult(job);
      loadRecent();
      return;
    }
    setBusy(true);
    pollTimer = setTimeout(async () => {
      pollTimer = null;
      if (!alive) return;
      try {
        const next = await api('GET', `/imports/${job.id}`);
        if (alive) watch(next);
      } catch (e) {
        if (!alive) return;
        if (e instanceof ApiError) {
          setBusy(false);
          showMessageBox(errorText(e));
        } else {
          /* a network blip: keep asking */
          watch(job);
        }
      }
    }, POLL_MS);
  }

  function showMessageBox(text) {
    replace(resultBox, h('div', { class: 'form-error', id: 'imp-error', role: 'alert' }, text));
    resultBox.hidden = false;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    clearErrors(form);
    const kind = (form.querySelector('input[name="imp-kind"]:checked') || {}).value;
    if (!kind) return showFieldMessage(form, 'kind', t('imp.pick_kind'));
    const file = fileInput.files[0];
    if (!file) return showFieldMessage(form, 'file', t('imp.pick_file'));
    if (file.size === 0) return showFieldMessage(form, 'file', t('imp.file_empty'));
    if (file.size > MAX_BYTES) return showFieldMessage(form, 'file', t('error.body_too_large'));
    const query = { kind, encoding: encSel.value, date_format: dateSel.value, strict: strict.checked ? 'true' : 'false' };
    if (storeSel.value) query.store = storeSel.value;
    setBusy(true);
    resultBox.hidden = true;
    progressBox.hidden = false;
    showUpload(0, file.size);
    jobBar.max = 1;
    jobBar.removeAttribute('value'); /* indeterminate until the server answers */
    jobText.textContent = t('imp.waiting');
    rowsText.textContent = '';
    progressBox.scrollIntoView({ block: 'nearest' });
    let job;
    try {
      job = await upload(query, file, showUpload);
    } catch (err) {
      if (!alive) return;
      setBusy(false);
      progressBox.hidden = true;
      if (err instanceof ApiError && err.status === 401) {
        clearSession();
        navigate('/login', { next: '/import' }, true);
        return;
      }
      if (err instanceof ApiError && err.status === 413) err.field = 'file';
      showError(form, err);
      const msg = form.querySelector('.field-error, .form-error:not([hidden])');
      if (msg) msg.scrollIntoView({ block: 'nearest' });
      return;
    }
    if (!alive) return;
    showUpload(file.size, file.size);
    watch(job);
  });

  function jobView(job) {
    const s = job.summary;
    const counts = s ? t('imp.recent_counts', {
      inserted: s.inserted, updated: s.updated, unchanged: s.unchanged, rejected: s.rejected,
    }) : '';
    let extra = s && job.kind === 'visits' ? t('imp.recent_orders', { n: s.orders }) : '';
    if (s && s.rolled_back) extra = t('imp.recent_rolled_back');
    return h('article', { class: `imp-job imp-job-${job.status}`, dataset: { id: job.id, status: job.status } },
      h('div', { class: 'imp-job-top' },
        h('span', { class: 'imp-job-id' }, t('imp.job_no', { id: job.id })),
        h('span', { class: 'imp-job-kind' }, kindText(job.kind)),
        job.store ? h('span', { class: 'imp-job-store' }, job.store) : null,
        h('span', { class: `imp-job-status badge` }, statusText(job.status)),
        h('span', { class: 'imp-job-when muted' }, dateTime(job.started_at)),
        h('span', { class: 'imp-job-who muted' }, job.created_by)),
      job.status === 'failed'
        ? h('div', { class: 'imp-job-counts imp-job-error' }, jobErrorText(job))
        : h('div', { class: 'imp-job-counts' }, job.status === 'running'
          ? t('imp.rows', { n: (job.progress && job.progress.rows) || 0 })
          : [counts, extra ? t('imp.recent_sep') : null, extra || null]));
  }

  async function loadRecent(resume = false) {
    try {
      const r = await api('GET', '/imports');
      if (!alive) return;
      if (!r.items.length) replace(recentList, h('p', { class: 'muted', id: 'imp-recent-none' }, t('imp.recent_none')));
      else replace(recentList, r.items.map(jobView));
      /* back on the page while one of ours still runs: follow it again */
      if (resume && !busy) {
        const mine = r.items.find((j) => j.status === 'running' && j.created_by === user.username);
        if (mine) watch(mine);
      }
    } catch (e) {
      if (!alive) return;
      replace(recentList, h('p', { class: 'form-error' }, errorText(e)));
    }
  }

  loadRecent(true);

  return {
    leave() {
      alive = false;
      stopPolling();
    },
  };
}
