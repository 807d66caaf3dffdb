// Rendering a page: its template (without the context block) is rendered
// with the block's JSON, and the result is placed in templates/page.html.
// Every problem a designer can cause comes out as a RenderError naming the
// file, line and column.
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type nunjucks from 'nunjucks';
import type { Settings } from '../settings.ts';
import { ContextBlockError, lineAndColumn, splitContextBlock } from '../templates/context-block.ts';
import { compileTemplate, createTemplateEnvironment, describeTemplateError } from '../templates/environment.ts';
import { pageUrlLookup } from './files.ts';

export const PAGE_LAYOUT = 'page.html';

/** A template error or an invalid context block, located. */
export class RenderError extends Error {
  override name = 'RenderError';
  constructor(
    /** Shown to people: "pages/pricing.html", "templates/base.html". */
    readonly file: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly reason: string,
    /** Where the file is on disk, to quote its lines; null when unknown. */
    readonly path: string | null,
  ) {
    super(`${file}${line ? `, line ${line}${column ? `, column ${column}` : ''}` : ''}: ${reason}`);
  }
}

interface CompiledPage {
  template: nunjucks.Template;
  context: Record<string, unknown>;
}

export interface PageRenderer {
  /** The full HTML of the page in `file` (a real path inside the pages folder). */
  renderPage(slug: string, file: string): string;
  /** A template from templates/ (the styled 404 page), with the context the layout expects. */
  renderTemplate(name: string, context: Record<string, unknown>): string;
}

type RendererSettings = Pick<Settings, 'pagesDir' | 'templatesDir' | 'debug' | 'dev'>;

export function createPageRenderer(settings: RendererSettings): PageRenderer {
  const env = createTemplateEnvironment(settings, { pageUrl: pageUrlLookup(settings.pagesDir) });
  // Production compiles each page once; debug and dev read it on every request.
  const cache = settings.debug || settings.dev ? null : new Map<string, CompiledPage>();
  const showPath = pathNamer([settings.pagesDir, settings.templatesDir]);

  const compilePage = (file: string): CompiledPage => {
    const cached = cache?.get(file);
    if (cached) return cached;
    const source = readFileSync(file, 'utf8');
    let split;
    try {
      split = splitContextBlock(source);
    } catch (err) {
      if (!(err instanceof ContextBlockError)) throw err;
      const { line, column } = lineAndColumn(source, err.offset);
      throw new RenderError(showPath(file), line, column, err.reason, file);
    }
    const page = { template: compileTemplate(env, split.template, file), context: split.context };
    cache?.set(file, page);
    return page;
  };

  /** Template errors, located; anything else is our bug and goes on as is. */
  const located = (err: unknown): unknown => {
    const problem = describeTemplateError(err);
    if (!problem) return err;
    const file = problem.file && path.isAbsolute(problem.file) ? problem.file : null;
    return new RenderError(problem.file ? showPath(problem.file) : 'a template', problem.line, problem.column, problem.message, file);
  };

  return {
    renderPage(slug, file) {
      try {
        const page = compilePage(file);
        const context = { ...page.context, slug };
        const content = page.template.render(context);
        return env.getTemplate(PAGE_LAYOUT, true).render({ ...context, content });
      } catch (err) {
        throw located(err);
      }
    },
    renderTemplate(name, context) {
      try {
        return env.getTemplate(name, true).render(context);
      } catch (err) {
        throw located(err);
      }
    },
  };
}

/** "pages/pricing.html" for a file inside one of `dirs` (by its given or its real path). */
function pathNamer(dirs: string[]): (file: string) => string {
  const roots = dirs.flatMap((dir) => {
    const shown = path.basename(dir);
    try {
      return [{ dir, shown }, { dir: realpathSync(dir), shown }];
    } catch {
      return [{ dir, shown }];
    }
  });
  return (file) => {
    for (const { dir, shown } of roots) {
      if (file.startsWith(dir + path.sep)) return `${shown}/${path.relative(dir, file).split(path.sep).join('/')}`;
    }
    return file;
  };
}
