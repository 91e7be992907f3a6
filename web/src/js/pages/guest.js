/*
 * guest.js - the guest card: allergies first, then habits, birthday and
 * family, totals, tags and notes, visit history, and recording a visit.
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { money, date, phoneOf, birthdayText, birthdayCountdown, daysToBirthday } from '../format.js';
import { errorText } from '../forms.js';
import { factsSection } from './guest-facts.js';
import { visitsSection, visitForm } from './guest-visits.js';
import { privacySection } from './guest-privacy.js';
import { classificationSection } from './guest-classification.js';
import { can } from '../perms.js';

/* A guest with more than ¥5,000 spent in all is a VIP (seed 001). */
const VIP_FEN = 500000;

export function guestPage(main, { id }, state) {
  const head = h('section', { class: 'guest-head', id: 'guest-head' });
  const facts = factsSection(id);
  const birthday = h('section', { class: 'panel birthday', id: 'birthday' });
  const totals = h('section', { class: 'panel totals', id: 'totals' });
  const notes = h('section', { class: 'panel notes', id: 'notes' });
  const visits = visitsSection(id);
  const formSlot = h('div', { id: 'visit-form-slot' });
  const recordBtn = h('button', { type: 'button', class: 'btn-primary', id: 'record-visit', onclick: () => openForm() }, t('visit.record'));
  let alive = true;

  function renderHead(c) {
    const countdown = birthdayCountdown(c.birthday);
    const days = daysToBirthday(c.birthday);
    replace(head,
      h('div', { class: 'guest-id' },
        h('h1', { class: 'guest-name', id: 'guest-name' }, c.name || t('guest.no_name')),
        h('div', { class: 'guest-sub' },
          h('span', { class: 'guest-phone', id: 'guest-phone' }, phoneOf(c)),
          c.gender && c.gender !== 'unknown' ? h('span', { class: 'badge' }, t(`gender.${c.gender}`)) : null,
          c.total_spend_fen > VIP_FEN ? h('span', { class: 'badge badge-vip', id: 'vip' }, t('guest.vip')) : null,
          countdown ? h('span', { class: `badge badge-bday${days !== null && days <= 7 ? ' soon' : ''}`, id: 'bday-countdown' }, countdown) : null)),
      h('div', { class: 'guest-actions' }, recordBtn,
        can('feedback.write') ? h('a', {
          href: `/feedback/new?customer_id=${id}`, 'data-link': '', class: 'btn-secondary', id: 'guest-feedback',
        }, t('fb.new.button')) : null));
  }

  function renderBirthday(c) {
    const fam = c.family || [];
    replace(birthday,
      h('h2', { class: 'panel-title' }, t('guest.birthday_family')),
      h('div', { class: 'kv' },
        h('span', { class: 'k' }, t('guest.birthday')),
        h('span', { class: 'v' }, birthdayText(c.birthday),
          c.birthday ? h('span', { class: 'countdown' }, birthdayCountdown(c.birthday)) : null)),
      fam.length ? fam.map((m) => h('div', { class: 'kv family' },
        h('span', { class: 'k' }, m.relation),
        h('span', { class: 'v' }, m.name || '—',
          m.birthday ? h('span', { class: 'muted' }, ` · ${birthdayText(m.birthday)}`) : null,
          m.birthday ? h('span', { class: 'countdown' }, birthdayCountdown(m.birthday)) : null)))
        : h('div', { class: 'kv' }, h('span', { class: 'k' }, t('guest.family')), h('span', { class: 'v muted' }, '—')));
  }

  function renderTotals(c) {
    const avg = c.visit_count ? Math.round(c.total_spend_fen / c.visit_count) : 0;
    const stat = (key, value, idName) => h('div', { class: 'stat' },
      h('span', { class: 'stat-value', id: idName }, value), h('span', { class: 'stat-label' }, t(key)));
    replace(totals,
      h('h2', { class: 'panel-title' }, t('guest.totals')),
      h('div', { class: 'stats' },
        stat('guest.visit_count', String(c.visit_count), 'stat-visits'),
        stat('guest.total_spend', money(c.total_spend_fen), 'stat-spend'),
        stat('guest.avg_spend', money(avg), 'stat-avg'),
        stat('guest.first_visit', date(c.first_visit_at), 'stat-first'),
        stat('guest.last_visit', date(c.last_visit_at), 'stat-last')));
  }

  function renderNotes(c) {
    replace(notes,
      h('h2', { class: 'panel-title' }, t('guest.tags_notes')),
      h('div', { class: 'tags', id: 'tags' }, c.tags.length ? c.tags.map((tag) => h('span', { class: 'tag' }, tag)) : h('span', { class: 'muted' }, t('guest.no_tags'))),
      h('p', { class: 'notes-text', id: 'notes-text' }, c.notes || t('guest.no_notes')));
  }

  function show(c) {
    renderHead(c);
    renderBirthday(c);
    renderTotals(c);
    renderNotes(c);
  }

  async function loadGuest() {
    const c = await api('GET', `/customers/${id}`);
    if (alive) show(c);
    return c;
  }

  function openForm() {
    recordBtn.hidden = true;
    const form = visitForm(id, async () => {
      closeForm();
      await Promise.all([loadGuest(), visits.reload()]);
    }, closeForm);
    replace(formSlot, form);
    form.scrollIntoView({ block: 'start' });
  }
  function closeForm() {
    replace(formSlot);
    recordBtn.hidden = false;
  }

  if (state.guest && state.guest.id === id) renderHead(state.guest);
  main.append(h('div', { class: 'guest' },
    h('a', { href: '/', 'data-link': '', class: 'back', id: 'back' }, t('guest.back')),
    head,
    facts.allergyBox,
    can('classification.read') ? classificationSection(id).box : null,
    h('div', { class: 'guest-grid' },
      h('div', { class: 'col' }, facts.form, facts.factsBox),
      h('div', { class: 'col' }, birthday, totals, notes)),
    formSlot,
    visits.box,
    privacySection(id)));

  const failed = (err) => {
    if (!alive) return;
    replace(main, h('section', { class: 'panel' },
      h('h1', {}, err.status === 404 ? t('guest.not_found') : errorText(err)),
      h('a', { href: '/', 'data-link': '', class: 'btn-secondary' }, t('guest.back'))));
  };
  loadGuest().catch(failed);
  api('GET', `/customers/${id}/facts`).then((r) => alive && facts.set(r.items)).catch(failed);
  visits.reload();
  if (state.openVisit) openForm();

  return {
    leave() {
      alive = false;
    },
  };
}
