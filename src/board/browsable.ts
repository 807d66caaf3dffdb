// The browsable API, as DRF's: the very response a program would get,
// pretty-printed with its links clickable, and forms generated from the
// resource's fields to POST, PUT, PATCH and DELETE. Plain HTML forms post
// with `_method` (emulateHTTP) and the raw-data form sends `model`
// (emulateJSON), so the page needs no script except for DELETE.
import { escapeHtml } from '../http.ts';
import { staticUrl } from '../templates/helpers.ts';
import type { View } from './endpoint.ts';
import { CharField, ChoiceField, DateField, IntegerField, LimitsField, ManyRelatedField, RelatedField, type Field } from './fields.ts';
import type { Resource } from './resources.ts';

export interface Page {
  view: View;
  allow: string[];
  request: { method: string; url: string };
  response: { status: number; headers: Record<string, string>; data: unknown };
  caller: string | null;
  /** The object's representation, to prefill the edit forms. */
  object: Record<string, unknown> | null;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 412: 'Precondition Failed', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 429: 'Too Many Requests',
};

/** Pretty JSON, escaped, with every http(s) URL string a link (not URI templates such as .../tasks/{id}/history/: they lead nowhere as they are). */
function prettyJson(data: unknown): string {
  const json = JSON.stringify(data, null, 4) ?? '';
  let html = '';
  let last = 0;
  for (const match of json.matchAll(/"(https?:\/\/[^"\\\s{}]+)"/g)) {
    const href = escapeHtml(match[1]!);
    html += `${escapeHtml(json.slice(last, match.index))}"<a href="${href}" rel="nofollow">${href}</a>"`;
    last = match.index! + match[0].length;
  }
  return html + escapeHtml(json.slice(last));
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

function input(name: string, field: Field, value: unknown): string {
  const id = `field-${name}`;
  const attrs = `id="${id}" name="${name}" class="form-control"`;
  let control: string;
  if (field instanceof ChoiceField) {
    const options = field.choices
      .map(([v, label]) => `<option value="${v}"${v === (value ?? field.default) ? ' selected' : ''}>${escapeHtml(label)}</option>`)
      .join('');
    control = `<select id="${id}" name="${name}" class="form-select">${options}</select>`;
  } else if (field instanceof CharField && field.multiline) {
    control = `<textarea ${attrs} rows="3">${escapeHtml(text(value))}</textarea>`;
  } else if (field instanceof DateField) {
    control = `<input type="date" ${attrs} value="${escapeHtml(text(value))}">`;
  } else if (field instanceof IntegerField) {
    control = `<input type="number" ${attrs} min="${field.min}" max="${field.max}" value="${escapeHtml(text(value ?? field.default))}">`;
  } else if (field instanceof LimitsField) {
    control = `<textarea ${attrs} rows="2">${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value ?? {}))}</textarea>`;
  } else if (field instanceof ManyRelatedField) {
    control = `<input type="text" ${attrs} value="${escapeHtml(Array.isArray(value) ? value.join(',') : '')}" placeholder="ids separated by commas, empty for none">`;
  } else if (field instanceof RelatedField) {
    // A text input, not DRF's dropdown of every object: that would not scale to thousands.
    const hint = field.lookup === 'id' ? `${field.label} id, empty for none` : `${field.lookup}, empty for none`;
    control = `<input type="text" ${attrs} value="${escapeHtml(text(value))}" placeholder="${escapeHtml(hint)}">`;
  } else {
    const max = field instanceof CharField && field.maxLength ? ` maxlength="${field.maxLength}"` : '';
    control = `<input type="text" ${attrs}${max} value="${escapeHtml(text(value))}"${field.required ? ' required' : ''}>`;
  }
  const help = field.helpText ? `<div class="form-text">${escapeHtml(field.helpText)}</div>` : '';
  return `<div class="mb-2"><label for="${id}" class="form-label">${escapeHtml(field.label)}</label>${control}${help}</div>`;
}

function writableFields(resource: Resource): Array<[string, Field]> {
  return Object.entries(resource.fields).filter(([, field]) => !field.readOnly);
}

