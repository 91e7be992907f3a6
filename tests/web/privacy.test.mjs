/*
 * privacy.test.mjs - issue 5 in real Chromium against the real server:
 * navigation by permission, staff accounts (a weak password refused next to
 * the password, a waiter created who then logs in), an API key shown once
 * and revoked, a guest's marketing consent recorded and listed, the guest's
 * data downloaded, erasure behind a typed reason, the audit log with the
 * guest's views and consent, and what support and a waiter may not see.
 *
 * Run: scripts/build-web.sh && LAOKE_BIN=/tmp/build/laoke node --test tests/web/privacy.test.mjs
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launchBrowser, openPage, finish, loginAs, shot, noHorizontalScroll } from './browser.mjs';
import { buildWeb, addUser, startServer, client } from './server.mjs';

let srv;
let api;
let browser;
let store;
const g = {};
const ADMIN = { user: 'admin1', pass: 'admin-pass-1', name: '王总' };
const MANAGER = { user: 'manager1', pass: 'manager-pass-1', name: '陈经理' };
const SUPPORT = { user: 'support1', pass: 'support-pass-1', name: '小赵' };
/* created in the console by the admin, then logs in */
const WAITER = { user: 'waiter2', pass: 'hotpot-door-42', name: '小王' };

before(async () => {
  buildWeb();
  srv = await startServer();
  addUser(srv.db, ADMIN.user, 'admin', ADMIN.pass, ['--display-name', ADMIN.name]);
  api = client(srv.base);
  await api.login(ADMIN.user, ADMIN.pass);
  store = await api.call('POST', '/stores', { code: 'SH01', name: '上海人民广场店', city: '上海' });
  addUser(srv.db, MANAGER.user, 'manager', MANAGER.pass, ['--display-name', MANAGER.name, '--store', 'SH01']);
  addUser(srv.db, SUPPORT.user, 'support', SUPPORT.pass, ['--display-name', SUPPORT.name]);
  g.zhang = await api.call('POST', '/customers', { name: '张伟', phone: '138 1234 5678', gender: 'male', home_store_id: store.id });
  g.li = await api.call('POST', '/customers', { name: '李娜', phone: '139 8765 4321', home_store_id: store.id });
  await api.call('POST', '/visits', { customer_id: g.zhang.id, store_id: store.id, party_size: 2, amount_fen: 12800 });
  await api.call('POST', `/customers/${g.zhang.id}/facts`, { kind: 'allergy', value: '花生' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const newPage = (viewport) => openPage(browser, viewport);
const login = (page, who) => loginAs(page, srv.base, who);

/* log in someone whose first page is not the door */
async function loginTo(page, who, selector) {
  await page.goto(`${srv.base}/`);
  await page.waitForSelector('#login-form');
  await page.fill('#login-username', who.user);
  await page.fill('#login-password', who.pass);
  await page.click('#login-submit');
  await page.waitForSelector(selector);
}

const navIds = (page) => page.$$eval('.top-nav a', (els) => els.map((e) => e.id));

async function minHeight(page, sel) {
  const hs = await page.$$eval(sel, (els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(hs.length > 0, `no ${sel}`);
  return Math.min(...hs);
}

test('an admin sees users, keys and audit; creates a waiter (a weak password is refused next to it)', async () => {
  const page = await newPage();
  await login(page, ADMIN);
  assert.deepEqual(await navIds(page), ['nav-door', 'nav-new-guest', 'nav-feedback', 'nav-surveys', 'nav-alerts', 'nav-duplicates', 'nav-import', 'nav-segments', 'nav-cls-settings', 'nav-users', 'nav-keys', 'nav-audit']);
  assert.equal(await page.textContent('#nav-users'), '员工账号');
  assert.equal(await page.textContent('#nav-keys'), 'API 密钥');
  assert.equal(await page.textContent('#nav-audit'), '审计日志');
  await shot(page, 'privacy-header-admin-1024');

  await page.click('#nav-users');
  await page.waitForSelector('#user-list .user-row');
  assert.equal(new URL(page.url()).pathname, '/users');
  assert.match(await page.textContent('#user-list'), /admin1/);
  assert.match(await page.textContent('#user-list'), /support1/);
  await page.click('#user-new');
  await page.waitForSelector('#user-form');
  await page.fill('#user-username', WAITER.user);
  await page.fill('#user-display', WAITER.name);
  await page.click('.adm-role[data-role="waiter"]');
  await page.selectOption('#user-store', String(store.id));
  await page.fill('#user-password', 'short');
  await page.click('#user-save');
  /* the server's weak_password, next to the password and nowhere else */
  await page.waitForSelector('#user-form .field-error');
  const err = await page.$eval('#user-form .field-error', (e) => ({
    text: e.textContent,
    field: e.closest('.field').querySelector('[data-field]').id,
  }));
  assert.equal(err.field, 'user-password');
  assert.match(err.text, /密码太简单/);
  assert.equal(await page.getAttribute('#user-password', 'aria-invalid'), 'true');
  assert.equal(await page.isHidden('#user-form .form-error'), true);
  assert.ok(await minHeight(page, '#user-form .chip, #user-form input:not([type=radio]), #user-form select, #user-form button') >= 48, 'touch targets ≥ 48 px');
  await shot(page, 'privacy-users-weak-1024');

  await page.fill('#user-password', WAITER.pass);
  await page.click('#user-save');
  await page.waitForSelector('#users-notice:not([hidden])');
  assert.match(await page.textContent('#users-notice'), /小王/);
  assert.equal(await page.$('#user-form'), null, 'the form closes');
  const row = await page.waitForSelector('.user-row[data-role="waiter"]');
  assert.match(await row.textContent(), /waiter2.*服务员.*上海人民广场店/);
  const users = await api.call('GET', '/users');
  const w = users.items.find((u) => u.username === WAITER.user);
  assert.equal(w.role, 'waiter');
  assert.equal(w.store_id, store.id);
  assert.equal(w.display_name, WAITER.name);
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 1024x768');
  await shot(page, 'privacy-users-1024');

  /* a change sends only what changed (PATCH) */
  await page.click(`#user-edit-${w.id}`);
  await page.fill(`#edit-display-${w.id}`, '小王（门口）');
  await page.click(`#user-edit-form-${w.id} .adm-edit-save`);
  await page.waitForFunction((id) => /小王（门口）/.test(document.querySelector(`#user-${id} .adm-row-name`).textContent), w.id);
  assert.equal((await api.call('GET', `/users/${w.id}`)).display_name, '小王（门口）');
  await page.click(`#user-edit-${w.id}`);
  await page.fill(`#edit-display-${w.id}`, WAITER.name);
  await page.click(`#user-edit-form-${w.id} .adm-edit-save`);
  await page.waitForFunction((id) => !document.querySelector(`#user-edit-form-${id}`), w.id);
  /* nobody disables themselves: said next to the check box */
  const me = users.items.find((u) => u.username === ADMIN.user);
  await page.click(`#user-edit-${me.id}`);
  await page.check(`#edit-disabled-${me.id}`);
  await page.click(`#user-edit-form-${me.id} .adm-edit-save`);
  await page.waitForSelector(`#user-edit-form-${me.id} .field-error`);
  assert.match(await page.textContent(`#user-edit-form-${me.id} .adm-check`), /不能停用自己/);
  await shot(page, 'privacy-users-self-1024');
  await finish(page);
});

test('an API key with visits:write: the token is shown once, copied, then the key is revoked', async () => {
  const page = await newPage();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
  await login(page, ADMIN);
  await page.click('#nav-keys');
  await page.waitForSelector('#key-form');
  /* an admin may grant all four */
  assert.deepEqual(await page.$$eval('#key-form input[name=scope]', (els) => els.map((e) => e.value)),
    ['catalog:read', 'visits:write', 'customers:read', 'customers:write']);
  /* no scope: said next to the scopes */
  await page.fill('#key-name', '人民广场店收银机');
  await page.click('#key-create');
  await page.waitForSelector('#key-form .field-error');
  assert.ok(await page.$eval('#key-form .field-error', (e) => !!e.closest('.field').querySelector('.adm-scopes')), 'next to the scopes');
  await page.check('#scope-visits-write');
  await page.selectOption('#key-store', String(store.id));
  await page.click('#key-create');
  await page.waitForSelector('#key-token');
  const token = await page.inputValue('#key-token-value');
  assert.match(token, /^lkk_[A-Za-z0-9_-]{20,}$/);
  assert.match(await page.textContent('#key-token'), /只显示这一次/);
  await page.click('#key-copy');
  await page.waitForFunction(() => document.getElementById('key-copied').textContent !== '');
  assert.equal(await page.textContent('#key-copied'), '已复制');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  const keyId = Number(await page.getAttribute('.key-row', 'data-id'));
  assert.match(await page.textContent(`#key-${keyId}`), /人民广场店收银机.*在用.*记录到店/);
  assert.ok(await noHorizontalScroll(page));
  await shot(page, 'privacy-keys-token-1024');

  /* the key works: a visit recorded with it */
  const res = await fetch(`${srv.base}/api/v1/visits`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ customer_id: g.li.id, store_id: store.id, amount_fen: 5000 }),
  });
  assert.equal(res.status, 201, await res.text());

  /* closed: the token is gone from the page, and a reload never shows it */
  await page.click('#key-token-done');
  assert.equal(await page.$('#key-token'), null);
  assert.match(await page.textContent('#keys-notice'), /已生成/);
  assert.ok(!(await page.content()).includes(token));
  await page.reload();
  await page.waitForSelector(`#key-${keyId}`);
  assert.ok(!(await page.content()).includes(token));
  assert.match(await page.textContent(`#key-${keyId} .key-prefix`), /^lkk_/);

  /* revoke: asked first; cancel keeps it */
  await page.click(`#key-revoke-${keyId}`);
  await page.waitForSelector(`#key-revoke-ok-${keyId}`);
  assert.match(await page.textContent(`#key-${keyId} .adm-confirm`), /确定停用/);
  await shot(page, 'privacy-keys-revoke-1024');
  await page.click(`#key-${keyId} .key-revoke-cancel`);
  await page.click(`#key-revoke-${keyId}`);
  await page.click(`#key-revoke-ok-${keyId}`);
  await page.waitForSelector(`#key-${keyId}.disabled`);
  assert.match(await page.textContent(`#key-${keyId}`), /已停用/);
  assert.equal(await page.$(`#key-revoke-${keyId}`), null);
  const k = await api.call('GET', `/keys/${keyId}`);
  assert.ok(k.revoked_at, 'revoked on the server');
  const again = await fetch(`${srv.base}/api/v1/visits`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ customer_id: g.li.id, store_id: store.id, amount_fen: 5000 }),
  });
  assert.equal(again.status, 401);
  await shot(page, 'privacy-keys-1024');
  await finish(page);
});

