/*
 * units.test.mjs - the console's pure logic in Node: how the door reads
 * what the host types, birthday countdowns, money, and the locale files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { classify } from '../../web/src/js/pages/door.js';
import { daysToBirthday, money } from '../../web/src/js/format.js';
import { ROOT } from './server.mjs';

test('the door reads 4 digits as a phone tail, full phones in any format, names as q', () => {
  assert.deepEqual(classify('5678'), { phone_tail: '5678' });
  assert.deepEqual(classify(' 5678 '), { phone_tail: '5678' });
  for (const p of ['13812345678', '138 1234 5678', '138-1234-5678', '+86 138 1234 5678', '8613812345678', '+86-138-1234-5678', '0086 13812345678']) {
    assert.deepEqual(classify(p), { phone: '+8613812345678' }, p);
  }
  assert.deepEqual(classify('138123'), { incomplete: true });
  assert.deepEqual(classify('23812345678'), { incomplete: true });
  assert.deepEqual(classify('张伟'), { q: '张伟' });
  assert.deepEqual(classify('  张 '), { q: '张' });
  assert.equal(classify('   '), null);
});

/* noon in Beijing on that day */
const at = (ymd) => new Date(`${ymd}T12:00:00+08:00`);

test('birthday countdown counts days in Asia/Shanghai to the next month-day', () => {
  assert.equal(daysToBirthday('03-05', at('2024-03-05')), 0);
  assert.equal(daysToBirthday('1990-03-10', at('2024-03-05')), 5);
  assert.equal(daysToBirthday('03-04', at('2024-03-05')), 364);
  assert.equal(daysToBirthday('01-01', at('2024-12-31')), 1);
  assert.equal(daysToBirthday(null, at('2024-03-05')), null);
  /* 23:30 UTC on 4 March is already 5 March in Beijing */
  assert.equal(daysToBirthday('03-05', new Date('2024-03-04T23:30:00Z')), 0);
});

test('a 02-29 birthday falls on 02-28 in a year without 29 February', () => {
  assert.equal(daysToBirthday('02-29', at('2024-02-29')), 0);
  assert.equal(daysToBirthday('02-29', at('2025-02-28')), 0);
  assert.equal(daysToBirthday('02-29', at('2025-02-20')), 8);
  assert.equal(daysToBirthday('02-29', at('2025-03-01')), 364);
});

test('money is fen as yuan with two decimals', () => {
  assert.equal(money(0), '¥0.00');
  assert.equal(money(17800), '¥178.00');
  assert.equal(money(5), '¥0.05');
  assert.equal(money(123456789), '¥1,234,567.89');
});

test('every string the code asks for is in both locale files', () => {
  const zh = JSON.parse(readFileSync(join(ROOT, 'web/src/locales/zh-CN.json'), 'utf8'));
  const en = JSON.parse(readFileSync(join(ROOT, 'web/src/locales/en.json'), 'utf8'));
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.js')) files.push(join(d, e.name));
    }
  };
  walk(join(ROOT, 'web/src/js'));
  const keys = new Set();
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bt\('([a-z_.A-Z0-9-]+)'/g)) keys.add(m[1]);
  }
  /* keys built from API values */
  for (const k of ['allergy', 'dislike', 'taste', 'spice_level', 'soup_base', 'favorite_dish', 'special_need', 'preference']) {
    keys.add(`fact.kind.${k}`);
    keys.add(`fact.placeholder.${k}`);
  }
  for (const k of ['admin', 'manager', 'analyst', 'waiter', 'support']) keys.add(`role.${k}`);
  for (const k of ['dine_in', 'takeout', 'delivery']) keys.add(`channel.${k}`);
  for (const k of ['female', 'male', 'unknown']) keys.add(`gender.${k}`);
  for (const k of ['member_card', 'online_booking', 'waiter', 'survey', 'pos', 'import']) keys.add(`source.${k}`);
  assert.ok(keys.size > 80, `found ${keys.size} keys`);
  for (const k of keys) {
    assert.ok(k in zh, `zh-CN.json lacks ${k}`);
    assert.ok(k in en, `en.json lacks ${k}`);
  }
  /* English may leave API error codes to the server's English message; nothing else */
  for (const k of Object.keys(zh)) if (!k.startsWith('error.')) assert.ok(k in en, `en.json lacks ${k}`);
  for (const k of Object.keys(en)) assert.ok(k in zh, `zh-CN.json lacks ${k}`);
});

test('no user-visible Chinese or English sentence is written in the code', () => {
  const dir = join(ROOT, 'web/src/js');
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const f of walk(dir)) {
    const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    assert.ok(!/[\u4e00-\u9fff]/.test(code), `${f} has Chinese text outside comments`);
  }
  const html = readFileSync(join(ROOT, 'web/src/index.html'), 'utf8');
  assert.ok(!/<script>|style="/.test(html), 'no inline script or style in index.html');
});
