/*
 * feedback.test.mjs - issue 7 (客户反馈处理) in real Chromium against the
 * real server: the 反馈看板 (columns and counts as the API's, an overdue
 * complaint red with the deadline it missed, the overdue filter, praise
 * without a ticket), moving a ticket (the required field asked for and the
 * server's refusal next to it, a stale move's 409), the ticket page (the
 * whole history as a timeline after every step, the satisfaction stars, a
 * reopening's reason, the recovery coupon, overdue deadlines in red),
 * recording feedback from a guest card (a waiter at 390 px), the guests'
 * public form at /f/SH01 without login (consent required, the thank-you,
 * a flood's 429 and an unknown store in words, 360 and 390 px), surveys
 * (a question refused next to it, an invitation's link shown once, the
 * guest's survey at /s/<token>, results drawn by ECharts on canvas with the
 * API's figures), and complaint-spike alerts (a spike made through the API
 * listed with its figures, every unit on request, the door page's block).
 *
 * Run: scripts/build-web.sh && LAOKE_BIN=/work/main/build/laoke node --test tests/web/feedback.test.mjs
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, openPage, finish, loginAs, shot, noHorizontalScroll } from './browser.mjs';
import { buildWeb, addUser, startServer, client, ROOT } from './server.mjs';
import { STATUSES, CATEGORIES, CHANNELS } from '../../web/src/js/pages/fb-words.js';
import { QTYPES, TRIGGERS } from '../../web/src/js/pages/surveys.js';
import { REASONS, pText } from '../../web/src/js/pages/alerts.js';

let srv;
let api;
let browser;
const s = {};
const fb = {};
const g = {};
const ADMIN = { user: 'admin1', pass: 'admin-pass-1', name: '王总' };
const MANAGER = { user: 'manager1', pass: 'manager-pass-1', name: '陈经理' };
const WAITER = { user: 'waiter1', pass: 'waiter-pass-1', name: '小李' };
const RED = 'rgb(196, 0, 0)';

/* RFC 3339 in Beijing time, `secs` seconds ago */
function ago(secs) {
  const d = new Date(Date.now() - secs * 1000 + 8 * 3600 * 1000);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

before(async () => {
  buildWeb();
  srv = await startServer();
  addUser(srv.db, ADMIN.user, 'admin', ADMIN.pass, ['--display-name', ADMIN.name]);
  api = client(srv.base);
  await api.login(ADMIN.user, ADMIN.pass);
  s.sh = await api.call('POST', '/stores', { code: 'SH01', name: '上海人民广场店', city: '上海', region: '华东' });
  s.bj = await api.call('POST', '/stores', { code: 'BJ01', name: '北京朝阳店', city: '北京', region: '华北' });
  addUser(srv.db, MANAGER.user, 'manager', MANAGER.pass, ['--display-name', MANAGER.name, '--store', 'SH01']);
  addUser(srv.db, WAITER.user, 'waiter', WAITER.pass, ['--display-name', WAITER.name, '--store', 'SH01']);
  s.dish = await api.call('POST', '/dishes', { name: '肥牛卷', category: 'meat', price_fen: 4800 });
  g.zhang = await api.call('POST', '/customers', { home_store_id: s.sh.id, name: '张伟', phone: '138 1234 5678' });
  const add = (body) => api.call('POST', '/feedback', { store_id: s.sh.id, channel: 'in_store', ...body });
  /* a complaint the guest made 30 hours ago: its 24 h first response is overdue */
  fb.late = await add({ category: 'waiting', rating: 1, text: '等位一个小时，没人理', received_at: ago(30 * 3600) });
  fb.fresh = await add({ category: 'dish', rating: 2, text: '肥牛不新鲜', dish_id: s.dish.id, channel: 'phone' });
  fb.praise = await add({ category: 'service', rating: 5, text: '服务员小王很热情', staff_name: '小王' });
  fb.bj = await api.call('POST', '/feedback', { store_id: s.bj.id, channel: 'online_review', category: 'hygiene', rating: 1, text: '桌子没擦干净' });
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
  const hs = await page.$$eval(sel, (els) => els.filter((e) => e.offsetParent).map((e) => e.getBoundingClientRect().height));
  assert.ok(hs.length > 0, `no ${sel}`);
  return Math.min(...hs);
}

/* the error shown in the .field around the element, or null */
function fieldError(page, sel) {
  return page.$eval(sel, (el) => {
    const f = el.closest('.field') || el;
    const e = f.querySelector('.field-error');
    return e ? e.textContent : null;
  });
}

async function managerApi() {
  const m = client(srv.base);
  await m.login(MANAGER.user, MANAGER.pass);
  return m;
}

test('every key the feedback pages build from API values is in both locales', () => {
  const zh = JSON.parse(readFileSync(join(ROOT, 'web/src/locales/zh-CN.json'), 'utf8'));
  const en = JSON.parse(readFileSync(join(ROOT, 'web/src/locales/en.json'), 'utf8'));
  const keys = ['nav.feedback', 'nav.surveys', 'nav.alerts', 'fb.forbidden', 'fb.new.forbidden', 'sv.forbidden', 'al.forbidden', 'fb.ticket.title_plain'];
  for (const st of STATUSES) keys.push(`fb.status.${st}`);
  for (const c of CATEGORIES) keys.push(`fb.cat.${c}`);
  for (const c of CHANNELS) keys.push(`fb.channel.${c}`);
  for (const src of ['staff', 'api_key', 'public', 'survey']) keys.push(`fb.source.${src}`);
  for (const n of [1, 2, 3, 4, 5]) keys.push(`fb.star_word.${n}`, `ps.csat.${n}`);
  for (const f of ['root_cause', 'solution', 'result', 'note']) keys.push(`fb.need.${f}`, `fb.need.${f}.hint`);
  for (const q of QTYPES) keys.push(`sv.qtype.${q}`);
  for (const tr of TRIGGERS) keys.push(`sv.trigger.${tr}`, `sv.trigger.${tr}.long`);
  for (const v of ['open', 'answered', 'expired']) keys.push(`sv.inv.status.${v}`);
  for (const l of ['store', 'region', 'chain']) keys.push(`al.level.${l}`);
  for (const r of REASONS) keys.push(`al.reason.${r}`);
  for (const c of ['already_answered', 'expired', 'survey_closed', 'not_found']) keys.push(`ps.gone.${c === 'already_answered' ? 'answered' : c === 'survey_closed' ? 'closed' : c}`);
  for (const k of keys) {
    assert.ok(k in zh, `zh-CN.json lacks ${k}`);
    assert.ok(k in en, `en.json lacks ${k}`);
  }
  /* the steps read as the server names them in Chinese */
  assert.equal(zh['fb.status.planned'], '已制定方案');
  assert.equal(zh['fb.status.called_back'], '已回访');
  assert.equal(pText(0.00001), '<0.0001');
  assert.equal(pText(0.0031), '0.0031');
  assert.equal(pText(0.5), '0.500');
});

test('the board shows a column per step with the API\'s counts, the overdue complaint in red, praise apart', async () => {
  const page = await newPage();
  await login(page, MANAGER);
  const ids = await navIds(page);
  for (const id of ['nav-feedback', 'nav-surveys', 'nav-alerts']) assert.ok(ids.includes(id), `manager nav: ${ids}`);
  assert.equal(await page.textContent('#nav-feedback'), '反馈');
  assert.equal(await page.textContent('#nav-surveys'), '问卷');
  assert.equal(await page.textContent('#nav-alerts'), '预警');
  await page.click('#nav-feedback');
  await page.waitForSelector(`#fb-card-${fb.late.id}`);
  assert.equal(new URL(page.url()).pathname, '/feedback');
  const m = await managerApi();
  const board = await m.call('GET', '/feedback/board');
  assert.deepEqual(board.columns.map((c) => c.status), STATUSES);
  for (const c of board.columns) {
    assert.equal(await page.getAttribute(`#fb-col-${c.status}`, 'data-count'), String(c.count), c.status);
    assert.equal(await page.textContent(`#fb-count-${c.status}`), String(c.count));
    assert.match(await page.textContent(`#fb-col-${c.status} .fb-col-title`), new RegExp(c.status_zh));
  }
  assert.equal(board.columns[0].count, 2, 'the manager sees SH01\'s two complaints');
  assert.equal(await page.$(`#fb-card-${fb.bj.id}`), null, 'not another store\'s');
  assert.match(await page.textContent('#fb-sum-overdue'), /超时 1 张/);
  /* the late one: red, saying which deadline */
  const late = `#fb-card-${fb.late.id}`;
  assert.equal(await page.$eval(late, (e) => e.classList.contains('overdue')), true);
  assert.equal(await page.$eval(late, (e) => getComputedStyle(e).borderTopColor), RED);
  assert.equal(await page.textContent(`${late} .fb-overdue`), '超时：没有在期限内首次响应');
  assert.equal(await page.$eval(`${late} .fb-overdue`, (e) => getComputedStyle(e).color), RED);
  assert.match(await page.textContent(late), /上海人民广场店.*等位\/上菜慢/);
  assert.match(await page.textContent(late), /负责人：陈经理/);
  assert.match(await page.textContent(late), /30 小时前/);
  assert.equal(await page.getAttribute(`${late} .fb-stars`, 'data-rating'), '1');
  assert.equal(await page.$eval(`#fb-card-${fb.fresh.id}`, (e) => e.classList.contains('overdue')), false);
  assert.equal(await page.$(`#fb-card-${fb.fresh.id} .fb-overdue`), null);
  /* praise: no ticket, listed below */
  await page.waitForSelector(`#fb-praise-list #fb-card-${fb.praise.id}`);
  assert.match(await page.textContent('#fb-praise'), /服务员小王很热情/);
  assert.ok(await minHeight(page, '.fb-move-btn, .fb-card-link, #fb-filters select, .fb-check') >= 48, 'touch targets ≥ 48 px');
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 1024x768');
  await shot(page, 'feedback-board-1024');

  /* only overdue: the filter in the address, the counts as the API's */
  await page.check('#fb-f-overdue');
  await page.waitForFunction((id) => !document.getElementById(`fb-card-${id}`), fb.fresh.id);
  assert.match(new URL(page.url()).search, /overdue=true/);
  const od = await m.call('GET', '/feedback/board?overdue=true');
  for (const c of od.columns) await page.waitForFunction(([st, n]) => document.getElementById(`fb-col-${st}`).dataset.count === n, [c.status, String(c.count)]);
  assert.ok(await page.$(late));
  await page.reload();
  await page.waitForSelector(late);
  assert.equal(await page.isChecked('#fb-f-overdue'), true, 'kept over a reload');
  await page.uncheck('#fb-f-overdue');
  await page.selectOption('#fb-f-category', 'dish');
  await page.waitForFunction((id) => !document.getElementById(`fb-card-${id}`), fb.late.id);
  assert.ok(await page.$(`#fb-card-${fb.fresh.id}`));
  await page.selectOption('#fb-f-category', '');
  await page.waitForSelector(late);

  /* the guests' QR code for the store's public form */
  await page.click('#fb-qr summary');
  await page.waitForSelector('#fb-qr-canvas');
  assert.equal(await page.inputValue('#fb-qr-link'), `${srv.base}/f/SH01`);
  assert.ok(await page.$eval('#fb-qr-canvas', (c) => c.width >= 200 && c.height === c.width), 'a square QR code');
  assert.match(await page.getAttribute('#fb-qr-save', 'href'), /^data:image\/png;base64,/);
  await shot(page, 'feedback-board-qr-1024');
  await finish(page);
});

test('moving a ticket asks for the root cause and shows the server\'s refusal next to it', async () => {
  const page = await newPage();
  await login(page, MANAGER);
  await page.goto(`${srv.base}/feedback`);
  const card = `#fb-card-${fb.late.id}`;
  await page.waitForSelector(card);
  assert.equal(await page.textContent(`${card}-to-analysed`), '下一步：已分析');
  await page.click(`${card}-to-analysed`);
  const cause = `#fbm-${fb.late.id}-root_cause`;
  await page.waitForSelector(cause);
  assert.match(await page.textContent(`#fbm-${fb.late.id}-form`), /原因分析/);
  assert.equal(await page.$(`#fbm-${fb.late.id}-solution`), null, 'only the field this step needs');
  /* nothing written: the server's missing_field, next to the root cause */
  await page.click(`#fbm-${fb.late.id}-submit`);
  await page.waitForSelector(`#fbm-${fb.late.id}-form .field-error`);
  assert.equal(await fieldError(page, cause), '请填写这一项');
  assert.equal(await page.getAttribute(cause, 'aria-invalid'), 'true');
  assert.equal((await api.call('GET', `/feedback/${fb.late.id}`)).ticket.status, 'received', 'nothing moved');
  await shot(page, 'feedback-move-refused-1024');
  await page.fill(cause, '周五晚高峰只有一个人带位');
  await page.fill(`#fbm-${fb.late.id}-note`, '已和店长确认');
  await page.click(`#fbm-${fb.late.id}-submit`);
  await page.waitForSelector(`#fb-list-analysed ${card}`);
  assert.match(await page.textContent('#fb-notice'), /已移到「已分析」/);
  const t = (await api.call('GET', `/feedback/${fb.late.id}`)).ticket;
  assert.equal(t.status, 'analysed');
  assert.equal(t.root_cause, '周五晚高峰只有一个人带位');
  const board = await api.call('GET', '/feedback/board?store=SH01');
  await page.waitForFunction((n) => document.getElementById('fb-col-analysed').dataset.count === n, String(board.columns[1].count));
  await page.waitForFunction((id) => !document.querySelector(`#fb-list-received #fb-card-${id}`), fb.late.id);
  /* the response deadline is met: no longer red */
  assert.equal(await page.$eval(`#fb-list-analysed ${card}`, (e) => e.classList.contains('overdue')), false);

  /* a stale move: someone else analysed the fresh complaint meanwhile (409) */
  const other = `#fb-card-${fb.fresh.id}`;
  await page.click(`${other}-to-analysed`);
  await page.waitForSelector(`#fbm-${fb.fresh.id}-root_cause`);
  await api.call('POST', `/feedback/${fb.fresh.id}/transitions`, { to: 'analysed', root_cause: '供应商换了' });
  await page.fill(`#fbm-${fb.fresh.id}-root_cause`, '冷链断了');
  await page.click(`#fbm-${fb.fresh.id}-submit`);
  await page.waitForSelector(`#fbm-${fb.fresh.id}-form .form-error:not([hidden])`);
  assert.match(await page.textContent(`#fbm-${fb.fresh.id}-form .form-error`), /别人刚处理过这张工单/);
  assert.equal((await api.call('GET', `/feedback/${fb.fresh.id}`)).ticket.root_cause, '供应商换了', 'the other move stands');
  await finish(page);
});

test('the ticket page moves through every step and shows the whole history; reopening needs a reason', async () => {
  const page = await newPage();
  await login(page, MANAGER);
  await page.goto(`${srv.base}/feedback/${fb.late.id}`);
  await page.waitForSelector('#fbt-ticket');
  assert.equal(await page.textContent('#fbt-status'), '已分析');
  assert.equal(await page.textContent('#fbt-text'), '等位一个小时，没人理');
  assert.match(await page.textContent('#fbt-response-due'), /已完成/);
  assert.match(await page.textContent('#fbt-root-cause'), /周五晚高峰只有一个人带位/);
  const step = async (to, fill) => {
    await page.click(`#fbt-to-${to}`);
    await page.waitForSelector('#fbt-move-form');
    if (fill) await fill();
    await page.click('#fbt-move-submit');
    await page.waitForFunction((st) => document.querySelector('#fbt-ticket')?.dataset && document.getElementById('fbt-status')?.textContent === st, { planned: '已制定方案', implemented: '已实施', evaluated: '已评估', called_back: '已回访', closed: '已关闭', received: '已收到' }[to]);
  };
  await step('planned', () => page.fill('#fbt-move-solution', '高峰期加派一名迎宾'));
  await step('implemented', () => page.fill('#fbt-move-note', '本周五开始'));
  await step('evaluated', () => page.fill('#fbt-move-result', '等位时有人招呼，客人不再投诉'));
  /* the satisfaction as stars: none tapped is refused next to them */
  await page.click('#fbt-to-called_back');
  await page.waitForSelector('#fbt-move-satisfaction');
  assert.ok(await minHeight(page, '#fbt-move-satisfaction .fb-star') >= 48);
  await page.click('#fbt-move-submit');
  await page.waitForSelector('#fbt-move-form .field-error');
  assert.equal(await fieldError(page, '#fbt-move-satisfaction'), '请填写这一项');
  await page.click('#fbt-move-satisfaction-4');
  assert.equal(await page.textContent('#fbt-move-satisfaction-words'), '满意');
  await page.click('#fbt-move-submit');
  await page.waitForFunction(() => document.getElementById('fbt-status')?.textContent === '已回访');
  assert.equal(await page.getAttribute('#fbt-satisfaction .fb-stars', 'data-rating'), '4');
  await step('closed');
  assert.match(await page.textContent('#fbt-resolve-due'), /已完成/);
  /* the history: who, when, the note of every step */
  const items = await page.$$eval('#fbt-timeline .fbt-step', (els) => els.map((e) => e.textContent));
  assert.equal(items.length, 7, items.join('\n'));
  assert.match(items[0], /收到反馈，开了工单.*王总/);
  assert.match(items[1], /已收到 → 已分析.*陈经理.*已和店长确认/);
  assert.match(items[2], /已分析 → 已制定方案.*陈经理/);
  assert.match(items[3], /已制定方案 → 已实施.*本周五开始/);
  assert.match(items[6], /已回访 → 已关闭/);
  const full = await api.call('GET', `/feedback/${fb.late.id}`);
  assert.equal(full.steps.length, 7);
  assert.deepEqual(full.ticket.next, ['received']);
  await shot(page, 'feedback-ticket-closed-1024');

  /* reopening: the reason is required */
  assert.equal(await page.textContent('#fbt-to-received'), '重新打开');
  await page.click('#fbt-to-received');
  await page.waitForSelector('#fbt-move-note');
  await page.click('#fbt-move-submit');
  await page.waitForSelector('#fbt-move-form .field-error');
  assert.equal(await fieldError(page, '#fbt-move-note'), '请填写这一项');
  await page.fill('#fbt-move-note', '客人又来电话，说还是等了很久');
  await page.click('#fbt-move-submit');
  await page.waitForFunction(() => document.getElementById('fbt-status')?.textContent === '已收到');
  assert.match(await page.textContent('#fbt-reopened'), /重新打开过 1 次/);
  const last = await page.$$eval('#fbt-timeline .fbt-step', (els) => els.map((e) => e.textContent));
  assert.equal(last.length, 8);
  assert.match(last[7], /重新打开.*客人又来电话/);

  /* the recovery coupon: yuan in the form, fen in the API */
  await page.fill('#fbt-coupon-value', '五十');
  await page.click('#fbt-coupon-save');
  await page.waitForSelector('#fbt-coupon-form .field-error');
  assert.match(await fieldError(page, '#fbt-coupon-value'), /请写金额/);
  await page.fill('#fbt-coupon-value', '50');
  await page.fill('#fbt-coupon-note', '下次到店免锅底');
  await page.click('#fbt-coupon-save');
  await page.waitForSelector('#fbt-coupon');
  assert.match(await page.textContent('#fbt-coupon'), /¥50\.00.*下次到店免锅底/);
  assert.match(await page.textContent('#fbt-notice'), /已记录补偿券 ¥50\.00/);
  const after = await api.call('GET', `/feedback/${fb.late.id}`);
  assert.equal(after.ticket.coupon.value_fen, 5000);
  assert.match((await page.$$eval('#fbt-timeline .fbt-step', (els) => els.map((e) => e.textContent))).at(-1), /修改工单.*记录了补偿券/);
  assert.ok(await noHorizontalScroll(page));
  await finish(page);
});

test('a ticket past both deadlines reads red on its page, and fits at 390 wide', async () => {
  const old = await api.call('POST', '/feedback', {
    store_id: s.sh.id, channel: 'phone', category: 'hygiene', rating: 2, text: '碗里有头发', received_at: ago(80 * 3600),
    contact_name: '刘女士', contact_phone: '139 0000 1234', callback: true,
  });
  assert.equal(old.ticket.resolve_overdue, true);
  const page = await newPage({ width: 390, height: 844 });
  await login(page, MANAGER);
  await page.goto(`${srv.base}/feedback/${old.id}`);
  await page.waitForSelector('#fbt-overdue');
  assert.equal(await page.textContent('#fbt-overdue'), '超时：首次响应和解决都已超过期限');
  for (const id of ['#fbt-response-due', '#fbt-resolve-due']) {
    assert.equal(await page.$eval(id, (e) => e.classList.contains('late')), true, id);
    assert.equal(await page.$eval(`${id} .v`, (e) => getComputedStyle(e).color), RED);
    assert.match(await page.textContent(id), /已超时/);
  }
  assert.match(await page.textContent('#fbt-contact'), /刘女士.*139 0000 1234.*请回电/);
  assert.ok(await noHorizontalScroll(page), 'ticket: no horizontal scroll at 390');
  await shot(page, 'feedback-ticket-overdue-390');
  /* the board at 390: the columns scroll inside, the page does not */
  await page.goto(`${srv.base}/feedback`);
  await page.waitForSelector(`#fb-card-${old.id}.overdue`);
  assert.ok(await noHorizontalScroll(page), 'board: no horizontal scroll at 390');
  assert.ok(await page.$eval('#fb-board', (b) => b.scrollWidth > b.clientWidth), 'the board itself scrolls sideways');
  await shot(page, 'feedback-board-390');
  await page.click('#lang-switch');
  await page.waitForFunction((id) => /Overdue/.test(document.querySelector(`#fb-card-${id} .fb-overdue`)?.textContent || ''), old.id);
  assert.equal(await page.textContent('#nav-feedback'), 'Feedback');
  assert.match(await page.textContent('#fb-col-received .fb-col-title'), /Received/);
  assert.match(await page.textContent(`#fb-card-${old.id} .fb-overdue`), /Overdue: first response and resolution both late/);
  assert.ok(await noHorizontalScroll(page), 'board in English: no horizontal scroll at 390');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.getElementById('nav-feedback')?.textContent === '反馈');
  await finish(page);
});

test('a waiter records a complaint from the guest card at 390 wide', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, WAITER);
  const ids = await navIds(page);
  assert.deepEqual(ids, ['nav-door', 'nav-new-guest'], 'a waiter has no feedback, survey or alert pages');
  assert.ok(await page.$('#door-feedback'), 'the door offers 记录反馈');
  assert.equal(await page.$('#door-alerts'), null, 'no alerts for a waiter');
  await page.goto(`${srv.base}/guests/${g.zhang.id}`);
  await page.waitForSelector('#guest-feedback');
  await page.click('#guest-feedback');
  await page.waitForSelector('#fbn-form');
  assert.equal(new URL(page.url()).search, `?customer_id=${g.zhang.id}`);
  await page.waitForSelector('#fbn-guest-link');
  assert.equal(await page.textContent('#fbn-guest-link'), '张伟');
  await page.waitForFunction(() => document.querySelectorAll('#fbn-store option').length > 0);
  assert.equal(await page.inputValue('#fbn-store'), String(s.sh.id), 'the waiter\'s own store');
  /* no category: the server's missing_field next to the chips */
  await page.click('#fbn-submit');
  await page.waitForSelector('#fbn-form .field-error');
  assert.equal(await fieldError(page, '#fbn-category'), '请填写这一项');
  await page.click('#fbn-category-dish');
  await page.click('#fbn-rating-1');
  assert.match(await page.textContent('#fbn-rating-hint'), /自动开投诉工单/);
  await page.fill('#fbn-text', '毛肚不脆');
  await page.waitForFunction(() => document.querySelectorAll('#fbn-dish option').length > 1);
  await page.selectOption('#fbn-dish', String(s.dish.id));
  await page.fill('#fbn-staff', '小李');
  assert.ok(await minHeight(page, '#fbn-form .chip, #fbn-form .fb-star, #fbn-form input[type=text], #fbn-form select, #fbn-submit') >= 48, 'touch targets ≥ 48 px');
  await page.click('#fbn-submit');
  await page.waitForSelector('#fbn-done:not([hidden])');
  assert.match(await page.textContent('#fbn-done-ticket'), /已开投诉工单（已收到），负责人：陈经理/);
  assert.equal(await page.$('#fbn-open'), null, 'a waiter cannot open the board');
  assert.ok(await page.$('#fbn-back-guest'));
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 390');
  await shot(page, 'feedback-new-390');
  const list = await api.call('GET', `/feedback?customer_id=${g.zhang.id}`);
  assert.equal(list.items.length, 1);
  const it = list.items[0];
  assert.equal(it.text, '毛肚不脆');
  assert.equal(it.channel, 'in_store');
  assert.equal(it.dish.name, '肥牛卷');
  assert.equal(it.staff.name, '小李');
  assert.equal(it.ticket.status, 'received');
  /* the board and the survey and alert pages are not for a waiter */
  await page.goto(`${srv.base}/feedback`);
  await page.waitForSelector('#feedback-forbidden');
  await page.goto(`${srv.base}/surveys`);
  await page.waitForSelector('#surveys-forbidden');
  await page.goto(`${srv.base}/alerts`);
  await page.waitForSelector('#alerts-forbidden');
  await finish(page);
});

