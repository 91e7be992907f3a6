/*
 * surveys.js - 问卷 · satisfaction surveys (/surveys, permission
 * surveys.read; defining and inviting: surveys.manage). The surveys
 * (GET /surveys) as rows; one opened (its id in the address: ?id=) shows
 * its results (GET /surveys/{id}/results?store=&region=&from=&to=):
 * responses, the CSAT average and its 1..5 bars, the NPS as a gauge and
 * its 0..10 bars (detractors red, passives amber, promoters green), CSAT
 * and NPS by store, the choices' counts and the latest free texts, drawn
 * with ECharts (sv-charts.js) beside tables of the same figures. With
 * surveys.manage: a new survey or a change (name, when it is sent, store,
 * questions: CSAT, NPS, single choice with its options, free text, each
 * optional or required; the server's 400 next to the question it names),
 * switching it off and on, and inviting a guest (found by phone, tail or
 * name): the link /s/<token> is shown once, with a copy button, and the
 * invitations list (open / answered / expired) can issue a link again.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, storeMap, currentUser } from '../api.js';
import { can } from '../perms.js';
import { dateTime, date, phoneOf } from '../format.js';
import { errorText, showError, showFieldMessage, clearErrors, field } from '../forms.js';
import { forbiddenPanel } from './users.js';
import { classify } from './door.js';
import { loadECharts, drawChart, csatOption, npsGaugeOption, npsDistOption, byStoreOption } from './sv-charts.js';
import { statusLine } from './fb-words.js';

export const QTYPES = ['csat', 'nps', 'single_choice', 'text'];
export const TRIGGERS = ['manual', 'after_visit', 'monthly'];

/* ---- the survey editor ---- */

/*
 * The form defining a survey (POST /surveys) or changing one (PATCH:
 * name, active, questions; when it is sent and its store stay).
 * onSaved(survey), onCancel().
 */