test('a guest card: consent given via WeChat is recorded and listed; the guest\'s data downloads', async () => {
  const page = await newPage();
  await login(page, ADMIN);
  await page.goto(`${srv.base}/guests/${g.zhang.id}`);
  await page.waitForSelector('#privacy #consent-state');
  assert.equal(await page.textContent('#consent-state'), '没有营销授权');
  assert.match(await page.textContent('#consent-history'), /还没有授权记录/);
  /* nothing chosen: said next to the choice */
  await page.click('#consent-save');
  await page.waitForSelector('#consent-form .field-error');
  assert.match(await page.textContent('#consent-form .field-error'), /同意还是撤回/);
  await page.click('.privacy-consent-given');
  await page.click('.privacy-channel-wechat');
  await page.fill('#consent-note', '扫码关注公众号');
  await page.click('#consent-save');
  await page.waitForSelector('#consent-history .consent-item[data-channel="wechat"]');
  assert.equal(await page.textContent('#consent-state'), '同意接收营销信息');
  const item = await page.textContent('#consent-history .consent-item');
  assert.match(item, /同意.*微信.*admin1.*扫码关注公众号/);
  assert.match(await page.textContent('#consent-now'), /微信/);
  const c = await api.call('GET', `/customers/${g.zhang.id}/consent`);
  assert.equal(c.current.marketing_consent, true);
  assert.equal(c.current.consent_channel, 'wechat');
  assert.equal(c.items[0].consent, 'given');
  assert.ok(await minHeight(page, '#privacy .chip, #privacy button') >= 48, 'touch targets ≥ 48 px');
  await page.$eval('#privacy', (e) => e.scrollIntoView());
  await shot(page, 'privacy-guest-1024');

  /* the guest's data as a JSON download */
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#guest-export')]);
  assert.match(download.suggestedFilename(), new RegExp(`^guest-${g.zhang.id}-\\d{4}-\\d\\d-\\d\\d\\.json$`));
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const text = JSON.stringify(data);
  assert.ok(text.includes('张伟'), 'the export holds the name');
  assert.ok(text.includes('花生'), 'and the allergy');
  assert.ok(text.includes('wechat'), 'and the consent');
  await page.waitForFunction(() => /guest-\d+-/.test(document.getElementById('privacy-status').textContent));
  await finish(page);
});

