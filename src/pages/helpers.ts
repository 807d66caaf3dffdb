// The helpers templates share (the book's template tags, in nunjucks form):
//   {% lorem 3 p %}            placeholder text, like Django's {% lorem %}
//   {{ url('page', 'pricing') }}  a page's URL; fails for a page that does not exist
//   {{ static('css/site.css') }}  /static/css/site.css (the build swaps in hashed names)
//   {{ now('Y') }}             the current date in a Django date format
//   {{ placeholder(300, 200, { bg: 'eee', text: 'Hero' }) }}  a placeholder image URL
//   {{ name | capfirst }}, {{ title | slugify }}
import path from 'node:path';
import type nunjucks from 'nunjucks';
import { placeholderUrl } from '../placeholder/grammar.ts';
import { formatDate } from './date-format.ts';
import { findPageFile, INDEX_SLUG, pageUrl, slugSegments } from './files.ts';
import { LoremExtension } from './lorem.ts';

/** Django's capfirst: the first character in upper case, the rest untouched. */
export function capfirst(value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Django's slugify: ASCII letters, digits, underscores and hyphens; spaces become hyphens. */
export function slugify(value: unknown): string {
  return String(value ?? '')
    .normalize('NFKD')
    .replace(/[^\x00-\x7f]/g, '')
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/[-\s]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}

export function staticUrl(file: unknown): string {
  return `/static/${String(file).replace(/^\/+/, '')}`;
}

/**
 * `url('page', slug)`: the URL of pages/<slug>.html. A page that does not
 * exist is an error, so a broken link shows up while designing, not later.
 */
export function pageUrlHelper(pagesDir: string): (name: string, slug?: unknown) => string {
  const folder = path.basename(pagesDir);
  return (name, slug = INDEX_SLUG) => {
    if (name !== 'page') {
      throw new Error(`url('${name}'): unknown URL name; use url('page', '<slug>'), e.g. url('page', 'pricing').`);
    }
    const segments = slugSegments(String(slug));
    if (!segments || !findPageFile(pagesDir, segments)) {
      throw new Error(`url('page', '${String(slug)}'): there is no page ${folder}/${String(slug)}.html.`);
    }
    return pageUrl(segments.join('/'));
  };
}

export function registerHelpers(env: nunjucks.Environment, options: { pagesDir?: string }): void {
  env.addExtension('lorem', new LoremExtension());
  env.addGlobal('static', staticUrl);
  env.addGlobal('now', (format?: string) => formatDate(new Date(), format));
  env.addGlobal('placeholder', placeholderUrl);
  if (options.pagesDir) env.addGlobal('url', pageUrlHelper(options.pagesDir));
  env.addFilter('capfirst', capfirst);
  env.addFilter('slugify', slugify);
}