function surveyEditor(stores, survey, { onSaved, onCancel }) {
  const me = currentUser() || {};
  const editing = !!survey;
  const name = h('input', { id: 'sv-ed-name', type: 'text', 'data-field': 'name', maxlength: 60, value: survey ? survey.name : t('sv.default.name'), autocomplete: 'off' });
  const trigger = h('div', { class: 'chips', id: 'sv-ed-trigger', role: 'radiogroup', 'data-field': 'trigger' },
    TRIGGERS.map((tr) => h('label', { class: 'chip chip-radio', id: `sv-ed-trigger-${tr}` },
      h('input', { type: 'radio', name: 'sv-ed-trigger', value: tr, checked: (survey ? survey.trigger : 'manual') === tr, disabled: editing }),
      h('span', {}, t(`sv.trigger.${tr}`)))));
  const store = h('select', { id: 'sv-ed-store', 'data-field': 'store_id', disabled: editing },
    h('option', { value: '' }, t('sv.all_stores')),
    [...stores.values()].map((s) => h('option', { value: String(s.id) }, t('adm.store_option', { name: s.name, code: s.code }))));
  store.value = survey ? String(survey.store_id || '') : String(me.store_id || '');
  const active = h('input', { type: 'checkbox', id: 'sv-ed-active', checked: survey ? survey.active : true });
  const list = h('ol', { class: 'sv-qlist', id: 'sv-ed-questions', 'data-field': 'questions' });

  function questionRow(q) {
    const type = h('select', { class: 'sv-q-type', 'data-field': 'type', 'aria-label': t('sv.q.type') },
      QTYPES.map((k) => h('option', { value: k, selected: q.type === k }, t(`sv.qtype.${k}`))));
    const text = h('input', { class: 'sv-q-text', type: 'text', maxlength: 200, value: q.text || '', 'aria-label': t('sv.q.text'), autocomplete: 'off' });
    const options = h('textarea', { class: 'sv-q-options', rows: 3, 'aria-label': t('sv.q.options'), value: (q.options || []).join('\n') });
    const optionsField = h('label', { class: 'field sv-q-options-field' }, h('span', { class: 'field-label' }, t('sv.q.options')), options, h('span', { class: 'field-hint' }, t('sv.q.options_hint')));
    const required = h('input', { type: 'checkbox', class: 'sv-q-required', checked: !!q.required });
    const remove = h('button', { type: 'button', class: 'btn-secondary sv-q-remove', 'aria-label': t('sv.q.remove') }, t('sv.q.remove'));
    const li = h('li', { class: 'sv-q' },
      h('div', { class: 'sv-q-head' },
        h('span', { class: 'sv-q-no' }),
        h('label', { class: 'field sv-q-type-field' }, h('span', { class: 'field-label' }, t('sv.q.type')), type),
        h('label', { class: 'sv-q-req' }, required, h('span', {}, t('sv.q.required'))),
        remove),
      h('label', { class: 'field sv-q-text-field' }, h('span', { class: 'field-label' }, t('sv.q.text')), text),
      optionsField);
    const sync = () => {
      optionsField.hidden = type.value !== 'single_choice';
    };
    type.addEventListener('change', () => {
      if (!text.value.trim() || Object.values(defaultTexts()).includes(text.value)) text.value = defaultTexts()[type.value] || '';
      sync();
    });
    remove.addEventListener('click', () => {
      li.remove();
      number();
    });
    sync();
    li.read = () => {
      const o = { type: type.value, text: text.value.trim(), required: required.checked };
      if (type.value === 'single_choice') o.options = options.value.split('\n').map((s) => s.trim()).filter(Boolean);
      return o;
    };
    li.parts = { type, text, options };
    return li;
  }
  const defaultTexts = () => ({ csat: t('sv.default.csat'), nps: t('sv.default.nps'), single_choice: t('sv.default.choice'), text: t('sv.default.text') });

  /* number the questions and name their inputs as the server does (questions[i].text) */
  function number() {
    [...list.children].forEach((li, i) => {
      li.querySelector('.sv-q-no').textContent = t('sv.q.no', { n: i + 1 });
      li.dataset.field = `questions[${i}]`;
      li.id = `sv-ed-q-${i}`;
      li.parts.type.dataset.field = `questions[${i}].type`;
      li.parts.type.id = `sv-ed-q-${i}-type`;
      li.parts.text.dataset.field = `questions[${i}].text`;
      li.parts.text.id = `sv-ed-q-${i}-text`;
      li.parts.options.dataset.field = `questions[${i}].options`;
      li.parts.options.id = `sv-ed-q-${i}-options`;
    });
  }
  function add(q) {
    list.append(questionRow(q));
    number();
  }
  const initial = survey ? survey.questions : [
    { type: 'csat', text: t('sv.default.csat'), required: true },
    { type: 'nps', text: t('sv.default.nps'), required: false },
    { type: 'text', text: t('sv.default.text'), required: false },
  ];
  initial.forEach(add);
  const adders = h('div', { class: 'sv-adders' },
    h('span', { class: 'field-label' }, t('sv.q.add')),
    QTYPES.map((k) => h('button', {
      type: 'button', class: 'btn-secondary sv-add', id: `sv-ed-add-${k}`,
      onclick: () => add({ type: k, text: defaultTexts()[k], options: k === 'single_choice' ? [] : undefined }),
    }, `＋ ${t(`sv.qtype.${k}`)}`)));

  const save = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'sv-ed-save' }, t(editing ? 'sv.ed.save_changes' : 'sv.ed.create'));
  const cancel = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'sv-ed-cancel', onclick: () => onCancel() }, t('fb.cancel'));
  const form = h('form', { class: 'panel adm-form sv-editor', id: 'sv-editor', novalidate: true },
    h('h2', { class: 'panel-title' }, editing ? t('sv.ed.edit_title', { name: survey.name }) : t('sv.ed.new_title')),
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'grid-2' },
      field(t('sv.name'), name),
      field(t('sv.store'), store, editing ? t('sv.ed.fixed') : t('sv.ed.store_hint'))),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('sv.trigger')), trigger,
      h('span', { class: 'field-hint' }, editing ? t('sv.ed.fixed') : t('sv.ed.trigger_hint'))),
    h('label', { class: 'adm-check field sv-active', for: 'sv-ed-active' }, active, h('span', {}, t('sv.ed.active'))),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('sv.questions')), list, adders),
    h('p', { class: 'field-hint' }, t('sv.ed.rules')),
    h('div', { class: 'form-actions' }, save, cancel));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const questions = [...list.children].map((li) => li.read());
    save.disabled = true;
    try {
      let r;
      if (editing) {
        r = await api('PATCH', `/surveys/${survey.id}`, { body: { name: name.value.trim(), active: active.checked, questions } });
      } else {
        const body = {
          name: name.value.trim(),
          trigger: (trigger.querySelector('input:checked') || {}).value || 'manual',
          active: active.checked,
          questions,
        };
        if (store.value) body.store_id = Number(store.value);
        r = await api('POST', '/surveys', { body });
      }
      onSaved(r);
    } catch (err) {
      showError(form, err);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

/* ---- inviting a guest ---- */

function inviteBox(survey, stores, onInvited) {
  let picked = null;
  let seq = 0;
  let timer = null;
  const search = h('input', { id: 'sv-inv-search', type: 'search', 'data-field': 'customer_id', autocomplete: 'off', placeholder: t('door.placeholder') });
  const results = h('div', { class: 'sv-inv-results', id: 'sv-inv-results' });
  const chosen = h('div', { class: 'sv-inv-chosen', id: 'sv-inv-chosen', hidden: true });
  const store = h('select', { id: 'sv-inv-store', 'data-field': 'store_id' },
    h('option', { value: '' }, t('sv.inv.store_auto')),
    [...stores.values()].filter((s) => !survey.store_id || s.id === survey.store_id)
      .map((s) => h('option', { value: String(s.id) }, t('adm.store_option', { name: s.name, code: s.code }))));
  const make = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'sv-inv-create' }, t('sv.inv.create'));
  const tokenSlot = h('div', { id: 'sv-inv-token-slot' });
  const form = h('form', { class: 'sv-inv-form', id: 'sv-inv-form', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    field(t('sv.inv.guest'), search, t('sv.inv.guest_hint')),
    results, chosen,
    field(t('sv.inv.store'), store, t('sv.inv.store_hint')),
    h('div', { class: 'form-actions' }, make));

  function pick(c) {
    picked = c;
    replace(results);
    replace(chosen, h('span', { class: 'sv-inv-name' }, c.name || t('guest.no_name')), ' ', h('span', { class: 'muted' }, phoneOf(c)));
    chosen.hidden = false;
  }
  search.addEventListener('input', () => {
    clearTimeout(timer);
    picked = null;
    chosen.hidden = true;
    timer = setTimeout(async () => {
      const my = ++seq;
      const q = classify(search.value);
      if (!q || q.incomplete) {
        replace(results);
        return;
      }
      try {
        const r = await api('GET', '/customers', { query: { ...q, limit: 8 } });
        if (my !== seq) return;
        replace(results, r.items.length ? r.items.map((c) => h('button', {
          type: 'button', class: 'sv-inv-guest', id: `sv-inv-guest-${c.id}`, onclick: () => pick(c),
        }, h('span', { class: 'result-name' }, c.name || t('guest.no_name')), h('span', { class: 'muted' }, phoneOf(c))))
          : h('p', { class: 'muted' }, t('door.none')));
      } catch (err) {
        if (my === seq) replace(results, h('p', { class: 'adm-status-error' }, errorText(err)));
      }
    }, 200);
  });

  function showToken(inv) {
    const url = `${location.origin}${inv.link}`;
    const input = h('input', { id: 'sv-inv-link', type: 'text', readonly: true, value: url });
    const copied = h('span', { class: 'key-copied', id: 'sv-inv-copied', role: 'status' });
    replace(tokenSlot, h('section', { class: 'panel key-token sv-inv-token', id: 'sv-inv-token' },
      h('h3', { class: 'key-token-title' }, t('sv.inv.link_title', { name: inv.customer_name || '' })),
      h('p', { class: 'key-token-warn' }, t('sv.inv.link_once')),
      h('div', { class: 'key-token-row' }, input,
        h('button', {
          type: 'button', class: 'btn-secondary key-copy', id: 'sv-inv-copy',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(url);
            } catch {
              input.select();
              document.execCommand('copy');
            }
            copied.textContent = t('sv.inv.copied');
          },
        }, t('fb.qr.copy'))),
      copied,
      h('p', { class: 'muted' }, t('sv.inv.expires', { at: dateTime(inv.expires_at) })),
      h('button', { type: 'button', class: 'btn-secondary', id: 'sv-inv-close', onclick: () => replace(tokenSlot) }, t('sv.inv.close'))));
    tokenSlot.scrollIntoView({ block: 'nearest' });
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!picked) {
      showFieldMessage(form, 'customer_id', t('sv.inv.pick_guest'));
      return;
    }
    const body = { customer_id: picked.id };
    if (store.value) body.store_id = Number(store.value);
    make.disabled = true;
    try {
      const inv = await api('POST', `/surveys/${survey.id}/invites`, { body });
      showToken(inv);
      search.value = '';
      picked = null;
      chosen.hidden = true;
      onInvited();
    } catch (err) {
      showError(form, err);
    } finally {
      make.disabled = false;
    }
  });
  return { form, tokenSlot, showToken };
}