function forms(page: Page, resource: Resource): string {
  const { view, allow, object } = page;
  const action = escapeHtml(new URL(page.request.url).pathname);
  const html: string[] = [];
  const editable = view.kind === 'list' ? allow.includes('POST') : allow.includes('PUT');
  if (editable) {
    const method = view.kind === 'list' ? 'POST' : 'PUT';
    const values = view.kind === 'detail' ? (object ?? {}) : {};
    const fields = writableFields(resource).map(([name, field]) => input(name, field, values[name] ?? (view.kind === 'list' ? field.default : null)));
    html.push(`<section class="card mb-3"><div class="card-header">HTML form: ${method}</div><div class="card-body">
<form method="post" action="${action}">${method === 'PUT' ? '<input type="hidden" name="_method" value="PUT">' : ''}
${fields.join('\n')}
<button type="submit" class="btn btn-primary">${method}</button></form></div></section>`);

    const raw = Object.fromEntries(writableFields(resource).map(([name, field]) => [name, values[name] ?? field.default ?? null]));
    const methods = view.kind === 'list' ? ['POST'] : ['PUT', 'PATCH'];
    html.push(`<section class="card mb-3"><div class="card-header">Raw data (JSON)</div><div class="card-body">
<form method="post" action="${action}">
<div class="mb-2"><textarea name="model" class="form-control font-monospace" rows="8" aria-label="JSON body">${escapeHtml(JSON.stringify(raw, null, 4))}</textarea></div>
${methods.map((m) => `<button type="submit" name="_method" value="${m}" class="btn btn-outline-primary me-2">${m}</button>`).join('')}
</form></div></section>`);
  }
  if (view.kind === 'detail' && allow.includes('DELETE')) {
    const list = action.replace(/\/[^/]+\/?$/, '/');
    html.push(`<form id="delete-form" method="post" action="${action}" class="mb-3" data-list="${list}">
<input type="hidden" name="_method" value="DELETE"><button type="submit" class="btn btn-danger">DELETE</button></form>
<script>
// A DELETE answers 204 with no page to show: send it from here, then go to the list.
document.getElementById('delete-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!confirm('Delete this object?')) return;
  const form = event.target;
  const response = await fetch(form.action, { method: 'DELETE', headers: { Accept: 'application/json' } });
  if (response.ok) location.href = form.dataset.list;
  else alert('DELETE failed: ' + response.status + ' ' + (await response.text()));
});
</script>`);
  }
  return html.join('\n');
}

function breadcrumbs(url: string): string {
  const segments = new URL(url).pathname.split('/').filter(Boolean);
  return segments
    .map((segment, i) => {
      const href = `/${segments.slice(0, i + 1).join('/')}/`;
      const label = escapeHtml(decodeURIComponent(segment));
      return i === segments.length - 1
        ? `<li class="breadcrumb-item active" aria-current="page">${label}</li>`
        : `<li class="breadcrumb-item"><a href="${escapeHtml(href)}">${label}</a></li>`;
    })
    .join('');
}

export function renderPage(page: Page): string {
  const { view, request, response } = page;
  const headers = [`HTTP ${response.status} ${STATUS_TEXT[response.status] ?? ''}`, ...Object.entries(response.headers).map(([k, v]) => `${k}: ${v}`)];
  const json = new URL(request.url);
  json.searchParams.set('format', 'json');
  const signedIn = page.caller ? `Signed in as <strong>${escapeHtml(page.caller)}</strong>` : 'Not signed in';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(view.name)} – Scrum board API</title>
<meta name="description" content="${escapeHtml(`${view.name}: ${view.description}`)}">
<link rel="icon" href="${staticUrl('img/logo.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${staticUrl('vendor/bootstrap/css/bootstrap.min.css')}">
<style>pre.response{background:#f6f8fa;padding:1rem;border-radius:6px;white-space:pre-wrap;word-break:break-word}
pre.response a{color:#0a58ca}/* 6.05:1 on that grey; Bootstrap's link blue is 4.23:1, under WCAG's 4.5:1 */</style>
</head><body>
<nav class="navbar bg-dark navbar-dark mb-3"><div class="container"><a class="navbar-brand" href="/api/">Scrum board API</a>
<span class="navbar-text">${signedIn}</span></div></nav>
<main class="container">
<nav aria-label="breadcrumb"><ol class="breadcrumb">${breadcrumbs(request.url)}</ol></nav>
<div class="d-flex justify-content-between align-items-start"><h1 class="h3">${escapeHtml(view.name)}</h1>
<div><span class="badge text-bg-secondary">${escapeHtml(page.allow.join(' '))}</span>
<a class="btn btn-sm btn-outline-secondary ms-2" href="${escapeHtml(json.pathname + json.search)}">JSON</a></div></div>
<p class="text-body-secondary">${escapeHtml(view.description)}</p>
<p class="font-monospace mb-1"><strong>${escapeHtml(request.method)}</strong> ${escapeHtml(request.url)}</p>
<pre class="response"><b>${escapeHtml(headers.join('\n'))}</b>

${prettyJson(response.data)}</pre>
${page.caller && view.resource ? forms(page, view.resource) : ''}
</main></body></html>`;
}
