/*
 * feedback-ticket.js - one piece of feedback and its complaint ticket
 * (/feedback/{id}, permission feedback.read; GET /feedback/{id}): what
 * the guest said (stars, category, channel, text, dish, staff, contact
 * and call-back wish, the guest's card), the ticket's step, owner and
 * deadlines (an overdue one red), what each step recorded (root cause,
 * solution, result, the guest's satisfaction), and the history of its
 * steps as a timeline (who, when, note). With tickets.manage: the move
 * to the next step (the required field asked for, the server's 400/409
 * next to it), a new owner and the recovery coupon (PATCH /feedback/{id}
 * with the ticket's version).
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, currentUser } from '../api.js';
import { can } from '../perms.js';
import { dateTime, money, phoneOf } from '../format.js';
import { errorText, showFieldMessage, clearErrors, field } from '../forms.js';
import { forbiddenPanel } from './users.js';
import { yuanToFen } from './settings-classification.js';
import {
  statusText, categoryText, channelText, starsEl, ageText, overdueText, moveForm, moveButtons, STATUSES, showTicketError,
} from './fb-words.js';

/* The server's notes of an owner change or a coupon, in words. */
const SERVER_NOTES = { 'owner changed': 'fb.note.owner_changed', 'recovery coupon attached': 'fb.note.coupon' };
function noteText(note) {
  if (!note) return '';
  return note.split('; ').map((p) => (SERVER_NOTES[p] ? t(SERVER_NOTES[p]) : p)).join(t('list.sep'));
}

function kv(key, value, id, cls = '') {
  return h('div', { class: `kv ${cls}`, id }, h('span', { class: 'k' }, t(key)), h('span', { class: 'v' }, value));
}

