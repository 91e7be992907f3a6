/*
 * import.test.mjs - the 导入数据 page in real Chromium against the real
 * server: a manager imports a small guests CSV (2 good rows, 1 bad phone)
 * and sees the summary and the rejected row, imports it again (nothing
 * changes), a strict import that rolls back, a GB18030 visits file (one
 * order); errors (409, 413, a failed job, no kind chosen) at 390 wide; a
 * waiter who may not.
 *
 * Run: scripts/build-web.sh && LAOKE_BIN=/tmp/build/laoke node --test tests/web/
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, openPage, finish, loginAs, shot, noHorizontalScroll } from './browser.mjs';
import { ROOT, buildWeb, addUser, startServer, client } from './server.mjs';


let srv;
let api;
let browser;
const ADMIN = { user: 'admin1', pass: 'admin-pass-1', name: '王总' };
const MANAGER = { user: 'manager1', pass: 'manager-pass-1', name: '陈经理' };
const WAITER = { user: 'waiter1', pass: 'waiter-pass-1', name: '小李' };

/* header, good, bad phone (line 3), good */
const GUESTS_CSV = Buffer.from('姓名,手机,性别,生日\n张三,13812345678,男,1990-03-05\n王五,12345,男,\n李四,139 1234 5678,女,03-08\n', 'utf8');
/* strict: one bad row, so the good one is not written either */
const STRICT_CSV = Buffer.from('姓名,手机\n赵六,13700001111\n钱七,999\n', 'utf8');

