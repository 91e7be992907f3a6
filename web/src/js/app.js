/*
 * app.js - the console's entry: language, session, header and routes.
 */
import { initI18n } from './i18n.js';
import { token, clearSession, setUnauthorizedHandler } from './api.js';
import { route, fallback, onRender, startRouter, resolve, navigate } from './router.js';
import { renderHeader, hideHeader } from './header.js';
import { loginPage } from './pages/login.js';
import { doorPage } from './pages/door.js';
import { guestPage } from './pages/guest.js';
import { newGuestPage } from './pages/guest-new.js';
import { duplicatesPage } from './pages/duplicates.js';
import { importPage } from './pages/import.js';
import { usersPage } from './pages/users.js';
import { keysPage } from './pages/keys.js';
import { auditPage } from './pages/audit.js';
import { segmentsPage } from './pages/segments.js';
import { classificationSettingsPage } from './pages/settings-classification.js';
import { feedbackBoardPage } from './pages/feedback-board.js';
import { feedbackTicketPage } from './pages/feedback-ticket.js';
import { feedbackNewPage } from './pages/feedback-new.js';
import { surveysPage } from './pages/surveys.js';
import { alertsPage } from './pages/alerts.js';
import { publicFeedbackPage } from './pages/public-feedback.js';
import { publicSurveyPage } from './pages/public-survey.js';
import { loadPermissions, can, homePath } from './perms.js';

const main = document.getElementById('main');

route('/login', loginPage);
route('/', doorPage);
route('/guests/new', newGuestPage);
route('/guests/:id', guestPage);
route('/duplicates', duplicatesPage);
route('/import', importPage);
route('/users', usersPage);
route('/keys', keysPage);
route('/audit', auditPage);
route('/segments', segmentsPage);
route('/settings/classification', classificationSettingsPage);
route('/feedback', feedbackBoardPage);
route('/feedback/new', feedbackNewPage);
route('/feedback/:id', feedbackTicketPage);
route('/surveys', surveysPage);
route('/alerts', alertsPage);
fallback(doorPage);

/*
 * The guests' pages: no login and no staff header. /f/{STORE_CODE} is a
 * store's feedback form (its QR code), /s/{token} a survey invitation.
 */
const PUBLIC = [
  [/^\/f\/([A-Za-z0-9_-]{1,16})\/?$/, publicFeedbackPage, 'code'],
  [/^\/s\/([A-Za-z0-9_-]{8,128})\/?$/, publicSurveyPage, 'token'],
];
function publicRoute(path) {
  for (const [re, fn, name] of PUBLIC) {
    const m = re.exec(path);
    if (m) return { fn, params: { [name]: m[1] } };
  }
  return null;
}

let current = null;

async function render(path, state) {
  if (current && current.leave) current.leave();
  current = null;
  const pub = publicRoute(path);
  if (pub) {
    hideHeader();
    document.body.classList.add('public');
    main.replaceChildren();
    current = (await pub.fn(main, pub.params, state || {})) || null;
    return current;
  }
  document.body.classList.remove('public');
  if (!token() && path !== '/login') {
    return navigate('/login', { next: path }, true);
  }
  const { fn, params } = resolve(path);
  if (path !== '/login') {
    try {
      await loadPermissions();
    } catch {
      /* a 401 logs out; otherwise the header shows what it knows */
    }
    if (!token()) return null;
    /* an account without guest search (support) starts at its own tools */
    if (fn === doorPage && !can('guests.find') && homePath() !== '/') return navigate(homePath(), null, true);
  }
  if (path === '/login') hideHeader();
  else renderHeader(() => render(location.pathname, history.state));
  main.replaceChildren();
  current = (await fn(main, params, state || {})) || null;
  return current;
}

setUnauthorizedHandler(() => {
  clearSession();
  if (location.pathname !== '/login') navigate('/login', { next: location.pathname }, true);
});

async function boot() {
  await initI18n();
  onRender(render);
  await startRouter();
  document.body.dataset.ready = '1';
}

boot();
