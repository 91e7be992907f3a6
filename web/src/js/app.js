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

const main = document.getElementById('main');

route('/login', loginPage);
route('/', doorPage);
route('/guests/new', newGuestPage);
route('/guests/:id', guestPage);
route('/duplicates', duplicatesPage);
route('/import', importPage);
fallback(doorPage);

let current = null;

async function render(path, state) {
  if (current && current.leave) current.leave();
  current = null;
  if (!token() && path !== '/login') {
    return navigate('/login', { next: path }, true);
  }
  if (path === '/login') hideHeader();
  else renderHeader(() => render(location.pathname, history.state));
  const { fn, params } = resolve(path);
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
