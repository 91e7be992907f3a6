/*
 * server.mjs - the real laoke server on a temporary database for the
 * browser tests, seeded through the CLI and the JSON API.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.LAOKE_BIN || join(ROOT, 'build/laoke');

export function buildWeb() {
  execFileSync(join(ROOT, 'scripts/build-web.sh'), { stdio: 'pipe' });
}

/* laoke user add NAME --role ROLE ... with the password on stdin */
export function addUser(db, name, role, password, extra = []) {
  execFileSync(BIN, ['user', 'add', name, '--role', role, '--password-stdin', '--db', db, ...extra], {
    input: `${password}\n`, stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export async function startServer() {
  if (!existsSync(BIN)) throw new Error(`no laoke binary at ${BIN}: build it or set LAOKE_BIN`);
  const dir = mkdtempSync(join(tmpdir(), 'laoke-web-'));
  const db = `sqlite:${join(dir, 'laoke.db')}`;
  const portFile = join(dir, 'port');
  const proc = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--web', join(ROOT, 'web/dist'), '--threads', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  let port = null;
  for (let i = 0; i < 200 && !port; i++) {
    if (proc.exitCode !== null) throw new Error(`laoke serve exited: ${stderr}`);
    try {
      port = Number(readFileSync(portFile, 'utf8').trim()) || null;
    } catch {
      port = null;
    }
    if (!port) await sleep(50);
  }
  if (!port) throw new Error(`laoke serve wrote no port: ${stderr}`);
  const base = `http://127.0.0.1:${port}`;
  return {
    dir, db, base, proc,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((res) => proc.once('exit', res));
        process.kill(proc.pid, 'SIGTERM');
        await Promise.race([done, sleep(5000)]);
        if (proc.exitCode === null) process.kill(proc.pid, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/* A JSON API client bound to one server and (after login) one token. */
export function client(base) {
  let token = null;
  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  }
  return {
    call,
    async login(username, password) {
      const r = await call('POST', '/auth/login', { username, password });
      token = r.token;
      return r;
    },
  };
}

/* "MM-DD" of the day n days from today in Asia/Shanghai. */
export function monthDayIn(n) {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + n));
  return `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}
