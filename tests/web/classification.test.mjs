/*
 * classification.test.mjs - issue 6 in real Chromium against the real
 * server: the 分类规则 page (defaults in yuan and HH:MM, a bad value refused
 * next to its input, a save that persists over a reload, a store-bound
 * manager's 403 with the server's message), the guest card's 客户分类 block
 * (尚未分类 with the next nightly run before a run; chips, explanations in
 * both languages and 以前 → 现在 after runs), and the 客户分群 page (no run
 * yet, counts per value after a run matching the API, a value's guests,
 * movement after a visit-changing second run started from the page, the
 * 客户分类表 download), with navigation by permission and 390 px wide.
 *
 * Run: scripts/build-web.sh && LAOKE_BIN=/tmp/build/laoke node --test tests/web/classification.test.mjs
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, openPage, finish, loginAs, shot, noHorizontalScroll } from './browser.mjs';
import { buildWeb, addUser, startServer, client, ROOT } from './server.mjs';
import { SETTING_GROUPS, fenToYuan, yuanToFen, timeToMinute } from '../../web/src/js/pages/settings-classification.js';
import { VALUES, DIMENSIONS } from '../../web/src/js/pages/cls-words.js';

let srv;
let api;
let browser;
let store;
const g = {};
const ADMIN = { user: 'admin1', pass: 'admin-pass-1', name: '王总' };
const MANAGER = { user: 'manager1', pass: 'manager-pass-1', name: '陈经理' };
const ANALYST = { user: 'analyst1', pass: 'analyst-pass-1', name: '数据小刘' };
const WAITER = { user: 'waiter1', pass: 'waiter-pass-1', name: '小李' };

/* an RFC 3339 time n days ago (Beijing evening) */
function daysAgo(n) {
  const d = new Date(Date.now() - n * 86400000);
  const ymd = new Date(d.getTime() + 8 * 3600000).toISOString().slice(0, 10);
  return `${ymd}T18:30:00+08:00`;
}