export function surveysPage(main) {
  if (!can('surveys.read')) {
    main.append(forbiddenPanel('surveys-forbidden', 'sv.title', 'sv.forbidden'));
    return null;
  }
  let alive = true;
  let stores = new Map();
  let surveys = [];
  let charts = [];
  let gen = 0;
  const manage = can('surveys.manage');
  const q = new URLSearchParams(location.search);
  let openId = /^[1-9][0-9]*$/.test(q.get('id') || '') ? Number(q.get('id')) : null;

  const status = statusLine('sv-status');
  const notice = h('div', { class: 'adm-notice', id: 'sv-notice', role: 'status', hidden: true });
  const list = h('div', { class: 'adm-list sv-list', id: 'sv-list' });
  const editorSlot = h('div', { id: 'sv-editor-slot' });
  const detail = h('div', { class: 'sv-detail', id: 'sv-detail' });
  const newBtn = manage ? h('button', { type: 'button', class: 'btn-primary btn-big', id: 'sv-new' }, t('sv.new')) : null;

  function say(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }
  function disposeCharts() {
    for (const c of charts) c.dispose();
    charts = [];
  }

  function openEditor(survey) {
    say('');
    replace(editorSlot, surveyEditor(stores, survey, {
      onSaved: async (s) => {
        replace(editorSlot);
        say(t(survey ? 'sv.saved' : 'sv.created', { name: s.name }));
        openId = s.id;
        await loadList();
      },
      onCancel: () => replace(editorSlot),
    }));
    editorSlot.scrollIntoView({ block: 'start' });
  }
  if (newBtn) newBtn.addEventListener('click', () => openEditor(null));

  function row(s) {
    return h('div', { class: `adm-row sv-row${s.id === openId ? ' open' : ''}${s.active ? '' : ' disabled'}`, id: `sv-row-${s.id}`, dataset: { id: s.id } },
      h('div', { class: 'adm-row-main' },
        h('div', { class: 'adm-row-top' },
          h('span', { class: 'adm-row-name' }, s.name),
          h('span', { class: `badge ${s.active ? 'adm-on' : 'adm-off'}` }, t(s.active ? 'sv.active' : 'sv.inactive')),
          h('span', { class: 'badge' }, t(`sv.trigger.${s.trigger}`))),
        h('div', { class: 'adm-row-meta' },
          h('span', {}, s.store ? s.store.name : t('sv.all_stores')),
          h('span', {}, t('sv.n_questions', { n: (s.questions || []).length })),
          h('span', {}, t('sv.n_invites', { n: s.invites ?? 0 })),
          h('span', { class: 'sv-row-responses' }, t('sv.n_responses', { n: s.responses ?? 0 })))),
      h('div', { class: 'adm-row-actions' },
        h('button', { type: 'button', class: 'btn-secondary', id: `sv-open-${s.id}`, onclick: () => open(s.id) }, t('sv.open'))));
  }

  /* the list; reopen: draw the opened survey again (not after an invitation: its link stays) */
  async function loadList(reopen = true) {
    status.loading();
    try {
      const r = await api('GET', '/surveys', { query: { limit: 100 } });
      if (!alive) return;
      surveys = r.items;
      replace(list, surveys.length ? surveys.map(row) : h('p', { class: 'muted', id: 'sv-none' }, t(manage ? 'sv.none_manage' : 'sv.none')));
      status.ok();
      if (!reopen) return;
      if (!openId && surveys.length) openId = surveys[0].id;
      if (openId && surveys.some((s) => s.id === openId)) open(openId, false);
      else replace(detail);
    } catch (err) {
      if (alive) status.error(err);
    }
  }

  /* ---- one survey: actions, invitations, results ---- */
  function open(id, scroll = true) {
    openId = id;
    const s = surveys.find((x) => x.id === id);
    if (!s) return;
    for (const el of list.querySelectorAll('.sv-row')) el.classList.toggle('open', Number(el.dataset.id) === id);
    const qs = new URLSearchParams(location.search);
    qs.set('id', String(id));
    history.replaceState(history.state, '', `/surveys?${qs}`);
    disposeCharts();
    const my = ++gen;

    /* results filters */
    const fStore = h('select', { id: 'sv-f-store', 'data-field': 'store' }, h('option', { value: '' }, t('sv.all_stores')),
      [...stores.values()].map((st) => h('option', { value: st.code }, t('adm.store_option', { name: st.name, code: st.code }))));
    const regions = [...new Set([...stores.values()].map((st) => st.region).filter(Boolean))].sort();
    const fRegion = h('select', { id: 'sv-f-region', 'data-field': 'region' }, h('option', { value: '' }, t('seg.all_regions')), regions.map((r) => h('option', { value: r }, r)));
    const fFrom = h('input', { id: 'sv-f-from', type: 'date', 'data-field': 'from', value: qs.get('from') || '' });
    const fTo = h('input', { id: 'sv-f-to', type: 'date', 'data-field': 'to', value: qs.get('to') || '' });
    fStore.value = qs.get('store') || '';
    fRegion.value = qs.get('region') || '';
    const filters = h('form', { class: 'panel seg-filters sv-filters', id: 'sv-filters', novalidate: true },
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      h('div', { class: 'seg-filter-grid' },
        field(t('seg.store'), fStore), field(t('seg.region'), fRegion), field(t('seg.from'), fFrom), field(t('seg.to'), fTo)),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn-primary', id: 'sv-f-apply' }, t('seg.apply'))));
    const results = h('div', { class: 'sv-results', id: 'sv-results' });
    filters.addEventListener('submit', (e) => {
      e.preventDefault();
      loadResults();
    });

    async function loadResults() {
      clearErrors(filters);
      if (fFrom.value && fTo.value && fFrom.value > fTo.value) {
        showFieldMessage(filters, 'to', t('seg.bad_range'));
        return;
      }
      const query = { store: fStore.value || null, region: fRegion.value || null, from: fFrom.value || null, to: fTo.value || null };
      const aq = new URLSearchParams({ id: String(id) });
      for (const [k, v] of Object.entries(query)) if (v) aq.set(k, v);
      history.replaceState(history.state, '', `/surveys?${aq}`);
      replace(results, h('p', { class: 'adm-status' }, t('adm.loading')));
      try {
        const r = await api('GET', `/surveys/${id}/results`, { query });
        if (!alive || my !== gen) return;
        await renderResults(r, results, my);
      } catch (err) {
        if (!alive || my !== gen) return;
        if (err.field && filters.querySelector(`[data-field="${err.field}"]`)) {
          showFieldMessage(filters, err.field, errorText(err));
          replace(results);
        } else {
          replace(results, h('p', { class: 'adm-status adm-status-error' }, errorText(err)));
        }
      }
    }

    /* actions (surveys.manage) */
    let actions = null;
    let invites = null;
    if (manage) {
      const toggle = h('button', { type: 'button', class: 'btn-secondary', id: 'sv-toggle' }, t(s.active ? 'sv.deactivate' : 'sv.activate'));
      const edit = h('button', { type: 'button', class: 'btn-secondary', id: 'sv-edit', onclick: () => openEditor(s) }, t('sv.edit'));
      const actError = h('p', { class: 'adm-status adm-status-error', id: 'sv-act-error', role: 'alert' });
      toggle.addEventListener('click', async () => {
        toggle.disabled = true;
        try {
          await api('PATCH', `/surveys/${s.id}`, { body: { active: !s.active } });
          say(t(s.active ? 'sv.deactivated' : 'sv.activated', { name: s.name }));
          await loadList();
        } catch (err) {
          actError.textContent = errorText(err);
          toggle.disabled = false;
        }
      });
      actions = h('div', { class: 'adm-toolbar sv-actions' }, edit, toggle, actError);

      const inviteList = h('div', { class: 'adm-list sv-inv-list', id: 'sv-inv-list' });
      const box = inviteBox(s, stores, () => {
        loadInvites();
        loadList(false);
      });
      async function loadInvites() {
        try {
          const r = await api('GET', `/surveys/${s.id}/invites`, { query: { limit: 20 } });
          if (!alive || my !== gen) return;
          replace(inviteList, r.items.length ? r.items.map((v) => h('div', { class: `adm-row sv-inv sv-inv-${v.status}`, id: `sv-inv-${v.id}` },
            h('div', { class: 'adm-row-main' },
              h('div', { class: 'adm-row-top' },
                h('span', { class: 'adm-row-name' }, v.customer_name || t('guest.no_name')),
                h('span', { class: `badge sv-inv-status-${v.status}` }, t(`sv.inv.status.${v.status}`))),
              h('div', { class: 'adm-row-meta' },
                h('span', {}, v.store ? v.store.name : ''),
                h('span', {}, t('sv.inv.created', { at: dateTime(v.created_at) })),
                v.responded_at ? h('span', {}, t('sv.inv.answered', { at: dateTime(v.responded_at) })) : h('span', {}, t('sv.inv.until', { at: date(v.expires_at) })))),
            v.status !== 'answered' && s.active ? h('div', { class: 'adm-row-actions' },
              h('button', {
                type: 'button', class: 'btn-secondary', id: `sv-inv-relink-${v.id}`,
                onclick: async (ev) => {
                  ev.target.disabled = true;
                  try {
                    const r2 = await api('POST', `/surveys/${s.id}/invites/${v.id}/link`);
                    box.showToken(r2);
                    loadInvites();
                  } catch (err) {
                    ev.target.disabled = false;
                    say(errorText(err));
                  }
                },
              }, t('sv.inv.relink'))) : null))
            : h('p', { class: 'muted' }, t('sv.inv.none')));
        } catch (err) {
          if (alive && my === gen) replace(inviteList, h('p', { class: 'adm-status-error' }, errorText(err)));
        }
      }
      invites = h('section', { class: 'panel sv-invites', id: 'sv-invites' },
        h('h3', { class: 'panel-title' }, t('sv.inv.title')),
        s.active ? box.form : h('p', { class: 'muted', id: 'sv-inv-inactive' }, t('sv.inv.inactive')),
        box.tokenSlot,
        h('h3', { class: 'sv-h3' }, t('sv.inv.recent')),
        inviteList);
      loadInvites();
    }

    replace(detail, h('section', { class: 'sv-open', id: `sv-open-box-${id}` },
      h('div', { class: 'sv-open-head' },
        h('h2', { class: 'adm-title sv-open-title', id: 'sv-open-title' }, s.name),
        h('p', { class: 'muted' }, t(`sv.trigger.${s.trigger}.long`), ' · ', s.store ? s.store.name : t('sv.all_stores'))),
      actions,
      h('h3', { class: 'sv-h3' }, t('sv.results')),
      filters, results, invites));
    loadResults();
    if (scroll) detail.scrollIntoView({ block: 'start' });
  }

  /* ---- results ---- */
  function figure(idName, value, label, cls = '') {
    return h('div', { class: `imp-stat sv-fig ${cls}`, id: idName }, h('span', { class: 'v' }, value), h('span', { class: 'k' }, label));
  }
  function chartBox(idName, label) {
    return h('div', { class: 'sv-chart', id: idName, role: 'img', 'aria-label': label });
  }
  function distTable(idName, dist, keys, head) {
    return h('table', { class: 'sv-table', id: idName },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, head), h('th', { scope: 'col' }, t('sv.chart.answers')))),
      h('tbody', {}, keys.map((k) => h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, String(dist[k] ?? 0))))));
  }

  async function renderResults(r, box, my) {
    disposeCharts();
    const csat = r.csat || {};
    const nps = r.nps || {};
    const figs = h('div', { class: 'imp-stats sv-figs', id: 'sv-figs' },
      figure('sv-fig-responses', String(r.responses ?? 0), t('sv.responses')),
      figure('sv-fig-csat', csat.average === null || csat.average === undefined ? '—' : Number(csat.average).toFixed(2), t('sv.csat_avg_n', { n: csat.count ?? 0 })),
      figure('sv-fig-nps', nps.score === null || nps.score === undefined ? '—' : String(nps.score), t('sv.nps_n', { n: nps.count ?? 0 }),
        nps.score > 0 ? 'good' : nps.score < 0 ? 'bad' : ''));
    if (!r.responses) {
      replace(box, figs, h('p', { class: 'muted sv-no-responses', id: 'sv-no-responses' }, t('sv.no_responses')));
      return;
    }
    const csatChart = chartBox('sv-chart-csat', t('sv.chart.csat'));
    const gauge = chartBox('sv-chart-nps', t('sv.chart.nps'));
    const npsDist = chartBox('sv-chart-nps-dist', t('sv.chart.nps_dist'));
    const byStore = chartBox('sv-chart-stores', t('sv.chart.stores'));
    const missing = h('p', { class: 'muted', id: 'sv-charts-missing', hidden: true }, t('sv.charts_missing'));
    const groups = h('p', { class: 'sv-nps-groups', id: 'sv-nps-groups' },
      h('span', { class: 'sv-promoters' }, t('sv.promoters', { n: nps.promoters ?? 0 })),
      h('span', { class: 'sv-passives' }, t('sv.passives', { n: nps.passives ?? 0 })),
      h('span', { class: 'sv-detractors' }, t('sv.detractors', { n: nps.detractors ?? 0 })));
    const storeRows = r.by_store || [];
    const storeTable = h('table', { class: 'sv-table', id: 'sv-store-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('sv.store')), h('th', { scope: 'col' }, t('sv.responses')),
        h('th', { scope: 'col' }, t('sv.csat_avg')), h('th', { scope: 'col' }, 'NPS'))),
      h('tbody', {}, storeRows.map((w) => h('tr', { dataset: { code: w.code } },
        h('td', {}, w.name || w.code), h('td', { class: 'num' }, String(w.responses)),
        h('td', { class: 'num' }, w.csat_avg === null ? '—' : Number(w.csat_avg).toFixed(2)),
        h('td', { class: 'num' }, w.nps === null ? '—' : String(w.nps))))));
    const questions = (r.questions || []).filter((qq) => qq.type === 'single_choice' || qq.type === 'text').map((qq) => {
      if (qq.type === 'single_choice') {
        const max = Math.max(1, ...(qq.options || []).map((o) => o.count));
        return h('section', { class: 'panel sv-qres', id: `sv-q-${qq.index}` },
          h('h4', { class: 'sv-qres-title' }, qq.text, h('span', { class: 'muted' }, ` · ${t('sv.n_answers', { n: qq.count })}`)),
          h('div', { class: 'seg-bars' }, (qq.options || []).map((o) => {
            const fill = h('span', { class: 'seg-fill' });
            fill.style.width = `${(100 * o.count) / max}%`;
            return h('div', { class: 'seg-row sv-opt', dataset: { count: o.count } },
              h('span', { class: 'seg-label' }, o.option), h('span', { class: 'seg-bar' }, fill),
              h('span', { class: 'seg-count' }, String(o.count)));
          })));
      }
      return h('section', { class: 'panel sv-qres', id: `sv-q-${qq.index}` },
        h('h4', { class: 'sv-qres-title' }, qq.text, h('span', { class: 'muted' }, ` · ${t('sv.n_answers', { n: qq.count })}`)),
        (qq.latest || []).length ? h('ul', { class: 'sv-texts' }, qq.latest.map((x) => h('li', {},
          h('span', { class: 'sv-text' }, x.text), h('span', { class: 'muted sv-text-at' }, dateTime(x.at)))))
          : h('p', { class: 'muted' }, t('sv.no_texts')));
    });
    replace(box, figs, missing,
      h('div', { class: 'sv-charts' },
        h('section', { class: 'panel sv-chart-panel' }, h('h4', { class: 'sv-qres-title' }, t('sv.chart.csat')), csatChart,
          h('details', { class: 'sv-data' }, h('summary', {}, t('sv.data')), distTable('sv-csat-table', csat.distribution || {}, ['1', '2', '3', '4', '5'], 'CSAT'))),
        h('section', { class: 'panel sv-chart-panel' }, h('h4', { class: 'sv-qres-title' }, t('sv.chart.nps')), gauge, groups),
        h('section', { class: 'panel sv-chart-panel' }, h('h4', { class: 'sv-qres-title' }, t('sv.chart.nps_dist')), npsDist,
          h('details', { class: 'sv-data' }, h('summary', {}, t('sv.data')), distTable('sv-nps-table', nps.distribution || {}, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], 'NPS'))),
        h('section', { class: 'panel sv-chart-panel sv-chart-wide' }, h('h4', { class: 'sv-qres-title' }, t('sv.chart.stores')), byStore, storeTable)),
      questions);
    const echarts = await loadECharts();
    if (!alive || my !== gen) return;
    if (!echarts) {
      missing.hidden = false;
      for (const el of [csatChart, gauge, npsDist, byStore]) el.hidden = true;
      return;
    }
    charts.push(drawChart(echarts, csatChart, csatOption(csat.distribution || {})));
    if (nps.count) charts.push(drawChart(echarts, gauge, npsGaugeOption(nps.score)));
    else replace(gauge, h('p', { class: 'muted' }, t('sv.no_nps')));
    if (nps.count) charts.push(drawChart(echarts, npsDist, npsDistOption(nps.distribution || {})));
    else npsDist.hidden = true;
    if (storeRows.length) charts.push(drawChart(echarts, byStore, byStoreOption(storeRows)));
    else byStore.hidden = true;
    box.dataset.charts = String(charts.length);
  }

  main.append(h('section', { class: 'adm sv', id: 'surveys' },
    h('div', { class: 'adm-head' },
      h('h1', { class: 'adm-title' }, t('sv.title')),
      h('p', { class: 'adm-intro' }, t('sv.intro'))),
    newBtn ? h('div', { class: 'adm-toolbar' }, newBtn) : null,
    notice, editorSlot,
    h('section', { class: 'panel adm-list-box' }, h('h2', { class: 'panel-title' }, t('sv.list')), status.el, list),
    detail));

  storeMap().then((m) => {
    stores = m;
  }).catch(() => {}).finally(() => {
    if (alive) loadList();
  });
  return {
    leave() {
      alive = false;
      gen += 1;
      disposeCharts();
    },
  };
}
