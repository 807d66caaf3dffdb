// Rendering a page: its metadata (front matter, context block) joins the
// context, its template is rendered with nunjucks (then with markdown-it for
// an .md page), and the result is placed in templates/page.html. Every
// problem a designer can cause comes out as a RenderError naming the file,
// line and column.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type nunjucks from 'nunjucks';
import type { Settings } from '../settings.ts';
import { compileTemplate, createTemplateEnvironment, describeTemplateError } from '../templates/environment.ts';
import type { HelperOptions } from '../templates/helpers.ts';
import { renderMarkdown } from '../templates/markdown.ts';
import { MetadataError } from '../templates/metadata-error.ts';
import { splitPageSource } from '../templates/page-source.ts';
import type { PageIndex, PageInfo } from './files.ts';
import { locatedMetadataError, pathNamer, RenderError } from './page-error.ts';

export { RenderError } from './page-error.ts';

export const PAGE_LAYOUT = 'page.html';

interface CompiledPage {
  template: nunjucks.Template;
  context: Record<string, unknown>;
  markdown: boolean;
}

export interface PageRenderer {
  /** The full HTML of a page. */
  renderPage(page: PageInfo): string;
  /** A template from templates/ (the styled 404 page), with the context the layout expects. */
  renderTemplate(name: string, context: Record<string, unknown>): string;
}

type RendererSettings = Pick<Settings, 'pagesDir' | 'templatesDir' | 'debug' | 'dev'>;

export function createPageRenderer(settings: RendererSettings, index: PageIndex, helpers: Omit<HelperOptions, 'pageUrl'> = {}): PageRenderer {
  const env = createTemplateEnvironment(settings, { ...helpers, pageUrl: index.urlOf });
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
    const page = { template: compileTemplate(env, split.template, file), context: split.context, markdown: path.extname(file) === '.md' };
    cache?.set(file, page);
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

  return {
    renderPage(page) {
      try {
        const compiled = compilePage(page.file);
        const context: Record<string, unknown> = { ...compiled.context, slug: page.slug, data: index.data() };
        if (page.entry) {
          const entry = page.entry.value as Record<string, unknown>;
          context[page.entry.name] = entry;
          // A page made from data is titled after its entry unless its metadata says otherwise.
          context.title ??= entry.title ?? entry.name;
        }
        const body = compiled.template.render(context);
        const content = compiled.markdown ? renderMarkdown(body) : body;
        return env.getTemplate(PAGE_LAYOUT, true).render({ ...context, content, markdown: compiled.markdown });
      } catch (err) {
        throw located(err);
      }
    },
    renderTemplate(name, context) {
      try {
        return env.getTemplate(name, true).render({ data: index.data(), ...context });
      } catch (err) {
        throw located(err);
      }
    },
  };
}