before(async () => {
  buildWeb();
  srv = await startServer();
  addUser(srv.db, ADMIN.user, 'admin', ADMIN.pass, ['--display-name', ADMIN.name]);
  api = client(srv.base);
  await api.login(ADMIN.user, ADMIN.pass);
  await api.call('POST', '/stores', { code: 'SH01', name: '上海人民广场店', city: '上海' });
  for (const [name, category, price] of [['肥牛卷', 'meat', 3800], ['番茄锅底', 'soup_base', 2850]]) {
    await api.call('POST', '/dishes', { name, category, price_fen: price });
  }
  addUser(srv.db, MANAGER.user, 'manager', MANAGER.pass, ['--display-name', MANAGER.name, '--store', 'SH01']);
  addUser(srv.db, WAITER.user, 'waiter', WAITER.pass, ['--display-name', WAITER.name, '--store', 'SH01']);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const newPage = (viewport) => openPage(browser, viewport);


const login = (page, who) => loginAs(page, srv.base, who);





const stat = (page, key) => page.textContent(`#imp-sum-${key} .v`).then(Number);

/* start the import and wait for this job's summary (a new job id) */
async function runImport(page) {
  const before = await page.$eval('#imp-result', (el) => (el.hidden ? '' : el.textContent));
  await page.click('#imp-start');
  await page.waitForFunction((prev) => {
    const el = document.getElementById('imp-result');
    return !el.hidden && el.textContent !== prev && (document.getElementById('imp-summary') || document.getElementById('imp-failed'));
  }, before);
  await page.waitForSelector('#imp-start:not([disabled])');
}

test('a manager imports guests (a bad phone rejected), again (nothing changes), strict, and GB18030 visits', async () => {
  const page = await newPage();
  await login(page, MANAGER);
  await page.click('#nav-import');
  await page.waitForSelector('#import');
  assert.equal(new URL(page.url()).pathname, '/import');
  assert.match(await page.textContent('#imp-help'), /姓名/);
  assert.match(await page.textContent('#imp-help'), /订单号/);
  assert.match(await page.textContent('#imp-help'), /再导入一次/);
  await page.waitForSelector('#imp-store option[value="SH01"]', { state: 'attached' });
  await page.waitForSelector('#imp-recent-none');
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 1024×768');
  const kindH = await page.$$eval('.imp-kind', (els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(kindH.every((x) => x >= 48), `kind choices ≥ 48 px: ${kindH}`);
  for (const sel of ['#imp-start', '#imp-file-btn', '.imp-check', '#imp-store', '#imp-encoding', '#imp-date']) {
    const hgt = await page.$eval(sel, (e) => e.getBoundingClientRect().height);
    assert.ok(hgt >= 48, `${sel} ≥ 48 px: ${hgt}`);
  }
  await shot(page, 'import-form');

  /* guests, UTF-8 with Chinese headers */
  await page.click('label[for="imp-kind-guests"]');
  assert.ok(await page.isChecked('#imp-kind-guests'));
  await page.selectOption('#imp-encoding', 'utf-8');
  await page.setInputFiles('#imp-file', { name: 'guests.csv', mimeType: 'text/csv', buffer: GUESTS_CSV });
  assert.equal(await page.textContent('#imp-file-name'), 'guests.csv');
  assert.equal(await page.textContent('#imp-file-btn'), '选择文件');
  await runImport(page);
  assert.equal(await stat(page, 'read'), 3);
  assert.equal(await stat(page, 'inserted'), 2);
  assert.equal(await stat(page, 'rejected'), 1);
  assert.equal(await page.textContent('#imp-sum-inserted .k'), '新增');
  assert.equal(await page.textContent('#imp-sum-rejected .k'), '拒绝');
  const rows = await page.$$eval('#imp-rejects tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, 1);
  assert.equal(rows[0][0], '3');
  assert.equal(rows[0][1], '手机');
  assert.ok(rows[0][2].length > 0, 'a reason is given');
  assert.equal(await page.$('#imp-truncated'), null);
  /* both bars full, the rows count shown */
  const bars = await page.$$eval('.imp-bar', (els) => els.map((e) => [e.value, e.max]));
  for (const [v, m] of bars) assert.equal(v, m, 'the progress bars end full');
  assert.match(await page.textContent('#imp-rows'), /已读 3 行/);
  await page.waitForSelector('#imp-recent-list .imp-job[data-status="done"]');
  await shot(page, 'import-guests');
  const found = await api.call('GET', '/customers?phone=%2B8613912345678');
  assert.equal(found.items.length, 1, 'the guest is really there');

  /* the same file again: nothing changes */
  await runImport(page);
  assert.equal(await stat(page, 'unchanged'), 2);
  assert.equal(await stat(page, 'inserted'), 0);
  assert.equal(await stat(page, 'rejected'), 1);
  assert.equal(await page.textContent('#imp-sum-unchanged .k'), '未变');

  /* strict: the bad row keeps the good one out too */
  await page.check('#imp-strict');
  await page.setInputFiles('#imp-file', { name: 'strict.csv', mimeType: 'text/csv', buffer: STRICT_CSV });
  await runImport(page);
  await page.waitForSelector('#imp-rolled-back');
  assert.match(await page.textContent('#imp-rolled-back'), /整个文件都没有写入/);
  assert.equal(await stat(page, 'inserted'), 0);
  assert.equal((await api.call('GET', '/customers?phone=%2B8613700001111')).items.length, 0, 'nothing written');
  await shot(page, 'import-strict');
  await page.uncheck('#imp-strict');

  /* visits in GB18030 */
  await page.click('label[for="imp-kind-visits"]');
  await page.selectOption('#imp-encoding', 'gb18030');
  await page.selectOption('#imp-store', 'SH01');
  const gb = readFileSync(join(ROOT, 'tests/fixtures/web/visits-gb18030.csv'));
  await page.setInputFiles('#imp-file', { name: 'visits-gb18030.csv', mimeType: 'text/csv', buffer: gb });
  await runImport(page);
  assert.equal(await stat(page, 'orders'), 1);
  assert.equal(await stat(page, 'guests_created'), 1);
  assert.equal(await stat(page, 'rejected'), 0);
  assert.equal(await page.$('#imp-rejects'), null);
  const jobs = await page.$$('#imp-recent-list .imp-job');
  assert.equal(jobs.length, 4, 'four recent imports listed');
  assert.match(await page.textContent('#imp-recent-list .imp-job'), /到店记录/);
  const zhou = await api.call('GET', '/customers?phone=%2B8613912340001');
  assert.equal(zhou.items.length, 1);
  assert.equal(zhou.items[0].name, '周杰', 'the GB18030 name is read right');
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll with the results');
  await shot(page, 'import-visits');
  await finish(page);
});

test('errors are shown clearly: no kind, 409, 413, a failed job (390 wide, and in English)', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, MANAGER);
  await page.goto(`${srv.base}/import`);
  await page.waitForSelector('#import');
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 390 wide');
  await shot(page, 'import-390');

  /* nothing chosen */
  await page.setInputFiles('#imp-file', { name: 'guests.csv', mimeType: 'text/csv', buffer: GUESTS_CSV });
  await page.click('#imp-start');
  await page.waitForSelector('.imp-kinds .field-error');
  assert.match(await page.textContent('.imp-kinds .field-error'), /客人、到店记录还是菜品/);
  await page.click('label[for="imp-kind-guests"]');

  /* another import running (409) and a file too big (413), from the server */
  let answer = { status: 409, code: 'import_running', field: null, message: 'another import is running' };
  await page.route('**/api/v1/imports?**', (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    return route.fulfill({
      status: answer.status, contentType: 'application/json',
      body: JSON.stringify({ error: { code: answer.code, message: answer.message, field: answer.field } }),
    });
  });
  await page.click('#imp-start');
  await page.waitForSelector('#imp-form .form-error:not([hidden])');
  assert.match(await page.textContent('#imp-form .form-error'), /已经有一个导入在进行/);
  await shot(page, 'import-409-390');
  answer = { status: 413, code: 'body_too_large', field: 'file', message: 'the file is over 32 MiB' };
  await page.click('#imp-start');
  await page.waitForSelector('.imp-file .field-error');
  assert.match(await page.textContent('.imp-file .field-error'), /文件太大/);
  answer = { status: 400, code: 'unknown_store', field: 'store', message: "no store with code 'X'" };
  await page.click('#imp-start');
  await page.waitForFunction(() => /没有这家门店/.test(document.getElementById('imp-store').closest('.field').textContent));
  await page.unroute('**/api/v1/imports?**');

  /* a job that fails: no column the server knows */
  await page.setInputFiles('#imp-file', { name: 'odd.csv', mimeType: 'text/csv', buffer: Buffer.from('foo,bar\n1,2\n') });
  await runImport(page);
  await page.waitForSelector('#imp-failed');
  assert.match(await page.textContent('#imp-failed'), /导入失败/);
  assert.ok(await noHorizontalScroll(page), 'the failure at 390 wide');
  await shot(page, 'import-failed-390');

  /* a result at 390 wide, then in English */
  await page.setInputFiles('#imp-file', { name: 'guests.csv', mimeType: 'text/csv', buffer: GUESTS_CSV });
  await runImport(page);
  await page.waitForSelector('#imp-rejects');
  assert.ok(await noHorizontalScroll(page), 'the summary at 390 wide');
  await shot(page, 'import-result-390');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector('#import');
  assert.equal(await page.textContent('#nav-import'), 'Import');
  assert.equal(await page.textContent('#imp-start'), 'Start import');
  assert.match(await page.textContent('#imp-recent'), /Recent imports/);
  await shot(page, 'import-english-390');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await finish(page);
});

test('a waiter has no link to the page and is told it is not for them', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, WAITER);
  assert.equal(await page.$('#nav-import'), null);
  await page.goto(`${srv.base}/import`);
  await page.waitForSelector('#imp-forbidden');
  assert.match(await page.textContent('#imp-forbidden'), /只有客户经理和管理员可以导入数据/);
  assert.equal(await page.$('#imp-form'), null);
  await shot(page, 'import-waiter-390');
  await finish(page);
});
