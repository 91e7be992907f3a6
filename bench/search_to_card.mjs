/*
 * Search-to-card time in the browser on a real database (e.g. the
 * 1M-guest demo): the host types the last four digits of a phone, the first
 * result is opened with Enter, and the card counts as shown when the guest's
 * head, its allergies block (loaded) and its first visits are on screen.
 *
 *   node bench/search_to_card.mjs --db sqlite:/tmp/big.db [--runs 20]
 *
 * Needs a built server (build/laoke or $LAOKE_BIN), web/dist, Chromium.
 * Prints the median and p90 of: last key -> results, Enter -> card,
 * last key -> card (includes the console's 150 ms typing debounce).
 */
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.LAOKE_BIN || join(ROOT, 'build/laoke');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const db = arg('--db');
const runs = Number(arg('--runs', '20'));
if (!db) {
  console.error('usage: node bench/search_to_card.mjs --db sqlite:PATH [--runs N]');
  process.exit(2);
}

const user = 'bench_host';
const password = 'bench-host-pw';
try {
  execFileSync(BIN, ['user', 'add', user, '--role', 'waiter', '--password-stdin', '--db', db],
    { input: `${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
} catch {
  /* the user is there from an earlier run */
}
const dir = mkdtempSync(join(tmpdir(), 'laoke-bench-'));
const portFile = join(dir, 'port');
const proc = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--port-file', portFile,
  '--web', join(ROOT, 'web/dist')], { stdio: ['ignore', 'ignore', 'ignore'] });
let port = null;
for (let i = 0; i < 300 && !port; i++) {
  try { port = Number(readFileSync(portFile, 'utf8').trim()) || null; } catch { port = null; }
  if (!port) await sleep(50);
}
if (!port) throw new Error('server did not start');
const base = `http://127.0.0.1:${port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
await page.goto(`${base}/login`);
await page.fill('#login-username', user);
await page.fill('#login-password', password);
await page.click('#login-submit');
await page.waitForSelector('#door-search');

/* tails spread over the number space, fixed so runs are comparable */
const tails = Array.from({ length: runs }, (_, i) => String((i * 7919 + 1234) % 10000).padStart(4, '0'));
const res = [];
for (const tail of tails) {
  await page.goto(`${base}/`);
  await page.waitForSelector('#door-search');
  await page.type('#door-search', tail.slice(0, 3));
  await page.evaluate(() => {
    const m = {};
    window.__m = m;
    document.getElementById('door-search').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') m.enter = performance.now();
      else m.key = performance.now();
    });
    const obs = new MutationObserver(() => {
      if (!m.results && document.querySelector('.result')) m.results = performance.now();
      const head = document.querySelector('#guest-head');
      if (!m.card && head && head.textContent.trim() &&
          document.querySelector('#allergies:not(.loading)') &&
          document.querySelector('#visits .visit')) {
        m.card = performance.now();
        obs.disconnect();
      }
    });
    obs.observe(document.body, { childList: true, subtree: true, attributes: true });
  });
  await page.keyboard.press(tail[3]);
  await page.waitForSelector('.result', { timeout: 10000 });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.__m.card, null, { timeout: 10000 });
  const m = await page.evaluate(() => window.__m);
  res.push({ results: m.results - m.key, card: m.card - m.enter, total: m.card - m.key });
}
await browser.close();
process.kill(proc.pid, 'SIGTERM');
rmSync(dir, { recursive: true, force: true });

const pct = (k, p) => {
  const v = res.map((r) => r[k]).sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(v.length * p))].toFixed(0);
};
console.log(`search-to-card on ${db}, ${res.length} phone tails, 1024x768:`);
console.log(`  last key -> results shown: median ${pct('results', 0.5)} ms, p90 ${pct('results', 0.9)} ms (includes 150 ms debounce)`);
console.log(`  Enter -> card shown:       median ${pct('card', 0.5)} ms, p90 ${pct('card', 0.9)} ms`);
console.log(`  last key -> card shown:    median ${pct('total', 0.5)} ms, p90 ${pct('total', 0.9)} ms`);