before(async () => {
  buildWeb();
  srv = await startServer();
  addUser(srv.db, ADMIN.user, 'admin', ADMIN.pass, ['--display-name', ADMIN.name]);
  api = client(srv.base);
  await api.login(ADMIN.user, ADMIN.pass);
  store = await api.call('POST', '/stores', { code: 'SH01', name: '上海人民广场店', city: '上海', region: '华东' });
  await api.call('POST', '/stores', { code: 'BJ01', name: '北京朝阳店', city: '北京', region: '华北' });
  addUser(srv.db, MANAGER.user, 'manager', MANAGER.pass, ['--display-name', MANAGER.name, '--store', 'SH01']);
  addUser(srv.db, ANALYST.user, 'analyst', ANALYST.pass, ['--display-name', ANALYST.name]);
  addUser(srv.db, WAITER.user, 'waiter', WAITER.pass, ['--display-name', WAITER.name, '--store', 'SH01']);
  const add = (body) => api.call('POST', '/customers', { home_store_id: store.id, ...body });
  const visit = (c, days, amount) => api.call('POST', '/visits', {
    customer_id: c.id, store_id: store.id, party_size: 2, visited_at: daysAgo(days), amount_fen: amount,
  });
  /* a weekly regular for most of a year: high frequency, high spend, active */
  g.zhang = await add({ name: '张伟', phone: '138 1234 5678' });
  for (let i = 0; i < 14; i++) await visit(g.zhang, 5 + i * 14, 32000);
  /* one visit 100 days ago: dormant; a visit in the test makes her active */
  g.li = await add({ name: '李娜', phone: '139 8765 4321' });
  await visit(g.li, 100, 15000);
  /* came for the first time last week: new */
  g.wang = await add({ name: '王芳', phone: '137 0000 1111' });
  await visit(g.wang, 7, 8800);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const newPage = (viewport) => openPage(browser, viewport);
const login = (page, who) => loginAs(page, srv.base, who);
const navIds = (page) => page.$$eval('.top-nav a', (els) => els.map((e) => e.id));

async function minHeight(page, sel) {
  const hs = await page.$$eval(sel, (els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(hs.length > 0, `no ${sel}`);
  return Math.min(...hs);
}

/* the error shown next to the input with this id, or null */
function fieldError(page, id) {
  return page.$eval(`#${id}`, (el) => {
    const e = el.closest('.field').querySelector('.field-error');
    return e ? e.textContent : null;
  });
}

test('every classification string the pages build from API values is in both locales; yuan and times convert', () => {
  const zh = JSON.parse(readFileSync(join(ROOT, 'web/src/locales/zh-CN.json'), 'utf8'));
  const en = JSON.parse(readFileSync(join(ROOT, 'web/src/locales/en.json'), 'utf8'));
  const keys = [];
  for (const [grp, fields] of SETTING_GROUPS) {
    keys.push(`cls.g.${grp}`, `cls.g.${grp}.text`);
    for (const [k, kind] of fields) keys.push(`cls.f.${grp}.${k}`, `cls.f.${grp}.${k}.hint`, `cls.f.${grp}.${k}.rule`, `cls.unit.${kind}`);
  }
  const group = (d) => ({ frequency_tier: 'tier', spend_tier: 'tier', rfm_segment: 'rfm' }[d] || d);
  for (const d of DIMENSIONS) {
    keys.push(`cls.dim.${d}`);
    for (const v of VALUES[d]) keys.push(`cls.v.${group(d)}.${v}`);
  }
  for (const k of ['grade', 'lifecycle', 'frequency_tier', 'spend_tier', 'preference']) keys.push(`cls.chip.${k}`);
  for (const k of keys) {
    assert.ok(k in zh, `zh-CN.json lacks ${k}`);
    assert.ok(k in en, `en.json lacks ${k}`);
  }
  /* the RFM segments in Chinese as the server's reasons and the 客户分类表 name them
     (seg_zh in src/core/classify.c) */
  const serverWords = {
    champions: '冠军客户', loyal: '忠实客户', potential_loyalist: '潜在忠实客户', new_customers: '新客户',
    promising: '有潜力客户', need_attention: '需要关注', about_to_sleep: '即将沉睡', at_risk: '有流失风险',
    cannot_lose: '不能失去', hibernating: '休眠客户', lost: '已流失',
  };
  for (const [k, v] of Object.entries(serverWords)) assert.equal(zh[`cls.v.rfm.${k}`], v, k);
  assert.equal(fenToYuan(300000), '3000');
  assert.equal(fenToYuan(80050), '800.5');
  assert.equal(fenToYuan(12345), '123.45');
  assert.equal(yuanToFen('3000'), 300000);
  assert.equal(yuanToFen('¥3,000.5'), 300050);
  assert.equal(yuanToFen('0.05'), 5);
  assert.equal(yuanToFen('12.345'), null);
  assert.equal(yuanToFen('abc'), null);
  assert.equal(timeToMinute('03:30'), 210);
  assert.equal(timeToMinute('23:59'), 1439);
  assert.equal(timeToMinute('24:00'), null);
});

test('the rules page shows yuan and HH:MM, refuses a bad value next to it, and a save persists', async () => {
  const page = await newPage();
  await login(page, ADMIN);
  const ids = await navIds(page);
  assert.ok(ids.includes('nav-segments') && ids.includes('nav-cls-settings'), `nav: ${ids}`);
  assert.equal(await page.textContent('#nav-cls-settings'), '分类规则');
  assert.equal(await page.textContent('#nav-segments'), '客户分群');
  await page.click('#nav-cls-settings');
  await page.waitForSelector('#cls-settings');
  assert.equal(new URL(page.url()).pathname, '/settings/classification');
  await page.waitForFunction(() => { const e = document.getElementById('set-frequency-high'); return !!e && e.value !== ''; });
  assert.equal(await page.inputValue('#set-frequency-high'), '12');
  assert.equal(await page.inputValue('#set-frequency-mid'), '4');
  assert.equal(await page.inputValue('#set-spend-high-fen'), '3000', 'money in yuan');
  assert.equal(await page.inputValue('#set-vip-spend-fen'), '5000');
  assert.equal(await page.inputValue('#set-lifecycle-dormant-days'), '180');
  assert.equal(await page.inputValue('#set-schedule-run-at-minute'), '03:30', 'the nightly run as a time');
  assert.match(await page.textContent('#cls-settings'), /高频：至少几次/);
  assert.match(await page.textContent('#cls-settings'), /默认 3000 元/);
  assert.match(await page.textContent('#set-meta'), /下次自动分类 (今天|明天) 03:30/);
  assert.ok(await minHeight(page, '#set-form input, #set-form button') >= 48, 'touch targets ≥ 48 px');
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 1024x768');
  await shot(page, 'classification-settings-1024');

  /* high below mid: the server's invalid_setting on frequency.high, next to it */
  await page.fill('#set-frequency-high', '3');
  await page.click('#set-save');
  await page.waitForSelector('#set-form .field-error');
  assert.match(await fieldError(page, 'set-frequency-high'), /必须大于中频次数/);
  assert.equal(await page.getAttribute('#set-frequency-high', 'aria-invalid'), 'true');
  assert.equal(await page.$$eval('#set-form .field-error', (els) => els.length), 1);
  assert.equal((await api.call('GET', '/settings/classification')).settings.frequency.high, 12, 'nothing changed');
  /* a bad amount is caught before sending */
  await page.fill('#set-frequency-high', '10');
  await page.fill('#set-spend-mid-fen', '8百');
  await page.click('#set-save');
  await page.waitForFunction(() => !!document.querySelector('#set-spend-mid-fen[aria-invalid="true"]'));
  assert.match(await fieldError(page, 'set-spend-mid-fen'), /请写金额/);
  await shot(page, 'classification-settings-error-1024');

  await page.fill('#set-spend-mid-fen', '800');
  await page.fill('#set-spend-high-fen', '2500.5');
  await page.fill('#set-schedule-run-at-minute', '04:15');
  await page.click('#set-save');
  await page.waitForSelector('#set-notice:not([hidden])');
  assert.match(await page.textContent('#set-notice'), /已保存.*高频：至少几次/);
  assert.equal(await page.$('#set-form .field-error'), null);
  const s = (await api.call('GET', '/settings/classification')).settings;
  assert.equal(s.frequency.high, 10);
  assert.equal(s.spend.high_fen, 250050, 'yuan saved as fen');
  assert.equal(s.spend.mid_fen, 80000);
  assert.equal(s.schedule.run_at_minute, 255);
  await page.reload();
  await page.waitForFunction(() => { const e = document.getElementById('set-frequency-high'); return !!e && e.value === '10'; });
  assert.equal(await page.inputValue('#set-spend-high-fen'), '2500.5');
  assert.equal(await page.inputValue('#set-schedule-run-at-minute'), '04:15');
  assert.match(await page.textContent('#set-meta'), /上次修改/);
  /* the defaults button fills them in; saving puts them back */
  await page.click('#set-defaults');
  assert.equal(await page.inputValue('#set-frequency-high'), '12');
  await page.click('#set-save');
  await page.waitForFunction(() => /已保存/.test(document.getElementById('set-notice').textContent));
  const back = (await api.call('GET', '/settings/classification')).settings;
  assert.equal(back.frequency.high, 12);
  assert.equal(back.spend.high_fen, 300000);
  assert.equal(back.schedule.run_at_minute, 210);
  await finish(page);
});

test('a store-bound manager reads the rules and a save shows the server\'s out_of_scope message', async () => {
  const page = await newPage();
  await login(page, MANAGER);
  await page.click('#nav-cls-settings');
  await page.waitForFunction(() => { const e = document.getElementById('set-frequency-high'); return !!e && e.value === '12'; });
  assert.equal(await page.isVisible('#set-bound'), true);
  await page.fill('#set-frequency-high', '11');
  await page.click('#set-save');
  await page.waitForSelector('#set-form .form-error:not([hidden])');
  const text = await page.textContent('#set-form .form-error');
  assert.match(text, /全连锁通用/);
  assert.match(text, /chain-wide/, 'the server\'s own message');
  assert.equal((await api.call('GET', '/settings/classification')).settings.frequency.high, 12);
  await finish(page);
});

test('the card says 尚未分类 with the next nightly run, and the segments page has no run yet', async () => {
  const page = await newPage();
  await login(page, ADMIN);
  await page.goto(`${srv.base}/guests/${g.zhang.id}`);
  await page.waitForSelector('#cls-unclassified');
  assert.match(await page.textContent('#cls-unclassified'), /尚未分类/);
  assert.match(await page.textContent('#cls-next-run'), /下次自动分类：(今天|明天) 03:30/);
  await shot(page, 'classification-card-unclassified-1024');

  await page.click('#nav-segments');
  await page.waitForSelector('#seg-no-run');
  assert.match(await page.textContent('#seg-run-box'), /还没有分类过/);
  assert.equal(await page.isVisible('#seg-run'), true, 'the admin may run it');
  assert.equal(await page.isHidden('#seg-export-box'), true);
  await finish(page);

  /* a waiter: the block without the rules (no settings.read), no segments or rules */
  const w = await newPage({ width: 390, height: 844 });
  await login(w, WAITER);
  const ids = await navIds(w);
  assert.ok(!ids.includes('nav-segments') && !ids.includes('nav-cls-settings'), `waiter nav: ${ids}`);
  await w.goto(`${srv.base}/guests/${g.zhang.id}`);
  await w.waitForSelector('#cls-unclassified');
  assert.match(await w.textContent('#cls-next-run'), /每晚自动分类/);
  await w.goto(`${srv.base}/segments`);
  await w.waitForSelector('#segments-forbidden');
  await w.goto(`${srv.base}/settings/classification`);
  await w.waitForSelector('#settings-forbidden');
  await finish(w);
});

test('after a run the card shows the chips with their reasons in both languages', async () => {
  await api.call('POST', '/classification/run', {});
  const page = await newPage();
  await login(page, ADMIN);
  await page.goto(`${srv.base}/guests/${g.zhang.id}`);
  await page.waitForSelector('#cls-chips');
  const cls = await api.call('GET', `/customers/${g.zhang.id}/classification`);
  assert.equal(cls.classified, true);
  const life = { new: '新客', active: '活跃', dormant: '沉睡', churned: '流失' }[cls.lifecycle];
  assert.equal(await page.textContent('#cls-chip-lifecycle'), `生命周期 ${life}`);
  assert.equal(await page.textContent('#cls-chip-frequency_tier'), `频次 ${{ high: '高', mid: '中', low: '低' }[cls.frequency_tier]}`);
  assert.match(await page.textContent('#cls-chip-grade'), /^等级 (忠诚|潜力|普通)$/);
  assert.match(await page.textContent('#cls-chips'), /偏好 (素食|肉食|海鲜|混合)/);
  assert.equal(!!(await page.$('#cls-chip-vip')), cls.vip, 'VIP chip only for a VIP');
  assert.equal(!!(await page.$('#cls-chip-at_risk')), cls.at_risk, 'risk chip only when at risk');
  /* hover: the reason as a tooltip; tap: the list opens at its line */
  assert.equal(await page.getAttribute('#cls-chip-lifecycle', 'title'), cls.explanations.lifecycle.zh);
  assert.equal(await page.$eval('#cls-why', (d) => d.open), false);
  await page.click('#cls-chip-lifecycle');
  assert.equal(await page.$eval('#cls-why', (d) => d.open), true);
  assert.equal(await page.$eval('#cls-why-lifecycle', (e) => e.classList.contains('on')), true);
  assert.match(await page.textContent('#cls-why-lifecycle'), new RegExp(cls.explanations.lifecycle.zh.slice(0, 6).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.ok((await page.textContent('#cls-why-rfm')).length > 4);
  assert.ok(await minHeight(page, '.cls-chip') >= 48, 'chips ≥ 48 px');
  await shot(page, 'classification-card-1024');

  await page.click('#lang-switch');
  await page.waitForSelector('#cls-chips');
  await page.waitForFunction(() => /^Lifecycle: /.test(document.getElementById('cls-chip-lifecycle')?.textContent || ''));
  assert.equal(await page.getAttribute('#cls-chip-lifecycle', 'title'), cls.explanations.lifecycle.en);
  await page.click('#lang-switch');
  await page.waitForFunction(() => /^生命周期 /.test(document.getElementById('cls-chip-lifecycle')?.textContent || ''));
  await finish(page);
});

test('the segments page shows counts as in the API, lists a value\'s guests, and shows movement after a second run', async () => {
  const page = await newPage();
  await login(page, ANALYST);
  await page.click('#nav-segments');
  await page.waitForSelector('#seg-dims .seg-row');
  assert.equal(await page.$('#seg-run'), null, 'an analyst cannot start a run');
  const seg = await api.call('GET', '/segments');
  assert.ok(seg.run, 'a run exists');
  assert.match(await page.textContent('#seg-total'), new RegExp(`共 ${seg.total} 位客人`));
  for (const dim of ['lifecycle', 'grade', 'frequency_tier', 'rfm_segment']) {
    for (const r of seg.dimensions[dim]) {
      const n = await page.getAttribute(`#seg-${dim}-${r.value}`, 'data-count');
      assert.equal(Number(n), r.count, `${dim}=${r.value}`);
    }
  }
  assert.match(await page.textContent('#seg-dim-lifecycle'), /沉睡/);
  assert.match(await page.textContent('#seg-dim-rfm_segment'), /RFM 分群/);
  assert.ok(await minHeight(page, '.seg-row') >= 48, 'rows ≥ 48 px');
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 1024x768');
  await shot(page, 'classification-segments-1024');

  /* 李娜 is dormant: tapping 沉睡 lists her, and she opens */
  const li = await api.call('GET', `/customers/${g.li.id}/classification`);
  assert.equal(li.lifecycle, 'dormant');
  await page.click('#seg-lifecycle-dormant');
  await page.waitForSelector(`#seg-guest-${g.li.id}`);
  assert.match(await page.textContent('#seg-drill-title'), /生命周期：沉睡/);
  assert.match(new URL(page.url()).search, /lifecycle=dormant/);
  assert.equal(await page.$(`#seg-guest-${g.zhang.id}`), null);
  /* the table of this group downloads */
  await page.selectOption('#seg-format', 'csv');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#seg-export')]);
  assert.match(dl.suggestedFilename(), /\.csv$/);
  const csv = readFileSync(await dl.path(), 'utf8');
  /* an analyst's table: pseudonymised names (李**), only the dormant group opened */
  assert.match(csv, /"李\*\*"/);
  assert.doesNotMatch(csv, /张/);
  assert.match(csv, /沉睡/);
  assert.doesNotMatch(csv, /活跃/);
  await page.waitForFunction(() => /已下载/.test(document.getElementById('seg-export-status').textContent));
  await page.click(`#seg-guest-${g.li.id}`);
  await page.waitForSelector('#guest-name');
  assert.equal(await page.textContent('#guest-name'), '李**', 'an analyst sees the pseudonym');
  await finish(page);

  /* she comes back today; the admin runs the classification from the page */
  await api.call('POST', '/visits', { customer_id: g.li.id, store_id: store.id, party_size: 3, amount_fen: 26000 });
  const admin = await newPage();
  await login(admin, ADMIN);
  await admin.goto(`${srv.base}/segments`);
  await admin.waitForSelector('#seg-dims .seg-row');
  await admin.click('#seg-run');
  await admin.waitForSelector('#seg-run-status.seg-run-ok');
  assert.match(await admin.textContent('#seg-run-status'), /分类完成/);
  await admin.waitForSelector('#seg-move-lifecycle');
  const row = await admin.$('#seg-move-lifecycle tr[data-from="dormant"][data-to="active"]');
  assert.ok(row, 'dormant → active listed');
  assert.match(await row.textContent(), /沉睡→活跃1/);
  assert.match(await admin.textContent('#seg-base-line'), /变化对比的是/);
  await shot(admin, 'classification-segments-moved-1024');

  /* the card: 以前 → 现在 */
  await admin.goto(`${srv.base}/guests/${g.li.id}`);
  await admin.waitForSelector('#cls-changes');
  assert.match(await admin.textContent('#cls-changes'), /生命周期\s*以前：沉睡 → 现在：活跃/);
  assert.equal(await admin.$eval('#cls-chip-lifecycle', (e) => e.classList.contains('cls-changed')), true);
  await shot(admin, 'classification-card-changed-1024');
  await finish(admin);
});

test('at 390 wide the rules and the segments fit, and read in English', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, ADMIN);
  await page.goto(`${srv.base}/settings/classification`);
  await page.waitForFunction(() => { const e = document.getElementById('set-frequency-high'); return !!e && e.value !== ''; });
  assert.ok(await noHorizontalScroll(page), 'rules: no horizontal scroll at 390');
  await shot(page, 'classification-settings-390');
  await page.goto(`${srv.base}/segments?lifecycle=active`);
  await page.waitForSelector('#seg-dims .seg-row');
  await page.waitForSelector('#seg-guests .seg-guest');
  assert.ok(await noHorizontalScroll(page), 'segments: no horizontal scroll at 390');
  await shot(page, 'classification-segments-390');
  await page.click('#lang-switch');
  await page.waitForSelector('#seg-dims .seg-row');
  assert.equal(await page.textContent('#nav-segments'), 'Segments');
  assert.match(await page.textContent('#seg-dim-lifecycle'), /Lifecycle.*Active/s);
  assert.ok(await noHorizontalScroll(page), 'segments in English: no horizontal scroll at 390');
  await page.goto(`${srv.base}/settings/classification`);
  await page.waitForSelector('#cls-settings');
  assert.match(await page.textContent('#cls-settings'), /Classification rules.*High: at least/s);
  await page.click('#lang-switch');
  await finish(page);
});
