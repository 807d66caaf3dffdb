// Hostile input to every endpoint and method: wrong types, huge numbers,
// unicode oddities, SQL fragments, deeply nested JSON, duplicate keys,
// broken bodies and headers. Whatever comes in: never a 5xx, errors are
// JSON, and a refused request changes nothing in the database.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { boardDatabase, openDatabaseReader, startApp, type DatabaseReader, type Running } from './helpers.ts';

let app: Running;
let reader: DatabaseReader;
let token: string;
let sprintId: number;
let taskId: number;


const HOSTILE_VALUES: unknown[] = [
  true, false, null, [], {}, [1, 2], { id: 1 }, 1.5, -1, 0, 1e308, -1e308, 9007199254740993, '99999999999999999999999999',
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '😀'.repeat(101), '\u202egnp.exe', '\u200b', 'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ',
  "'; DROP TABLE tasks; --", '1 OR 1=1', '" OR ""="', '%', '_', '\\', '1; DELETE FROM users',
  'x'.repeat(10_000), '2014-02-30', '0000-01-01', '9999-12-31T00:00:00', '-1-01-01', '2020-1-1', '7', '0', '-32769',
  '../../etc/passwd', '<script>alert(1)</script>', '${7*7}', '{{7*7}}',
];

const FIELDS = ['name', 'description', 'end', 'sprint', 'status', 'order', 'assigned', 'started', 'due', 'completed', 'username', 'password', 'id', 'links', '__proto__', 'constructor', '_method', 'model'];

const RAW_BODIES: Array<[string, string | Uint8Array]> = [
  ['application/json', '['.repeat(200_000) + ']'.repeat(200_000)],
  ['application/json', '{"name":'.repeat(50_000) + '1' + '}'.repeat(50_000)],
  ['application/json', `{"name": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
  ['application/json', '{"name": "first", "name": null, "status": 2, "status": "7"}'],
  ['application/json', '{"__proto__": {"admin": true}, "name": "proto"}'],
  ['application/json', '{"name": "truncated'],
  ['application/json', 'null'],
  ['application/json', '"just a string"'],
  ['application/json', '12345678901234567890123456789'],
  ['application/json', 'NaN'],
  ['application/json', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ['application/json; charset=latin-1', '{"name": "caf\u00e9"}'],
  ['application/x-www-form-urlencoded', 'name=%ZZ&status=%00&sprint[]=1&sprint[]=2'],
  ['application/x-www-form-urlencoded', '_method=DELETE&_method=TRACE'],
  ['application/x-www-form-urlencoded', 'model=%7Bnot%20json'],
  ['application/x-www-form-urlencoded', `model=${encodeURIComponent('[1,2,3]')}`],
  ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nunterminated'],
  ['multipart/form-data', 'no boundary at all'],
  ['text/plain', 'name=plain'],
  ['application/xml', '<task><name>x</name></task>'],
  ['', 'name=nothing'],
];

const QUERY_PARAMETERS = ['sprint', 'status', 'assigned', 'backlog', 'end_min', 'end_max', 'search', 'ordering', 'page', 'page_size', 'format'];

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

let probes = 0;
async function probe({ method, path: url, headers = {}, body }: Probe): Promise<void> {
  probes++;
  const before = await reader.fingerprint();
  const response = await fetch(`${app.url}${url}`, {
    method,
    headers: { Authorization: `Token ${token}`, ...headers },
    body: method === 'GET' || method === 'HEAD' ? undefined : (body as BodyInit | undefined),
    redirect: 'manual',
  });
  const text = await response.text();
  const label = `${method} ${url.slice(0, 120)} ${JSON.stringify(headers).slice(0, 120)} ${String(body).slice(0, 120)}`;
  assert.ok(response.status < 500, `${response.status} for ${label}: ${text.slice(0, 300)}`);
  if (response.status >= 400) {
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/, label);
    if (method !== 'HEAD') {
      const error = JSON.parse(text) as Record<string, unknown>;
      assert.ok(typeof error === 'object' && error !== null && Object.keys(error).length > 0, label);
    }
    assert.equal(await reader.fingerprint(), before, `a refused request changed the database: ${label}`);
  }
}

before(async () => {
  const database = await boardDatabase();
  app = await startApp({ SERVICES: 'board', ...database });
  reader = await openDatabaseReader(database);
  const login = await fetch(`${app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
  token = ((await login.json()) as { token: string }).token;
  const json = { Authorization: `Token ${token}`, 'Content-Type': 'application/json' };
  const sprint = await fetch(`${app.url}/api/sprints/`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'Fuzzed', end: '2999-01-01' }) });
  sprintId = ((await sprint.json()) as { id: number }).id;
  const task = await fetch(`${app.url}/api/tasks/`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'Fuzzed', sprint: sprintId }) });
  taskId = ((await task.json()) as { id: number }).id;
});
after(async () => {
  await reader.close();
  await app.close();
});

