// Users, tokens and authentication: the token endpoint as DRF's authtoken,
// Basic and Token credentials with DRF's messages, throttled failures, the
// cross-site rule for Basic credentials, the verified-credentials cache
// dropped by a password change, the demo user, and the user commands.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../src/settings.ts';
import { boardDatabase, runScript as command, openDatabaseReader, startApp, type Running } from './helpers.ts';

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('authentication', () => {
  let app: Running;
  let database: Record<string, string>;
  before(async () => {
    database = await boardDatabase();
    app = await startApp({ SERVICES: 'board', ...database });
  });
  after(() => app.close());

  const login = (body: BodyInit, headers: Record<string, string> = {}) => fetch(`${app.url}/api/token/`, { method: 'POST', body, headers });

  it('logs in for a 40-hex token, the same on every login, from JSON, form or multipart', async () => {
    const first = await login(new URLSearchParams({ username: 'demo', password: 'test' }));
    assert.equal(first.status, 200);
    const { token } = (await first.json()) as { token: string };
    assert.match(token, /^[0-9a-f]{40}$/);
    const json = await login(JSON.stringify({ username: 'demo', password: 'test' }), { 'Content-Type': 'application/json' });
    assert.deepEqual(await json.json(), { token });
    const form = new FormData();
    form.set('username', 'demo');
    form.set('password', 'test');
    assert.deepEqual(await (await login(form)).json(), { token });
    const tasks = await fetch(`${app.url}/api/tasks/`, { headers: { Authorization: `Token ${token}` } });
    assert.equal(tasks.status, 200);
  });

  it('explains a missing field, and refuses wrong credentials and inactive users alike', async () => {
    const missing = await login(new URLSearchParams({ password: 'test' }));
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), { username: ['This field is required.'] });
    assert.deepEqual(await (await login(new URLSearchParams())).json(), { username: ['This field is required.'], password: ['This field is required.'] });
    const wrong = await login(new URLSearchParams({ username: 'demo', password: 'wrong' }));
    assert.equal(wrong.status, 400);
    assert.deepEqual(await wrong.json(), { non_field_errors: ['Unable to log in with provided credentials.'] });

    assert.equal((await command('createuser', ['sleepy', '--password-stdin'], database, 'sleepy-pass\n')).code, 0);
    const db = await openDatabaseReader(database);
    await db.exec("UPDATE users SET is_active = 0 WHERE username = 'sleepy'");
    await db.close();
    const inactive = await login(new URLSearchParams({ username: 'sleepy', password: 'sleepy-pass' }));
    assert.deepEqual(await inactive.json(), { non_field_errors: ['Unable to log in with provided credentials.'] });
    const viaBasic = await fetch(`${app.url}/api/tasks/`, { headers: { Authorization: basic('sleepy', 'sleepy-pass') } });
    assert.equal(viaBasic.status, 401);
  });

  it('throttles repeated failures for one username with 429 and Retry-After, whatever the password', async () => {
    assert.equal((await command('createuser', ['target', '--password-stdin'], database, 'right-password\n')).code, 0);
    let throttled: Response | undefined;
    for (let attempt = 0; attempt < 10 && !throttled; attempt++) {
      const reply = await login(new URLSearchParams({ username: 'target', password: `guess-${attempt}` }));
      if (reply.status === 429) throttled = reply;
      else assert.equal(reply.status, 400);
    }
    assert.ok(throttled, 'throttled within 10 attempts');
    assert.match(((await throttled.json()) as { detail: string }).detail, /^Request was throttled\. Expected available in \d+ seconds?\.$/);
    assert.ok(Number(throttled.headers.get('retry-after')) > 0);
    const right = await login(new URLSearchParams({ username: 'target', password: 'right-password' }));
    assert.equal(right.status, 429, 'the right password waits too');
    const basicReply = await fetch(`${app.url}/api/tasks/`, { headers: { Authorization: basic('target', 'right-password') } });
    assert.equal(basicReply.status, 429, 'Basic credentials are throttled the same way');
    assert.equal((await login(new URLSearchParams({ username: 'demo', password: 'test' }))).status, 200, 'other usernames are unaffected');
  });

  /** A login sent from another loopback address (Linux routes all of 127/8 to lo). */
  const loginFrom = (address: string, username: string, password: string) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const request = http.request(`${app.url}/api/token/`, { method: 'POST', localAddress: address, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(body) }));
      });
      request.on('error', reject);
      request.end(new URLSearchParams({ username, password }).toString());
    });

  it('cannot lock anyone out: the right password from another address works while one address hammers the account', async () => {
    assert.equal((await command('createuser', ['hammered', '--password-stdin'], database, 'owner-password\n')).code, 0);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) statuses.push((await loginFrom('127.0.0.2', 'hammered', `guess-${attempt}`)).status);
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429, 429, 429], 'five failures per username and address');
    assert.equal((await loginFrom('127.0.0.2', 'hammered', 'owner-password')).status, 429, 'the hammering address waits, right password or not');
    const owner = await loginFrom('127.0.0.3', 'hammered', 'owner-password');
    assert.equal(owner.status, 200, 'the owner, elsewhere, logs in');
    assert.match(owner.body.token, /^[0-9a-f]{40}$/);
  });

  it('gives a throttled address no answer but 429, even for a password the owner just used elsewhere', async () => {
    assert.equal((await command('createuser', ['busy', '--password-stdin'], database, 'busy-password\n')).code, 0);
    assert.equal((await loginFrom('127.0.0.6', 'busy', 'busy-password')).status, 200, 'the owner logs in: the credentials are now known to the process');
    for (let attempt = 0; attempt < 5; attempt++) assert.equal((await loginFrom('127.0.0.7', 'busy', `guess-${attempt}`)).status, 400);
    assert.equal((await loginFrom('127.0.0.7', 'busy', 'guess-5')).status, 429);
    assert.equal((await loginFrom('127.0.0.7', 'busy', 'busy-password')).status, 429, 'a right guess is not told apart from a wrong one');
    assert.equal((await loginFrom('127.0.0.6', 'busy', 'busy-password')).status, 200, 'the owner still logs in');
  });

  it('limits one address across usernames', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 22; attempt++) statuses.push((await loginFrom('127.0.0.4', `nobody-${attempt}`, 'guess')).status);
    assert.deepEqual(statuses, [...Array(20).fill(400), 429, 429], 'twenty failures per address, whatever the usernames');
    assert.equal((await command('createuser', ['roamer', '--password-stdin'], database, 'roamer-password\n')).code, 0);
    assert.equal((await loginFrom('127.0.0.4', 'roamer', 'roamer-password')).status, 429);
    assert.equal((await loginFrom('127.0.0.5', 'roamer', 'roamer-password')).status, 200, 'other addresses are unaffected');
  });

  it('answers 401 with DRF messages, and Token as the challenge for scripts', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'Authentication credentials were not provided.'],
      [{ Authorization: 'Bearer abc' }, 'Authentication credentials were not provided.'],
      [{ Authorization: 'Token' }, 'Invalid token header. No credentials provided.'],
      [{ Authorization: 'Token a b' }, 'Invalid token header. Token string should not contain spaces.'],
      [{ Authorization: `Token ${'0'.repeat(40)}` }, 'Invalid token.'],
      [{ Authorization: 'Basic' }, 'Invalid basic header. No credentials provided.'],
      [{ Authorization: 'Basic !!!' }, 'Invalid basic header. Credentials not correctly base64 encoded.'],
      [{ Authorization: basic('demo', 'nope') }, 'Invalid username/password.'],
      [{ Authorization: basic('nobody', 'test') }, 'Invalid username/password.'],
    ];
    for (const [headers, detail] of cases) {
      const reply = await fetch(`${app.url}/api/sprints/`, { headers });
      assert.equal(reply.status, 401, JSON.stringify(headers));
      assert.deepEqual(await reply.json(), { detail });
      assert.equal(reply.headers.get('www-authenticate'), 'Token');
      assert.equal(reply.headers.get('vary'), 'Accept, Authorization');
    }
    assert.equal((await fetch(`${app.url}/api/`)).status, 200, 'the API root is public');
  });

  it('says whose token it is on GET /api/token/ (the board\'s "me"), and to no one without one', async () => {
    const { token } = (await (await login(new URLSearchParams({ username: 'demo', password: 'test' }))).json()) as { token: string };
    const mine = await fetch(`${app.url}/api/token/`, { headers: { Authorization: `Token ${token}`, Accept: 'application/json' } });
    assert.equal(mine.status, 200);
    assert.deepEqual(await mine.json(), { username: 'demo' });
    assert.equal((await fetch(`${app.url}/api/token/`, { headers: { Accept: 'application/json' } })).status, 401);
  });

  it('revokes the caller\'s token on DELETE /api/token/, and a new login gives a new one', async () => {
    const { token } = (await (await login(new URLSearchParams({ username: 'demo', password: 'test' }))).json()) as { token: string };
    assert.equal((await fetch(`${app.url}/api/token/`, { method: 'DELETE' })).status, 401);
    assert.equal((await fetch(`${app.url}/api/token/`, { method: 'DELETE', headers: { Authorization: `Token ${token}` } })).status, 204);
    const after = await fetch(`${app.url}/api/tasks/`, { headers: { Authorization: `Token ${token}` } });
    assert.deepEqual(await after.json(), { detail: 'Invalid token.' });
    const fresh = (await (await login(new URLSearchParams({ username: 'demo', password: 'test' }))).json()) as { token: string };
    assert.notEqual(fresh.token, token);
  });

  it('refuses state-changing requests with Basic credentials from another origin, but not with a token', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${app.url}/api/tasks/`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ name: 'csrf?' }) });
    const demo = { Authorization: basic('demo', 'test') };
    const otherPort = `http://127.0.0.1:${app.port + 1}`;
    const crossSites: Array<Record<string, string>> = [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site' },
      // Another port of the same host: another origin, which a browser calls same-site.
      { Origin: otherPort },
      { Origin: otherPort, 'Sec-Fetch-Site': 'same-site' },
      { Origin: app.url, 'Sec-Fetch-Site': 'same-site' },
      { Referer: `${otherPort}/attack.html` },
      { Origin: `https://127.0.0.1:${app.port}` },
      { Origin: `http://localhost:${app.port}` },
    ];
    for (const crossSite of crossSites) {
      const reply = await post({ ...demo, ...crossSite });
      assert.equal(reply.status, 403, JSON.stringify(crossSite));
      assert.match(((await reply.json()) as { detail: string }).detail, /^CSRF Failed/);
    }
    assert.equal((await post({ ...demo, Origin: app.url, 'Sec-Fetch-Site': 'same-origin' })).status, 201);
    assert.equal((await post({ ...demo, Referer: `${app.url}/api/tasks/` })).status, 201, 'a Referer of our own origin, failing an Origin');
    assert.equal((await post(demo)).status, 201, 'no Origin: not a browser form');
    assert.equal((await fetch(`${app.url}/api/tasks/`, { headers: { ...demo, Origin: 'https://evil.example' } })).status, 200, 'reading is not state-changing');
    const { token } = (await (await login(new URLSearchParams({ username: 'demo', password: 'test' }))).json()) as { token: string };
    assert.equal((await post({ Authorization: `Token ${token}`, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })).status, 201);
    assert.equal(await (await fetch(`${app.url}/api/tasks/?search=csrf`, { headers: demo })).json().then((b) => (b as { count: number }).count), 4);
  });

  it('names the origin it refused, and accepts origins in CSRF_TRUSTED_ORIGINS', async () => {
    const trusting = await startApp({ SERVICES: 'board', CSRF_TRUSTED_ORIGINS: 'https://admin.example.com, https://*.tools.example' });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${trusting.url}/api/tasks/`, { method: 'POST', headers: { Authorization: basic('demo', 'test'), 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ name: 'trusted' }) });
      const refused = await post({ Origin: 'https://evil.example' });
      assert.equal(refused.status, 403);
      assert.equal(
        ((await refused.json()) as { detail: string }).detail,
        `CSRF Failed: Origin "https://evil.example" does not match "${trusting.url}"; add it to CSRF_TRUSTED_ORIGINS to accept it. Cross-site requests must authenticate with a token, not Basic credentials.`,
      );
      assert.equal((await post({ Origin: 'https://admin.example.com', 'Sec-Fetch-Site': 'cross-site' })).status, 201);
      assert.equal((await post({ Origin: 'https://board.tools.example', 'Sec-Fetch-Site': 'cross-site' })).status, 201);
      assert.equal((await post({ Origin: 'http://admin.example.com' })).status, 403, 'the scheme counts');
      assert.equal((await post({ Origin: 'https://admin.example.com:8443' })).status, 403, 'the port counts');
    } finally {
      await trusting.close();
    }
  });

  it('does not let ALLOWED_HOSTS=* vouch for other sites', async () => {
    const open = await startApp({ SERVICES: 'board', ALLOWED_HOSTS: '*' });
    try {
      const post = (origin: string) =>
        fetch(`${open.url}/api/tasks/`, {
          method: 'POST',
          headers: { Authorization: basic('demo', 'test'), Origin: origin, 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'wildcard' }),
        });
      assert.equal((await post('https://evil.example')).status, 403);
      assert.equal((await post(open.url)).status, 201, 'its own origin is fine');
    } finally {
      await open.close();
    }
  });

  it('forgets verified Basic credentials when the password changes, even from another process', async () => {
    assert.equal((await command('createuser', ['carol', '--full-name', 'Carol C', '--password-stdin'], database, 'first-password\n')).code, 0);
    const get = (password: string) => fetch(`${app.url}/api/users/carol/`, { headers: { Authorization: basic('carol', password) } });
    const before = await get('first-password');
    assert.equal(before.status, 200);
    assert.equal(((await before.json()) as { full_name: string }).full_name, 'Carol C');
    assert.equal((await get('first-password')).status, 200);
    const changed = await command('changepassword', ['carol', '--password-stdin'], database, 'second-password\n');
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal((await get('first-password')).status, 401);
    assert.equal((await get('second-password')).status, 200);
  });
});

describe('the demo user', () => {
  it('is created, and logged, with DEBUG on and no users', async () => {
    const app = await startApp({ SERVICES: 'board' });
    try {
      assert.ok(app.logs.some((line) => line.includes('created the demo user "demo"')));
      assert.equal((await fetch(`${app.url}/api/users/demo/`, { headers: { Authorization: basic('demo', 'test') } })).status, 200);
    } finally {
      await app.close();
    }
  });

  it('is never created with DEBUG off', async () => {
    const app = await startApp({ SERVICES: 'board', DEBUG: 'off', SECRET_KEY: 'k'.repeat(40) });
    try {
      assert.ok(!app.logs.some((line) => line.includes('demo')));
      const reply = await fetch(`${app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
      assert.equal(reply.status, 400);
    } finally {
      await app.close();
    }
  });
});