test('the audit log shows the guest\'s views and consent, failures in red, and links to the card', async () => {
  /* refusals to find in red: support may not search guests nor open a card */
  const sup = client(srv.base);
  await sup.login(SUPPORT.user, SUPPORT.pass);
  await assert.rejects(sup.call('GET', '/customers?phone_tail=5678'), /403/);
  await assert.rejects(sup.call('GET', `/customers/${g.zhang.id}`), /403/);

  const page = await newPage();
  await login(page, ADMIN);
  await page.click('#nav-audit');
  await page.waitForSelector('#audit-list .audit-row');
  assert.ok(await page.$('#audit-list .audit-row[data-action="auth.login"]'));
  const denied = await page.waitForSelector('.audit-row.failed[data-action="access.denied"]');
  assert.match(await denied.textContent(), /被拒绝.*support1.*失败 403/);
  const red = await denied.$eval('.audit-fail', (e) => getComputedStyle(e).backgroundColor);
  assert.equal(red, 'rgb(196, 0, 0)');
  /* a refused card view stays under its own action, failed, with the target */
  const refused = await page.waitForSelector('.audit-row.failed[data-action="guest.view"]');
  assert.match(await refused.textContent(), new RegExp(`查看客人卡片.*客人 #${g.zhang.id}.*support1.*技术支持.*失败 403`));
  assert.ok(await noHorizontalScroll(page));
  await shot(page, 'privacy-audit-1024');

  /* only this guest's entries */
  await page.selectOption('#audit-action', 'guest.');
  await page.selectOption('#audit-target-type', 'customer');
  await page.fill('#audit-target-id', String(g.zhang.id));
  await page.click('#audit-apply');
  await page.waitForFunction(() => location.search.includes('action=guest.'));
  await page.waitForSelector('#audit-list:not([aria-busy]) .audit-row');
  const actions = await page.$$eval('#audit-list .audit-row', (els) => els.map((e) => e.dataset.action));
  assert.ok(actions.includes('guest.view'), `guest.view in ${actions}`);
  assert.ok(actions.includes('guest.consent'), `guest.consent in ${actions}`);
  assert.ok(actions.every((a) => a.startsWith('guest.')), actions.join());
  const consentRow = await page.$('.audit-row[data-action="guest.consent"]');
  assert.match(await consentRow.textContent(), /记录营销授权.*客人 #\d+.*王总.*admin1.*管理员.*127\.0\.0\.1.*成功/);
  assert.match(await consentRow.textContent(), /wechat|given/);
  await shot(page, 'privacy-audit-guest-1024');
  /* a bad date range is said next to the date */
  await page.fill('#audit-from', '2024-03-05');
  await page.fill('#audit-to', '2024-03-01');
  await page.click('#audit-apply');
  await page.waitForSelector('#audit-filters .field-error');
  await page.fill('#audit-from', '');
  await page.fill('#audit-to', '');

  /* the target links to the guest card */
  await page.click('.audit-row[data-action="guest.consent"] .audit-target-link');
  await page.waitForSelector('#guest-name');
  assert.equal(new URL(page.url()).pathname, `/guests/${g.zhang.id}`);
  /* and the card links back to this guest's entries */
  await page.click('#guest-audit-link');
  await page.waitForSelector('#audit-list .audit-row');
  assert.equal(await page.inputValue('#audit-target-id'), String(g.zhang.id));
  await finish(page);
});

test('erasing a guest asks for a typed reason, refuses one naming the guest, then goes to the door', async () => {
  const page = await newPage();
  await login(page, MANAGER);
  await page.goto(`${srv.base}/guests/${g.li.id}`);
  await page.waitForSelector('#guest-erase');
  await page.click('#guest-erase');
  await page.waitForSelector('#erase-dialog[open]');
  assert.equal(await page.isDisabled('#erase-confirm'), true, 'no reason, no erasing');
  await shot(page, 'privacy-erase-1024');
  await page.fill('#erase-reason', '李娜本人要求删除');
  assert.equal(await page.isDisabled('#erase-confirm'), false);
  await page.click('#erase-confirm');
  await page.waitForSelector('#erase-dialog .field-error');
  assert.equal(await page.$eval('#erase-dialog .field-error', (e) => e.closest('.field').querySelector('textarea').id), 'erase-reason');
  await shot(page, 'privacy-erase-refused-1024');
  /* cancel closes it and nothing happened */
  await page.click('#erase-cancel');
  assert.equal(await page.$('#erase-dialog'), null);
  assert.equal((await api.call('GET', `/customers/${g.li.id}`)).name, '李娜');
  await page.click('#guest-erase');
  await page.fill('#erase-reason', '客人本人到店书面要求删除');
  await page.click('#erase-confirm');
  await page.waitForSelector('#erase-notice');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.match(await page.textContent('#erase-notice'), /已永久抹去/);
  assert.ok(await page.$('#door-search'));
  await shot(page, 'privacy-erased-1024');
  const after = await api.call('GET', `/customers/${g.li.id}`).catch((e) => e);
  assert.ok(after instanceof Error || after.name !== '李娜', 'the name is gone');
  await finish(page);
});

test('support: staff accounts and keys, no guests and no audit', async () => {
  const page = await newPage();
  await loginTo(page, SUPPORT, '#users');
  assert.equal(new URL(page.url()).pathname, '/users', 'support starts at the staff accounts');
  assert.deepEqual(await navIds(page), ['nav-users', 'nav-keys']);
  /* support may give only the waiter and support roles; other accounts are read-only */
  await page.click('#user-new');
  assert.deepEqual(await page.$$eval('#user-form .adm-role', (els) => els.map((e) => e.dataset.role)), ['waiter', 'support']);
  await page.click('#user-cancel');
  const adminRow = await page.waitForSelector('.user-row[data-role="admin"]');
  assert.equal(await adminRow.$('.adm-row-edit'), null);
  assert.ok(await page.$('.user-row[data-role="waiter"] .adm-row-edit'));
  await shot(page, 'privacy-users-support-1024');
  /* the brand link leads to the staff accounts too, not an empty door */
  await page.click('.brand');
  await page.waitForSelector('#users');

  await page.click('#nav-keys');
  await page.waitForSelector('#key-form');
  assert.deepEqual(await page.$$eval('#key-form input[name=scope]', (els) => els.map((e) => e.value)), ['catalog:read', 'visits:write']);
  await page.fill('#key-name', '预订网站');
  await page.check('#scope-catalog-read');
  await page.click('#key-create');
  await page.waitForSelector('#key-token');
  assert.match(await page.inputValue('#key-token-value'), /^lkk_/);
  await shot(page, 'privacy-keys-support-1024');

  await page.goto(`${srv.base}/audit`);
  await page.waitForSelector('#audit-forbidden');
  assert.equal(await page.$('#audit-list'), null);
  await page.goto(`${srv.base}/guests/${g.zhang.id}`);
  await page.waitForFunction(() => /不能做这件事/.test(document.getElementById('main').textContent));
  assert.equal(await page.$('#guest-name'), null);
  assert.equal(await page.$('#consent-form'), null);
  await finish(page);
});

test('a waiter (made in the console): no users, keys or audit; consent yes, export and erase no', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, WAITER);
  assert.deepEqual(await navIds(page), ['nav-door', 'nav-new-guest']);
  await page.goto(`${srv.base}/guests/${g.zhang.id}`);
  await page.waitForSelector('#consent-form');
  await page.waitForSelector('#consent-history .consent-item');
  assert.equal(await page.$('#guest-export'), null);
  assert.equal(await page.$('#guest-erase'), null);
  assert.equal(await page.$('#guest-audit-link'), null);
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 390 wide');
  await page.$eval('#privacy', (e) => e.scrollIntoView());
  await shot(page, 'privacy-guest-waiter-390');
  for (const [path, id] of [['/users', '#users-forbidden'], ['/keys', '#keys-forbidden'], ['/audit', '#audit-forbidden']]) {
    await page.goto(`${srv.base}${path}`);
    await page.waitForSelector(id);
  }
  await finish(page);
});

test('at 390 wide the pages fit, and read in English', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, ADMIN);
  for (const [path, sel, name] of [['/users', '.user-row', 'users'], ['/keys', '.key-row', 'keys'], ['/audit', '.audit-row', 'audit']]) {
    await page.goto(`${srv.base}${path}`);
    await page.waitForSelector(sel);
    assert.ok(await noHorizontalScroll(page), `${path}: no horizontal scroll at 390 wide`);
    await shot(page, `privacy-${name}-390`);
  }
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector('.audit-row');
  assert.equal(await page.textContent('#nav-audit'), 'Audit log');
  assert.match(await page.textContent('.audit-row[data-action="auth.login"] .audit-action'), /Log in/);
  assert.ok(await noHorizontalScroll(page));
  await shot(page, 'privacy-audit-english-390');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await finish(page);
});
