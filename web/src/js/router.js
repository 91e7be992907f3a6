/*
 * router.js - client-side routes with history.pushState. Links marked
 * data-link navigate without a reload.
 */
const routes = [];
let notFound = null;
let render = null;

/* route('/guests/:id', fn) - fn(params, state) renders the page. */
export function route(pattern, fn) {
  const names = [];
  const re = new RegExp(
    `^${pattern.replace(/:(\w+)/g, (_, n) => {
      names.push(n);
      return '([1-9][0-9]*)';
    })}/?$`,
  );
  routes.push({ re, names, fn });
}

export function fallback(fn) {
  notFound = fn;
}

export function onRender(fn) {
  render = fn;
}

export function resolve(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      r.names.forEach((n, i) => {
        params[n] = Number(m[i + 1]);
      });
      return { fn: r.fn, params };
    }
  }
  return { fn: notFound, params: {} };
}

export function navigate(path, state = null, replace = false) {
  if (replace) history.replaceState(state, '', path);
  else history.pushState(state, '', path);
  return render(location.pathname, state);
}

export function startRouter() {
  window.addEventListener('popstate', (e) => render(location.pathname, e.state));
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[data-link]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(a.getAttribute('href'));
  });
  return render(location.pathname, history.state);
}