describe('user commands', () => {
  const env = boardDatabase;

  it('creates users, refusing duplicates, bad usernames and short passwords with clear errors', async () => {
    const e = await env();
    const created = await command('createuser', ['dave', '--full-name', 'Dave D', '--password-stdin'], e, 'long-enough\n');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /User "dave" created/);
    const again = await command('createuser', ['dave', '--password-stdin'], e, 'long-enough\n');
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trim(), 'Error: That username is already taken.');
    assert.match((await command('createuser', ['no spaces', '--password-stdin'], e, 'long-enough\n')).stderr, /^Error: Enter a valid username/);
    assert.match((await command('createuser', ['erin', '--password-stdin'], e, 'short\n')).stderr, /^Error: This password is too short/);
    assert.match((await command('createuser', ['erin'], e)).stderr, /--password-stdin/, 'no terminal: says how to pipe the password');
    assert.match((await command('createuser', [], e)).stderr, /Usage: npm run createuser/);
  });

  it('changes passwords of existing users only', async () => {
    const e = await env();
    const unknown = await command('changepassword', ['nobody', '--password-stdin'], e, 'whatever-1\n');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), "Error: user 'nobody' does not exist");
  });

  it('asks for the password twice at a terminal, without echo', { skip: process.platform !== 'linux' }, async () => {
    const e = await env();
    const script = `${process.execPath} --import tsx scripts/createuser.ts frank`;
    const child = spawn('script', ['-qec', script, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...e }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const waitFor = async (text: string, count: number) => {
      for (let i = 0; i < 300 && output.split(text).length - 1 < count; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await waitFor('Password: ', 1);
    child.stdin.write('typed-secret\r');
    await waitFor('Password (again): ', 1);
    child.stdin.write('typed-secret\r');
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /User "frank" created/);
    assert.ok(!output.includes('typed-secret'), 'the password is not echoed');
    const login = await command('changepassword', ['frank', '--password-stdin'], e, 'another-secret\n');
    assert.equal(login.code, 0);
  });
});
