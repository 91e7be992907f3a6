/*
 * api.js - calls to /api/v1 with the staff token; errors become ApiError
 * carrying the server's code, message and field.
 */
const TOKEN = 'laoke.token';
const USER = 'laoke.user';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'error';
    this.field = e.field || null;
    this.existingId = e.existing_id || null;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function currentUser() {
  const s = sessionStorage.getItem(USER);
  return s ? JSON.parse(s) : null;
}

export function saveSession(tok, user) {
  sessionStorage.setItem(TOKEN, tok);
  sessionStorage.setItem(USER, JSON.stringify(user));
}

export function clearSession() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(USER);
  cache.clear();
}

/* api('GET', '/customers', {query: {phone_tail: '5678'}, signal}) */
export async function api(method, path, opts = {}) {
  let url = `/api/v1${path}`;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== null && v !== undefined) q.set(k, v);
    const qs = q.toString();
    if (qs) url += `?${qs}`;
  }
  const headers = { Accept: 'application/json' };
  const tok = token();
  if (tok) headers.Authorization = `Bearer ${tok}`;
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(url, { method, headers, body, signal: opts.signal });
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !opts.noAuthRedirect) onUnauthorized();
    throw err;
  }
  return data;
}

/* GET results that rarely change during a shift (stores, dishes). */
const cache = new Map();
export function cached(path) {
  if (!cache.has(path)) {
    const p = api('GET', path).catch((e) => {
      cache.delete(path);
      throw e;
    });
    cache.set(path, p);
  }
  return cache.get(path);
}

/* Every dish (the menu is not paginated), as a Map id -> dish. */
export async function dishMap() {
  const data = await cached('/dishes');
  return new Map(data.items.map((d) => [d.id, d]));
}

export async function storeMap() {
  const data = await cached('/stores');
  return new Map(data.items.map((s) => [s.id, s]));
}
