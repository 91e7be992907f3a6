/*
 * duplicates.test.mjs - the 重复客人 page in real Chromium against the real
 * server: pairs with their reasons, merge (with the confirm step) keeping
 * the guest with more visits, the kept guest's summed visits on the card,
 * undo from the page after going back, dismiss (gone after a reload), a
 * refused undo (409 guests_changed) shown clearly, an empty first page
 * whose cursor is followed, 390 px wide, and the waiter who may not.
 *
 * Run: scripts/build-web.sh && LAOKE_BIN=/tmp/build/laoke node --test tests/web/
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, finish, loginAs, shot, noHorizontalScroll } from './browser.mjs';
import { buildWeb, addUser, startServer, client } from './server.mjs';


let srv;
let api;
let browser;
const g = {}; /* the seeded guests */
const ADMIN = { user: 'admin1', pass: 'admin-pass-1', name: '王总' };
const MANAGER = { user: 'manager1', pass: 'manager-pass-1', name: '陈经理' };
const WAITER = { user: 'waiter1', pass: 'waiter-pass-1', name: '小李' };

before(async () => {
  buildWeb();
  srv = await startServer();
  addUser(srv.db, ADMIN.user, 'admin', ADMIN.pass, ['--display-name', ADMIN.name]);
  api = client(srv.base);
  await api.login(ADMIN.user, ADMIN.pass);
  const store = await api.call('POST', '/stores', { code: 'SH01', name: '上海人民广场店', city: '上海' });
  addUser(srv.db, MANAGER.user, 'manager', MANAGER.pass, ['--display-name', MANAGER.name, '--store', 'SH01']);
  addUser(srv.db, WAITER.user, 'waiter', WAITER.pass, ['--display-name', WAITER.name, '--store', 'SH01']);
  /* guests of SH01, the store the manager is bound to (store scope) */
  const add = (body) => api.call('POST', '/customers', { home_store_id: store.id, ...body });
  /* the first guest has no twin: a cursor that ends at it skips nothing */
  g.solo = await add({ name: '赵敏', phone: '150 0000 0001' });
  g.zA = await add({ name: '张伟', phone: '138 1234 5678', gender: 'male' });
  g.zB = await add({ name: '张伟', phone: '138 1234 5679', gender: 'male' });
  g.lA = await add({ name: '李娜', phone: '139 8765 4321', birthday: '1990-06-15', gender: 'female' });
  g.lB = await add({ name: '李娜', phone: '186 5555 0000', birthday: '1990-06-15' });
  g.wA = await add({ name: '王芳', phone: '137 0000 1111' });
  g.wB = await add({ name: '王芳', phone: '137 0000 1112' });
  const visit = (c, at, amount) => api.call('POST', '/visits', {
    customer_id: c.id, store_id: store.id, party_size: 2, visited_at: at, amount_fen: amount,
  });
  await visit(g.zA, '2024-03-05T18:30:00+08:00', 12800);
  await visit(g.zB, '2024-04-01T19:00:00+08:00', 23400);
  await visit(g.zB, '2024-05-01T12:00:00+08:00', 6000);
  await visit(g.lA, '2024-02-14T18:00:00+08:00', 30000);
  await visit(g.wA, '2024-01-10T18:00:00+08:00', 10000);
  await api.call('POST', `/customers/${g.zB.id}/facts`, { kind: 'allergy', value: '花生' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const newPage = (viewport) => openPage(browser, viewport);


const login = (page, who) => loginAs(page, srv.base, who);





const pairSel = (a, b) => `#pair-${a.id}-${b.id}`;

/* the page has finished following the cursor */
async function listed(page) {
  await page.waitForSelector('#dup-list:not([aria-busy])');
  await page.waitForFunction(() => /已全部查完|没有发现/.test(document.getElementById('dup-status').textContent));
}

async function sideTexts(page, sel, cls) {
  return page.$$eval(`${sel} .dup-side ${cls} .v`, (els) => els.map((e) => e.textContent));
}

test('a manager merges the phone pair into the guest with more visits, sees the sum, and undoes it', async () => {
  const page = await newPage();
  await login(page, MANAGER);
  await page.click('#nav-duplicates');
  await page.waitForSelector('#duplicates');
  assert.equal(new URL(page.url()).pathname, '/duplicates');
  await listed(page);
  const z = pairSel(g.zA, g.zB);
  const l = pairSel(g.lA, g.lB);
  await page.waitForSelector(z);
  await page.waitForSelector(l);
  assert.equal(await page.textContent(`${z} .dup-reasons`), '手机号只差一位');
  assert.equal(await page.textContent(`${l} .dup-reasons`), '同名、同生日');
  assert.equal(await page.textContent(`${z} .dup-score`), '相似度 90');
  assert.match(await page.textContent(`${l} .dup-score`), /^相似度 \d+$/);
  /* side by side: name, phone, birthday, visits, spend, last visit, allergies */
  assert.deepEqual(await page.$$eval(`${z} .dup-name`, (els) => els.map((e) => e.textContent)), ['张伟', '张伟']);
  assert.deepEqual(await sideTexts(page, z, '.dup-phone'), ['138 1234 5678', '138 1234 5679']);
  assert.deepEqual(await sideTexts(page, z, '.dup-visits'), ['1', '2']);
  assert.match(await page.textContent(`${z} .dup-side-right`), /¥294\.00.*2024-05-01/);
  assert.match(await page.textContent(`${z} .dup-side-left`), /¥128\.00.*2024-03-05/);
  assert.match(await page.textContent(`${l} .dup-side-left`), /1990年6月15日/);
  assert.match(await page.textContent(`${z} .dup-side-right .dup-more-visits`), /到店更多/);
  await page.waitForFunction((sel) => document.querySelector(`${sel} .dup-side-right .dup-allergy`).textContent === '花生', z);
  await page.waitForFunction((sel) => document.querySelector(`${sel} .dup-side-left .dup-allergy`).textContent === '未记录过敏', z);
  assert.match(await page.textContent('#dup-status'), /共 3 对/);
  /* big touch targets */
  const heights = await page.$$eval(`${z} .dup-actions button`, (els) => els.map((e) => e.getBoundingClientRect().height));
  assert.equal(heights.length, 3);
  assert.ok(heights.every((x) => x >= 48), `buttons ≥ 48 px: ${heights}`);
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 1024x768');
  await shot(page, 'duplicates-1024');

  /* merge into the right (2 visits): a confirm step first; cancel works */
  await page.click(`${z} .dup-keep-right`);
  await page.waitForSelector(`${z} .dup-confirm-merge`);
  assert.match(await page.textContent(`${z} .dup-confirm`), /留下右边的“张伟”/);
  assert.ok(await page.$(`${z} .dup-side-right.keep`));
  await shot(page, 'duplicates-confirm-1024');
  await page.click(`${z} .dup-cancel`);
  await page.waitForSelector(`${z} .dup-keep-right`);
  await page.click(`${z} .dup-keep-right`);
  await page.click(`${z} .dup-confirm-merge`);
  await page.waitForSelector('.dup-done');
  assert.equal(await page.$(z), null, 'the merged pair left the list');
  assert.ok(await page.$(l), 'the other pair is still listed');
  const done = await page.textContent('.dup-done');
  assert.match(done, /已合并：留下“张伟”（138\s1234\s5679），“张伟”（138\s1234\s5678）已并入/);
  assert.match(done, /合并后到店 3 次，累计消费 ¥422\.00/);
  const mergeId = Number((await page.getAttribute('.dup-done', 'id')).replace('merge-', ''));
  assert.ok(mergeId > 0);
  await shot(page, 'duplicates-merged-1024');

  /* the kept guest's card has the summed visits */
  await page.click(`#open-${g.zB.id}`);
  await page.waitForSelector('#stat-visits');
  assert.equal(new URL(page.url()).pathname, `/guests/${g.zB.id}`);
  await page.waitForFunction(() => document.getElementById('stat-visits').textContent === '3');
  assert.equal(await page.textContent('#stat-spend'), '¥422.00');
  assert.equal(await page.textContent('#guest-phone'), '138 1234 5679');
  await page.waitForSelector('.visit');

  /* back, and undo: both guests again, each with its own visits */
  await page.goBack();
  await page.waitForSelector(`#undo-${mergeId}`);
  await page.click(`#undo-${mergeId}`);
  await page.waitForSelector(z);
  await page.waitForSelector('#dup-notice:not([hidden])');
  assert.match(await page.textContent('#dup-notice'), /已撤销合并/);
  assert.equal(await page.$(`#merge-${mergeId}`), null);
  await listed(page);
  assert.deepEqual(await sideTexts(page, z, '.dup-visits'), ['1', '2']);
  assert.deepEqual(await sideTexts(page, z, '.dup-phone'), ['138 1234 5678', '138 1234 5679']);
  assert.equal((await api.call('GET', `/customers/${g.zA.id}`)).visit_count, 1);
  assert.equal((await api.call('GET', `/customers/${g.zB.id}`)).visit_count, 2);
  assert.equal((await api.call('GET', `/merges/${mergeId}`)).undone_at !== null, true);
  await shot(page, 'duplicates-undone-1024');

  /* 李娜 and 李娜 are two people: gone, also after a reload */
  await page.click(`${l} .dup-dismiss`);
  await page.click(`${l} .dup-confirm-dismiss`);
  await page.waitForSelector(l, { state: 'detached' });
  assert.match(await page.textContent('#dup-notice'), /不是同一个人/);
  await page.reload();
  await page.waitForSelector('#duplicates');
  await listed(page);
  await page.waitForSelector(z);
  assert.equal(await page.$(l), null, 'a dismissed pair does not come back');
  await finish(page);
});

test('an undo the server refuses (guests_changed) says why', async () => {
  const page = await newPage();
  await login(page, ADMIN);
  await page.goto(`${srv.base}/duplicates`);
  const w = pairSel(g.wA, g.wB);
  await page.waitForSelector(w);
  await page.click(`${w} .dup-keep-left`);
  await page.click(`${w} .dup-confirm-merge`);
  await page.waitForSelector('.dup-done');
  const mergeId = Number((await page.getAttribute('.dup-done', 'id')).replace('merge-', ''));
  /* a visit after the merge: it can no longer be undone */
  const stores = await api.call('GET', '/stores');
  await api.call('POST', '/visits', { customer_id: g.wA.id, store_id: stores.items[0].id, amount_fen: 5000 });
  await page.click(`#undo-${mergeId}`);
  await page.waitForSelector(`#merge-${mergeId} .form-error:not([hidden])`);
  assert.match(await page.textContent(`#merge-${mergeId} .form-error`), /不能撤销了/);
  assert.equal(await page.isDisabled(`#undo-${mergeId}`), true);
  await shot(page, 'duplicates-undo-refused');
  /* "done" puts the result away */
  await page.click(`#merge-${mergeId} .dup-done-close`);
  assert.equal(await page.$(`#merge-${mergeId}`), null);
  await finish(page);
});

test('at 390 wide, an empty first page is followed to the pairs; English reasons', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, MANAGER);
  const seen = [];
  await page.route('**/api/v1/customers/duplicates?*', async (route) => {
    const url = new URL(route.request().url());
    seen.push(url.searchParams.get('cursor'));
    /* the first page examined only the first guest and found nothing */
    if (!url.searchParams.get('cursor')) return route.fulfill({ json: { items: [], next_cursor: String(g.solo.id) } });
    return route.continue();
  });
  await page.goto(`${srv.base}/duplicates`);
  const z = pairSel(g.zA, g.zB);
  await page.waitForSelector(z);
  await listed(page);
  assert.deepEqual(seen.slice(0, 2), [null, String(g.solo.id)], 'the empty page\'s cursor was followed');
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 390 wide');
  const sides = await page.$$eval(`${z} .dup-side`, (els) => els.map((e) => e.getBoundingClientRect().top));
  assert.equal(sides[0], sides[1], 'the two guests stay side by side');
  const heights = await page.$$eval(`${z} .dup-actions button`, (els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(heights.every((x) => x >= 48), `buttons ≥ 48 px: ${heights}`);
  await shot(page, 'duplicates-390');
  await page.click(`${z} .dup-keep-left`);
  await page.waitForSelector(`${z} .dup-confirm-merge`);
  assert.ok(await noHorizontalScroll(page), 'confirm step at 390 wide');
  await shot(page, 'duplicates-confirm-390');
  await page.click(`${z} .dup-cancel`);
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector(z);
  assert.equal(await page.textContent(`${z} .dup-reasons`), 'Phones one digit apart');
  assert.equal(await page.textContent('#nav-duplicates'), 'Duplicate guests');
  assert.match(await page.textContent(`${z} .dup-keep-right`), /Merge into right/);
  await shot(page, 'duplicates-english-390');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await finish(page);
});

test('a waiter has no link to the page and is told it is not for them', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, WAITER);
  assert.equal(await page.$('#nav-duplicates'), null);
  await page.goto(`${srv.base}/duplicates`);
  await page.waitForSelector('#dup-forbidden');
  assert.match(await page.textContent('#dup-forbidden'), /只有客户经理和管理员可以处理重复客人/);
  assert.equal(await page.$('.dup-pair'), null);
  await shot(page, 'duplicates-waiter-390');
  await finish(page);
});
