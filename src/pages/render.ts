// Rendering a page: its metadata (front matter, context block) joins the
// context, its template is rendered with nunjucks (then with markdown-it for
// an .md page), and the result is placed in templates/page.html. Every
// problem a designer can cause comes out as a RenderError naming the file,
// line and column.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { ImageSourceError, type Images } from '../images/index.ts';
import type { Settings } from '../settings.ts';
import { compileTemplate, createTemplateEnvironment, describeTemplateError } from '../templates/environment.ts';
import { templateNames } from '../templates/names.ts';
import type { HelperOptions } from '../templates/helpers.ts';
import { loadLanguages, takeWantedLanguages } from '../templates/highlight.ts';
import { renderMarkdown } from '../templates/markdown.ts';
import { protectMarkdownCode } from '../templates/markdown-code.ts';
import { MetadataError } from '../templates/metadata-error.ts';
import { splitPageSource } from '../templates/page-source.ts';
import { safeSegments, resolveInside } from '../safe-path.ts';
import { createFolderDefaults, keyLine, type PageDefaults } from './defaults.ts';
import type { PageIndex, PageInfo } from './files.ts';
import { locatedMetadataError, pathNamer, RenderError } from './page-error.ts';
import { noteRead, trackedData, trackTemplates } from './reads.ts';
import { COLLECTIONS, TAG_LIST } from './collections.ts';
import { parseDate } from '../templates/date-format.ts';

export { RenderError } from './page-error.ts';

/** The layout a page is placed in unless its metadata (or its folder's defaults) names another. */
export const PAGE_LAYOUT = 'page.html';
/** `layout: none` (or `false`): the page is a whole document of its own. */
const NO_LAYOUT = new Set<unknown>([false, 'none', 'false']);

/**
 * Compiled pages kept at once (production): the pages a server answers
 * often stay compiled, and a build, which renders each page once, does not
 * hold thousands of them.
 */
const COMPILED_PAGES_KEPT = 200;

