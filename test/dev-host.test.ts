// `npm run dev -- --host`: listening on every interface, the machine's LAN
// addresses printed and served, and the demo user off. Every request goes to
// 127.0.0.1; only its Host header names a LAN address.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, listeningLines } from '../app.ts';
import { loadSettings, ROOT } from '../src/settings.ts';
import { decodeTerminalQr, qrLinesIn } from './fixtures/terminal-qr.ts';
import { startApp, tempDir, until } from './helpers.ts';
import { freePort } from './services.ts';

/** A request to 127.0.0.1 with this Host header (fetch cannot set one). */
function request(port: number, host: string, urlPath: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: body === undefined ? 'GET' : 'POST',
        headers: { host, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** What the test expects to be printed: the IPv4 addresses of the non-loopback interfaces. */
const lan = Object.values(os.networkInterfaces())
  .flatMap((addresses) => addresses ?? [])
  .filter((address) => address.family === 'IPv4' && !address.internal)
  .map((address) => address.address);

describe('npm run dev -- --host', () => {
  const database = path.join(tempDir('lightweight-host-'), 'board.sqlite3');
  const env = { DATABASE_PATH: database, DEBUG: 'on', SERVICES: 'placeholder,pages,board', HOST: '', ALLOWED_HOSTS: '' };
  let child: ChildProcess;
  let output = '';
  let port: number;

  before(async () => {
    // A board made on the laptop first: the demo user exists.
    const laptop = await startApp(env);
    assert.ok(laptop.logs.some((line) => /created the demo user "demo"/.test(line)));
    await laptop.close();

    port = await freePort();
    child = spawn('npm', ['run', 'dev', '--', '--host'], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npm, the launcher, its watcher and the app stop together
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await until('npm run dev -- --host to serve', () => /npm run createuser/.test(output), 60_000);
  });

  after(async () => {
    if (child?.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      const force = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
  });

  it('prints each LAN address, like Vite, and no loopback one', () => {
    const printed = [...output.matchAll(/^\s*Network: http:\/\/([^:/]+):(\d+)\/$/gm)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(printed, lan.map((address) => [address, port]));
    if (lan.length === 0) assert.match(output, /Network: none found/);
  });

  it('prints a QR code of the first LAN address next to the Network: lines', { skip: lan.length === 0 && 'no LAN interface is up' }, () => {
    const first = `http://${lan[0]}:${port}/`;
    const code = qrLinesIn(output, new RegExp(`Network: ${first.replace(/[.]/g, '\\.')}$`));
    assert.ok(code.length > 0 && code.length <= 25, `a QR code of at most 25 lines follows the Network: lines:\n${output}`);
    assert.equal(decodeTerminalQr(code), first);
  });

  it('answers requests addressed to the LAN addresses and to localhost', async () => {
    for (const host of [...lan.map((address) => `${address}:${port}`), `localhost:${port}`, `127.0.0.1:${port}`]) {
      const res = await request(port, host, '/');
      assert.equal(res.status, 200, host);
      assert.match(res.text, /Rapid Prototypes/);
    }
    assert.equal((await request(port, 'elsewhere.example:80', '/')).status, 400);
  });

  it('refuses the demo user, saying so at start-up', async () => {
    assert.match(output, /demo user \(demo \/ test\) is neither created nor accepted.*npm run createuser/);
    const res = await request(port, `localhost:${port}`, '/api/token/', 'username=demo&password=test');
    assert.equal(res.status, 400);
    assert.doesNotMatch(res.text, /token/);
  });
});

describe('settings with and without --host', () => {
  it('without it: no Network: lines and no QR code', () => {
    const lines = listeningLines(loadSettings({ DEBUG: 'on', SERVICES: 'pages' }), 8000, ['192.0.2.7']);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.doesNotMatch(lines.join('\n'), /Network:|[█▀▄]/);
  });

  it('with it: the QR code reads back as the first LAN address, the second address only listed', () => {
    const lines = listeningLines(loadSettings({ DEBUG: 'on', SERVICES: 'pages' }, { lan: true }), 8123, ['192.0.2.7', '198.51.100.4']);
    assert.deepEqual(lines.filter((line) => line.includes('Network:')), ['  Network: http://192.0.2.7:8123/', '  Network: http://198.51.100.4:8123/']);
    assert.equal(decodeTerminalQr(qrLinesIn(lines.join('\n'), /Network: http:\/\/198\.51\.100\.4:8123\/$/)), 'http://192.0.2.7:8123/');
  });

  it('with it but no LAN interface: says so, and prints no QR code', () => {
    const lines = listeningLines(loadSettings({ DEBUG: 'on', SERVICES: 'pages' }, { lan: true }), 8123, []);
    assert.match(lines.join('\n'), /Network: none found/);
    assert.doesNotMatch(lines.join('\n'), /[█▀▄]/);
  });

  it('without it: loopback only, no LAN address served', async () => {
    const settings = loadSettings({ DEBUG: 'on' });
    assert.equal(settings.host, '127.0.0.1');
    for (const address of lan) assert.ok(!settings.allowedHosts.includes(address), address);
  });

  it('with --host, a new board gets no demo user', async () => {
    const database = path.join(tempDir('lightweight-host-new-'), 'board.sqlite3');
    const settings = loadSettings({ DATABASE_PATH: database, DEBUG: 'on', SERVICES: 'board' }, { lan: true });
    assert.equal(settings.host, '0.0.0.0');
    const logs: string[] = [];
    const lightweight = await createApp(settings, (line) => logs.push(line));
    try {
      assert.ok(!logs.some((line) => /demo user/.test(line)), logs.join('\n'));
      const res = await lightweight.app.request('/api/token/', {
        method: 'POST',
        body: 'username=demo&password=test',
        headers: { host: 'localhost', 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.status, 400);
    } finally {
      await lightweight.close();
    }
  });
});
