/*
 * guest-privacy.js - the guest card's privacy block: marketing consent
 * now and its history (GET /customers/{id}/consent; guests.find), recording
 * a consent given or withdrawn with its channel (POST, guests.write), and
 * the guest's rights: everything laoke holds as a JSON download
 * (GET /customers/{id}/export, guests.rights) and erasure for good
 * (POST /customers/{id}/erase {reason}, guests.erase) behind a dialog
 * where the reason is typed before the button works. After erasure the
 * door page opens with a notice. Each part shows only with its permission.
 */
import { h, replace } from '../dom.js';
import { t, has } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../perms.js';
import { navigate } from '../router.js';
import { date, dateTime } from '../format.js';
import { errorText, showError, showFieldMessage, clearErrors } from '../forms.js';

export const CONSENT_CHANNELS = ['in_store', 'online_booking', 'member_card', 'app', 'wechat', 'phone', 'form'];

function channelText(c) {
  const k = `consent.channel.${c}`;
  return c ? (has(k) ? t(k) : c) : '—';
}

function personText(p) {
  if (p === null || p === undefined || p === '') return null;
  if (typeof p === 'object') return p.display_name || p.username || (p.id ? `#${p.id}` : null);
  if (typeof p === 'number') return `#${p}`;
  return String(p);
}

/* radio chips with data-field name */
function radioChips(name, values, label, text) {
  return h('div', { class: 'chips privacy-chips', 'data-field': name, role: 'radiogroup', 'aria-label': label },
    values.map((v) => h('label', { class: `chip chip-radio privacy-chip privacy-${name}-${v}`, dataset: { value: v } },
      h('input', { type: 'radio', name: `privacy-${name}`, value: v, id: `${name}-${v}` }),
      h('span', {}, text(v)))));
}