test('the guests\' public form works at 390 wide without a login: consent required, then thanks', async () => {
  const before = await api.call('GET', '/feedback?store=SH01&channel=form');
  const page = await newPage({ width: 390, height: 844 });
  await page.goto(`${srv.base}/f/SH01`);
  await page.waitForSelector('#pf-form');
  assert.equal(await page.isHidden('#top'), true, 'no staff header');
  assert.equal(new URL(page.url()).pathname, '/f/SH01', 'not sent to the login');
  assert.equal(await page.textContent('#pf-store'), '上海人民广场店');
  assert.ok(await minHeight(page, '#pf-form .fb-star, #pf-form .chip, #pf-form input[type=text], #pf-form input[type=tel], .pub-check, #pf-submit') >= 48, 'big tap targets');
  assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 390');
  await shot(page, 'feedback-public-390');
  await page.click('#pf-rating-4');
  await page.click('#pf-category-service');
  await page.fill('#pf-text', '锅底很香，服务员很耐心');
  /* without the consent box: refused next to it, in Chinese */
  await page.click('#pf-submit');
  await page.waitForSelector('#pf-form .field-error');
  assert.equal(await fieldError(page, '#pf-consent'), '请勾选同意后再提交');
  assert.equal((await api.call('GET', '/feedback?store=SH01&channel=form')).items.length, before.items.length, 'nothing written');
  await shot(page, 'feedback-public-consent-390');
  /* a call back without a phone: refused next to the phone */
  await page.check('#pf-consent');
  await page.check('#pf-callback');
  await page.click('#pf-submit');
  await page.waitForFunction(() => /手机号/.test(document.querySelector('#pf-form .field-error')?.textContent || ''));
  assert.equal(await fieldError(page, '#pf-phone'), '要回电话请留下手机号');
  await page.fill('#pf-phone', '137 0000 2222');
  await page.fill('#pf-name', '周先生');
  await page.click('#pf-submit');
  await page.waitForSelector('#pf-thanks');
  assert.equal(await page.textContent('#pf-thanks-text'), '谢谢您的反馈，我们会尽快给您回电。');
  await shot(page, 'feedback-public-thanks-390');
  const after = await api.call('GET', '/feedback?store=SH01&channel=form');
  assert.equal(after.items.length, before.items.length + 1);
  const it = after.items[0];
  assert.equal(it.source, 'public');
  assert.equal(it.rating, 4);
  assert.equal(it.category, 'service');
  assert.equal(it.contact.callback, true);
  assert.equal(it.ticket, null, 'a 4 is no complaint');

  /* a flood: the 429 in words with the wait */
  await page.click('#pf-again');
  await page.waitForSelector('#pf-form');
  await page.route('**/api/v1/public/feedback', (route) => route.fulfill({
    status: 429, contentType: 'application/json', headers: { 'Retry-After': '30' },
    body: JSON.stringify({ error: { code: 'rate_limited', message: 'too many requests', retry_after: 30 } }),
  }));
  await page.click('#pf-rating-2');
  await page.check('#pf-consent');
  await page.click('#pf-submit');
  await page.waitForSelector('#pf-form .form-error:not([hidden])');
  assert.equal(await page.textContent('#pf-form .form-error'), '提交太频繁了，请 30 秒后再试');
  await page.unroute('**/api/v1/public/feedback');
  await finish(page);

  /* 360 wide, and a store that does not exist */
  const small = await newPage({ width: 360, height: 740 });
  await small.goto(`${srv.base}/f/SH01`);
  await small.waitForSelector('#pf-form');
  assert.ok(await noHorizontalScroll(small), 'no horizontal scroll at 360');
  await small.goto(`${srv.base}/f/XX99`);
  await small.waitForSelector('#pf-error');
  assert.match(await small.textContent('#pf-error'), /找不到这家门店/);
  await finish(small);
});

