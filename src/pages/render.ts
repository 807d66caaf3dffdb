// Rendering a page: its metadata (front matter, context block) joins the
// context, its template is rendered with nunjucks (then with markdown-it for
// an .md page), and the result is placed in templates/page.html. Every
// problem a designer can cause comes out as a RenderError naming the file,
// line and column.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type nunjucks from 'nunjucks';
import { ImageSourceError, type Images } from '../images/index.ts';
import type { Settings } from '../settings.ts';
import { compileTemplate, createTemplateEnvironment, describeTemplateError } from '../templates/environment.ts';
import type { HelperOptions } from '../templates/helpers.ts';
import { renderMarkdown } from '../templates/markdown.ts';
import { MetadataError } from '../templates/metadata-error.ts';
import { splitPageSource } from '../templates/page-source.ts';
import type { PageIndex, PageInfo } from './files.ts';
import { locatedMetadataError, pathNamer, RenderError } from './page-error.ts';
import { noteRead, trackedData, trackTemplates } from './reads.ts';

export { RenderError } from './page-error.ts';

export const PAGE_LAYOUT = 'page.html';

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
  markdown: boolean;
}

export interface PageRenderer {
  /** The full HTML of a page. */
  renderPage(page: PageInfo): Promise<string>;
  /** A template from templates/ (the styled 404 page), with the context the layout expects. */
  renderTemplate(name: string, context: Record<string, unknown>): Promise<string>;
}

/** What the renderer needs of responsive images: the image() helper, and the pass that completes its <picture> elements. */
export type PagePictures = Pick<Images, 'image' | 'render'>;

type RendererSettings = Pick<Settings, 'pagesDir' | 'templatesDir' | 'debug' | 'dev'>;

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
  };
  const env = createTemplateEnvironment(settings, helpers);
  trackTemplates(env);
  const data = () => trackedData(index.data());
  // Production compiles each page once; debug and dev read it on every request.
  const cache = settings.debug || settings.dev ? null : new Map<string, CompiledPage>();
  const showPath = pathNamer([settings.pagesDir, settings.templatesDir]);

  const compilePage = (file: string): CompiledPage => {
    const cached = cache?.get(file);
    if (cached) return cached;
    const source = readFileSync(file, 'utf8');
    let split;
    try {
      split = splitPageSource(source);
    } catch (err) {
      if (!(err instanceof MetadataError)) throw err;
      throw locatedMetadataError(err, source, file, showPath(file));
    }
    // Text with no tag, output or comment renders as itself: most Markdown pages need no compiling.
    const template = TEMPLATE_SYNTAX.test(split.template) ? compileTemplate(env, split.template, file) : { render: () => split.template };
    const page = { template, context: split.context, markdown: path.extname(file) === '.md' };
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
      if (err instanceof ImageSourceError) throw new RenderError(shown, null, null, err.message, file);
      throw located(err);
    }
  };

  return {
    renderPage(page) {
      return withPictures(page.source, page.file, () => {
        noteRead('files', page.file);
        const compiled = compilePage(page.file);
        const context: Record<string, unknown> = { ...compiled.context, slug: page.slug, data: data() };
        if (page.entry) {
          noteRead('data', String(compiled.context.each).split('.')[0]!);
          const entry = page.entry.value as Record<string, unknown>;
          context[page.entry.name] = entry;
          // A page made from data is titled after its entry unless its metadata says otherwise.
          context.title ??= entry.title ?? entry.name;
        }
        const body = compiled.template.render(context);
        const content = compiled.markdown ? renderMarkdown(body) : body;
        return env.getTemplate(PAGE_LAYOUT, true).render({ ...context, content, markdown: compiled.markdown });
      });
    },
    renderTemplate(name, context) {
      return withPictures(`${path.basename(settings.templatesDir)}/${name}`, null, () => env.getTemplate(name, true).render({ data: data(), ...context }));
    },
  };
}
