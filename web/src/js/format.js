/*
 * format.js - money, dates and birthdays as the staff read them.
 * Dates are shown in the chain's zone, Asia/Shanghai.
 */
import { t, currentLang } from './i18n.js';

export const ZONE = 'Asia/Shanghai';

/* 12345 fen -> "¥123.45" */
export function money(fen) {
  const n = Number(fen) || 0;
  const yuan = Math.floor(Math.abs(n) / 100);
  const cents = String(Math.abs(n) % 100).padStart(2, '0');
  const grouped = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}¥${grouped}.${cents}`;
}

/* The Y, M, D parts of an instant in Asia/Shanghai. */
function ymdParts(date) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(date);
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

/* "2024-03-05" for an RFC 3339 time (or null -> "—"). */
export function date(iso) {
  if (!iso) return '—';
  const { y, m, d } = ymdParts(new Date(iso));
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/* "2024-03-05 18:30" */
export function dateTime(iso) {
  if (!iso) return '—';
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE, hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(new Date(iso));
  return `${date(iso)} ${time}`;
}

function isLeap(y) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/*
 * Days from today (in Asia/Shanghai) to the next occurrence of a birthday
 * given as "MM-DD" or "YYYY-MM-DD"; 0 means today. A 02-29 birthday falls
 * on 02-28 in a year without 29 February, so the greeting is never late
 * and stays in the guest's own month. null when there is no birthday.
 */
export function daysToBirthday(birthday, now = new Date()) {
  if (!birthday) return null;
  const md = birthday.length === 10 ? birthday.slice(5) : birthday;
  const [m, d] = md.split('-').map(Number);
  if (!m || !d) return null;
  const today = ymdParts(now);
  const start = Date.UTC(today.y, today.m - 1, today.d);
  for (const y of [today.y, today.y + 1]) {
    const day = m === 2 && d === 29 && !isLeap(y) ? 28 : d;
    const at = Date.UTC(y, m - 1, day);
    if (at >= start) return Math.round((at - start) / 86400000);
  }
  return null;
}

/* "今天生日" / "生日还有 5 天" */
export function birthdayCountdown(birthday, now) {
  const n = daysToBirthday(birthday, now);
  if (n === null) return null;
  if (n === 0) return t('birthday.today');
  if (n === 1) return t('birthday.tomorrow');
  return t('birthday.in_days', { n });
}

/* "3月5日" / "Mar 5"; with the year when known. */
export function birthdayText(birthday) {
  if (!birthday) return '—';
  const hasYear = birthday.length === 10;
  const md = hasYear ? birthday.slice(5) : birthday;
  const [m, d] = md.split('-').map(Number);
  const y = hasYear ? Number(birthday.slice(0, 4)) : null;
  const dt = new Date(Date.UTC(y || 2000, m - 1, d));
  const opts = { timeZone: 'UTC', month: 'long', day: 'numeric' };
  if (y) opts.year = 'numeric';
  return new Intl.DateTimeFormat(currentLang(), opts).format(dt);
}

/* Full phone when the role may see it, else the masked one, else "—". */
export function phoneOf(c) {
  const p = c.phone || c.phone_masked;
  if (!p) return '—';
  const m = /^\+86(\d{3})(.{4})(\d{4})$/.exec(p);
  return m ? `${m[1]} ${m[2]} ${m[3]}` : p;
}