/* Save a JSON value as a file named name. */
function download(name, value) {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, class: 'privacy-download-link', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/* today in Asia/Shanghai, "2024-03-05" */
function today() {
  return date(new Date().toISOString());
}

export function privacySection(customerId) {
  const now = h('div', { class: 'consent-now', id: 'consent-now' }, h('span', { class: 'muted' }, t('privacy.loading')));
  const history = h('ol', { class: 'consent-history', id: 'consent-history' });
  const box = h('section', { class: 'panel privacy', id: 'privacy' },
    h('h2', { class: 'panel-title' }, t('privacy.title')));

  function renderNow(cur) {
    const c = cur || {};
    let cls = 'unknown';
    let text = t('privacy.consent_unknown');
    if (c.marketing_consent === true) {
      cls = 'given';
      text = t('privacy.consent_given');
    } else if (c.marketing_consent === false) {
      cls = c.consent_at ? 'withdrawn' : 'unknown';
      text = c.consent_at ? t('privacy.consent_withdrawn') : t('privacy.consent_unknown');
    }
    replace(now,
      h('span', { class: `consent-badge consent-${cls}`, id: 'consent-state', dataset: { state: cls } }, text),
      c.consent_at ? h('span', { class: 'consent-when' }, t('privacy.consent_since', { at: dateTime(c.consent_at), channel: channelText(c.consent_channel) })) : null);
  }

  function renderHistory(items) {
    replace(history, items.length ? items.map((it) => {
      const by = personText(it.recorded_by);
      return h('li', { class: `consent-item consent-item-${it.consent}`, dataset: { id: it.id, consent: it.consent, channel: it.channel } },
        h('span', { class: `consent-badge consent-${it.consent === 'given' ? 'given' : 'withdrawn'}` },
          it.consent === 'given' ? t('privacy.given') : t('privacy.withdrawn')),
        h('span', { class: 'consent-item-channel' }, channelText(it.channel)),
        h('span', { class: 'consent-item-at' }, dateTime(it.at)),
        by ? h('span', { class: 'consent-item-by muted' }, t('privacy.recorded_by', { who: by })) : null,
        it.via_key ? h('span', { class: 'consent-item-key muted' }, t('privacy.via_key')) : null,
        it.note ? h('span', { class: 'consent-item-note' }, it.note) : null);
    }) : h('li', { class: 'muted consent-none' }, t('privacy.no_history')));
  }

  async function reload() {
    try {
      const r = await api('GET', `/customers/${customerId}/consent`);
      renderNow(r.current);
      renderHistory(r.items || []);
    } catch (err) {
      replace(now, h('span', { class: 'form-error consent-error' }, errorText(err)));
      replace(history);
    }
  }

  /* ---- record consent (guests.write) ---- */
  function consentForm() {
    const consent = radioChips('consent', ['given', 'withdrawn'], t('privacy.consent'),
      (v) => (v === 'given' ? t('privacy.give') : t('privacy.withdraw')));
    const channel = radioChips('channel', CONSENT_CHANNELS, t('privacy.channel'), channelText);
    const note = h('input', { id: 'consent-note', 'data-field': 'note', autocomplete: 'off', maxlength: 200, placeholder: t('privacy.note_placeholder') });
    const save = h('button', { type: 'submit', class: 'btn-primary btn-big', id: 'consent-save' }, t('privacy.save'));
    const form = h('form', { class: 'consent-form', id: 'consent-form', novalidate: true },
      h('h3', { class: 'privacy-h3' }, t('privacy.record_title')),
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('privacy.consent')), consent),
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('privacy.channel')), channel),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('privacy.note')), note),
      h('div', { class: 'form-actions' }, save));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const c = form.querySelector('input[name=privacy-consent]:checked');
      const ch = form.querySelector('input[name=privacy-channel]:checked');
      if (!c) return showFieldMessage(form, 'consent', t('privacy.pick_consent'));
      if (!ch) return showFieldMessage(form, 'channel', t('privacy.pick_channel'));
      const body = { consent: c.value, channel: ch.value };
      if (note.value.trim()) body.note = note.value.trim();
      save.disabled = true;
      try {
        await api('POST', `/customers/${customerId}/consent`, { body });
        form.reset();
        await reload();
        const first = history.querySelector('.consent-item');
        if (first) first.classList.add('just-added');
      } catch (err) {
        showError(form, err);
      } finally {
        save.disabled = false;
      }
    });
    return form;
  }

  /* ---- the guest's rights (guests.rights, guests.erase) ---- */
  function rights() {
    const status = h('div', { class: 'privacy-status', id: 'privacy-status', role: 'status' });
    const out = h('div', { class: 'privacy-rights', id: 'privacy-rights' },
      h('h3', { class: 'privacy-h3' }, t('privacy.rights_title')));
    if (can('guests.rights')) {
      const exp = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'guest-export' }, t('privacy.export'));
      exp.addEventListener('click', async () => {
        exp.disabled = true;
        status.classList.remove('privacy-status-error');
        status.textContent = t('privacy.exporting');
        try {
          const data = await api('GET', `/customers/${customerId}/export`);
          const name = `guest-${customerId}-${today()}.json`;
          download(name, data);
          status.textContent = t('privacy.exported', { file: name });
        } catch (err) {
          status.textContent = errorText(err);
          status.classList.add('privacy-status-error');
        } finally {
          exp.disabled = false;
        }
      });
      out.append(h('div', { class: 'privacy-right' }, exp, h('p', { class: 'field-hint' }, t('privacy.export_hint'))));
    }
    if (can('guests.erase')) {
      const er = h('button', { type: 'button', class: 'btn-secondary btn-big adm-danger', id: 'guest-erase', onclick: () => eraseDialog() }, t('privacy.erase'));
      out.append(h('div', { class: 'privacy-right' }, er, h('p', { class: 'field-hint' }, t('privacy.erase_hint'))));
    }
    out.append(status);
    return out;
  }

  function eraseDialog() {
    const reason = h('textarea', { id: 'erase-reason', 'data-field': 'reason', rows: 3, maxlength: 500, placeholder: t('privacy.erase_reason_placeholder') });
    const ok = h('button', { type: 'submit', class: 'btn-primary btn-big adm-danger-fill', id: 'erase-confirm', disabled: true }, t('privacy.erase_ok'));
    const cancel = h('button', { type: 'button', class: 'btn-secondary btn-big', id: 'erase-cancel' }, t('common.cancel'));
    const form = h('form', { class: 'erase-form', method: 'dialog', novalidate: true },
      h('h2', { class: 'erase-title' }, t('privacy.erase_title', { id: customerId })),
      h('p', { class: 'erase-warn' }, t('privacy.erase_warn')),
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      h('label', { class: 'field' },
        h('span', { class: 'field-label' }, t('privacy.erase_reason')),
        reason,
        h('span', { class: 'field-hint' }, t('privacy.erase_reason_hint'))),
      h('div', { class: 'form-actions erase-actions' }, ok, cancel));
    const dlg = h('dialog', { class: 'erase-dialog', id: 'erase-dialog', 'aria-labelledby': 'erase-title' }, form);
    form.querySelector('.erase-title').id = 'erase-title';
    reason.addEventListener('input', () => {
      ok.disabled = !reason.value.trim();
    });
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => dlg.remove());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const why = reason.value.trim();
      if (!why) return showFieldMessage(form, 'reason', t('adm.required'));
      ok.disabled = cancel.disabled = true;
      try {
        await api('POST', `/customers/${customerId}/erase`, { body: { reason: why } });
        dlg.close();
        await navigate('/');
        const main = document.getElementById('main');
        if (main) main.prepend(h('div', { class: 'adm-notice erase-notice', id: 'erase-notice', role: 'status' }, t('privacy.erased', { id: customerId })));
      } catch (err) {
        showError(form, err);
        ok.disabled = !reason.value.trim();
        cancel.disabled = false;
      }
    });
    document.body.append(dlg);
    dlg.showModal();
    reason.focus();
  }

  box.append(now);
  if (can('guests.write')) box.append(consentForm());
  box.append(h('h3', { class: 'privacy-h3' }, t('privacy.history')), history);
  if (can('guests.rights') || can('guests.erase')) box.append(rights());
  if (can('audit.read')) {
    box.append(h('a', {
      href: `/audit?target_type=customer&target_id=${customerId}`, 'data-link': '', class: 'privacy-audit-link', id: 'guest-audit-link',
    }, t('privacy.audit_link')));
  }
  reload();
  return box;
}