/** Where nunjucks' syntax starts: {{ output }}, {% tag %}, {# comment #}. */
const TEMPLATE_SYNTAX = /\{[{%#]/;

interface CompiledPage {
  template: Pick<nunjucks.Template, 'render'>;
  context: Record<string, unknown>;
  /** For a Markdown page, the rendered text with its code blocks and spans put back as written; null for HTML. */
  restoreCode: ((rendered: string) => string) | null;
  /** It `{% extends %}` a template: a whole document, never placed in a layout. */
  extendsTemplate: boolean;
}

export interface PageRenderer {
  /** The full HTML of a page. */
  renderPage(page: PageInfo): Promise<string>;
  /** A template from templates/ (the styled 404 page), with the context the layout expects. */
  renderTemplate(name: string, context: Record<string, unknown>): Promise<string>;
}

/** What the renderer needs of responsive images: the image() helper, and the pass that completes its <picture> elements. */
export type PagePictures = Pick<Images, 'image' | 'render'>;

type RendererSettings = Pick<Settings, 'pagesDir' | 'templatesDir' | 'debug' | 'dev' | 'port' | 'siteUrl'>;

export function createPageRenderer(settings: RendererSettings, index: PageIndex, pictures: PagePictures): PageRenderer {
  // What a page reads is noted (./reads.ts), so a build renders it again only when that changes.
  const helpers: HelperOptions = {
    pageUrl: (slug) => {
      noteRead('pages', slug);
      return index.urlOf(slug);
    },
    image: (src, options) => {
      noteRead('statics', String(src));
      return pictures.image(src, options);
    },
    absoluteUrl: (url) => {
      noteRead('site', 'url');
      return absoluteUrl(settings.siteUrl ?? `http://localhost:${settings.port}`, url);
    },
  };
  const env = createTemplateEnvironment(settings, helpers);
  trackTemplates(env);
  // The data is read before the page renders: a data file that does not parse is every page's error.
  const data = () => {
    const read = index.data();
    return trackedData(() => read);
  };
  const collections = () => trackedData(() => index.collections().collections, 'collections');
  // Production compiles each page once; debug and dev read it on every request.
  const cache = settings.debug || settings.dev ? null : new Map<string, CompiledPage>();
  const showPath = pathNamer([settings.pagesDir, settings.templatesDir]);
  const folderDefaults = createFolderDefaults(settings.pagesDir, showPath, { cached: cache !== null });

  /** Whether templates/page.html is there: looked for once in production (where templates are compiled once too), else on every page. */
  let pageLayoutFound = false;
  const hasPageLayout = (): boolean => {
    if (pageLayoutFound) return true;
    const found = statSync(path.join(settings.templatesDir, PAGE_LAYOUT), { throwIfNoEntry: false })?.isFile() === true;
    pageLayoutFound = found && cache !== null;
    return found;
  };

  /** The layout file a page is placed in, or null for a page that is a whole document; an unknown layout is a RenderError. */
  const layoutOf = (page: PageInfo, compiled: CompiledPage, defaults: PageDefaults, value: unknown): string | null => {
    if (value === undefined) {
      if (hasPageLayout()) return PAGE_LAYOUT;
      const templates = path.basename(settings.templatesDir);
      throw new RenderError(page.source, null, null, `there is no ${templates}/${PAGE_LAYOUT}, the layout a page is placed in unless it names another. Create ${templates}/${PAGE_LAYOUT}, or write "layout: none" in the page's front matter for a page that is a whole document.`, page.file);
    }
    if (NO_LAYOUT.has(value)) return null;
    const name = typeof value === 'string' && value.trim() !== '' ? (value.endsWith('.html') ? value : `${value}.html`) : null;
    const segments = name === null ? null : safeSegments(name);
    if (name !== null && segments?.length && resolveInside(settings.templatesDir, segments)) return name;
    // Where `layout:` is written: the page itself, else the nearest folder defaults that set it.
    const from = Object.hasOwn(compiled.context, 'layout') ? null : defaults.origin.get('layout');
    const [shown, file, text] = from ? [from.shown, from.file, from.text] : [page.source, page.file, index.text(page.file)];
    const templates = path.basename(settings.templatesDir);
    const asked = name === null ? `layout: ${JSON.stringify(value)} names no layout` : `layout: ${String(value)}: there is no ${templates}/${name}`;
    const choices = templateNames(settings.templatesDir).join(', ') || 'none yet';
    throw new RenderError(shown, keyLine(text, 'layout'), null, `${asked}. Layouts in ${templates}/: ${choices}; or write "layout: none" for a page that is a whole document.`, file);
  };

  /**
   * A page that {% extends %} a template is a whole document: no layout wraps it. Its own `layout:` (not its
   * folder's default) would then be silently ignored, so naming one is an error.
   */
  const wholeDocument = (page: PageInfo, compiled: CompiledPage, content: string): string => {
    const own = compiled.context.layout;
    if (!Object.hasOwn(compiled.context, 'layout') || NO_LAYOUT.has(own)) return content;
    const text = index.text(page.file);
    throw new RenderError(
      page.source,
      keyLine(text, 'layout'),
      null,
      `layout: ${String(own)}: this page has an {% extends %}, so it is a whole document and no layout wraps it. Remove "layout:" to keep the {% extends %}, or remove the {% extends %} to place the page in the layout.`,
      page.file,
    );
  };

  /** A text page (feed.xml) is the file itself: no layout wraps it, so naming one is an error. */
  const textPage = (page: PageInfo, compiled: CompiledPage, content: string): string => {
    // The lines that stood for its front matter are not part of the file (<?xml must come first).
    if (!Object.hasOwn(compiled.context, 'layout') || NO_LAYOUT.has(compiled.context.layout)) return content.replace(/^(?:\r?\n)+/, '');
    const text = index.text(page.file);
    throw new RenderError(page.source, keyLine(text, 'layout'), null, `layout: ${String(compiled.context.layout)}: ${path.extname(page.file)} pages are served as they render, without a layout; remove "layout:".`, page.file);
  };

  const compilePage = (file: string): CompiledPage => {
    const cached = cache?.get(file);
    if (cached) return cached;
    const source = index.text(file);
    let split;
    try {
      split = splitPageSource(source);
    } catch (err) {
      if (!(err instanceof MetadataError)) throw err;
      throw locatedMetadataError(err, source, file, showPath(file));
    }
    const code = path.extname(file) === '.md' ? protectMarkdownCode(split.template) : null;
    const text = code?.template ?? split.template;
    // Text with no tag, output or comment (code put aside) renders as itself: most Markdown pages need no compiling.
    const template = TEMPLATE_SYNTAX.test(text) ? compileTemplate(env, text, file) : { render: () => text };
    const page = { template, context: split.context, restoreCode: code?.restore ?? null, extendsTemplate: extendsTemplate(env, text) };
    if (cache) {
      cache.set(file, page);
      if (cache.size > COMPILED_PAGES_KEPT) cache.delete(cache.keys().next().value!);
    }
    return page;
  };

  /** Template errors, located; anything else is our bug and goes on as is. */
  const located = (err: unknown): unknown => {
    if (err instanceof RenderError) return err;
    const problem = describeTemplateError(err);
    if (!problem) return err;
    const file = problem.file && path.isAbsolute(problem.file) ? problem.file : null;
    return new RenderError(problem.file ? showPath(problem.file) : 'a template', problem.line, problem.column, problem.message, file);
  };

  /** A render with its pictures completed; an unusable source image is named with the page that uses it. */
  const withPictures = async (shown: string, file: string | null, render: () => string): Promise<string> => {
    try {
      return await pictures.render(render);
    } catch (err) {
      if (err instanceof ImageSourceError) throw new RenderError(shown, file ? imageCallLine(file, err.src) : null, null, err.message, file);
      throw located(err);
    }
  };

  /** A page's HTML, rendered synchronously (nunjucks, then markdown-it for an .md page, then its layout). */
  const renderPageNow = (page: PageInfo): string => {
    noteRead('files', page.file);
    const compiled = compilePage(page.file);
    const defaults = folderDefaults(page.file);
    const context: Record<string, unknown> = { ...defaults.values, ...compiled.context, slug: page.slug, data: data(), collections: collections() };
    const date = parseDate(context.date);
    if (date) context.date = date;
    if (page.pagination) {
      noteListRead(page.pagination.of);
      context.pagination = page.pagination;
    }
    if (page.entry) {
      noteListRead(String(compiled.context.each));
      const entry = page.entry.value as Record<string, unknown>;
      context[page.entry.name] = entry;
      // A page made from data is titled after its entry unless its own metadata says otherwise.
      if (!Object.hasOwn(compiled.context, 'title')) context.title = entry.title ?? entry.name ?? context.title;
    }
    const body = compiled.template.render(context);
    const markdown = compiled.restoreCode !== null;
    const content = compiled.restoreCode ? renderMarkdown(compiled.restoreCode(body)) : body;
    if (compiled.extendsTemplate) return wholeDocument(page, compiled, content);
    if (!page.url.endsWith('/')) return textPage(page, compiled, content);
    const layout = layoutOf(page, compiled, defaults, context.layout);
    return layout === null ? content : env.getTemplate(layout, true).render({ ...context, content, markdown });
  };

  return {
    async renderPage(page) {
      // Code in a language whose grammar is not loaded yet came out plain: load it (once per process) and render again.
      let wanted: string[] = [];
      const render = () =>
        withPictures(page.source, page.file, () => {
          try {
            return renderPageNow(page);
          } finally {
            wanted = takeWantedLanguages();
          }
        });
      const html = await render();
      if (wanted.length === 0) return html;
      await loadLanguages(wanted);
      return render();
    },
    renderTemplate(name, context) {
      return withPictures(`${path.basename(settings.templatesDir)}/${name}`, null, () => env.getTemplate(name, true).render({ data: data(), collections: collections(), ...context }));
    },
  };

}

/** What `each:` or `paginate:` reads: a collection (or all of them for `collections`) or a data name. */
function noteListRead(name: string): void {
  if (name === COLLECTIONS) noteRead('collections', TAG_LIST);
  else if (name.startsWith(`${COLLECTIONS}.`)) noteRead('collections', name.slice(COLLECTIONS.length + 1));
  else noteRead('data', name.replace(/^data\./, '').split('.')[0]!);
}

/** `url` on the site's address: "/blog/" is "https://example.com/project/blog/"; an absolute URL stays as it is. */
export function absoluteUrl(siteUrl: string, url: string): string {
  if (/^[a-z][a-z\d+.-]*:/i.test(url)) return url;
  return siteUrl + (url.startsWith('/') ? url : `/${url}`);
}

/** True when the template has an {% extends %} (anywhere: it may be inside an {% if %}). */
function extendsTemplate(env: nunjucks.Environment, source: string): boolean {
  if (!/\{%-?\s*extends\b/.test(source)) return false;
  // The parser and its nodes are in nunjucks but not in its types.
  const { parser, nodes } = nunjucks as unknown as {
    parser: { parse(source: string, extensions: unknown[], options: object): { findAll(type: unknown): unknown[] } };
    nodes: { Extends: unknown };
  };
  const extensions = (env as unknown as { extensionsList: unknown[] }).extensionsList;
  return parser.parse(source, extensions, {}).findAll(nodes.Extends).length > 0;
}

/**
 * The line of the image() call for `src` in a page (the image is read after
 * the page renders, when nunjucks no longer knows the line): the call naming
 * it, else the one line that calls image(); null when that cannot be told.
 */
function imageCallLine(file: string, src: string): number | null {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return null;
  }
  const named = lines.findIndex((line) => new RegExp(`\\bimage\\(\\s*(['"])${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`).test(line));
  if (named !== -1) return named + 1;
  const calls = lines.flatMap((line, i) => (/\bimage\(/.test(line) ? [i + 1] : []));
  return calls.length === 1 ? calls[0]! : null;
}
