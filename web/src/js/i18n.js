/*
 * i18n.js - the console's strings, from /locales/<lang>.json. zh-CN is
 * the default; the choice is remembered in localStorage.
 */
export const LANGS = ['zh-CN', 'en'];
const KEY = 'laoke.lang';
let lang = 'zh-CN';
let strings = {};
let fallback = {};

export function currentLang() {
  return lang;
}

async function fetchLocale(l) {
  const res = await fetch(`/locales/${l}.json`);
  if (!res.ok) throw new Error(`locale ${l}: ${res.status}`);
  return res.json();
}

/* Load the remembered language (or zh-CN); zh-CN backs up missing keys. */
export async function initI18n() {
  let want = null;
  try {
    want = localStorage.getItem(KEY);
  } catch {
    want = null;
  }
  fallback = await fetchLocale('zh-CN');
  await setLang(LANGS.includes(want) ? want : 'zh-CN', false);
}

export async function setLang(l, remember = true) {
  strings = l === 'zh-CN' ? fallback : await fetchLocale(l);
  lang = l;
  document.documentElement.lang = l;
  document.title = t('app.title');
  if (remember) {
    try {
      localStorage.setItem(KEY, l);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  }
}

/* t('door.count', {n: 3}) - the string with {name} placeholders filled. */
export function t(key, vars) {
  let s = strings[key] ?? fallback[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? String(vars[k]) : m));
  return s;
}

/*
 * True when the current language itself has this key: API error codes
 * it does not translate are shown with the server's own message.
 */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(strings, key);
}
