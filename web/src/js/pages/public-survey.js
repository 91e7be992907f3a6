/*
 * public-survey.js - a guest's survey at /s/{token} (the invitation's
 * link): no login, no staff header, Chinese first, made for a phone.
 * GET /public/survey?token= gives the survey's name, the store and the
 * questions: CSAT as five big faces-free buttons 1..5, NPS as 0..10, a
 * single choice as chips, free text as a box; required ones are marked.
 * POST /public/survey {token, answers: [{q, value}]} with one answer per
 * question in order (null when skipped), so the server's
 * "answers[i].value" names question i and its message lands under it.
 * An answered, expired or closed link (410, 409) and an unknown one (404)
 * say so in words; then a thank-you screen.
 */
import { h, replace } from '../dom.js';
import { t, setLang } from '../i18n.js';
import { showFieldMessage, clearErrors } from '../forms.js';
import { ApiError } from '../api.js';
import { publicApi, publicErrorText, langToggle } from './fb-words.js';

/* Buttons choosing one number lo..hi (a radio group). */
function scale(id, lo, hi, wordsOf) {
  let value = null;
  const buttons = [];
  for (let v = lo; v <= hi; v++) {
    buttons.push(h('button', {
      type: 'button', class: 'ps-scale-btn', id: `${id}-${v}`, role: 'radio', 'aria-checked': 'false', dataset: { v },
      'aria-label': wordsOf ? `${v} ${wordsOf(v)}` : String(v),
      onclick: () => set(v),
    }, String(v)));
  }
  function set(v) {
    value = v;
    buttons.forEach((b) => {
      const on = Number(b.dataset.v) === v;
      b.classList.toggle('on', on);
      b.setAttribute('aria-checked', on ? 'true' : 'false');
    });
  }
  return { buttons, get value() { return value; } };
}

/* A map of the server's codes for a dead link to words. */
const GONE = { already_answered: 'ps.gone.answered', expired: 'ps.gone.expired', survey_closed: 'ps.gone.closed', not_found: 'ps.gone.not_found' };

export function publicSurveyPage(main, { token }) {
  let alive = true;
  const rerender = () => {
    alive = false;
    replace(main);
    publicSurveyPage(main, { token });
  };
  const top = h('div', { class: 'pub-top' }, h('span', { class: 'pub-brand' }, t('app.brand')), langToggle(setLang, rerender));
  const wrap = h('section', { class: 'pub', id: 'public-survey' }, top, h('p', { class: 'pub-loading' }, t('pub.loading')));
  main.append(wrap);
  document.title = t('ps.title');

  function message(idName, text, sub) {
    replace(wrap, top, h('div', { class: 'pub-card pub-error', id: idName, role: 'alert' }, h('h1', {}, text), sub ? h('p', { class: 'muted' }, sub) : null));
  }
  function gone(err) {
    const key = err instanceof ApiError ? GONE[err.code] : null;
    message('ps-gone', key ? t(key) : publicErrorText(err), key ? t('ps.gone.sub') : null);
  }

  function form(sv) {
    const inputs = sv.questions.map((q, i) => {
      let read;
      let control;
      if (q.type === 'csat') {
        const s = scale(`ps-q${i}`, 1, 5, (v) => t(`ps.csat.${v}`));
        control = h('div', { class: 'ps-scale ps-csat', role: 'radiogroup', 'aria-label': q.text },
          s.buttons, h('div', { class: 'ps-scale-ends' }, h('span', {}, t('ps.csat.1')), h('span', {}, t('ps.csat.5'))));
        read = () => s.value;
      } else if (q.type === 'nps') {
        const s = scale(`ps-q${i}`, 0, 10);
        control = h('div', { class: 'ps-scale ps-nps', role: 'radiogroup', 'aria-label': q.text },
          s.buttons, h('div', { class: 'ps-scale-ends' }, h('span', {}, t('ps.nps.low')), h('span', {}, t('ps.nps.high'))));
        read = () => s.value;
      } else if (q.type === 'single_choice') {
        control = h('div', { class: 'chips ps-choices', role: 'radiogroup', 'aria-label': q.text },
          (q.options || []).map((o, j) => h('label', { class: 'chip chip-radio ps-choice', id: `ps-q${i}-opt${j}` },
            h('input', { type: 'radio', name: `ps-q${i}`, value: String(j) }), h('span', {}, o))));
        read = () => {
          const c = control.querySelector('input:checked');
          return c ? Number(c.value) : null;
        };
      } else {
        const ta = h('textarea', { id: `ps-q${i}-text`, rows: 4, maxlength: 1000 });
        control = ta;
        read = () => (ta.value.trim() ? ta.value.trim() : null);
      }
      const block = h('div', { class: 'field ps-q', id: `ps-q${i}`, 'data-field': `answers[${i}]` },
        h('span', { class: 'field-label ps-q-text' }, `${i + 1}. ${q.text}`,
          q.required ? h('span', { class: 'ps-required' }, ` ${t('ps.required')}`) : h('span', { class: 'muted ps-optional' }, ` ${t('ps.optional')}`)),
        control);
      /* answering clears the question's error */
      const settle = () => {
        if (!block.classList.contains('has-error')) return;
        block.classList.remove('has-error');
        block.removeAttribute('aria-invalid');
        for (const e of block.querySelectorAll('.field-error')) e.remove();
      };
      block.addEventListener('click', settle);
      block.addEventListener('input', settle);
      return { block, read, q };
    });
    const submit = h('button', { type: 'submit', class: 'btn-primary pub-submit', id: 'ps-submit' }, t('ps.submit'));
    const f = h('form', { class: 'pub-card pub-form', id: 'ps-form', novalidate: true },
      h('h1', { class: 'pub-title', id: 'ps-name' }, sv.name),
      h('p', { class: 'pub-intro' }, sv.store && sv.store.name ? t('ps.intro_store', { store: sv.store.name }) : t('ps.intro')),
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      inputs.map((x) => x.block),
      submit);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      const missing = inputs.findIndex((x) => x.q.required && (x.read() === null || x.read() === undefined));
      if (missing >= 0) {
        showFieldMessage(f, `answers[${missing}]`, t('ps.answer_this'));
        inputs[missing].block.scrollIntoView({ block: 'center' });
        return;
      }
      const answers = inputs.map((x, i) => ({ q: i, value: x.read() }));
      submit.disabled = true;
      try {
        await publicApi('POST', '/public/survey', { body: { token, answers } });
        if (!alive) return;
        replace(wrap, top, h('div', { class: 'pub-card pub-thanks', id: 'ps-thanks', role: 'status' },
          h('div', { class: 'pub-thanks-icon', 'aria-hidden': 'true' }, '✓'),
          h('h1', {}, t('ps.thanks')),
          h('p', { class: 'muted' }, t('ps.thanks_sub'))));
        window.scrollTo(0, 0);
      } catch (err) {
        if (!alive) return;
        if (err instanceof ApiError && (err.status === 410 || err.status === 409 || err.status === 404)) {
          gone(err);
          return;
        }
        const m = err instanceof ApiError && err.field ? /^answers\[(\d+)\]/.exec(err.field) : null;
        showFieldMessage(f, m ? `answers[${m[1]}]` : null, publicErrorText(err));
      } finally {
        submit.disabled = false;
      }
    });
    return f;
  }

  publicApi('GET', '/public/survey', { query: { token } }).then((sv) => {
    if (alive) replace(wrap, top, form(sv));
  }).catch((err) => {
    if (alive) gone(err);
  });
  return {
    leave() {
      alive = false;
    },
  };
}