export function feedbackTicketPage(main, { id }) {
  if (!can('feedback.read')) {
    main.append(forbiddenPanel('feedback-forbidden', 'fb.ticket.title_plain', 'fb.forbidden'));
    return null;
  }
  let alive = true;
  let fb = null;
  const me = currentUser() || {};
  const manage = can('tickets.manage');
  const notice = h('div', { class: 'adm-notice', id: 'fbt-notice', role: 'status', hidden: true });
  const body = h('div', { class: 'fbt-body', id: 'fbt-body' }, h('p', { class: 'adm-status' }, t('adm.loading')));

  function say(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  async function reload(text) {
    try {
      const r = await api('GET', `/feedback/${id}`);
      if (!alive) return;
      fb = r;
      render();
      if (text !== undefined) say(text);
    } catch (err) {
      if (!alive) return;
      replace(body, h('section', { class: 'panel adm-forbidden', id: 'fbt-error' },
        h('p', { class: 'adm-forbidden-text' }, err.status === 404 ? t('fb.ticket.not_found') : errorText(err)),
        h('a', { href: '/feedback', 'data-link': '', class: 'btn-secondary' }, t('fb.back'))));
    }
  }

  /* ---- what the guest said ---- */
  function saidPanel() {
    const c = fb.contact;
    return h('section', { class: 'panel fbt-said', id: 'fbt-said' },
      h('h2', { class: 'panel-title' }, t('fb.ticket.said')),
      h('div', { class: 'fbt-said-top' },
        starsEl(fb.rating, 'fb-stars-big'),
        h('span', { class: 'fb-cat' }, categoryText(fb.category)),
        h('span', { class: 'badge' }, channelText(fb.channel)),
        fb.complaint ? h('span', { class: 'badge fb-complaint-badge', id: 'fbt-complaint' }, t('fb.complaint')) : h('span', { class: 'badge fb-praise-badge' }, t('fb.no_ticket_badge'))),
      h('p', { class: 'fbt-text', id: 'fbt-text' }, fb.text || t('fb.no_text')),
      kv('fb.store', fb.store ? fb.store.name : '—', 'fbt-store'),
      kv('fb.received_at', `${dateTime(fb.received_at)} · ${ageText(fb.received_at)}`, 'fbt-received'),
      fb.dish ? kv('fb.dish', fb.dish.name, 'fbt-dish') : null,
      fb.staff ? kv('fb.staff', fb.staff.name, 'fbt-staff') : null,
      fb.customer_id ? kv('fb.guest', can('guests.find')
        ? h('a', { href: `/guests/${fb.customer_id}`, 'data-link': '', id: 'fbt-guest' }, fb.customer_name || t('guest.no_name'))
        : (fb.customer_name || '—'), 'fbt-guest-row') : null,
      c ? kv('fb.contact', [c.name || '', c.name && (c.phone || c.phone_masked) ? ' · ' : '', phoneOf(c),
        c.callback ? h('span', { class: 'badge fb-callback', id: 'fbt-callback' }, t('fb.callback_wanted')) : null], 'fbt-contact') : null,
      kv('fb.source', t(`fb.source.${fb.source}`), 'fbt-source'));
  }

  /* ---- the ticket ---- */
  function deadline(key, due, done, late, idName) {
    let state;
    if (done) state = h('span', { class: 'fbt-done' }, t('fb.done_at', { at: dateTime(done) }));
    else if (late) state = h('span', { class: 'fbt-late' }, t('fb.deadline_passed'));
    else state = h('span', { class: 'muted' }, t('fb.deadline_open'));
    return h('div', { class: `kv fbt-deadline${late ? ' late' : ''}`, id: idName },
      h('span', { class: 'k' }, t(key)),
      h('span', { class: 'v' }, dateTime(due), ' ', state));
  }

  function ticketPanel() {
    const tk = fb.ticket;
    const slot = h('div', { class: 'fb-move-slot', id: 'fbt-move-slot' });
    const late = overdueText(tk);
    const progress = h('ol', { class: 'fbt-progress', 'aria-label': t('fb.ticket.steps') },
      STATUSES.map((s, i) => h('li', {
        class: `fbt-progress-step${s === tk.status ? ' now' : ''}${i < STATUSES.indexOf(tk.status) ? ' past' : ''}`,
        'aria-current': s === tk.status ? 'step' : null,
      }, statusText(s))));
    return h('section', { class: `panel fbt-ticket${late ? ' overdue' : ''}`, id: 'fbt-ticket' },
      h('div', { class: 'fbt-ticket-head' },
        h('h2', { class: 'panel-title' }, t('fb.ticket.ticket')),
        h('span', { class: `fbt-status fbt-status-${tk.status}`, id: 'fbt-status' }, statusText(tk.status)),
        tk.reopened ? h('span', { class: 'badge', id: 'fbt-reopened' }, t('fb.reopened_n', { n: tk.reopened })) : null),
      progress,
      late ? h('p', { class: 'fb-overdue', id: 'fbt-overdue', role: 'alert' }, late) : null,
      kv('fb.owner', tk.owner ? tk.owner.name : t('fb.no_owner'), 'fbt-owner'),
      deadline('fb.response_due', tk.response_due_at, tk.first_response_at, tk.response_overdue, 'fbt-response-due'),
      deadline('fb.resolve_due', tk.resolve_due_at, tk.closed_at, tk.resolve_overdue, 'fbt-resolve-due'),
      tk.root_cause ? kv('fb.need.root_cause', tk.root_cause, 'fbt-root-cause', 'fbt-rec') : null,
      tk.solution ? kv('fb.need.solution', tk.solution, 'fbt-solution', 'fbt-rec') : null,
      tk.result ? kv('fb.need.result', tk.result, 'fbt-result', 'fbt-rec') : null,
      tk.satisfaction ? kv('fb.need.satisfaction', starsEl(tk.satisfaction), 'fbt-satisfaction', 'fbt-rec') : null,
      tk.coupon ? kv('fb.coupon', [money(tk.coupon.value_fen), tk.coupon.note ? ` · ${tk.coupon.note}` : '',
        h('span', { class: 'muted' }, ` · ${dateTime(tk.coupon.at)}`)], 'fbt-coupon') : null,
      manage && tk.next.length ? h('div', { class: 'fb-card-actions fbt-actions' }, moveButtons(fb, 'fbt', (to) => {
        replace(slot, moveForm(fb, to, {
          idPrefix: 'fbt-move',
          onDone: (r) => reload(t('fb.moved', { id: r.id, step: statusText(to) })),
          onCancel: () => replace(slot),
        }));
      })) : null,
      slot);
  }

  /* ---- history ---- */
  function historyPanel() {
    const steps = fb.steps || [];
    return h('section', { class: 'panel fbt-history', id: 'fbt-history' },
      h('h2', { class: 'panel-title' }, t('fb.ticket.history')),
      steps.length ? h('ol', { class: 'fbt-timeline', id: 'fbt-timeline' }, steps.map((s, i) => {
        const same = s.from === s.to;
        let what;
        if (!s.from) what = t('fb.step.opened');
        else if (same) what = t('fb.step.update');
        else if (s.from === 'closed' && s.to === 'received') what = t('fb.step.reopened');
        else what = t('fb.step.move', { from: statusText(s.from), to: statusText(s.to) });
        return h('li', { class: `fbt-step${same ? ' update' : ''}`, id: `fbt-step-${i}`, dataset: { from: s.from || '', to: s.to } },
          h('span', { class: 'fbt-step-dot', 'aria-hidden': 'true' }),
          h('div', { class: 'fbt-step-body' },
            h('div', { class: 'fbt-step-what' }, what),
            h('div', { class: 'fbt-step-meta muted' },
              h('span', { class: 'fbt-step-by' }, s.by ? s.by.name : (s.key_id ? t('fb.by_key', { id: s.key_id }) : t('fb.by_system'))),
              ' · ', h('span', { class: 'fbt-step-at' }, dateTime(s.at))),
            s.note ? h('div', { class: 'fbt-step-note' }, noteText(s.note)) : null));
      })) : h('p', { class: 'muted' }, t('fb.ticket.no_history')));
  }

  /* ---- owner and coupon (tickets.manage) ---- */
  function managePanel() {
    const tk = fb.ticket;
    const people = new Map();
    if (tk.owner) people.set(tk.owner.id, tk.owner.name);
    if (me.id) people.set(me.id, me.display_name || me.username);
    for (const s of fb.steps || []) if (s.by) people.set(s.by.id, s.by.name);
    const owner = h('select', { id: 'fbt-owner-select', 'data-field': 'owner_user_id' });
    const fill = () => {
      replace(owner, [...people].map(([uid, name]) => h('option', { value: String(uid), selected: tk.owner && tk.owner.id === uid },
        uid === me.id ? t('fb.owner_me', { name }) : name)));
    };
    fill();
    if (can('users.manage')) {
      api('GET', '/users').then((r) => {
        if (!alive) return;
        for (const u of r.items || []) if (!u.disabled && (u.role === 'manager' || u.role === 'admin')) people.set(u.id, u.display_name || u.username);
        fill();
      }).catch(() => {});
    }
    const ownerSave = h('button', { type: 'submit', class: 'btn-secondary', id: 'fbt-owner-save' }, t('fb.owner_save'));
    const ownerForm = h('form', { class: 'fbt-owner-form', id: 'fbt-owner-form', novalidate: true },
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      field(t('fb.owner_change'), owner),
      h('div', { class: 'form-actions' }, ownerSave));
    ownerForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(ownerForm);
      ownerSave.disabled = true;
      try {
        await api('PATCH', `/feedback/${fb.id}`, { body: { owner_user_id: Number(owner.value), version: tk.version } });
        await reload(t('fb.owner_saved'));
      } catch (err) {
        showTicketError(ownerForm, err);
      } finally {
        ownerSave.disabled = false;
      }
    });

    const value = h('input', { id: 'fbt-coupon-value', type: 'text', inputmode: 'decimal', 'data-field': 'coupon.value_fen', autocomplete: 'off', placeholder: '50' });
    const cnote = h('input', { id: 'fbt-coupon-note', type: 'text', 'data-field': 'coupon.note', maxlength: 200, autocomplete: 'off' });
    const couponSave = h('button', { type: 'submit', class: 'btn-secondary', id: 'fbt-coupon-save' }, t('fb.coupon_save'));
    const couponForm = h('form', { class: 'fbt-coupon-form', id: 'fbt-coupon-form', novalidate: true },
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      h('div', { class: 'grid-2' },
        field(t('fb.coupon_value'), value, t('fb.coupon_value.hint')),
        field(t('fb.coupon_note'), cnote)),
      h('p', { class: 'field-hint' }, t('fb.coupon_hint')),
      h('div', { class: 'form-actions' }, couponSave));
    couponForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(couponForm);
      const fen = yuanToFen(value.value);
      if (!fen) {
        showFieldMessage(couponForm, 'coupon.value_fen', t('fb.coupon_bad'));
        return;
      }
      couponSave.disabled = true;
      try {
        const coupon = { value_fen: fen };
        if (cnote.value.trim()) coupon.note = cnote.value.trim();
        await api('PATCH', `/feedback/${fb.id}`, { body: { coupon, version: tk.version } });
        await reload(t('fb.coupon_saved', { value: money(fen) }));
      } catch (err) {
        showTicketError(couponForm, err);
      } finally {
        couponSave.disabled = false;
      }
    });
    return h('section', { class: 'panel fbt-manage', id: 'fbt-manage' },
      h('h2', { class: 'panel-title' }, t('fb.ticket.manage')),
      ownerForm,
      h('h3', { class: 'fbt-h3' }, t('fb.coupon')),
      couponForm);
  }

  function render() {
    say('');
    replace(body,
      h('div', { class: 'fbt-head' },
        h('h1', { class: 'adm-title', id: 'fbt-title' }, t('fb.ticket.title', { id: fb.id })),
        fb.ticket ? null : h('p', { class: 'muted', id: 'fbt-no-ticket' }, t('fb.ticket.no_ticket'))),
      h('div', { class: 'fbt-grid' },
        h('div', { class: 'col' }, saidPanel(), fb.ticket ? historyPanel() : null),
        fb.ticket ? h('div', { class: 'col' }, ticketPanel(), manage ? managePanel() : null) : null));
  }

  main.append(h('section', { class: 'adm fbt', id: 'feedback-ticket' },
    h('a', { href: '/feedback', 'data-link': '', class: 'back', id: 'fbt-back' }, t('fb.back')),
    notice, body));
  reload();
  return {
    leave() {
      alive = false;
    },
  };
}
