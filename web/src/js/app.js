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
fallback(doorPage);

let current = null;

async function render(path, state) {
  if (current && current.leave) current.leave();
  current = null;
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
