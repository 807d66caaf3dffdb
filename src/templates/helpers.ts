// The helpers templates share (the book's template tags, in nunjucks form):
//   {% lorem 3 p %}            placeholder text, like Django's {% lorem %}
//   {{ url('page', 'pricing') }}  a page's URL; fails for a page that does not exist
//   {{ static('css/site.css') }}  /static/css/site.css (the build swaps in hashed names);
//                              vendor files under their package's version, cached for good:
//                              static('vendor/bootstrap/css/bootstrap.min.css') is /static/vendor/bootstrap/5.3.8/css/...
//   {{ now('Y') }}             the current date in a Django date format
//   {{ date | date('D MMMM YYYY') }}  a page's date (Django letters, Moment tokens or 'rfc3339'), in UTC
//   {{ url('page', 'blog') | absolute_url }}  https://example.com/blog/ (SITE_URL, BASE_PATH)
//   {{ placeholder(300, 200, { bg: 'eee', text: 'Hero' }) }}  a placeholder image URL
//   {{ image('img/hero.jpg', { alt: 'The team' }) }}  a responsive <picture> of a static image
//   {{ search() }}             a search box over the built site (../search/box.ts)
//   {{ name | capfirst }}, {{ title | slugify }}
import nunjucks from 'nunjucks';
import { placeholderUrl } from '../placeholder/grammar.ts';
import { searchBox, type SearchBoxOptions } from '../search/box.ts';
import { versionedStaticPath } from '../static.ts';
import { formatDate, parseDate } from './date-format.ts';
import { clockRead, noteRead } from '../pages/reads.ts';
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
  return `/static/${versionedStaticPath(String(file))}`;
}

export interface HelperOptions {
  /**
   * The URL of the page with this slug; throws, saying which file is
   * missing, when there is none. Given by the pages part, which knows where
   * pages live; without it, `url()` is not defined.
   */
  pageUrl?: (slug: string) => string;
  /**
   * `image(src, options)`: the markup of a responsive image. Given by the
   * pages part, which serves the renditions; without it, `image()` is not
   * defined.
   */
  image?: (src: unknown, options: unknown) => string;
  /** `absolute_url`: a site URL made absolute. Given by the pages part, which knows SITE_URL; without it, the filter is not defined. */
  absoluteUrl?: (url: string) => string;
}

/** `{{ date | date(format) }}`: a date (a Date, "2026-03-01", ISO 8601) formatted in UTC, so every machine builds the same bytes; nothing for no date. */
export function dateFilter(value: unknown, format?: unknown): string {
  const date = parseDate(value);
  if (date === null) return '';
  if (date === undefined) throw new Error(`date: ${JSON.stringify(value)} is not a date; write it as 2026-03-01 or 2026-03-01T09:30:00+01:00.`);
  return formatDate(date, format === undefined ? undefined : String(format), { utc: true });
}

/** `now(format)`: the current date, in local time; what it gave is noted, so a build knows when the page would change. */
function now(format?: unknown): string {
  const given = format === undefined ? null : String(format);
  const text = formatDate(new Date(), given ?? undefined);
  noteRead('clock', clockRead(given, text));
  return text;
}

/** `url('page', slug)`: a page's URL, or an error naming the missing page, so a broken link shows up while designing. */
function urlHelper(pageUrl: (slug: string) => string): (name: string, slug?: unknown) => string {
  return (name, slug = 'index') => {
    if (name !== 'page') {
      throw new Error(`url('${name}'): unknown URL name; use url('page', '<slug>'), e.g. url('page', 'pricing').`);
    }
    return pageUrl(String(slug));
  };
}

export function registerHelpers(env: nunjucks.Environment, options: HelperOptions): void {
  env.addExtension('lorem', new LoremExtension());
  env.addGlobal('static', staticUrl);
  env.addGlobal('now', now);
  env.addGlobal('placeholder', placeholderUrl);
  env.addGlobal('search', (options?: SearchBoxOptions) => searchBox(staticUrl('vendor/search/search.js'), options));
  if (options.pageUrl) env.addGlobal('url', urlHelper(options.pageUrl));
  const image = options.image;
  if (image) env.addGlobal('image', (src: unknown, imageOptions: unknown) => new nunjucks.runtime.SafeString(image(src, imageOptions)));
  env.addFilter('capfirst', capfirst);
  env.addFilter('slugify', slugify);
  env.addFilter('date', dateFilter);
  if (options.absoluteUrl) env.addFilter('absolute_url', (url: unknown) => options.absoluteUrl!(String(url ?? '')));
}