const endpoints = () => [
  '/api/', '/api/token/', '/api/schema/', '/api/sprints/', `/api/sprints/${sprintId}/`, '/api/tasks/', `/api/tasks/${taskId}`, '/api/users/', '/api/users/demo/',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'];
const JSON_TYPE = { 'Content-Type': 'application/json' };

it('survives hostile field values on every endpoint and method', { timeout: 300_000 }, async () => {
  const schemaBefore = await reader.schema();
  // Each value in every field at once, everywhere, as JSON and as a form.
  for (const url of endpoints()) {
    for (const method of METHODS) {
      for (const value of HOSTILE_VALUES) {
        const all = Object.fromEntries(FIELDS.map((field) => [field, value]));
        await probe({ method, path: url, headers: JSON_TYPE, body: JSON.stringify(all) });
        if (!['POST', 'PUT', 'PATCH'].includes(method)) continue;
        const form = new URLSearchParams(Object.entries(all).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
        await probe({ method, path: url, body: form.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      }
    }
  }
  // Each value in each field alone, where objects are written.
  const writes: Array<[string, string]> = [['POST', '/api/tasks/'], ['POST', '/api/sprints/'], ['POST', '/api/token/'], ['PUT', `/api/tasks/${taskId}/`], ['PATCH', `/api/tasks/${taskId}/`], ['PATCH', `/api/sprints/${sprintId}`]];
  for (const [method, url] of writes) {
    for (const field of FIELDS) {
      for (const value of HOSTILE_VALUES) await probe({ method, path: url, headers: JSON_TYPE, body: JSON.stringify({ name: 'base', end: '2998-01-01', [field]: value }) });
    }
  }
  assert.equal(await reader.schema(), schemaBefore, 'no SQL fragment reached the schema');
  assert.ok(probes > 4000, `${probes} probes`);
});

it('survives broken bodies, media types and emulation fields', { timeout: 120_000 }, async () => {
  for (const url of endpoints()) {
    for (const method of ['POST', 'PUT', 'PATCH']) {
      for (const [type, body] of RAW_BODIES) await probe({ method, path: url, headers: type ? { 'Content-Type': type } : {}, body });
    }
  }
});

it('survives hostile query strings, paths and headers', { timeout: 120_000 }, async () => {
  // Lone surrogates cannot travel in a URL at all.
  const values = HOSTILE_VALUES.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String).filter((v) => !/\p{Surrogate}/u.test(v));
  for (const list of ['/api/tasks/', '/api/sprints/', '/api/users/']) {
    for (const parameter of QUERY_PARAMETERS) {
      for (const value of values.slice(0, 30)) await probe({ method: 'GET', path: `${list}?${parameter}=${encodeURIComponent(value)}` });
    }
    await probe({ method: 'GET', path: `${list}?${QUERY_PARAMETERS.map((p) => `${p}=${encodeURIComponent("' OR 1=1")}`).join('&')}` });
  }
  for (const url of ['/api/tasks/99999999999999999999999/', '/api/tasks/0/', '/api/tasks/-1/', '/api/tasks/1e3/', '/api/users/%00/', '/api/users/..%2F..%2Fetc/', "/api/users/'%20OR%201=1/", '/api/sprints/%F0%9F%98%80/', '/api//tasks/', '/api/tasks/1/extra/']) {
    for (const method of [...METHODS, 'DELETE']) await probe({ method, path: url, headers: JSON_TYPE, body: '{"name": "x"}' });
  }
  const headerSets: Array<Record<string, string>> = [
    { Accept: 'application/xml' },
    { Accept: ';;;,,,*/*;q=abc' },
    { Accept: 'text/html;q=0, application/json;q=0' },
    { Authorization: 'Token ' + 'f'.repeat(40) },
    { Authorization: 'Basic ' + Buffer.from('demo:' + 'x'.repeat(5000)).toString('base64') },
    { Authorization: 'Basic ' + Buffer.from('\u0000:\u0000').toString('base64') },
    { Authorization: 'Token ' + "' OR 1=1 --".padEnd(40, 'x') },
    { 'If-Match': '"stale"' },
    { 'If-Match': ',,,' },
    { 'If-None-Match': 'W/"x", *, garbage' },
    { 'X-HTTP-Method-Override': 'TRACE' },
    { 'X-HTTP-Method-Override': 'GET' },
    { 'Content-Length': '99999999999' },
  ];
  for (const url of endpoints()) {
    for (const method of [...METHODS, 'DELETE']) {
      for (const headers of headerSets) {
        // Deleting succeeds when nothing stops it; keep the objects the other probes need.
        if (method === 'DELETE' && !('If-Match' in headers && headers['If-Match'] === '"stale"')) continue;
        if ('Content-Length' in headers) continue;
        await probe({ method, path: url, headers: { ...JSON_TYPE, ...headers }, body: '{"name": "headers"}' });
      }
    }
  }
});
