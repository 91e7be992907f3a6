/*
 * public-feedback.js - the guests' feedback form at /f/{STORE_CODE}, the
 * link behind a store's QR code: no login, no staff header, Chinese first,
 * made for a phone (works at 360 px; every tap target ≥ 48 px). The store
 * and its menu come from GET /public/feedback-form?store=; the guest taps
 * stars and a category, may write a few lines, pick a dish, leave a name
 * and phone and ask to be called back, and must tick the consent box.
 * POST /public/feedback; its errors (consent_required, missing_field,
 * invalid_phone, 413, 429 rate_limited with retry_after) are shown in the
 * page's language next to what they name; then a thank-you screen.
 */
import { h, replace } from '../dom.js';
import { t, setLang, currentLang } from '../i18n.js';
import { showFieldMessage, clearErrors } from '../forms.js';
import { ApiError } from '../api.js';
import { categoryText, starInput, chipGroup, publicApi, publicErrorText, langToggle } from './fb-words.js';

export function publicFeedbackPage(main, { code }) {
  let alive = true;
  const rerender = () => {
    replace(main);
    alive = false;
    publicFeedbackPage(main, { code });
  };
  const wrap = h('section', { class: 'pub', id: 'public-feedback' },
    h('div', { class: 'pub-top' }, h('span', { class: 'pub-brand' }, t('app.brand')), langToggle(setLang, rerender)),
    h('p', { class: 'pub-loading', id: 'pf-loading' }, t('pub.loading')));
  main.append(wrap);
  document.title = t('pub.fb.title');

  function fail(err) {
    const gone = err instanceof ApiError && err.status === 404;
    replace(wrap, wrap.firstChild,
      h('div', { class: 'pub-card pub-error', id: 'pf-error', role: 'alert' },
        h('h1', {}, gone ? t('pub.fb.no_store') : publicErrorText(err))));
  }

  function form(info) {
    const stars = starInput({ id: 'pf-rating', fieldName: 'rating', labelKey: 'pub.fb.rating' });
    const category = chipGroup({
      id: 'pf-category', name: 'pf-category', fieldName: 'category',
      values: info.categories, textOf: categoryText, selected: null, labelKey: 'pub.fb.category',
    });
    const max = info.text_max || 2000;
    const text = h('textarea', { id: 'pf-text', 'data-field': 'text', rows: 4, maxlength: max, placeholder: t('pub.fb.text_placeholder') });
    const count = h('span', { class: 'pub-count', id: 'pf-count' }, `0 / ${max}`);
    text.addEventListener('input', () => {
      count.textContent = `${[...text.value].length} / ${max}`;
    });
    const dish = h('select', { id: 'pf-dish', 'data-field': 'dish_id' },
      h('option', { value: '' }, t('pub.fb.no_dish')),
      (info.dishes || []).map((d) => h('option', { value: String(d.id) }, d.name)));
    const dishField = h('label', { class: 'field pub-dish', id: 'pf-dish-field', hidden: true },
      h('span', { class: 'field-label' }, t('pub.fb.dish')), dish);
    category.el.addEventListener('change', () => {
      dishField.hidden = category.value !== 'dish';
    });
    const name = h('input', { id: 'pf-name', type: 'text', 'data-field': 'name', autocomplete: 'name', maxlength: 40 });
    const phone = h('input', { id: 'pf-phone', type: 'tel', 'data-field': 'phone', autocomplete: 'tel', inputmode: 'tel', maxlength: 20 });
    const callback = h('input', { type: 'checkbox', id: 'pf-callback', 'data-field': 'callback' });
    const consent = h('input', { type: 'checkbox', id: 'pf-consent', 'data-field': 'consent' });
    const submit = h('button', { type: 'submit', class: 'btn-primary pub-submit', id: 'pf-submit' }, t('pub.fb.submit'));
    const f = h('form', { class: 'pub-card pub-form', id: 'pf-form', novalidate: true },
      h('h1', { class: 'pub-title', id: 'pf-store' }, info.store.name),
      h('p', { class: 'pub-intro' }, t('pub.fb.intro')),
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      h('div', { class: 'field pub-stars' }, h('span', { class: 'field-label' }, t('pub.fb.rating')), stars.el),
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('pub.fb.category')), category.el),
      dishField,
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('pub.fb.text')), text, count),
      h('fieldset', { class: 'pub-contact' },
        h('legend', {}, t('pub.fb.contact')),
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('pub.fb.name')), name),
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('pub.fb.phone')), phone),
        h('label', { class: 'pub-check field', for: 'pf-callback' }, callback, h('span', {}, t('pub.fb.callback')))),
      h('label', { class: 'pub-check pub-consent field', for: 'pf-consent' }, consent,
        h('span', {}, h('strong', {}, t('pub.fb.consent')), h('span', { class: 'field-hint' }, t('pub.fb.consent_text')))),
      submit);

    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      const body = { store: info.store.code, category: category.value || 'other', consent: consent.checked };
      if (!category.value && !stars.value && !text.value.trim()) {
        showFieldMessage(f, 'rating', t('pub.fb.need_something'));
        return;
      }
      if (stars.value) body.rating = stars.value;
      if (text.value.trim()) body.text = text.value.trim();
      if (dish.value && category.value === 'dish') body.dish_id = Number(dish.value);
      if (name.value.trim()) body.name = name.value.trim();
      if (phone.value.trim()) body.phone = phone.value.trim();
      if (callback.checked) body.callback = true;
      submit.disabled = true;
      try {
        const r = await publicApi('POST', '/public/feedback', { body });
        if (!alive) return;
        thanks(r);
      } catch (err) {
        if (!alive) return;
        const known = err instanceof ApiError && err.field && f.querySelector(`[data-field="${err.field}"]`);
        let msg = publicErrorText(err);
        if (err instanceof ApiError && err.code === 'missing_field' && err.field === 'rating') msg = t('pub.fb.need_something');
        if (err instanceof ApiError && err.code === 'missing_field' && err.field === 'phone') msg = t('pub.fb.need_phone');
        showFieldMessage(f, known ? err.field : null, msg);
      } finally {
        submit.disabled = false;
      }
    });
    return f;
  }

  function thanks(r) {
    replace(wrap, wrap.firstChild,
      h('div', { class: 'pub-card pub-thanks', id: 'pf-thanks', role: 'status' },
        h('div', { class: 'pub-thanks-icon', 'aria-hidden': 'true' }, '✓'),
        h('h1', { id: 'pf-thanks-text' }, currentLang() === 'en' ? r.message_en : r.message_zh),
        h('p', { class: 'muted' }, t('pub.fb.thanks_more')),
        h('button', { type: 'button', class: 'btn-secondary', id: 'pf-again', onclick: rerender }, t('pub.fb.again'))));
    window.scrollTo(0, 0);
  }

  publicApi('GET', '/public/feedback-form', { query: { store: code } }).then((info) => {
    if (!alive) return;
    replace(wrap, wrap.firstChild, form(info));
  }).catch((err) => {
    if (alive) fail(err);
  });
  return {
    leave() {
      alive = false;
    },
  };
}
