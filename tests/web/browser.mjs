/*
 * browser.mjs - what every browser test needs around a page: Debian's
 * Chromium launched the way this machine allows, pages that fail on any
 * script or CSP error, logging in, screenshots.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './server.mjs';

export const SHOTS = join(ROOT, 'tests/artifacts/web');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export function launchBrowser() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/* a page in its own context that records every script error and console error */
export async function openPage(browser, viewport = { width: 1024, height: 768 }) {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) page.errors.push(m.text());
  });
  return page;
}

/* close the page's context; the page must have thrown no error */
export async function finish(page) {
  const errors = page.errors;
  await page.context().close();
  assert.deepEqual(errors, [], 'no script or CSP error in the page');
}

export async function loginAs(page, base, who) {
  await page.goto(`${base}/`);
  await page.waitForSelector('#login-form');
  await page.fill('#login-username', who.user);
  await page.fill('#login-password', who.pass);
  await page.click('#login-submit');
  await page.waitForSelector('#door-search');
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export function noHorizontalScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}