test('surveys: define one (a bad question refused next to it), invite a guest, answer, and see the charts', async () => {
  const page = await newPage();
  await login(page, MANAGER);
  await page.click('#nav-surveys');
  await page.waitForSelector('#sv-none');
  await page.click('#sv-new');
  await page.waitForSelector('#sv-editor');
  assert.equal(await page.$$eval('#sv-ed-questions .sv-q', (els) => els.length), 3, 'CSAT, NPS and a free text to start');
  assert.equal(await page.inputValue('#sv-ed-store'), String(s.sh.id), 'the manager\'s own store');
  await page.click('#sv-ed-add-single_choice');
  await page.fill('#sv-ed-q-3-text', '您最喜欢哪个锅底？');
  /* a single choice without options: the server's error next to its options */
  await page.click('#sv-ed-save');
  await page.waitForSelector('#sv-editor .field-error');
  assert.ok(await fieldError(page, '#sv-ed-q-3-options'), 'the error is under question 4\'s options');
  assert.equal(await page.getAttribute('#sv-ed-q-3-options', 'aria-invalid'), 'true');
  assert.equal((await api.call('GET', '/surveys')).items.length, 0, 'nothing saved');
  await shot(page, 'feedback-survey-editor-1024');
  await page.fill('#sv-ed-q-3-options', '番茄锅\n麻辣锅\n菌汤锅');
  await page.click('#sv-ed-save');
  await page.waitForSelector('#sv-notice:not([hidden])');
  assert.match(await page.textContent('#sv-notice'), /已新建问卷「到店满意度」/);
  const sv = (await api.call('GET', '/surveys')).items[0];
  assert.equal(sv.store_id, s.sh.id);
  assert.deepEqual(sv.questions.map((q) => q.type), ['csat', 'nps', 'text', 'single_choice']);
  await page.waitForSelector('#sv-no-responses');

  /* invite 张伟: the link is shown once */
  await page.fill('#sv-inv-search', '5678');
  await page.waitForSelector(`#sv-inv-guest-${g.zhang.id}`);
  await page.click(`#sv-inv-guest-${g.zhang.id}`);
  await page.click('#sv-inv-create');
  await page.waitForSelector('#sv-inv-token');
  const link = await page.inputValue('#sv-inv-link');
  assert.match(link, new RegExp(`^${srv.base}/s/[A-Za-z0-9_-]{43}$`));
  assert.match(await page.textContent('#sv-inv-token'), /只显示这一次/);
  await page.waitForSelector('#sv-inv-list .sv-inv-open');
  await page.click('#sv-inv-close');
  assert.equal(await page.$('#sv-inv-link'), null, 'gone once closed');
  await finish(page);

  /* the guest answers on a phone, without a login */
  const guest = await newPage({ width: 390, height: 844 });
  await guest.goto(link);
  await guest.waitForSelector('#ps-form');
  assert.equal(await guest.isHidden('#top'), true);
  assert.equal(await guest.textContent('#ps-name'), '到店满意度');
  assert.match(await guest.textContent('#ps-form'), /上海人民广场店/);
  await guest.click('#ps-submit');
  await guest.waitForSelector('#ps-q0 .field-error');
  assert.equal(await guest.textContent('#ps-q0 .field-error'), '这一题必须回答');
  await guest.click('#ps-q0-5');
  await guest.click('#ps-q1-9');
  await guest.fill('#ps-q2-text', '服务员很热情');
  await guest.click('#ps-q3-opt1');
  assert.ok(await minHeight(guest, '.ps-scale-btn, .ps-choice, #ps-submit') >= 48);
  assert.ok(await noHorizontalScroll(guest), 'survey: no horizontal scroll at 390');
  await shot(guest, 'feedback-survey-public-390');
  await guest.click('#ps-submit');
  await guest.waitForSelector('#ps-thanks');
  await guest.reload();
  await guest.waitForSelector('#ps-gone');
  assert.match(await guest.textContent('#ps-gone'), /已经回答过了/);
  await finish(guest);

  /* two more guests answer through the API: a low score opens a ticket */
  const m = await managerApi();
  for (const [name, phone, answers] of [
    ['李娜', '139 8765 4321', [{ q: 0, value: 2 }, { q: 1, value: 3 }, { q: 2, value: '上菜太慢' }, { q: 3, value: 0 }]],
    ['王芳', '137 0000 1111', [{ q: 0, value: 4 }, { q: 1, value: 8 }, { q: 3, value: 1 }]],
  ]) {
    const c = await api.call('POST', '/customers', { home_store_id: s.sh.id, name, phone });
    const inv = await m.call('POST', `/surveys/${sv.id}/invites`, { customer_id: c.id });
    const res = await fetch(`${srv.base}/api/v1/public/survey`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: inv.token, answers }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  const results = await m.call('GET', `/surveys/${sv.id}/results`);
  assert.equal(results.responses, 3);

  const again = await newPage();
  await login(again, MANAGER);
  await again.goto(`${srv.base}/surveys?id=${sv.id}`);
  await again.waitForSelector('#sv-chart-csat canvas');
  await again.waitForSelector('#sv-chart-nps canvas');
  await again.waitForSelector('#sv-chart-nps-dist canvas');
  await again.waitForSelector('#sv-chart-stores canvas');
  assert.equal(await again.textContent('#sv-fig-responses .v'), '3');
  assert.equal(await again.textContent('#sv-fig-csat .v'), results.csat.average.toFixed(2));
  assert.equal(await again.textContent('#sv-fig-nps .v'), String(results.nps.score));
  assert.match(await again.textContent('#sv-nps-groups'), new RegExp(`推荐者 ${results.nps.promoters}.*贬损者 ${results.nps.detractors}`));
  const csatRows = await again.$$eval('#sv-csat-table tbody tr', (rows) => rows.map((r) => r.lastChild.textContent));
  assert.deepEqual(csatRows, ['1', '2', '3', '4', '5'].map((k) => String(results.csat.distribution[k])));
  assert.ok(await again.$eval('#sv-chart-csat canvas', (c) => c.width > 100 && c.height > 100), 'a drawn chart');
  assert.match(await again.textContent('#sv-store-table'), /上海人民广场店/);
  assert.match(await again.textContent('#sv-results'), /上菜太慢/);
  assert.match(await again.textContent('#sv-results'), /麻辣锅/);
  assert.match(await again.textContent('#sv-inv-list'), /已回答/);
  assert.ok(await noHorizontalScroll(again), 'no horizontal scroll at 1024');
  await shot(again, 'feedback-survey-results-1024');
  /* the low score opened a complaint ticket from the survey */
  const tickets = await m.call('GET', '/feedback?channel=survey');
  assert.equal(tickets.items.length, 1);
  await finish(again);

  const narrow = await newPage({ width: 390, height: 844 });
  await login(narrow, MANAGER);
  await narrow.goto(`${srv.base}/surveys?id=${sv.id}`);
  await narrow.waitForSelector('#sv-chart-csat canvas');
  assert.ok(await noHorizontalScroll(narrow), 'results: no horizontal scroll at 390');
  await shot(narrow, 'feedback-survey-results-390');
  await finish(narrow);
});

test('a complaint spike made through the API is listed with its figures, and on the door page', async () => {
  /* SZ01: 20 quiet visits in the 8 weeks before, then 10 visits and 6 complaints this week */
  const sz = await api.call('POST', '/stores', { code: 'SZ01', name: '深圳福田店', city: '深圳', region: '华南' });
  const c = await api.call('POST', '/customers', { home_store_id: sz.id, name: '赵敏', phone: '136 1111 2222' });
  for (let i = 0; i < 20; i++) {
    await api.call('POST', '/visits', { customer_id: c.id, store_id: sz.id, party_size: 2, amount_fen: 20000, visited_at: ago((10 + i * 2) * 86400) });
  }
  for (let i = 0; i < 10; i++) {
    await api.call('POST', '/visits', { customer_id: c.id, store_id: sz.id, party_size: 2, amount_fen: 20000, visited_at: ago((i % 5) * 86400 + 3600) });
  }
  for (let i = 0; i < 6; i++) {
    await api.call('POST', '/feedback', { store_id: sz.id, channel: 'in_store', category: 'hygiene', rating: 1, text: `卫生问题 ${i + 1}`, received_at: ago((i % 5) * 86400 + 7200) });
  }
  const r = await api.call('GET', '/alerts');
  const spike = r.items.find((it) => it.level === 'store' && it.store && it.store.code === 'SZ01');
  assert.ok(spike && spike.alert, `SZ01 alerts: ${JSON.stringify(r.items)}`);
  assert.equal(spike.complaints_7d, 6);
  assert.equal(spike.visits_7d, 10);

  const page = await newPage();
  await login(page, ADMIN);
  /* the door page's block */
  await page.waitForSelector('#door-alerts.on');
  assert.match(await page.textContent('#door-alerts'), new RegExp(`投诉预警 ${r.items.length} 条`));
  assert.match(await page.textContent('#door-alerts'), /深圳福田店/);
  await shot(page, 'feedback-door-alerts-1024');
  await page.click('#door-alerts-open');
  await page.waitForSelector('#al-list .al-item');
  assert.equal(new URL(page.url()).pathname, '/alerts');
  const rows = await page.$$('#al-list .al-item');
  assert.equal(rows.length, r.items.length, 'as many as the API lists');
  const row = await page.$('#al-list .al-item[data-store="SZ01"]');
  assert.ok(row);
  assert.equal(await row.getAttribute('data-alert'), 'true');
  assert.equal(await row.$eval('.al-complaints', (e) => e.textContent), '6');
  assert.equal(await row.$eval('.al-rate', (e) => e.textContent), String(Math.round(spike.rate_per_1000 * 10) / 10));
  assert.equal(await row.$eval('.al-p', (e) => e.textContent), pText(spike.p_value));
  assert.equal(await row.$eval('.al-message', (e) => e.textContent), spike.message.zh);
  assert.equal(await row.evaluate((e) => getComputedStyle(e).borderTopColor), RED);
  assert.match(await page.textContent('#al-rule'), /p < 0\.01.*至少 5 条/);
  assert.match(await page.textContent('#al-day-line'), new RegExp(`${r.day}：${r.items.length} 条预警`));
  await shot(page, 'feedback-alerts-1024');
  /* every unit: the quiet ones too, greyed */
  await page.check('#al-all');
  const all = await api.call('GET', '/alerts?all=true');
  await page.waitForFunction((n) => document.querySelectorAll('#al-list .al-item').length === n, all.items.length);
  assert.ok(all.items.length > r.items.length);
  assert.ok(await page.$('#al-list .al-item.quiet[data-store="BJ01"]'));
  assert.match(new URL(page.url()).search, /all=true/);
  /* a store's alert opens its feedback on the board */
  await page.click('#al-list .al-item[data-store="SZ01"] .al-open');
  await page.waitForSelector('#feedback-board');
  assert.equal(new URL(page.url()).search, '?store=SZ01');
  await finish(page);

  /* the SH01 manager: no alert in scope, a quiet line on the door */
  const mp = await newPage({ width: 390, height: 844 });
  await login(mp, MANAGER);
  await mp.waitForSelector('#door-alerts:not([hidden])');
  assert.match(await mp.textContent('#door-alerts'), /今天没有投诉预警/);
  await mp.goto(`${srv.base}/alerts?all=true`);
  await mp.waitForSelector('#al-list .al-item');
  assert.equal(await mp.$('#al-list .al-item[data-store="SZ01"]'), null, 'another store is out of scope');
  assert.ok(await noHorizontalScroll(mp), 'alerts: no horizontal scroll at 390');
  await shot(mp, 'feedback-alerts-390');
  await finish(mp);
});
