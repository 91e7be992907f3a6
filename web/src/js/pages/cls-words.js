/*
 * cls-words.js - the words of 客户分类 shared by the guest card's block, the
 * segments page and the rules page: each dimension and its values in the
 * current language, the order they are listed in, and when the nightly run
 * comes next (from schedule.run_at_minute, in Asia/Shanghai).
 */
import { t } from '../i18n.js';
import { ZONE } from '../format.js';

/* The dimensions as the segments API names them, in the order shown. */
export const DIMENSIONS = ['lifecycle', 'grade', 'vip', 'at_risk', 'frequency_tier', 'spend_tier', 'preference', 'rfm_segment'];

/* The values of each dimension in reading order (best or newest first). */
export const VALUES = {
  lifecycle: ['new', 'active', 'dormant', 'churned'],
  grade: ['loyal', 'potential', 'ordinary'],
  vip: ['true', 'false'],
  at_risk: ['true', 'false'],
  frequency_tier: ['high', 'mid', 'low'],
  spend_tier: ['high', 'mid', 'low'],
  preference: ['vegetarian', 'meat', 'seafood', 'mixed'],
  rfm_segment: ['champions', 'loyal', 'potential_loyalist', 'new_customers', 'promising', 'need_attention',
    'about_to_sleep', 'at_risk', 'cannot_lose', 'hibernating', 'lost', 'none'],
};

/* The key under cls.v.* that holds a dimension's value names. */
function valueGroup(dim) {
  if (dim === 'frequency_tier' || dim === 'spend_tier') return 'tier';
  if (dim === 'rfm' || dim === 'rfm_segment') return 'rfm';
  return dim;
}

/* "lifecycle", "dormant" -> 沉睡; booleans as true/false; unknown values as they are. */
export function valueText(dim, value) {
  if (value === null || value === undefined) return '—';
  const v = String(value);
  const k = `cls.v.${valueGroup(dim)}.${v}`;
  const s = t(k);
  return s === k ? v : s;
}

/* The dimension's name: 生命周期, 等级, … */
export function dimText(dim) {
  return t(`cls.dim.${dim === 'rfm' ? 'rfm_segment' : dim}`);
}

/* "03:30" for 210 */
export function minuteText(m) {
  const n = Number(m);
  if (!Number.isInteger(n) || n < 0 || n > 1439) return '—';
  return `${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;
}

/* minutes after midnight in Asia/Shanghai now */
function shanghaiMinute(now) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(now);
  const g = (type) => Number(parts.find((p) => p.type === type).value);
  return g('hour') * 60 + g('minute');
}

/*
 * When the nightly run comes next: "今天 03:30" / "明天 03:30" (the run
 * at run_at_minute, Asia/Shanghai); null when the minute is unknown.
 */
export function nextRunText(runAtMinute, now = new Date()) {
  if (runAtMinute === null || runAtMinute === undefined) return null;
  const at = minuteText(runAtMinute);
  if (at === '—') return null;
  const today = shanghaiMinute(now) < Number(runAtMinute);
  return t(today ? 'cls.next_run_today' : 'cls.next_run_tomorrow', { at });
}
